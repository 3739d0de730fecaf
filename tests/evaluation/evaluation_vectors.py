"""Vectors to evaluate: trained on real text, and random with planted analogies (built by conftest fixtures)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from gensim.models import KeyedVectors, Word2Vec

from wordlab.data.readers.analogy import AnalogyQuestion


@dataclass(frozen=True)
class Embeddings:
    words: list[str]
    vectors: np.ndarray

    def keyed(self) -> KeyedVectors:
        """The same vectors as gensim users load them."""
        kv = KeyedVectors(self.vectors.shape[1])
        kv.add_vectors(self.words, self.vectors)
        return kv


def train_on_wikitext(path: Path, lines: int = 6000) -> Embeddings:
    """A quick CBOW on the start of WikiText-2: real structure, real case variants (``The``/``the``)."""
    with open(path, encoding="utf-8") as handle:
        sentences = [tokens for _, line in zip(range(lines), handle, strict=False) if (tokens := line.split())]
    model = Word2Vec(sentences, vector_size=32, window=5, min_count=3, sg=0, epochs=2, workers=2, seed=7)
    return Embeddings(list(model.wv.index_to_key), model.wv.vectors.copy())


def plant_analogies(questions: list[AnalogyQuestion]) -> Embeddings:
    """Random vectors where each section's pairs differ by one offset, so most answers are right and unambiguous.

    On top: case variants of question words (some more frequent than the word itself), exact duplicates of answer
    words (exact ties, some duplicates ranked before the answer), filler words, and question words beyond the
    first 2,500 rows so that coverage is partial.
    """
    rng = np.random.default_rng(2014)
    dim = 24
    vocabulary = list(dict.fromkeys(word for q in questions for word in q.words))
    vectors = {word: rng.standard_normal(dim) for word in vocabulary}
    for section in dict.fromkeys(q.section for q in questions):
        offset = rng.standard_normal(dim) * 1.5
        planted_here: set[str] = set()
        for q in questions:
            if q.section != section:
                continue
            for x, y in ((q.a, q.b), (q.c, q.d)):
                if y not in planted_here:
                    vectors[y] = vectors[x] + offset + rng.standard_normal(dim) * 0.1
                    planted_here.add(y)
    rows = list(vectors.items())
    picked = rng.choice(len(rows), size=120, replace=False)
    for k in picked[:60]:
        word, vector = rows[k]
        variant = word.upper() if word.upper() != word else word.lower()
        rows.append((variant, vector + rng.standard_normal(dim) * 0.05))
    rows += [(f"twin_of_{rows[k][0]}", rows[k][1].copy()) for k in picked[60:]]
    rows += [(f"filler{i}", rng.standard_normal(dim)) for i in range(2000)]
    rows = [rows[i] for i in rng.permutation(len(rows))]  # variants and twins land before or after their word
    return Embeddings([word for word, _ in rows], np.array([vector for _, vector in rows], dtype=np.float32))
