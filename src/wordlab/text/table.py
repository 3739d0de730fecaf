"""A task's word vocabulary and initial embedding table, from its settings and the vectors file.

Every task that reads words (NER, the parser, ...) builds them the same way: with a vectors file, the vector words
the task's tokens reach plus the frequent training words without a vector (:mod:`wordlab.text.vocab`); without one,
the training vocabulary. ``cfg`` is any task entry with ``seed``, ``min_count``, ``normalise_digits``, ``dim``,
``train_words_min_count`` and ``random_init``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from wordlab.text.vocab import (
    WordVocabulary,
    initial_table,
    load_vectors,
    vocabulary_from_tokens,
    vocabulary_from_vectors,
    with_training_words,
)


def build_table(
    cfg: Any,
    vectors_path: Path | None,
    train_tokens: Iterable[str],
    all_tokens: Iterable[str],
) -> tuple[WordVocabulary, np.ndarray]:
    """The vocabulary and initial table: from the vectors file when there is one, else from the training set."""
    rng = np.random.default_rng(int(cfg.seed))
    if vectors_path is None:
        vocabulary = vocabulary_from_tokens(train_tokens, int(cfg.min_count), bool(cfg.normalise_digits))
        if not vocabulary.words:
            raise ValueError(f"no training word occurs min_count={cfg.min_count} times: the vocabulary would be empty")
        return vocabulary, initial_table(vocabulary, None, dim=int(cfg.dim), random_init=True, rng=rng)
    vectors = load_vectors(vectors_path)
    vocabulary, rows = vocabulary_from_vectors(vectors.words, all_tokens, bool(cfg.normalise_digits))
    if not vocabulary.words:
        raise ValueError(f"{vectors_path}: no token of the task's files has a vector in it (in any casing)")
    if cfg.train_words_min_count is not None:
        vocabulary = with_training_words(vocabulary, train_tokens, int(cfg.train_words_min_count))
    pretrained = vectors.matrix[rows]
    table = initial_table(vocabulary, pretrained, dim=vectors.dim, random_init=bool(cfg.random_init), rng=rng)
    return vocabulary, table
