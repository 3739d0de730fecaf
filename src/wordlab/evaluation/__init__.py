"""Intrinsic evaluation of word vectors: analogies and word similarity, with metrics keyed for DVC and MLflow.

Vectors arrive as ``(words, vectors)`` with rows in descending frequency; both evaluations follow gensim's
conventions (see the modules' docstrings) so that their numbers equal gensim's on the same vectors.
"""

from wordlab.evaluation.analogy import (
    DEFAULT_RESTRICT_VOCAB,
    GENSIM_COSMUL_EPSILON,
    LEVY_GOLDBERG_EPSILON,
    METHODS,
    AnalogyResult,
    AnalogySolver,
    MethodAccuracy,
    SectionAccuracy,
    evaluate_analogies,
)
from wordlab.evaluation.similarity import SimilarityResult, evaluate_similarity

__all__ = [
    "DEFAULT_RESTRICT_VOCAB",
    "GENSIM_COSMUL_EPSILON",
    "LEVY_GOLDBERG_EPSILON",
    "METHODS",
    "AnalogyResult",
    "AnalogySolver",
    "MethodAccuracy",
    "SectionAccuracy",
    "SimilarityResult",
    "evaluate_analogies",
    "evaluate_similarity",
]
