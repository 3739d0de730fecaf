"""Input that has no meaningful score is refused with a message naming the problem."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wordlab.data.readers.analogy import AnalogyQuestion
from wordlab.data.readers.similarity import SimilarityPair
from wordlab.evaluation.analogy import AnalogySolver, evaluate_analogies
from wordlab.evaluation.similarity import evaluate_similarity

WORDS = ["man", "woman", "king", "queen"]
VECTORS = np.array([[1, 0], [0, 2], [3, 4], [1, 3]], dtype=np.float32)
QUESTION = AnalogyQuestion("family", True, "man", "woman", "king", "queen")
PAIRS = [SimilarityPair("man", "woman", 5.0), SimilarityPair("king", "queen", 8.0), SimilarityPair("man", "king", 3)]


@pytest.mark.parametrize(
    ("words", "vectors", "message"),
    [
        (WORDS[:3], VECTORS, "3 words but 4 vector rows"),
        (WORDS, VECTORS[:, 0], "2-D array"),
        (WORDS, VECTORS.astype(np.int64), "floating-point"),
        (["man", "woman", "man", "queen"], VECTORS, "'man' has more than one row"),
        (["man", "", "king", "queen"], VECTORS, "non-empty string"),
        (WORDS, np.where(VECTORS == 4, np.nan, VECTORS), "'king' has a non-finite value"),
        ([], np.zeros((0, 2), dtype=np.float32), "no embeddings"),
    ],
)
def test_malformed_embeddings(words: list[str], vectors: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        evaluate_analogies(words, vectors, [QUESTION])
    with pytest.raises(ValueError, match=message):
        evaluate_similarity(words, vectors, PAIRS, name="toy")


def test_zero_vectors_have_no_cosine() -> None:
    vectors = VECTORS.copy()
    vectors[1] = 0
    with pytest.raises(ValueError, match="'woman' is zero"):
        AnalogySolver(WORDS, vectors)
    with pytest.raises(ValueError, match="'woman' is zero"):
        evaluate_similarity(WORDS, vectors, PAIRS, name="toy")
    AnalogySolver(WORDS, vectors, restrict_vocab=1)  # outside the rows searched, it does no harm


@pytest.mark.parametrize("restrict_vocab", [0, -5, 2.5, True, "30000"])
def test_restrict_vocab_must_be_a_positive_integer(restrict_vocab: object) -> None:
    with pytest.raises(ValueError, match="restrict_vocab"):
        AnalogySolver(WORDS, VECTORS, restrict_vocab=restrict_vocab)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="restrict_vocab"):
        evaluate_similarity(WORDS, VECTORS, PAIRS, name="toy", restrict_vocab=restrict_vocab)  # type: ignore[arg-type]


def test_analogy_options_are_checked() -> None:
    solver = AnalogySolver(WORDS, VECTORS)
    with pytest.raises(ValueError, match="unknown analogy method '3cosavg'"):
        solver.evaluate([QUESTION], methods=["3cosavg"])
    with pytest.raises(ValueError, match="at most once"):
        solver.evaluate([QUESTION], methods=["3cosadd", "3cosadd"])
    with pytest.raises(ValueError, match="epsilon"):
        solver.predict([QUESTION], method="3cosmul", epsilon=0.0)
    with pytest.raises(ValueError, match="no analogy questions"):
        solver.evaluate([])
    with pytest.raises(ValueError, match="chunk_words"):
        AnalogySolver(WORDS, VECTORS, chunk_words=2)
    with pytest.raises(KeyError, match="banana"):
        solver.scores("man", "banana", "king")


def test_similarity_needs_two_covered_pairs_and_a_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="1 of the 3 pairs of 'toy'"):
        evaluate_similarity(WORDS, VECTORS, PAIRS, name="toy", restrict_vocab=2)
    with pytest.raises(ValueError, match="name the similarity set"):
        evaluate_similarity(WORDS, VECTORS, PAIRS)
    with pytest.raises(ValueError, match="has no pairs"):
        evaluate_similarity(WORDS, VECTORS, [], name="toy")
    path = tmp_path / "pairs.tsv"
    path.write_text("man\twoman\n")
    with pytest.raises(ValueError, match=r"pairs.tsv:1: expected 'word1 word2 score'"):
        evaluate_similarity(WORDS, VECTORS, path)
