"""Throughput and learning of every word2vec loss on one prepared corpus (WikiText-2 by default): one JSON line
per (architecture, loss), gensim beside where it has the loss.

    .venv/bin/python bench/word2vec_losses.py data/prepared [--epochs 1] [--threads 2]

Negative sampling and hierarchical softmax train ``--epochs`` over the whole corpus, as gensim does on the same
sentences (``hs=1, negative=0`` for the latter) in the same process; the line gives both words/second and their
ratio, and both models' WordSim-353 Spearman (gensim's evaluator). Full softmax costs a pass over the whole
vocabulary per prediction (33,278 rows on WikiText-2: two passes over a 13 MB matrix, bound by memory bandwidth),
which gensim does not offer; it trains on the first ``--softmax-words`` tokens only (CBOW; skip-gram, with about
six predictions per word, ``--softmax-words-skipgram``), and its line shows the mean loss of each tenth of them:
it starts at log(V) (U starts at zero, so every word is equally likely) and falls.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

# the same sentences (10,000-token cut) and data folder as the main benchmark
from data_folder import data_dir
from word2vec_vs_gensim import _sentences, check_evaluation_files, keyed_vectors
from wordlab.corpus.format import PreparedCorpus
from wordlab.embeddings.word2vec.config import (
    InitialVectors,
    RateSchedule,
    SigmoidRule,
    SkipgramUpdate,
    Word2VecConfig,
)
from wordlab.embeddings.word2vec.training import Word2VecState, train, train_chunk


def _wordsim(words: list[str], vectors: np.ndarray, path: Path) -> float:
    return round(float(keyed_vectors(words, vectors).evaluate_word_pairs(str(path))[1][0]), 4)


def _wordlab(architecture: str, loss: str, corpus: PreparedCorpus, tokens, offsets, args) -> dict[str, Any]:
    config = Word2VecConfig(
        architecture=architecture, loss=loss, epochs=args.epochs, threads=args.threads, seed=args.seed,
        sg_update=args.sg_update, streams=args.streams, schedule=args.schedule, init=args.init, sigmoid=args.sigmoid,
    )  # fmt: skip
    warm = Word2VecState.create(corpus.counts, config)
    train_chunk(warm, tokens, offsets, 0, 1, 0.01, 0.01, 0)  # compile the kernel outside the timing
    state = Word2VecState.create(corpus.counts, config)
    chunk_losses: list[float] = []
    raw_words = int(offsets[-1] - offsets[0]) * args.epochs
    chunk_words = args.chunk_words if loss != "softmax" else max(raw_words // 10, 1)
    began = time.perf_counter()
    train(state, tokens, offsets, chunk_words=chunk_words, on_chunk=lambda p, r: chunk_losses.append(r.mean_loss))
    seconds = time.perf_counter() - began
    line: dict[str, Any] = {
        "wordlab_words_per_sec": round(raw_words / seconds),
        "wordlab_seconds": round(seconds, 2),
        "first_chunk_loss": round(chunk_losses[0], 4),
        "last_chunk_loss": round(chunk_losses[-1], 4),
        "wordlab_wordsim353": _wordsim(corpus.words, state.V, args.wordsim),
        "raw_words": raw_words,
    }
    if loss == "softmax":
        line["chunk_losses"] = [round(value, 4) for value in chunk_losses]
    return line


def _gensim(architecture: str, loss: str, corpus: PreparedCorpus, sentences, args) -> dict[str, Any]:
    from gensim.models import Word2Vec

    model = Word2Vec(
        vector_size=100, window=5, sg=int(architecture == "skipgram"), hs=int(loss == "hierarchical_softmax"),
        negative=5 if loss == "negative_sampling" else 0, sample=1e-3, workers=args.threads, seed=args.seed,
        min_count=1,
        alpha=Word2VecConfig(architecture=architecture).learning_rate,
    )  # fmt: skip
    model.build_vocab_from_freq(dict(zip(corpus.words, corpus.counts.tolist(), strict=True)))
    total = int(corpus.counts.sum())
    began = time.perf_counter()
    model.train(sentences, epochs=args.epochs, total_examples=len(sentences), total_words=total)
    seconds = time.perf_counter() - began
    words = list(model.wv.index_to_key)
    return {
        "gensim_words_per_sec": round(total * args.epochs / seconds),
        "gensim_wordsim353": _wordsim(words, model.wv.vectors, args.wordsim),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, help="prepared-corpus directory")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--softmax-words", type=int, default=100_000)
    parser.add_argument("--softmax-words-skipgram", type=int, default=15_000)
    parser.add_argument("--chunk-words", type=int, default=50_000)
    parser.add_argument("--losses", default="negative_sampling,hierarchical_softmax,softmax")
    parser.add_argument("--architectures", default="skipgram,cbow")
    parser.add_argument("--wordsim", type=Path, default=data_dir() / "similarity" / "wordsim353.tsv")
    defaults = Word2VecConfig()
    parser.add_argument("--sg-update", choices=[u.value for u in SkipgramUpdate], default=str(defaults.sg_update))
    parser.add_argument("--streams", type=int, default=None)
    parser.add_argument("--schedule", choices=[s.value for s in RateSchedule], default=None)
    parser.add_argument("--init", choices=[i.value for i in InitialVectors], default=None)
    parser.add_argument("--sigmoid", choices=[r.value for r in SigmoidRule], default=None)
    args = parser.parse_args(argv)
    check_evaluation_files(parser, args, ("wordsim",))

    corpus = PreparedCorpus.load(args.corpus)
    tokens = np.ascontiguousarray(corpus.tokens(), dtype=np.int32)
    offsets = np.ascontiguousarray(corpus.line_offsets(), dtype=np.int64)
    sentences = _sentences(corpus.words, tokens, offsets)
    for architecture in args.architectures.split(","):
        for loss in args.losses.split(","):
            line: dict[str, Any] = {"architecture": architecture, "loss": loss, "vocab": len(corpus.words)}
            ours = Word2VecConfig(
                architecture=architecture, streams=args.streams, schedule=args.schedule, init=args.init,
                sigmoid=args.sigmoid,
            )  # fmt: skip
            line.update(
                sg_update=args.sg_update if architecture == "skipgram" else None, streams=ours.stream_count,
                schedule=ours.rate_schedule, init=ours.initial_vectors, sigmoid=ours.sigmoid_rule,
            )  # fmt: skip
            if loss == "softmax":
                budget = args.softmax_words_skipgram if architecture == "skipgram" else args.softmax_words
                lines = int(np.searchsorted(offsets, budget, side="right"))
                sub_offsets = offsets[: max(lines, 2)]
                line.update(_wordlab(architecture, loss, corpus, tokens, sub_offsets, args))
                line["log_vocab"] = round(math.log(len(corpus.words)), 4)
                line["note"] = f"first {int(sub_offsets[-1]):,} tokens only; gensim has no full softmax"
            else:
                line.update(_wordlab(architecture, loss, corpus, tokens, offsets, args))
                line.update(_gensim(architecture, loss, corpus, sentences, args))
                line["ratio"] = round(line["wordlab_words_per_sec"] / line["gensim_words_per_sec"], 3)
            print(json.dumps(line), flush=True)
            print(f"# {architecture} {loss} done", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
