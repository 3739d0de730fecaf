"""Word-similarity correlations against gensim's ``evaluate_word_pairs`` and against a hand computation."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from evaluation_vectors import Embeddings

from wordlab.data.readers.similarity import read_similarity
from wordlab.evaluation.similarity import evaluate_similarity


@pytest.mark.parametrize("restrict_vocab", [None, 2000])
@pytest.mark.parametrize("dataset", ["wordsim353", "simlex999"])
def test_correlations_and_oov_equal_gensims(
    dataset: str, restrict_vocab: int | None, trained_vectors: Embeddings, similarity_paths: dict[str, Path]
) -> None:
    path = similarity_paths[dataset]
    n = len(trained_vectors.words) if restrict_vocab is None else restrict_vocab
    pearson, spearman, oov_percent = trained_vectors.keyed().evaluate_word_pairs(
        str(path), restrict_vocab=n, case_insensitive=True, dummy4unknown=False
    )

    result = evaluate_similarity(trained_vectors.words, trained_vectors.vectors, path, restrict_vocab=restrict_vocab)

    assert result.name == dataset
    assert result.pairs == len(read_similarity(path))
    assert result.pearson == pytest.approx(pearson.statistic, abs=1e-9)
    assert result.spearman == pytest.approx(spearman.statistic, abs=1e-9)
    assert 100 * result.oov_ratio == pytest.approx(oov_percent, abs=1e-9)
    assert result.as_metrics() == {
        f"similarity.{dataset}.spearman": result.spearman,
        f"similarity.{dataset}.pearson": result.pearson,
        f"similarity.{dataset}.oov_ratio": result.oov_ratio,
    }
    assert 0 < result.oov <= result.pairs - 50  # scored and skipped pairs both: the comparison has teeth


def test_correlations_match_a_hand_computation(tmp_path: Path) -> None:
    # cos(a, b) = 1/sqrt(2), cos(a, c) = 0, cos(a, d) = -1/sqrt(1.04): the same order as the judgements 9 > 5 > 1,
    # so Spearman's rho is 1. "zz" is no word (1 pair in 4 skipped); "A" finds "a" whatever the case.
    path = tmp_path / "pairs.txt"
    path.write_text("# word1 word2 score\nA b 9\na\tc\t5\na d 1\nb zz 3\n")
    words = ["a", "b", "c", "d"]
    vectors = np.array([[1, 0], [1, 1], [0, 1], [-1, 0.2]], dtype=np.float32)
    gold = [9.0, 5.0, 1.0]
    model = [1 / math.sqrt(2), 0.0, -1 / math.sqrt(1.04)]
    gold_mean, model_mean = sum(gold) / 3, sum(model) / 3
    covariance = sum((g - gold_mean) * (m - model_mean) for g, m in zip(gold, model, strict=True))
    pearson = covariance / math.sqrt(
        sum((g - gold_mean) ** 2 for g in gold) * sum((m - model_mean) ** 2 for m in model)
    )

    result = evaluate_similarity(words, vectors, path)

    assert (result.name, result.pairs, result.oov, result.oov_ratio) == ("pairs", 4, 1, 0.25)
    assert result.spearman == pytest.approx(1.0)
    assert result.pearson == pytest.approx(pearson, abs=1e-6)
