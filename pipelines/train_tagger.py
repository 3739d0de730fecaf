"""DVC stage ``train_tagger@<method>``: every configured UPOS tagger on one embedding method's vectors.

Each ``tagger.<entry>`` is trained on UD English EWT train, early-stopped on dev accuracy, and tags dev and test;
a k-fold jackknife tags the training set. The tagged files are what ``train_parser_predicted@<method>`` reads.
"""

from __future__ import annotations

from pathlib import Path

from wordlab.config import TrainerConfig
from wordlab.embeddings.outputs import VECTORS_BINARY
from wordlab.io import write_json_atomic
from wordlab.stage import argument_parser, run_stage
from wordlab.tagger.config import TaggerConfig


def main() -> None:
    parser = argument_parser(__doc__ or "")
    parser.add_argument("--method", required=True)
    parser.add_argument("--vectors", type=Path, required=True, help="the method's output directory")
    parser.add_argument("--out", type=Path, required=True, help="<entry>/tagged.<split>.conllu and tagger.pt")
    parser.add_argument("--metrics", type=Path, required=True)
    parser.add_argument("--curves", type=Path, required=True, help="loss curves, <entry>/<model>/{train,val}.tsv")
    parser.add_argument("--checkpoints", type=Path, default=Path("checkpoints"))
    args = parser.parse_args()
    outputs = [args.out, args.metrics, args.curves, args.checkpoints]
    with run_stage(f"train_tagger@{args.method}", args.params, inputs=[args.vectors], outputs=outputs) as stage:
        paths = stage.locator.paths("ud_english_ewt")  # located and verified before the MLflow run opens
        files = {"train": paths["train"], "dev": paths["validation"], "test": paths["test"]}
        stage.set_tags({"embedding.method": args.method})
        # Lightning's import costs some 10 s: made only once the stage's checks have passed.
        from wordlab.tagger.run import run_tagger

        trainer = stage.settings("trainer", TrainerConfig)
        metrics: dict[str, float] = {}
        for name, entry, vectors_path in stage.method_entries(
            "tagger", TaggerConfig, args.method, args.vectors / VECTORS_BINARY
        ):
            metrics.update(
                run_tagger(
                    name,
                    entry,
                    vectors_path=vectors_path,
                    files=files,
                    trainer_cfg=trainer,
                    out_dir=args.out / name,
                    curves_dir=args.curves / name,
                    run=stage.run,
                    metrics_path=args.out / name / "metrics.json",
                    checkpoint_dir=args.checkpoints / "tagger" / args.method / name,
                )
            )
        write_json_atomic(args.metrics, metrics)
        stage.log_metrics(metrics)


if __name__ == "__main__":
    main()
