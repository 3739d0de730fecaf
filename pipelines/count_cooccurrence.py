"""DVC stage ``count_cooccurrence``: the prepared corpus -> window co-occurrence counts X (sparse CSR .npz)."""

from __future__ import annotations

from pathlib import Path

from wordlab.corpus.format import VOCAB_FILE
from wordlab.embeddings.cooccurrence.build import write_cooccurrences
from wordlab.embeddings.cooccurrence.config import CooccurrenceConfig
from wordlab.embeddings.cooccurrence.store import COOCCURRENCE_FILE
from wordlab.io import atomic_directory
from wordlab.stage import argument_parser, run_stage


def main() -> None:
    parser = argument_parser(__doc__ or "")
    parser.add_argument("--corpus", type=Path, default=Path("data/prepared"))
    parser.add_argument("--out", type=Path, default=Path("data/cooccurrence"))
    parser.add_argument("--metrics", type=Path, default=Path("metrics/cooccurrence_stats.json"))
    args = parser.parse_args()
    with run_stage("count_cooccurrence", args.params, inputs=[args.corpus], outputs=[args.out, args.metrics]) as stage:
        config = stage.settings("cooccurrence", CooccurrenceConfig)
        with atomic_directory(args.out) as staging:
            (staging / VOCAB_FILE).write_bytes((args.corpus / VOCAB_FILE).read_bytes())
            stats = write_cooccurrences(args.corpus, staging / COOCCURRENCE_FILE, args.metrics, config)
        stage.log_metrics(stats.to_dict())
        stage.log_artifact(args.metrics)


if __name__ == "__main__":
    main()
