"""Correlation of cosine similarity with human judgements (WordSim-353, SimLex-999, any file of that shape).

The conventions are gensim's ``KeyedVectors.evaluate_word_pairs(path, restrict_vocab=N, case_insensitive=True,
dummy4unknown=False)``, so that the numbers equal what a gensim user reads from the same vectors:

* a pair is scored only when both upper-cased words have a row among the first ``N`` (the most frequent variant
  stands for the word); other pairs are skipped and counted in ``oov_ratio``, here a fraction (gensim logs percent);
* the cosine is computed as gensim computes it: each vector scaled to unit length in float64 (BLAS ``dnrm2``),
  rounded to float32, and the two dotted in float32. Rank ties among the cosines, hence Spearman's rho, depend on
  those last bits, which is why they are reproduced rather than computed more precisely;
* Spearman's rho and Pearson's r come from scipy, like gensim's.

``N`` defaults to the whole vocabulary (gensim's default, 300,000, is larger than any vocabulary wordlab builds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats
from scipy.linalg.blas import dnrm2

from wordlab.data.readers.similarity import SimilarityPair, read_similarity
from wordlab.evaluation.analogy import check_embeddings, folded_index, restricted_size


@dataclass(frozen=True, slots=True)
class SimilarityResult:
    name: str
    pearson: float
    spearman: float
    pairs: int
    oov: int

    @property
    def oov_ratio(self) -> float:
        """Share of the pairs skipped because a word is outside the vocabulary searched."""
        return self.oov / self.pairs

    def as_metrics(self) -> dict[str, float]:
        """Flat ``similarity.<name>.<statistic>`` keys, as DVC's metrics.json and MLflow's log_metrics take them."""
        prefix = f"similarity.{self.name}"
        return {
            f"{prefix}.spearman": self.spearman,
            f"{prefix}.pearson": self.pearson,
            f"{prefix}.oov_ratio": self.oov_ratio,
        }


def evaluate_similarity(
    words: Sequence[str],
    vectors: np.ndarray,
    pairs: str | Path | Sequence[SimilarityPair],
    *,
    name: str | None = None,
    restrict_vocab: int | None = None,
) -> SimilarityResult:
    """Spearman and Pearson correlation of cosines with the judged scores, over the pairs the vocabulary covers.

    ``name`` keys the metrics; it defaults to the file's stem (``wordsim353``, ``simlex999``).
    """
    if isinstance(pairs, str | Path):
        path = Path(pairs)
        name = path.stem if name is None else name
        pairs = read_similarity(path)
    if not name:
        raise ValueError("name the similarity set (it keys the metrics), e.g. name='wordsim353'")
    if not pairs:
        raise ValueError(f"similarity set {name!r} has no pairs")
    words, matrix = check_embeddings(words, vectors)
    size = restricted_size(len(words), restrict_vocab)
    index = folded_index(words[:size])

    units: dict[int, np.ndarray] = {}

    def unit(row: int) -> np.ndarray:
        if row not in units:
            units[row] = _unit(words[row], matrix[row])
        return units[row]

    gold: list[float] = []
    model: list[np.float32] = []
    for pair in pairs:
        first, second = index.get(pair.word1.upper()), index.get(pair.word2.upper())
        if first is None or second is None:
            continue
        gold.append(pair.score)
        model.append(np.dot(unit(first), unit(second)))
    if len(gold) < 2:
        raise ValueError(
            f"{len(gold)} of the {len(pairs)} pairs of {name!r} have both words among the {size} words searched: "
            "a correlation needs at least 2"
        )
    gold_array = np.array(gold, dtype=np.float64)
    model_array = np.array(model, dtype=np.float32)
    return SimilarityResult(
        name=name,
        pearson=float(stats.pearsonr(gold_array, model_array).statistic),
        spearman=float(stats.spearmanr(gold_array, model_array).statistic),
        pairs=len(pairs),
        oov=len(pairs) - len(gold),
    )


def _unit(word: str, vector: np.ndarray) -> np.ndarray:
    """gensim's ``matutils.unitvec``: float64 BLAS norm and scaling, result rounded back to float32."""
    length = dnrm2(vector)
    if not length > 0.0:
        raise ValueError(f"vector of {word!r} is zero: its cosine is undefined")
    return (vector.astype(np.float64) * (1.0 / length)).astype(np.float32)
