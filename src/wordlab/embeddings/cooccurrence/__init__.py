"""Word-word co-occurrence counts X_ij from a prepared corpus (the input of GloVe).

``count_cooccurrences`` counts arrays in memory; ``write_cooccurrences`` is the pipeline stage (prepared
corpus directory in, CSR ``.npz`` and stats JSON out, within a memory budget); ``load_cooccurrences`` reads
the ``.npz`` back. Conventions are Stanford cooccur's: see ``counting``.
"""

from wordlab.embeddings.cooccurrence.build import CooccurrenceConfig, write_cooccurrences
from wordlab.embeddings.cooccurrence.counting import (
    DEFAULT_MEMORY_BUDGET,
    CooccurrenceStats,
    count_cooccurrences,
    total_weight,
)
from wordlab.embeddings.cooccurrence.store import load_cooccurrences
from wordlab.embeddings.cooccurrence.weighting import Weighting, distance_weights

__all__ = [
    "DEFAULT_MEMORY_BUDGET",
    "CooccurrenceConfig",
    "CooccurrenceStats",
    "Weighting",
    "count_cooccurrences",
    "distance_weights",
    "load_cooccurrences",
    "total_weight",
    "write_cooccurrences",
]
