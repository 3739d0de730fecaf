"""Google-analogy evaluation time, wordlab against gensim, on the same vectors in the same process.

Both evaluate all 19,544 questions with 3CosAdd over the 30,000 most frequent words, case-insensitively:
wordlab's ``evaluate_analogies`` and gensim's ``KeyedVectors.evaluate_word_analogies``. Each timing covers reading
the question file and normalising the vectors. The runs alternate (gensim, wordlab, gensim, ...) so that load from
other processes hits both alike; the ratio is of the fastest run of each. One JSON line: every timing, the ratio,
both accuracies and whether every section's counts are equal (they must be).

Vectors: ``--vectors`` names a word2vec-format file (``.bin``: binary); without it, WikiText-2's training vocabulary
(33,277 words by descending frequency) gets random vectors in which each analogy section's pairs share one offset,
so that accuracy is neither 0 nor 1 and the equality of the two evaluations says something.

    python bench/analogy_vs_gensim.py --data-dir ../shared/data [--dim 300] [--repeats 2] [--vectors PATH]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

import numpy as np
from gensim.models import KeyedVectors

from data_folder import data_dir
from wordlab.data.readers.analogy import AnalogyQuestion, read_analogies
from wordlab.evaluation.analogy import evaluate_analogies


def wikitext_vocabulary(data: Path) -> list[str]:
    counts: Counter[str] = Counter()
    with open(data / "wikitext-2" / "wiki.train.tokens", encoding="utf-8") as handle:
        for line in handle:
            counts.update(line.split())
    return [word for word, _ in counts.most_common()]


def planted_vectors(words: list[str], questions: list[AnalogyQuestion], dim: int, seed: int) -> np.ndarray:
    """Random rows; within a section, the second word of a pair is the first plus the section's offset and noise."""
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((len(words), dim)).astype(np.float32)
    row = {word: i for i, word in enumerate(words)}
    for section in dict.fromkeys(q.section for q in questions):
        offset = rng.standard_normal(dim) * 1.5
        planted: set[str] = set()
        for q in questions:
            if q.section != section:
                continue
            for x, y in ((q.a, q.b), (q.c, q.d)):
                if x in row and y in row and y not in planted:
                    noise = rng.standard_normal(dim) * 0.6
                    vectors[row[y]] = vectors[row[x]] + offset + noise
                    planted.add(y)
    return vectors


def gensim_run(words: list[str], vectors: np.ndarray, path: Path, restrict_vocab: int) -> tuple[float, list, float]:
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(words, vectors)
    started = time.perf_counter()
    score, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=restrict_vocab, case_insensitive=True)
    return time.perf_counter() - started, sections, score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=data_dir())
    parser.add_argument("--vectors", type=Path, help="word2vec-format vectors (binary if the name ends in .bin)")
    parser.add_argument("--dim", type=int, default=300, help="dimension of the random vectors")
    parser.add_argument("--restrict-vocab", type=int, default=30_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    path = args.data_dir / "analogy" / "questions-words.txt"
    questions = read_analogies(path)
    if args.vectors:
        loaded = KeyedVectors.load_word2vec_format(str(args.vectors), binary=args.vectors.suffix == ".bin")
        words, vectors = list(loaded.index_to_key), loaded.vectors
    else:
        words = wikitext_vocabulary(args.data_dir)
        vectors = planted_vectors(words, questions, args.dim, args.seed)

    gensim_seconds, wordlab_seconds = [], []
    for _ in range(args.repeats):
        seconds, sections, gensim_accuracy = gensim_run(words, vectors, path, args.restrict_vocab)
        gensim_seconds.append(seconds)
        started = time.perf_counter()
        result = evaluate_analogies(words, vectors, path, restrict_vocab=args.restrict_vocab, methods=["3cosadd"])
        wordlab_seconds.append(time.perf_counter() - started)

    ours = result.method("3cosadd")
    sections_equal = [(s.section, s.correct, s.incorrect) for s in ours.sections] == [
        (g["section"], len(g["correct"]), len(g["incorrect"])) for g in sections[:-1]
    ]
    line = {
        "vectors": str(args.vectors) if args.vectors else f"wikitext-2 vocabulary, random planted, dim {args.dim}",
        "vocabulary": len(words),
        "dim": int(vectors.shape[1]),
        "restrict_vocab": args.restrict_vocab,
        "questions": result.questions,
        "seen": result.seen,
        "gensim_seconds": [round(s, 3) for s in gensim_seconds],
        "wordlab_seconds": [round(s, 3) for s in wordlab_seconds],
        "speedup": round(min(gensim_seconds) / min(wordlab_seconds), 2),
        "gensim_accuracy": gensim_accuracy,
        "wordlab_accuracy": ours.total,
        "equal": sections_equal and gensim_accuracy == ours.total,
    }
    print(json.dumps(line))
    if not line["equal"]:
        raise SystemExit("wordlab and gensim disagree")


if __name__ == "__main__":
    main()
