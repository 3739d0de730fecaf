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


EMBEDDING_SCHEMAS: dict[str, type] = {"word2vec": Word2VecEmbeddingConfig}
