"""DVC stage ``train_embeddings@<method>``: the prepared corpus -> word vectors of one configured method."""

from __future__ import annotations

import logging
from pathlib import Path

from wordlab.config import ConfigError, TrainerConfig
from wordlab.embeddings.glove.config import GloveConfig
from wordlab.embeddings.word2vec.config import Word2VecConfig
from wordlab.stage import argument_parser, run_stage

log = logging.getLogger("wordlab.train_embeddings")


def main() -> None:
    parser = argument_parser(__doc__ or "")
    parser.add_argument("--method", required=True, help="an entry of the `embedding` config (e.g. skipgram)")
    parser.add_argument("--input", type=Path, required=True, help="what the method trains on (embedding.<m>.input)")
    parser.add_argument("--out", type=Path, required=True, help="directory for the vectors")
    parser.add_argument("--metrics", type=Path, required=True)
    parser.add_argument("--curves", type=Path, required=True, help="directory for the learning-curve TSVs")
    parser.add_argument("--checkpoints", type=Path, default=Path("checkpoints"))
    args = parser.parse_args()
    outputs = [args.out, args.metrics, args.curves, args.checkpoints]
    with run_stage(f"train_embeddings@{args.method}", args.params, inputs=[args.input], outputs=outputs) as stage:
        if args.method not in stage.cfg.embedding:
            raise ConfigError(
                f"{args.params}: no embedding method {args.method!r} (it has {list(stage.cfg.embedding)})"
            )
        # Lightning's import costs some 10 s: made only once the stage's checks have passed.
        from wordlab.embeddings.run import train_method

        metrics = train_method(
            method=args.method,
            method_cfg=stage.settings(f"embedding.{args.method}", Word2VecConfig | GloveConfig),
            trainer_cfg=stage.settings("trainer", TrainerConfig),
            input_dir=args.input,
            out_dir=args.out,
            metrics_path=args.metrics,
            curves_dir=args.curves,
            checkpoint_dir=args.checkpoints / "embeddings" / args.method,
            run=stage.run,
        )
        stage.log_metrics(metrics)
        for path in (args.metrics, args.out / "vectors.txt"):
            stage.log_artifact(path)


if __name__ == "__main__":
    main()
