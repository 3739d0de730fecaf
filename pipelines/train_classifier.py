"""DVC stage ``train_classifier@<method>``: every configured sentence classifier on one embedding method's vectors.

Each ``classify.<entry>`` is trained on the Stanford Sentiment Treebank's training phrases for each of its tasks
(binary and fine-grained), early-stopped on dev sentence accuracy, and scores dev and test sentences; an entry that
names vectors gets this method's, so the same classifiers compare every method. Entries with ``random_init: true``
are the baselines: this method's vocabulary and dimension, random initial values.
"""

from __future__ import annotations

from pathlib import Path

from wordlab.classify.config import ClassifierConfig
from wordlab.config import TrainerConfig
from wordlab.embeddings.outputs import VECTORS_BINARY
from wordlab.io import write_json_atomic
from wordlab.stage import argument_parser, run_stage


def main() -> None:
    parser = argument_parser(__doc__ or "")
    parser.add_argument("--method", required=True)
    parser.add_argument("--vectors", type=Path, required=True, help="the method's output directory")
    parser.add_argument("--out", type=Path, required=True, help="directory for the classifiers and predictions")
    parser.add_argument("--metrics", type=Path, required=True)
    parser.add_argument("--curves", type=Path, required=True, help="loss curves, <entry>/<task>/{train,val}.tsv")
    parser.add_argument("--predictions", type=Path, required=True, help="<entry>/predictions.<task>.<split>.tsv")
    parser.add_argument("--checkpoints", type=Path, default=Path("checkpoints"))
    args = parser.parse_args()
    outputs = [args.out, args.metrics, args.curves, args.predictions, args.checkpoints]
    with run_stage(f"train_classifier@{args.method}", args.params, inputs=[args.vectors], outputs=outputs) as stage:
        paths = stage.locator.paths("sst")  # located and verified before the MLflow run opens
        files = {"train": paths["train"], "dev": paths["validation"], "test": paths["test"]}
        stage.set_tags({"embedding.method": args.method})
        # Lightning's import costs some 10 s: made only once the stage's checks have passed.
        from wordlab.classify.run import run_classifier

        trainer = stage.settings("trainer", TrainerConfig)
        metrics: dict[str, float] = {}
        for name, entry, vectors_path in stage.method_entries(
            "classify", ClassifierConfig, args.method, args.vectors / VECTORS_BINARY
        ):
            metrics.update(
                run_classifier(
                    name,
                    entry,
                    vectors_path=vectors_path,
                    files=files,
                    trainer_cfg=trainer,
                    out_dir=args.out / name,
                    curves_dir=args.curves / name,
                    predictions_dir=args.predictions / name,
                    run=stage.run,
                    metrics_path=args.out / name / "metrics.json",
                    checkpoint_dir=args.checkpoints / "classify" / args.method / name,
                )
            )
        write_json_atomic(args.metrics, metrics)
        stage.log_metrics(metrics)


if __name__ == "__main__":
    main()
