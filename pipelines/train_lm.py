"""DVC stages ``train_lm@<name>`` and ``train_lm_vectors@<method>``: language models trained on their corpus.

``train_lm@<name>`` trains one entry of the ``lm`` group (random embeddings; PTB by default, ``corpus: wikitext2``
by config): the n-gram model counts the training split, the neural ones train by truncated BPTT with early stopping
on validation perplexity. ``train_lm_vectors@<method>`` trains every entry of the ``lm_vectors`` group with one
embedding method's vectors as initial embeddings, so that the report can set each beside its ``lm`` twin of the
same name. The split keeps each stage's dependencies exact: only the second kind depends on an embedding stage.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from wordlab.config import TrainerConfig
from wordlab.embeddings.outputs import VECTORS_BINARY
from wordlab.io import write_json_atomic
from wordlab.lm.config import KneserNeyConfig, NeuralLMConfig
from wordlab.stage import StageContext, argument_parser, run_stage


def main() -> None:
    parser = argument_parser(__doc__ or "")
    chosen = parser.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--name", help="train_lm: the entry of the lm group")
    chosen.add_argument("--method", help="train_lm_vectors: the embedding method whose vectors to start from")
    parser.add_argument("--vectors", type=Path, default=None, help="with --method: the method's output directory")
    parser.add_argument("--out", type=Path, required=True, help="directory for the model, samples and pictures")
    parser.add_argument("--metrics", type=Path, required=True)
    parser.add_argument("--curves", type=Path, required=True)
    parser.add_argument("--checkpoints", type=Path, default=Path("checkpoints"))
    args = parser.parse_args()
    if (args.method is None) != (args.vectors is None):
        parser.error("--vectors goes with --method, and only with it")
    outputs = [args.out, args.metrics, args.curves, args.checkpoints]
    stage_name = f"train_lm@{args.name}" if args.name else f"train_lm_vectors@{args.method}"
    with run_stage(stage_name, args.params, inputs=[args.vectors] if args.vectors else [], outputs=outputs) as stage:
        if args.name is not None:
            metrics = _train(stage, "lm", args.name, None, args.out, args.curves, args.checkpoints)
        else:
            stage.set_tags({"embedding.method": args.method})
            metrics: dict[str, Any] = {}
            vectors = (args.method, args.vectors / VECTORS_BINARY)
            for name in stage.cfg.lm_vectors:
                folders = (args.out / name, args.curves / name, args.checkpoints / args.method)
                metrics.update(_train(stage, "lm_vectors", name, vectors, *folders))
        write_json_atomic(args.metrics, metrics)
        stage.log_metrics(metrics)


def _train(
    stage: StageContext,
    group: str,
    name: str,
    vectors: tuple[str, Path] | None,
    out: Path,
    curves: Path,
    checkpoints: Path,
) -> dict[str, Any]:
    kind = KneserNeyConfig if stage.cfg[group][name].model == "kneser_ney" else NeuralLMConfig
    entry = stage.settings(f"{group}.{name}", kind)
    if isinstance(entry, KneserNeyConfig):
        if vectors is not None:
            raise SystemExit(f"{group}.{name}: the n-gram model takes no vectors; list it in the lm group")
        from wordlab.lm.run_ngram import run_kneser_ney  # torch's import, after the stage's checks

        files = stage.locator.paths(entry.corpus.value)  # located and verified before the MLflow run opens
        return run_kneser_ney(name, entry, files=files, out_dir=out, curves_dir=curves, run=stage.run)
    if vectors is None and entry.vectors is not None:
        raise SystemExit(
            f"lm.{name}.vectors is {entry.vectors!r}: entries with vectors belong to the lm_vectors group "
            "(stage train_lm_vectors@<method>, which depends on that method's embedding stage)"
        )
    if vectors is not None:
        entry = dataclasses.replace(entry, vectors=vectors[0])
    files = stage.locator.paths(entry.corpus.value)
    # Lightning's import costs several seconds: made only once the stage's checks have passed, and never for the
    # n-gram model.
    from wordlab.lm.run import run_neural

    stage.set_tags({f"{group}.{name}.model": entry.model.value, f"{group}.{name}.corpus": entry.corpus.value})
    return run_neural(
        name,
        entry,
        files=files,
        vectors_path=vectors[1] if vectors is not None else None,
        trainer_cfg=stage.settings("trainer", TrainerConfig),
        out_dir=out,
        curves_dir=curves,
        run=stage.run,
        checkpoint_dir=checkpoints / "lm" / group / name,
    )


if __name__ == "__main__":
    main()
