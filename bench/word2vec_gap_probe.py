"""Probe for issue #14's skip-gram gap: wordlab's skip-gram under gensim's effective settings, one at a time.

Not a peer benchmark: it trains wordlab alone (seeds given) and prints one JSON line per seed with the analogy
total and sections, WS-353 and SimLex-999, scored by gensim's evaluators as ``word2vec_vs_gensim.py`` does. Its
defaults are wordlab's (``pairwise`` order, two streams for skip-gram and one for CBOW, the linear schedule);
each option swaps one of them.

- ``--schedule gensim_file``: the learning rate gensim 4.4 applies in ``corpus_file`` mode with ``--workers``
  workers. Each worker's progress is its own sentence count over the whole corpus's (``get_next_alpha`` in
  ``word2vec_corpusfile.pyx``), so within an epoch the rate falls only 1/workers of the way (a sawtooth whose mean
  is higher than the linear schedule's and which ends at alpha * (1 - (epochs - 1 + 1/workers) / epochs)).
  With one stream the rate restarts at each part's start, as it does for each worker's part of the file; with
  more it follows each part's own progress.
- ``--init gensim``: input vectors uniform in +-1/dim (gensim 4's ``prep_vectors``) instead of word2vec.c's
  +-0.5/dim.
- ``--streams 1``: the corpus in its own order, where skip-gram's default reads its two halves side by side (the
  ``streams`` option of the config: how word2vec.c's threads and gensim's ``corpus_file`` workers meet the file).
- ``--sg-update window``, ``--architecture cbow``, ``--threads 1``: the other order, the other model, one thread.

    python bench/word2vec_gap_probe.py PREPARED_CORPUS --seeds 1,2,3 --schedule gensim_file
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import word2vec_vs_gensim as bench
from wordlab.corpus.format import PreparedCorpus
from wordlab.embeddings.word2vec.config import SkipgramUpdate, Word2VecConfig
from wordlab.embeddings.word2vec.training import Word2VecState, chunk_seed, in_stream_order, plan_chunks, train_chunk


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--schedule", choices=["linear", "gensim_file"], default="linear")
    parser.add_argument("--init", choices=["word2vec", "gensim"], default="word2vec")
    defaults = Word2VecConfig()
    parser.add_argument("--streams", type=int, default=None)
    parser.add_argument("--architecture", choices=["skipgram", "cbow"], default="skipgram")
    parser.add_argument("--sg-update", choices=[u.value for u in SkipgramUpdate], default=str(defaults.sg_update))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gensim's workers the schedule imitates")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=None, help="default: wordlab's for the architecture")
    bench.add_evaluation_arguments(parser)
    parser.add_argument("--restrict-vocab", type=int, default=30_000)
    args = parser.parse_args(argv)
    bench.check_evaluation_files(parser, args)
    if args.alpha is None:
        args.alpha = Word2VecConfig(architecture=args.architecture).learning_rate
    end_alpha = args.alpha * 1e-4
    corpus = PreparedCorpus.load(args.corpus)
    base = Word2VecConfig(
        dim=100, window=5, architecture=args.architecture, loss="negative_sampling", negatives=5, sample=1e-3,
        alpha=args.alpha, epochs=args.epochs, threads=args.threads, compute_loss=False, sg_update=args.sg_update,
        streams=args.streams,
    )  # fmt: skip
    # train_chunk is given the rearranged corpus, as train() and the Lightning module give it
    tokens, offsets = in_stream_order(corpus.tokens(), corpus.line_offsets(), base)

    def alpha(epoch: int, progress: float) -> float:
        if args.schedule == "gensim_file":
            within = progress / args.workers if base.stream_count > 1 else progress % (1.0 / args.workers)
        else:
            within = progress
        return max(args.alpha - (args.alpha - end_alpha) * (epoch + within) / args.epochs, end_alpha)

    n_words = int(offsets[-1] - offsets[0])
    bounds = plan_chunks(offsets, 1_000_000)
    for seed in (int(s) for s in args.seeds.split(",")):
        config = dataclasses.replace(base, seed=seed)
        state = Word2VecState.create(corpus.counts, config)
        if args.init == "gensim":
            rng = np.random.default_rng(seed)
            state.V[:] = (rng.random(state.V.shape, dtype=np.float32) * 2.0 - 1.0) / config.dim
        began = time.perf_counter()
        for epoch in range(args.epochs):
            for start, end in itertools.pairwise(bounds):
                first = (offsets[start] - offsets[0]) / n_words
                last = (offsets[end] - offsets[0]) / n_words - 1e-12
                train_chunk(state, tokens, offsets, int(start), int(end), alpha(epoch, first), alpha(epoch, last),
                            chunk_seed(seed, epoch, int(start)))  # fmt: skip
        seconds = time.perf_counter() - began
        scores = bench._scores(list(corpus.words), state.V, args)
        line = {"architecture": args.architecture, "sg_update": args.sg_update, "streams": base.stream_count,
                "threads": args.threads, "schedule": args.schedule, "init": args.init, "seed": seed,
                "seconds": round(seconds, 1)}  # fmt: skip
        line.update({k: round(scores[k], 4) for k in ("analogy", "wordsim353", "simlex999")})
        line["sections"] = {k: round(v, 4) for k, v in scores["analogy_sections"].items()}
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
