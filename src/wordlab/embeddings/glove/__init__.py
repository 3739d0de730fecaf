"""GloVe (Pennington et al., 2014) trained like Stanford's glove.c: AdaGrad over the nonzeros of X, Hogwild.

- :mod:`.objective`: the loss, its gradient and glove.c's step in numpy, the specification the kernel is tested
  against.
- :mod:`.kernel`: the numba update loop (and :mod:`.prefetch`, :mod:`.shuffle`, which keep it fed).
- :mod:`.pairs`: the nonzeros packed as training records; :mod:`.state`: vectors and accumulators, resumable.
- :mod:`.training`: configuration and the epoch/chunk interface a LightningModule drives.
"""

from wordlab.embeddings.glove.pairs import GlovePairs, Objective
from wordlab.embeddings.glove.state import GloveState, VectorMode
from wordlab.embeddings.glove.training import (
    ChunkResult,
    GloveConfig,
    epoch_pairs,
    epoch_seed,
    plan_chunks,
    train,
    train_chunk,
    train_epoch,
)

__all__ = [
    "ChunkResult",
    "GloveConfig",
    "GlovePairs",
    "GloveState",
    "Objective",
    "VectorMode",
    "epoch_pairs",
    "epoch_seed",
    "plan_chunks",
    "train",
    "train_chunk",
    "train_epoch",
]
