"""wordlab's analogy answers against gensim's own evaluation of the same vectors on the real question file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from evaluation_vectors import Embeddings
from gensim.models import KeyedVectors

from wordlab.data.readers.analogy import AnalogyQuestion
from wordlab.evaluation.analogy import GENSIM_COSMUL_EPSILON, AnalogySolver, evaluate_analogies


def gensim_evaluation(
    kv: KeyedVectors, path: Path, restrict_vocab: int
) -> tuple[float, list[dict[str, Any]], list[str]]:
    """``evaluate_word_analogies`` as gensim runs it, plus the answer it settled on for every seen question.

    The answers are read off gensim's own ``most_similar`` calls, with the rule of its evaluation loop: the first
    of the five best words that is no question word (upper-cased), else the last of them.
    """
    calls: list[tuple[list[str], list[str], list[tuple[str, float]]]] = []
    original = kv.most_similar

    def recording(*args: Any, **kwargs: Any) -> Any:
        similar = original(*args, **kwargs)
        calls.append((kwargs["positive"], kwargs["negative"], similar))
        return similar

    kv.most_similar = recording
    try:
        score, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=restrict_vocab, case_insensitive=True)
    finally:
        del kv.most_similar
    answers = []
    for (b, c), (a,), similar in calls:
        predicted = None
        for word, _ in similar:
            predicted = word.upper()
            if predicted not in {a, b, c}:
                break
        answers.append(predicted)
    return score, sections, answers


def _pooled(sections: list[dict[str, Any]]) -> float:
    correct = sum(len(s["correct"]) for s in sections)
    seen = correct + sum(len(s["incorrect"]) for s in sections)
    return correct / seen if seen else 0.0


def _question_lines(path: Path) -> int:
    return sum(1 for line in path.read_text().splitlines() if line.strip() and not line.startswith(":"))


@pytest.mark.parametrize(
    ("vectors", "restrict_vocab"),
    [("planted_vectors", 2500), ("trained_vectors", 3000), ("trained_vectors", None)],
)
def test_3cosadd_equals_gensims_evaluation(
    vectors: str,
    restrict_vocab: int | None,
    analogy_path: Path,
    analogy_questions: list[AnalogyQuestion],
    request: pytest.FixtureRequest,
) -> None:
    embeddings: Embeddings = request.getfixturevalue(vectors)
    n = len(embeddings.words) if restrict_vocab is None else restrict_vocab
    score, sections, gensim_answers = gensim_evaluation(embeddings.keyed(), analogy_path, n)
    *by_section, total = sections

    solver = AnalogySolver(embeddings.words, embeddings.vectors, restrict_vocab=restrict_vocab)
    result = solver.evaluate(analogy_questions, methods=["3cosadd"])
    ours = result.method("3cosadd")
    answers = [word.upper() for word in solver.predict(analogy_questions) if word is not None]

    assert answers == gensim_answers  # every seen question, right or wrong, gets gensim's answer
    assert [(s.section, s.correct, s.incorrect) for s in ours.sections] == [
        (g["section"], len(g["correct"]), len(g["incorrect"])) for g in by_section
    ]
    assert total["section"] == "Total accuracy"
    assert ours.total == pytest.approx(score, abs=1e-9)
    syntactic = [g for g in by_section if g["section"].startswith("gram")]
    assert ours.semantic == pytest.approx(_pooled([g for g in by_section if g not in syntactic]), abs=1e-9)
    assert ours.syntactic == pytest.approx(_pooled(syntactic), abs=1e-9)
    gensim_seen = len(total["correct"]) + len(total["incorrect"])
    assert result.coverage == pytest.approx(gensim_seen / _question_lines(analogy_path), abs=1e-12)
    metrics = result.as_metrics()
    for g in by_section:
        assert metrics[f"analogy.3cosadd.section.{g['section']}"] == pytest.approx(_pooled([g]), abs=1e-9)
    # Teeth: hundreds of answers to match, and varied ones (the planted vectors also get most of them right).
    assert gensim_seen >= 500 and len(set(gensim_answers)) >= 100


def test_planted_vectors_hold_exact_ties_case_variants_and_right_answers(
    planted_vectors: Embeddings, analogy_questions: list[AnalogyQuestion]
) -> None:
    """The planted set exercises what the comparison above must get right, so that passing it means something."""
    first_rows = {}
    for row, word in enumerate(planted_vectors.words[:2500]):
        first_rows.setdefault(word.upper(), row)
    seen = [q for q in analogy_questions if all(w.upper() in first_rows for w in q.words)]
    twins = {w.removeprefix("twin_of_") for w in planted_vectors.words[:2500] if w.startswith("twin_of_")}
    variants = {w for w in planted_vectors.words[:2500] if planted_vectors.words.index(w) != first_rows[w.upper()]}

    assert 0.3 < len(seen) / len(analogy_questions) < 0.9
    assert sum(q.d in twins for q in seen) >= 50  # exact ties between the answer and its twin
    assert sum(any(w.upper() in {v.upper() for v in variants} for w in q.words) for q in seen) >= 100
    result = evaluate_analogies(
        planted_vectors.words, planted_vectors.vectors, seen, restrict_vocab=2500, methods=["3cosadd"]
    )
    assert 0.5 < result.method("3cosadd").total < 1.0


def test_answers_do_not_depend_on_the_chunking(
    planted_vectors: Embeddings, analogy_questions: list[AnalogyQuestion]
) -> None:
    sample = analogy_questions[::7]
    tiny = AnalogySolver(planted_vectors.words, planted_vectors.vectors, restrict_vocab=2500, chunk_words=3)
    default = AnalogySolver(planted_vectors.words, planted_vectors.vectors, restrict_vocab=2500)
    for method in ("3cosadd", "3cosmul"):
        assert tiny.predict(sample, method=method) == default.predict(sample, method=method)


@pytest.mark.parametrize(
    ("extra_variants", "restrict_vocab", "accuracy"),
    [(5, None, 0.0), (5, 9, 0.0), (4, None, 1.0), (4, 8, 1.0), (3, 7, 1.0)],  # 8 rows or fewer: a full sort
)
def test_question_word_variants_crowding_gensims_top_five(
    extra_variants: int, restrict_vocab: int | None, accuracy: float, tmp_path: Path
) -> None:
    """gensim reads only its five best rows: five case variants of "woman" above "queen" make it count a miss."""
    query = np.array([-0.4, 1.8]) / np.sqrt(3.4)  # king - man + woman, as in the worked example
    spellings = ["Woman", "WOMAN", "wOMAN", "WoMaN", "woMAN"][:extra_variants]
    variants = [(word, query + np.array([0.01 * (k + 1), 0])) for k, word in enumerate(spellings)]
    rows = [("man", [1, 0]), ("woman", [0, 2]), ("king", [3, 4]), ("queen", [1, 3]), *variants]
    rows += [(f"far{k}", [1.0, -1.0 - k]) for k in range(12 - len(rows))]
    words = [word for word, _ in rows]
    vectors = np.array([vector for _, vector in rows], dtype=np.float32)
    path = tmp_path / "questions.txt"
    path.write_text(": family\nman woman king queen\n")
    kv = KeyedVectors(2)
    kv.add_vectors(words, vectors)

    n = len(words) if restrict_vocab is None else restrict_vocab
    score, _ = kv.evaluate_word_analogies(str(path), restrict_vocab=n, case_insensitive=True)
    result = evaluate_analogies(words, vectors, path, restrict_vocab=restrict_vocab)

    assert result.method("3cosadd").total == score == accuracy


def _representative_queries(embeddings: Embeddings, questions: list[AnalogyQuestion]) -> list[AnalogyQuestion]:
    """The first question of each section whose words are all their own most frequent case variant."""
    rows = {word: row for row, word in enumerate(embeddings.words)}
    first = {}
    for row, word in enumerate(embeddings.words):
        first.setdefault(word.upper(), row)
    picked: dict[str, AnalogyQuestion] = {}
    for q in questions:
        if q.section not in picked and all(w in rows and first[w.upper()] == rows[w] for w in q.words):
            picked[q.section] = q
    return list(picked.values())[:6]


@pytest.mark.parametrize("vectors", ["planted_vectors", "trained_vectors"])
def test_scores_equal_gensims_most_similar_and_cosmul(
    vectors: str, analogy_questions: list[AnalogyQuestion], request: pytest.FixtureRequest
) -> None:
    embeddings: Embeddings = request.getfixturevalue(vectors)
    kv = embeddings.keyed()
    solver = AnalogySolver(embeddings.words, embeddings.vectors, restrict_vocab=None)
    queries = _representative_queries(embeddings, analogy_questions)
    assert len(queries) >= 3

    for q in queries:
        folded = {q.a.upper(), q.b.upper(), q.c.upper()}
        added = kv.most_similar(positive=[q.b, q.c], negative=[q.a], topn=None)
        multiplied = kv.most_similar_cosmul(positive=[q.b, q.c], negative=[q.a], topn=None)
        assert solver.scores(q.a, q.b, q.c, method="3cosadd") == pytest.approx(added, abs=1e-5)
        ours = solver.scores(q.a, q.b, q.c, method="3cosmul", epsilon=GENSIM_COSMUL_EPSILON)
        assert ours == pytest.approx(multiplied, rel=1e-5)
        expected = next(
            word
            for word, _ in kv.most_similar_cosmul(positive=[q.b, q.c], negative=[q.a], topn=10)
            if word.upper() not in folded
        )
        assert solver.predict([q], method="3cosmul", epsilon=GENSIM_COSMUL_EPSILON) == [expected]
