"""DVC stage ``prepare_corpus``: raw text of the configured corpus -> token ids, vocabulary, corpus_stats.json."""

from __future__ import annotations

from pathlib import Path

from wordlab.corpus.config import CorpusConfig
from wordlab.corpus.prepare import prepare_corpus
from wordlab.io import write_json_atomic
from wordlab.stage import argument_parser, run_stage


def main() -> None:
    parser = argument_parser(__doc__ or "")
    parser.add_argument("--out", type=Path, default=Path("data/prepared"))
    parser.add_argument("--metrics", type=Path, default=Path("metrics/corpus_stats.json"))
    args = parser.parse_args()
    with run_stage("prepare_corpus", args.params, outputs=[args.out, args.metrics]) as stage:
        corpus = stage.settings("corpus", CorpusConfig)
        sources = stage.locator.paths(corpus.dataset, list(corpus.splits))
        stats = prepare_corpus(sources, args.out, corpus.tokenizer, corpus.vocab, max_lines=corpus.max_lines)
        metrics = {"corpus": corpus.name, **stats.as_dict()}
        write_json_atomic(args.metrics, metrics)
        stage.log_metrics(stats.as_dict())
        stage.log_artifact(args.metrics)
        stage.log_artifact(args.out / "vocab.tsv")


if __name__ == "__main__":
    main()
