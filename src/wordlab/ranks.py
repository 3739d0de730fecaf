"""Which process of a distributed (DDP) training this is, so that only one of them writes.

Under DDP every process runs the whole stage script: ``torchrun`` and cluster schedulers start N copies of it, and
Lightning's own launcher (``strategy: ddp`` with ``devices: N``) starts N-1 more copies when ``trainer.fit`` is
first called. Each copy reads the data and trains its shard; the copies then go on through the script in step (a
stage that trains several models calls ``fit`` in each of them, and every copy must be there for it). Only the
process of global rank 0 may write outputs and log to MLflow: the others' artifacts are discarded
(:func:`wordlab.io.atomic_path`) and their stages open no MLflow run.

The rank is read from torch.distributed once its process group is up, and before that from the variables the
launchers set: ``RANK`` (torchrun, Lightning for its children), else ``LOCAL_RANK`` with ``NODE_RANK`` (Lightning's
launcher), else ``SLURM_PROCID`` (srun). A process none of them names is the only one: rank 0 of 1.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator


def _distributed() -> tuple[int, int] | None:
    try:
        import torch.distributed as dist
    except ImportError:  # pragma: no cover - torch is a dependency; the guard keeps io importable without it
        return None
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return None


def global_rank() -> int:
    """This process's rank among all processes of the training (0 when it is the only one)."""
    if (found := _distributed()) is not None:
        return found[0]
    for variable in ("RANK", "SLURM_PROCID"):
        if (value := os.environ.get(variable)) is not None:
            return int(value)
    local = os.environ.get("LOCAL_RANK")
    if local is None:
        return 0
    # Lightning's launcher names the node and the process on it; a node's first process is rank 0 only on node 0.
    return int(local) if os.environ.get("NODE_RANK", "0") == "0" else int(local) + 1


def world_size() -> int:
    """How many processes share the training (1 outside DDP)."""
    if (found := _distributed()) is not None:
        return found[1]
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_writer() -> bool:
    """True in the one process that writes outputs and logs (global rank 0)."""
    return global_rank() == 0


def shard() -> slice:
    """This rank's share of a global batch, as a slice: every ``world_size``-th item from its rank, so that the
    ranks' shares together are the batch a single process would take, whatever the number of processes."""
    return slice(global_rank(), None, world_size())


def rank_seed(seed: int, rank: int) -> int:
    """The seed of rank ``rank``'s random stream: its own under DDP (ranks seeded alike would draw the same dropout
    masks for their halves of a batch), and ``seed`` itself for rank 0, so that one process is unchanged."""
    return seed + 7_919 * rank


def shard_batches(batches: Iterable[list[int]]) -> Iterator[list[int]]:
    """Each global batch's share for this rank (:func:`shard`). Every rank must take the same number of steps, so
    a batch too small to give each rank an item (only ever the last, and only under DDP) is left out."""
    size = world_size()
    if size == 1:
        yield from batches
        return
    share = shard()
    for batch in batches:
        if len(batch) >= size:
            yield batch[share]
