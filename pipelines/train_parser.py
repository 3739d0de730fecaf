"""DVC stage ``train_parser@<method>``: every configured parser on one embedding method's vectors.

Each ``parser.<entry>`` is trained on UD English EWT train (gold UPOS), early-stopped on dev LAS, and parses dev
and test; an entry that names vectors gets this method's, so the same parsers compare every method. Entries with
``random_init: true`` are the baselines: this method's vocabulary and dimension, random initial values.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from wordlab.config import TrainerConfig
from wordlab.embeddings.outputs import VECTORS_BINARY
from wordlab.io import write_json_atomic
from wordlab.parser.config import ParserConfig
from wordlab.stage import argument_parser, run_stage


def main() -> None:
    parser = argument_parser(__doc__ or "")
    parser.add_argument("--method", required=True)
    parser.add_argument("--vectors", type=Path, required=True, help="the method's output directory")
    parser.add_argument("--out", type=Path, required=True, help="directory for predictions and the parsers")
    parser.add_argument("--metrics", type=Path, required=True)
    parser.add_argument("--curves", type=Path, required=True, help="loss curves, <parser>/{train,val}.tsv")
    parser.add_argument("--dev-curves", type=Path, required=True, help="dev UAS and LAS per epoch, <parser>.tsv")
    parser.add_argument("--checkpoints", type=Path, default=Path("checkpoints"))
    args = parser.parse_args()
    outputs = [args.out, args.metrics, args.curves, args.dev_curves, args.checkpoints]
    with run_stage(f"train_parser@{args.method}", args.params, inputs=[args.vectors], outputs=outputs) as stage:
        paths = stage.locator.paths("ud_english_ewt")  # located and verified before the MLflow run opens
        files = {"train": paths["train"], "dev": paths["validation"], "test": paths["test"]}
        stage.set_tags({"embedding.method": args.method})
        # Lightning's import costs some 10 s: made only once the stage's checks have passed.
        from wordlab.parser.run import run_parser

        trainer = stage.settings("trainer", TrainerConfig)
        metrics: dict[str, float] = {}
        for name in stage.cfg.parser:
            entry = stage.settings(f"parser.{name}", ParserConfig)
            entry = dataclasses.replace(entry, vectors=args.method if entry.vectors is not None else None)
            metrics.update(
                run_parser(
                    name,
                    entry,
                    vectors_path=args.vectors / VECTORS_BINARY if entry.vectors is not None else None,
                    files=files,
                    trainer_cfg=trainer,
                    out_dir=args.out / name,
                    curves_dir=args.curves / name,
                    run=stage.run,
                    metrics_path=args.out / name / "metrics.json",
                    checkpoint_dir=args.checkpoints / "parser" / args.method / name,
                    dev_curve=args.dev_curves / f"{name}.tsv",
                )
            )
        write_json_atomic(args.metrics, metrics)
        stage.log_metrics(metrics)


if __name__ == "__main__":
    main()
