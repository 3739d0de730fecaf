"""DVC stage ``count_cooccurrence``: the prepared corpus -> window co-occurrence counts X (sparse CSR .npz)."""

from __future__ import annotations

from pathlib import Path

from wordlab.embeddings.cooccurrence.build import CooccurrenceConfig, write_cooccurrences
from wordlab.embeddings.cooccurrence.weighting import Weighting
from wordlab.embeddings.training import COOCCURRENCE_FILE
from wordlab.io import atomic_directory
from wordlab.stage import argument_parser, run_stage


def main() -> None:
    parser = argument_parser(__doc__ or "")
    parser.add_argument("--corpus", type=Path, default=Path("data/prepared"))
    parser.add_argument("--out", type=Path, default=Path("data/cooccurrence"))
    parser.add_argument("--metrics", type=Path, default=Path("metrics/cooccurrence_stats.json"))
    args = parser.parse_args()
    with run_stage("count_cooccurrence", args.params) as stage:
        settings = stage.cfg.cooccurrence
        config = CooccurrenceConfig(
            window=settings.window,
            weighting=Weighting(settings.weighting.value),
            memory_budget=settings.memory_budget,
            threads=settings.threads,
        )
        with atomic_directory(args.out) as staging:
            (staging / "vocab.tsv").write_bytes((args.corpus / "vocab.tsv").read_bytes())
            stats = write_cooccurrences(args.corpus, staging / COOCCURRENCE_FILE, args.metrics, config)
        stage.log_metrics(stats.to_dict())
        stage.log_artifact(args.metrics)


if __name__ == "__main__":
    main()
