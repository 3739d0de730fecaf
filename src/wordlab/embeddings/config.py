"""Schemas of the ``embedding`` config group: one entry per method to train, checked by its ``model``.

The group is multi-select (``embedding: [skipgram, cbow, glove]`` in the defaults list), each option landing at
``embedding.<name>``, so that DVC's ``foreach`` makes one training stage per method with key-level params:
changing ``embedding.glove.x_max`` reruns GloVe alone. Entries differ in shape by model, which OmegaConf's
structured configs cannot express as a union, so :func:`wordlab.config.validate` picks the schema per entry.
"""

from __future__ import annotations

from wordlab.config import Entries
from wordlab.embeddings.glove.config import GloveConfig
from wordlab.embeddings.word2vec.config import Word2VecConfig

SCHEMA = Entries({"word2vec": Word2VecConfig, "glove": GloveConfig})
