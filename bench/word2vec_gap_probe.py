"""Probe for issue #14's skip-gram gap: wordlab's skip-gram under gensim's effective settings, one at a time.

Not a peer benchmark: it trains wordlab alone (seeds given) and prints one JSON line per seed with the analogy
total and sections, WS-353 and SimLex-999, scored by gensim's evaluators as ``word2vec_vs_gensim.py`` does.

- ``--schedule gensim_file``: the learning rate gensim 4.4 applies in ``corpus_file`` mode with ``--workers``
  workers. Each worker's progress is its own sentence count over the whole corpus's (``get_next_alpha`` in
  ``word2vec_corpusfile.pyx``), so within an epoch the rate falls only 1/workers of the way (a sawtooth whose mean
  is higher than the linear schedule's and which ends at alpha * (1 - (epochs - 1 + 1/workers) / epochs)).
- ``--init gensim``: input vectors uniform in +-1/dim (gensim 4's ``prep_vectors``) instead of word2vec.c's
  +-0.5/dim.
- ``--interleave corpus``: the order in which gensim's 2 ``corpus_file`` workers meet the corpus. Each reads its
  own half of the file, so at any moment the model learns from two distant places at once. The lines are
  reordered into blocks of about 10,000 words taken alternately from the first and the second half (A0 B0 A1 B1
  ...), so that wordlab's 2 threads, which take neighbouring blocks, work on the two halves side by side.
  ``--interleave chunk`` does the same within each 1M-word chunk (what a kernel-side change could do).
  ``--schedule gensim_file`` then follows each half's own progress (half the epoch's decay per epoch).

    python bench/word2vec_gap_probe.py PREPARED_CORPUS --seeds 1,2,3 --schedule gensim_file
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import word2vec_vs_gensim as bench
from wordlab.corpus.format import PreparedCorpus
from wordlab.embeddings.word2vec.config import Word2VecConfig
from wordlab.embeddings.word2vec.training import Word2VecState, chunk_seed, plan_chunks, train_chunk


def interleaved(tokens: np.ndarray, offsets: np.ndarray, per_chunk: bool) -> tuple[np.ndarray, np.ndarray]:
    """The corpus's lines reordered into ~10,000-word blocks alternating between the two halves of the corpus
    (or of each 1M-word chunk); the same lines, each whole, in another order."""
    groups = plan_chunks(offsets, 1_000_000) if per_chunk else np.array([0, len(offsets) - 1])
    order: list[np.ndarray] = []
    for start, end in itertools.pairwise(groups.tolist()):
        middle = start + int(np.searchsorted(offsets[start : end + 1], (offsets[start] + offsets[end]) / 2))
        halves = [plan_chunks(offsets[a : b + 1] - offsets[a], 10_000) + a for a, b in ((start, middle), (middle, end))]
        blocks = [list(itertools.pairwise(h.tolist())) for h in halves]
        for i in range(max(len(blocks[0]), len(blocks[1]))):
            for half in blocks:
                if i < len(half):
                    order.append(np.arange(half[i][0], half[i][1]))
    lines = np.concatenate(order)
    assert np.array_equal(np.sort(lines), np.arange(len(offsets) - 1)), "every line once"
    lengths = offsets[lines + 1] - offsets[lines]
    new_offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    new_tokens = np.concatenate([tokens[offsets[i] : offsets[i + 1]] for i in lines]).astype(np.int32)
    return np.ascontiguousarray(new_tokens), new_offsets


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--schedule", choices=["linear", "gensim_file"], default="linear")
    parser.add_argument("--init", choices=["word2vec", "gensim"], default="word2vec")
    parser.add_argument("--interleave", choices=["none", "corpus", "chunk"], default="none")
    parser.add_argument("--workers", type=int, default=2, help="gensim's workers the schedule imitates")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=0.025)
    data = Path(__file__).resolve().parents[2] / "shared" / "data"
    parser.add_argument("--analogy", type=Path, default=data / "analogy" / "questions-words.txt")
    parser.add_argument("--wordsim", type=Path, default=data / "similarity" / "wordsim353.tsv")
    parser.add_argument("--simlex", type=Path, default=data / "similarity" / "simlex999.txt")
    parser.add_argument("--restrict-vocab", type=int, default=30_000)
    args = parser.parse_args(argv)
    corpus = PreparedCorpus.load(args.corpus)
    tokens = np.ascontiguousarray(corpus.tokens(), dtype=np.int32)
    offsets = np.ascontiguousarray(corpus.line_offsets(), dtype=np.int64)
    if args.interleave != "none":
        tokens, offsets = interleaved(tokens, offsets, args.interleave == "chunk")
    end_alpha = args.alpha * 1e-4

    def alpha(epoch: int, progress: float) -> float:
        if args.schedule == "gensim_file":
            within = progress / args.workers if args.interleave != "none" else progress % (1.0 / args.workers)
        else:
            within = progress
        return max(args.alpha - (args.alpha - end_alpha) * (epoch + within) / args.epochs, end_alpha)

    n_words = int(offsets[-1] - offsets[0])
    bounds = plan_chunks(offsets, 1_000_000)
    for seed in (int(s) for s in args.seeds.split(",")):
        config = Word2VecConfig(
            dim=100, window=5, architecture="skipgram", loss="negative_sampling", negatives=5, sample=1e-3,
            alpha=args.alpha, epochs=args.epochs, threads=2, seed=seed, compute_loss=False,
        )  # fmt: skip
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
        line = {"schedule": args.schedule, "init": args.init, "interleave": args.interleave, "seed": seed,
                "seconds": round(seconds, 1)}  # fmt: skip
        line.update({k: round(scores[k], 4) for k in ("analogy", "wordsim353", "simlex999")})
        line["sections"] = {k: round(v, 4) for k, v in scores["analogy_sections"].items()}
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
