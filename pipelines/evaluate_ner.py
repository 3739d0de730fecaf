"""DVC stage ``evaluate_ner@<method>``: every configured NER tagger on one embedding method's vectors.

Each ``ner.<tagger>`` entry is trained on CoNLL-2003 train, selected on testa (early stopping on dev F1) and scored
on testb; an entry that names vectors gets this method's, so the same taggers compare every method. Entries with
``random_init: true`` are the baselines: this method's vocabulary and dimension, random initial values.
"""

from __future__ import annotations

from pathlib import Path

from wordlab.config import TrainerConfig
from wordlab.embeddings.outputs import VECTORS_BINARY
from wordlab.io import write_json_atomic
from wordlab.ner.config import NerConfig
from wordlab.stage import argument_parser, run_stage


def main() -> None:
    parser = argument_parser(__doc__ or "")
    parser.add_argument("--method", required=True)
    parser.add_argument("--vectors", type=Path, required=True, help="the method's output directory")
    parser.add_argument("--out", type=Path, required=True, help="directory for predictions")
    parser.add_argument("--metrics", type=Path, required=True)
    parser.add_argument("--curves", type=Path, required=True)
    parser.add_argument("--checkpoints", type=Path, default=Path("checkpoints"))
    args = parser.parse_args()
    outputs = [args.out, args.metrics, args.curves, args.checkpoints]
    with run_stage(f"evaluate_ner@{args.method}", args.params, inputs=[args.vectors], outputs=outputs) as stage:
        files = stage.locator.paths("conll2003")  # located and verified before the MLflow run opens
        stage.set_tags({"embedding.method": args.method})
        # Lightning's import costs some 10 s: made only once the stage's checks have passed.
        from wordlab.ner.run import run_ner

        trainer = stage.settings("trainer", TrainerConfig)
        metrics: dict[str, float] = {}
        for tagger, entry, vectors_path in stage.method_entries(
            "ner", NerConfig, args.method, args.vectors / VECTORS_BINARY
        ):
            metrics.update(
                run_ner(
                    tagger,
                    entry,
                    vectors_path=vectors_path,
                    files=files,
                    trainer_cfg=trainer,
                    out_dir=args.out / tagger,
                    curves_dir=args.curves / tagger,
                    run=stage.run,
                    metrics_path=args.out / tagger / "metrics.json",
                    checkpoint_dir=args.checkpoints / "ner" / args.method / tagger,
                    cache_dir=args.checkpoints / "datasets",
                )
            )
        write_json_atomic(args.metrics, metrics)
        stage.log_metrics(metrics)


if __name__ == "__main__":
    main()
