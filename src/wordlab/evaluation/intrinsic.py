"""Intrinsic evaluation of one set of vectors: analogies and word similarity, as one flat metrics dict."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from wordlab.evaluation.analogy import evaluate_analogies
from wordlab.evaluation.similarity import evaluate_similarity


def evaluate_intrinsic(
    words: list[str],
    vectors: np.ndarray,
    *,
    questions: Path,
    similarity_sets: dict[str, Path],
    restrict_vocab: int,
    methods: list[str],
    epsilon: float,
    similarity_restrict_vocab: int | None = None,
) -> dict[str, float]:
    metrics = evaluate_analogies(
        words, vectors, questions, restrict_vocab=restrict_vocab, methods=methods, epsilon=epsilon
    ).as_metrics()
    for name, path in similarity_sets.items():
        result = evaluate_similarity(words, vectors, path, name=name, restrict_vocab=similarity_restrict_vocab)
        metrics.update(result.as_metrics())
    return metrics
