"""DVC stage ``prepare_corpus``: raw text of the configured corpus -> token ids, vocabulary, corpus_stats.json."""

from __future__ import annotations

from pathlib import Path

from wordlab.corpus.prepare import VocabSpec, prepare_corpus
from wordlab.corpus.tokenize import Tokenizer
from wordlab.io import write_json_atomic
from wordlab.stage import argument_parser, run_stage


def main() -> None:
    parser = argument_parser(__doc__ or "")
    parser.add_argument("--out", type=Path, default=Path("data/prepared"))
    parser.add_argument("--metrics", type=Path, default=Path("metrics/corpus_stats.json"))
    args = parser.parse_args()
    with run_stage("prepare_corpus", args.params) as stage:
        corpus = stage.cfg.corpus
        sources = stage.locator.paths(corpus.dataset, list(corpus.splits))
        tokenizer = Tokenizer(
            lowercase=corpus.tokenizer.lowercase,
            numbers=corpus.tokenizer.numbers,
            punctuation=corpus.tokenizer.punctuation,
            eos=corpus.tokenizer.eos,
        )
        vocab = VocabSpec(
            min_count=corpus.vocab.min_count,
            max_size=corpus.vocab.max_size,
            unk=corpus.vocab.unk,
            oov=corpus.vocab.oov,
        )
        stats = prepare_corpus(sources, args.out, tokenizer, vocab, max_lines=corpus.max_lines)
        metrics = {"corpus": corpus.name, **stats.as_dict()}
        write_json_atomic(args.metrics, metrics)
        stage.log_metrics(stats.as_dict())
        stage.log_artifact(args.metrics)
        stage.log_artifact(args.out / "vocab.tsv")


if __name__ == "__main__":
    main()
