"""Probe for issue #14's skip-gram gap: wordlab's skip-gram with one setting at a time swapped for gensim's.

Not a peer benchmark: it trains wordlab alone (seeds given) and prints one JSON line per seed with the analogy
total and sections, WS-353 and SimLex-999, scored by gensim's evaluators as ``word2vec_vs_gensim.py`` does. Its
defaults are the config's; each option swaps one setting.

- ``--schedule run|stream``: the config's ``schedule``. ``stream`` is the rate gensim 4.4 applies in
  ``corpus_file`` mode with one worker per stream: each worker's progress is its own sentence count over the
  whole corpus's (``get_next_alpha`` in ``word2vec_corpusfile.pyx``), so within an epoch the rate falls only
  1/streams of the way. ``run`` is linear over the run (word2vec.c, gensim's documentation).
- ``--init word2vec|gensim``: the config's ``init``, input vectors uniform in +-0.5/dim (word2vec.c) or +-1/dim
  (gensim 4's ``prep_vectors``).
- ``--sigmoid exact|gensim|word2vec``: the config's ``sigmoid``: exact, or word2vec.c's 1,000-entry table read as
  it compiles (index step 83), with no step past +-6 (gensim) or sigma 1 or 0 there (word2vec.c).
- ``--streams 1``: the corpus in its own order, where skip-gram's default reads its two halves side by side (the
  ``streams`` option of the config: how word2vec.c's threads and gensim's ``corpus_file`` workers meet the file).
- ``--block-words N``: how many tokens of one stream are read before the next stream's turn (the config's
  ``block_words``, also the unit the threads take). gensim's workers read their parts at once, word by word; the
  streams alternate in blocks, 10,000 tokens by default.
- ``--sg-update window``, ``--architecture cbow``, ``--threads 1``: the other order, the other model, one thread.

    python bench/word2vec_gap_probe.py PREPARED_CORPUS --seeds 1,2,3 --schedule stream --init gensim
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import word2vec_vs_gensim as bench
from wordlab.corpus.format import PreparedCorpus
from wordlab.embeddings.word2vec.config import (
    InitialVectors,
    RateSchedule,
    SigmoidRule,
    SkipgramUpdate,
    Word2VecConfig,
)
from wordlab.embeddings.word2vec.training import Word2VecState, train


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--seeds", default="1,2,3")
    defaults = Word2VecConfig()
    parser.add_argument("--schedule", choices=[s.value for s in RateSchedule], default=None)
    parser.add_argument("--init", choices=[i.value for i in InitialVectors], default=None)
    parser.add_argument("--sigmoid", choices=[r.value for r in SigmoidRule], default=None)
    parser.add_argument("--streams", type=int, default=None)
    parser.add_argument("--block-words", type=int, default=defaults.block_words)
    parser.add_argument("--architecture", choices=["skipgram", "cbow"], default="skipgram")
    parser.add_argument("--sg-update", choices=[u.value for u in SkipgramUpdate], default=str(defaults.sg_update))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=None, help="default: wordlab's for the architecture")
    bench.add_evaluation_arguments(parser)
    parser.add_argument("--restrict-vocab", type=int, default=30_000)
    args = parser.parse_args(argv)
    bench.check_evaluation_files(parser, args)
    corpus = PreparedCorpus.load(args.corpus)
    base = Word2VecConfig(
        dim=100, window=5, architecture=args.architecture, loss="negative_sampling", negatives=5, sample=1e-3,
        alpha=args.alpha, epochs=args.epochs, threads=args.threads, compute_loss=False, sg_update=args.sg_update,
        streams=args.streams, block_words=args.block_words, schedule=args.schedule, init=args.init,
        sigmoid=args.sigmoid,
    )  # fmt: skip
    for seed in (int(s) for s in args.seeds.split(",")):
        config = dataclasses.replace(base, seed=seed)
        state = Word2VecState.create(corpus.counts, config)
        began = time.perf_counter()
        train(state, corpus.tokens(), corpus.line_offsets())
        seconds = time.perf_counter() - began
        scores = bench._scores(list(corpus.words), state.V, args)
        line = {"architecture": args.architecture, "sg_update": args.sg_update, "streams": config.stream_count,
                "threads": args.threads, "block_words": args.block_words, "schedule": config.rate_schedule,
                "init": config.initial_vectors, "sigmoid": config.sigmoid_rule, "seed": seed,
                "seconds": round(seconds, 1)}  # fmt: skip
        line.update({k: round(scores[k], 4) for k in ("analogy", "wordsim353", "simlex999")})
        line["sections"] = {k: round(v, 4) for k, v in scores["analogy_sections"].items()}
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
