"""DVC stages ``train_parser@<method>`` and ``train_parser_predicted@<method>``: the configured parsers on one
embedding method's vectors, with gold tags or with a tagger's.

Each ``parser.<entry>`` is trained on UD English EWT train, early-stopped on dev LAS, and parses dev and test; an
entry that names vectors gets this method's, so the same parsers compare every method. Entries with
``random_init: true`` are the baselines: this method's vocabulary and dimension, random initial values.

``--tags gold`` (train_parser) trains the entries with ``tags: gold`` on the treebank's files. ``--tags predicted``
(train_parser_predicted) trains those with ``tags: predicted`` on the files the ``train_tagger`` stage wrote for
the entry's ``tagger`` (``--tagged``: the method's tagger folder): the treebank with its UPOS replaced, the
training set's by the tagger's jackknife. Two stages, because a DVC stage's dependencies cannot depend on a
parameter: only the predicted-tag parsers wait for the tagger.
"""

from __future__ import annotations

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
    parser.add_argument("--tags", choices=["gold", "predicted"], default="gold")
    parser.add_argument("--tagged", type=Path, help="with --tags predicted: <tagger entry>/tagged.<split>.conllu")
    args = parser.parse_args()
    if args.tags == "predicted" and args.tagged is None:
        parser.error("--tags predicted needs --tagged, the tagger stage's output folder")
    outputs = [args.out, args.metrics, args.curves, args.dev_curves, args.checkpoints]
    stage_name = "train_parser" if args.tags == "gold" else "train_parser_predicted"
    inputs = [args.vectors] + ([args.tagged] if args.tags == "predicted" else [])
    with run_stage(f"{stage_name}@{args.method}", args.params, inputs=inputs, outputs=outputs) as stage:
        paths = stage.locator.paths("ud_english_ewt")  # located and verified before the MLflow run opens
        gold_files = {"train": paths["train"], "dev": paths["validation"], "test": paths["test"]}
        stage.set_tags({"embedding.method": args.method})
        # Lightning's import costs some 10 s: made only once the stage's checks have passed.
        from wordlab.parser.run import run_parser

        trainer = stage.settings("trainer", TrainerConfig)
        metrics: dict[str, float] = {}
        for name, entry, vectors_path in stage.method_entries(
            "parser", ParserConfig, args.method, args.vectors / VECTORS_BINARY
        ):
            if entry.tags != args.tags:
                continue
            files = gold_files
            if args.tags == "predicted":
                files = {split: args.tagged / entry.tagger / f"tagged.{split}.conllu" for split in gold_files}
                missing = [str(path) for path in files.values() if not path.is_file()]
                if missing:
                    raise FileNotFoundError(
                        f"parser.{name}.tagger is {entry.tagger!r}, but the tagger stage wrote no {', '.join(missing)}"
                        " (name an entry of the tagger group)"
                    )
            metrics.update(
                run_parser(
                    name,
                    entry,
                    vectors_path=vectors_path,
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
