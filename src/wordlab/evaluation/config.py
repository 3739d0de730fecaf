"""Schema of the ``evaluation`` config group (intrinsic evaluation of every embedding method)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class AnalogyEvaluationConfig:
    # A registry dataset name or a path to a file in the Google analogy format.
    questions: str = "google_analogies"
    # Candidates are the N most frequent words (word2vec's compute-accuracy uses 30,000; gensim 300,000).
    restrict_vocab: int = 30_000
    methods: list[str] = field(default_factory=lambda: ["3cosadd", "3cosmul"])
    # 3CosMul's epsilon (Levy & Goldberg 2014 use 0.001; gensim hard-codes 1e-6).
    epsilon: float = 0.001


@dataclass
class SimilarityEvaluationConfig:
    # Registry dataset names or paths to files of the same shape (word1 word2 score; '#' comments).
    datasets: list[str] = field(default_factory=lambda: ["wordsim353", "simlex999"])
    # Pairs with a word outside the N most frequent are skipped (null: the whole vocabulary).
    restrict_vocab: int | None = None


@dataclass
class EvaluationConfig:
    analogy: AnalogyEvaluationConfig = field(default_factory=AnalogyEvaluationConfig)
    similarity: SimilarityEvaluationConfig = field(default_factory=SimilarityEvaluationConfig)


SCHEMA = EvaluationConfig
