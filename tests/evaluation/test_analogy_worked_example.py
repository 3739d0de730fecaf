"""Analogies on 2-D vectors small enough to work out on paper.

man = (1, 0), woman = (0, 2), king = (3, 4), queen = (1, 3), prince = (4, 3), apple = (-3, -1). Unit vectors:
man (1, 0), woman (0, 1), king (0.6, 0.8), queen (1, 3)/sqrt(10), prince (0.8, 0.6), apple (-3, -1)/sqrt(10).

man : woman :: king : ?  -- the query is king - man + woman = (-0.4, 1.8), of length sqrt(3.4).
3CosAdd: woman scores 1.8 / sqrt(3.4) = 0.976 but is a question word; queen 5 / sqrt(34) = 0.857 beats
prince 0.76 / sqrt(3.4) = 0.412 and apple -0.6 / sqrt(34).
3CosMul: cos(queen, woman) = cos(queen, king) = 3 / sqrt(10), cos(queen, man) = 1 / sqrt(10); apple's small
denominator (cos(apple, man) = -3 / sqrt(10)) lifts it above prince, but not above queen.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from wordlab.data.readers.analogy import AnalogyQuestion, is_semantic
from wordlab.evaluation.analogy import LEVY_GOLDBERG_EPSILON, AnalogySolver, evaluate_analogies

WORDS = ["man", "woman", "king", "queen", "prince", "apple"]
VECTORS = np.array([[1, 0], [0, 2], [3, 4], [1, 3], [4, 3], [-3, -1]], dtype=np.float32)
SQRT10 = math.sqrt(10)


def _shifted(cosine: float) -> float:
    return (1 + cosine) / 2


def _cosmul(cos_b: float, cos_c: float, cos_a: float, epsilon: float = LEVY_GOLDBERG_EPSILON) -> float:
    return _shifted(cos_b) * _shifted(cos_c) / (_shifted(cos_a) + epsilon)


def test_3cosadd_scores_and_answer_match_the_hand_computation() -> None:
    solver = AnalogySolver(WORDS, VECTORS)
    expected = {
        "man": -0.4 / math.sqrt(3.4),
        "woman": 1.8 / math.sqrt(3.4),
        "king": 1.2 / math.sqrt(3.4),
        "queen": 5 / math.sqrt(34),
        "prince": 0.76 / math.sqrt(3.4),
        "apple": -0.6 / math.sqrt(34),
    }

    scores = solver.scores("man", "woman", "king", method="3cosadd")

    assert scores == pytest.approx([expected[w] for w in WORDS], abs=1e-6)
    assert WORDS[int(np.argmax(scores))] == "woman"  # the best row is a question word, which is excluded:
    assert solver.predict([_question("family", "man", "woman", "king", "queen")], method="3cosadd") == ["queen"]


def test_3cosmul_scores_and_answer_match_the_hand_computation() -> None:
    solver = AnalogySolver(WORDS, VECTORS)
    # (cos with woman, cos with king, cos with man) for each candidate
    cosines = {
        "queen": (3 / SQRT10, 3 / SQRT10, 1 / SQRT10),
        "prince": (3 / 5, 24 / 25, 4 / 5),
        "apple": (-1 / SQRT10, -13 / (5 * SQRT10), -3 / SQRT10),
    }
    for epsilon in (LEVY_GOLDBERG_EPSILON, 1e-6):
        scores = dict(zip(WORDS, solver.scores("man", "woman", "king", method="3cosmul", epsilon=epsilon), strict=True))
        for word, (cos_b, cos_c, cos_a) in cosines.items():
            assert scores[word] == pytest.approx(_cosmul(cos_b, cos_c, cos_a, epsilon), rel=1e-5)
        assert scores["queen"] > scores["apple"] > scores["prince"]

    question = _question("family", "man", "woman", "king", "queen")
    assert solver.predict([question], method="3cosmul") == ["queen"]


def test_accuracies_and_metrics_match_the_hand_count(tmp_path: Path) -> None:
    # family: both questions ask for queen (the same query): 2/2.
    # gram1-toy: king : queen :: man : ? has query queen - king + man = (0.716, 0.149): prince (0.905) beats woman
    # (0.203) for 3CosAdd, and 3CosMul prefers prince too (0.836 against 0.541): 0/1. banana is no word: unseen.
    path = tmp_path / "questions.txt"
    path.write_text(
        ": family\nman woman king queen\nman king woman queen\n"
        ": gram1-toy\nking queen man woman\nman woman king banana\n"
    )
    assert _cosmul(2.6 / SQRT10, 0.8, 0.96) > _cosmul(3 / SQRT10, 0.0, 0.8)  # prince over woman, by hand

    result = evaluate_analogies(WORDS, VECTORS, path)

    assert result.as_metrics() == {
        "analogy.coverage": 3 / 4,
        **{
            f"analogy.{method}.{key}": value
            for method in ("3cosadd", "3cosmul")
            for key, value in {
                "total": 2 / 3,
                "semantic": 1.0,
                "syntactic": 0.0,
                "section.family": 1.0,
                "section.gram1-toy": 0.0,
            }.items()
        },
    }
    toy = result.method("3cosadd").section("gram1-toy")
    assert (toy.questions, toy.seen, toy.correct, toy.semantic) == (2, 1, 0, False)
    assert AnalogySolver(WORDS, VECTORS).predict([_question("gram1-toy", "king", "queen", "man", "woman")]) == [
        "prince"
    ]


def test_restricting_the_vocabulary_hides_rarer_words(tmp_path: Path) -> None:
    # With the 3 most frequent words only, queen (row 3) is unknown: nothing is seen, and accuracy is 0, not NaN.
    path = tmp_path / "questions.txt"
    path.write_text(": family\nman woman king queen\n")

    result = evaluate_analogies(WORDS, VECTORS, path, restrict_vocab=3)

    assert (result.restrict_vocab, result.seen, result.coverage) == (3, 0, 0.0)
    assert result.method("3cosadd").total == 0.0


def test_case_variants_fold_to_one_word_and_are_excluded_as_question_words() -> None:
    # "King" is more frequent than "king", so it stands for the question word king; "king" points exactly along
    # the query (cosine 1) but, being king in another case, may not be the answer. "Queen" answers "queen".
    words = ["King", "man", "woman", "Queen", "king", "prince"]
    vectors = np.array([[3, 4], [1, 0], [0, 2], [1, 3], [-0.4, 1.8], [4, 3]], dtype=np.float32)
    solver = AnalogySolver(words, vectors)

    assert solver.scores("man", "woman", "king")[4] == pytest.approx(1.0, abs=1e-6)
    assert solver.predict([_question("family", "man", "woman", "king", "queen")]) == ["Queen"]
    result = solver.evaluate([_question("family", "MAN", "Woman", "kInG", "queen")])
    assert result.method("3cosadd").total == result.method("3cosmul").total == 1.0


def _question(section: str, a: str, b: str, c: str, d: str) -> AnalogyQuestion:
    return AnalogyQuestion(section, is_semantic(section), a, b, c, d)
