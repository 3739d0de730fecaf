"""Schemas of the ``embedding`` config group: one entry per method to train, checked by its ``model``.

The group is multi-select (``embedding: [skipgram, cbow, glove]`` in the defaults list), each option landing at
``embedding.<name>``, so that DVC's ``foreach`` makes one training stage per method with key-level params:
changing ``embedding.glove.x_max`` reruns GloVe alone. Entries differ in shape by model, which OmegaConf's
structured configs cannot express as a union, so :func:`wordlab.config.validate` picks the schema per entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Architecture(Enum):
    skipgram = "skipgram"
    cbow = "cbow"


class Word2VecLoss(Enum):
    negative_sampling = "negative_sampling"
    softmax = "softmax"
    hierarchical_softmax = "hierarchical_softmax"


@dataclass
class Word2VecEmbeddingConfig:
    model: str = "word2vec"
    # What the method trains on (a DVC dependency of its stage): the prepared corpus.
    input: str = "data/prepared"
    architecture: Architecture = Architecture.skipgram
    loss: Word2VecLoss = Word2VecLoss.negative_sampling
    dim: int = 100
    # The largest window; word2vec's reduced window draws the actual one from 1..window per centre word.
    window: int = 5
    negatives: int = 5
    noise_power: float = 0.75
    # Frequent-word subsampling threshold (word2vec's -sample); 0 disables.
    sample: float = 1e-3
    # Words rarer than this in the prepared vocabulary are dropped from training, as word2vec's min_count.
    min_count: int = 5
    epochs: int = 5
    # Initial learning rate, decayed linearly to alpha * min_alpha_ratio over the run.
    alpha: float = 0.025
    min_alpha_ratio: float = 1e-4
    # 1 is bit-for-bit reproducible; 2 uses both cores Hogwild-style (as gensim and word2vec.c), whose results
    # vary slightly from run to run.
    threads: int = 1
    seed: int = 1
    # Corpus tokens per Lightning step (one kernel call); also the checkpoint granularity.
    chunk_words: int = 1_000_000


class GloveObjective(Enum):
    weighted = "weighted"  # sum f(X_ij) (u_j.v_i + b_i + b~_j - log X_ij)^2, f(x) = min(1, (x / x_max)^alpha)
    plain = "plain"  # sum X_ij (u_j.v_i - log X_ij)^2, the course notes' objective


class GloveVectors(Enum):
    sum = "sum"  # u + v: the course's choice and glove.c's default output
    word = "word"  # v alone


@dataclass
class GloveEmbeddingConfig:
    model: str = "glove"
    # What the method trains on (a DVC dependency of its stage): the co-occurrence counts.
    input: str = "data/cooccurrence"
    objective: GloveObjective = GloveObjective.weighted
    vectors: GloveVectors = GloveVectors.sum
    dim: int = 100
    epochs: int = 15
    x_max: float = 10.0
    alpha: float = 0.75
    learning_rate: float = 0.05
    # glove.c's -grad-clip, per component of the gradient.
    grad_clip: float = 100.0
    # Words rarer than this in the prepared vocabulary are left out (rows and columns of X dropped).
    min_count: int = 5
    # 1 is bit-for-bit reproducible; 2 uses both cores Hogwild-style, as glove.c's threads.
    threads: int = 1
    seed: int = 1
    # Nonzeros per Lightning step (one kernel call); also the checkpoint granularity.
    chunk_pairs: int = 5_000_000


class CooccurrenceWeighting(Enum):
    plain = "plain"  # every pair in the window counts 1 (the textbook table)
    harmonic = "harmonic"  # a pair at distance d counts 1/d (Stanford's cooccur)


@dataclass
class CooccurrenceConfig:
    """The ``count_cooccurrence`` stage's settings (top-level ``cooccurrence`` group)."""

    window: int = 10
    weighting: CooccurrenceWeighting = CooccurrenceWeighting.harmonic
    # Bytes the counting may use; beyond it, counts go to shards that are merged.
    memory_budget: int = 4 * 1024**3
    threads: int = 2


EMBEDDING_SCHEMAS: dict[str, type] = {"word2vec": Word2VecEmbeddingConfig, "glove": GloveEmbeddingConfig}
