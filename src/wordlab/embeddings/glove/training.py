"""GloVe training in pieces a driver can schedule: an epoch is a shuffle plus chunks of the shuffled nonzeros.

A LightningModule (or any loop) calls :func:`epoch_pairs` at the start of epoch e, then :func:`train_chunk` on
consecutive slices of the result, logging each :class:`ChunkResult`. The shuffle of epoch e depends only on
(seed, e), so a run resumed from a checkpoint taken mid-epoch can rebuild the same order and carry on with the
next chunk. :func:`train` is that loop for scripts and benchmarks, with a checkpoint after every epoch.

Every epoch sees the nonzeros in a fresh uniformly random order (glove.c shuffles once, before training).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from wordlab.embeddings.glove import kernel
from wordlab.embeddings.glove.config import GloveConfig, Objective
from wordlab.embeddings.glove.pairs import GlovePairs
from wordlab.embeddings.glove.state import GloveState
from wordlab.embeddings.native.memory import scratch_array
from wordlab.embeddings.native.threads import numba_threads


def initial_state(config: GloveConfig, vocab_size: int) -> GloveState:
    """Fresh vectors and accumulators for ``vocab_size`` words, seeded by the config."""
    return GloveState.initialize(vocab_size, config.dim, seed=config.seed, dtype=np.dtype(config.dtype).type)


def training_pairs(config: GloveConfig, matrix: sp.sparray | sp.spmatrix) -> GlovePairs:
    """The nonzeros of X packed as training records, with the config's objective and weighting."""
    return GlovePairs.from_matrix(matrix, objective=config.objective, x_max=config.x_max, alpha=config.alpha)


@dataclass(frozen=True)
class ChunkResult:
    loss: float  # sum over the chunk's nonzeros of w * diff^2 (J's terms), each taken just before its step
    pairs: int
    skipped: int  # steps skipped on a non-finite residual
    seconds: float

    @property
    def mean_loss(self) -> float:
        """J per nonzero (glove.c prints half of this: its cost is 0.5 w diff^2)."""
        return self.loss / max(self.pairs - self.skipped, 1)

    @property
    def pairs_per_second(self) -> float:
        return self.pairs / max(self.seconds, 1e-9)


def epoch_seed(seed: int, epoch: int) -> int:
    """The shuffle seed of one epoch: a function of (seed, epoch) only, so resumed runs shuffle alike."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def epoch_pairs(pairs: GlovePairs, config: GloveConfig, epoch: int, out: GlovePairs | None = None) -> GlovePairs:
    """The nonzeros in epoch ``epoch``'s order (written into ``out`` when given, to reuse its memory)."""
    return pairs.shuffled(epoch_seed(config.seed, epoch), out=out)


def plan_chunks(n_pairs: int, chunk_pairs: int) -> np.ndarray:
    """Boundaries of consecutive chunks of about ``chunk_pairs`` nonzeros (for per-chunk logging)."""
    if chunk_pairs < 1:
        raise ValueError(f"chunk_pairs must be positive, got {chunk_pairs}")
    n_chunks = max(1, -(-n_pairs // chunk_pairs))
    return np.linspace(0, n_pairs, n_chunks + 1).astype(np.int64)


def _hyper(config: GloveConfig, dtype: np.dtype) -> np.ndarray:
    hyper = np.empty(3, dtype=dtype)
    hyper[kernel.LEARNING_RATE] = config.learning_rate
    hyper[kernel.BIAS_LEARNING_RATE] = config.bias_learning_rate
    hyper[kernel.GRAD_CLIP] = config.grad_clip
    return hyper


def check_compatible(state: GloveState, pairs: GlovePairs) -> None:
    """The kernel does not bounds-check, so ids beyond the state's vocabulary must be refused here."""
    state.validate()
    if pairs.max_id >= state.vocab_size:
        raise ValueError(f"the nonzeros use word id {pairs.max_id} but the state has {state.vocab_size} words")


def train_chunk(state: GloveState, pairs: GlovePairs, start: int, stop: int, config: GloveConfig) -> ChunkResult:
    """One AdaGrad step per nonzero of pairs[start:stop], in order (Hogwild over ``config.threads`` threads)."""
    if not 0 <= start <= stop <= len(pairs):
        raise ValueError(f"chunk [{start}, {stop}) is outside the {len(pairs)} nonzeros")
    check_compatible(state, pairs)
    use_bias = config.objective is Objective.weighted
    hyper = _hyper(config, state.W.dtype)
    records, values = pairs.records, pairs.records.view(np.float32)
    arrays = (
        state.W,
        state.W_ctx,
        state.b,
        state.b_ctx,
        state.gradsq_W,
        state.gradsq_W_ctx,
        state.gradsq_b,
        state.gradsq_b_ctx,
        records,
        values,
    )
    began = time.perf_counter()
    with numba_threads(config.threads) as threads:
        if threads == 1 or stop - start < 1024 * threads:
            loss, skipped = kernel.train_range(*arrays, start, stop, use_bias, hyper)
        else:
            loss, skipped = kernel.train_hogwild(*arrays, start, stop, use_bias, hyper, threads)
    return ChunkResult(float(loss), stop - start, int(skipped), time.perf_counter() - began)


def train_epoch(
    state: GloveState, pairs: GlovePairs, config: GloveConfig, scratch: GlovePairs | None = None
) -> ChunkResult:
    """Shuffle for epoch ``state.epochs`` and step through every nonzero once; counts the epoch in the state."""
    began = time.perf_counter()
    ordered = epoch_pairs(pairs, config, state.epochs, out=scratch)
    result = train_chunk(state, ordered, 0, len(ordered), config)
    state.epochs += 1
    return ChunkResult(result.loss, result.pairs, result.skipped, time.perf_counter() - began)


def train(
    state: GloveState,
    pairs: GlovePairs,
    config: GloveConfig,
    *,
    checkpoint: str | Path | None = None,
    on_epoch: Callable[[int, ChunkResult], None] | None = None,
) -> list[ChunkResult]:
    """Train from ``state.epochs`` up to ``config.epochs``, saving ``checkpoint`` (atomically) after each epoch."""
    history: list[ChunkResult] = []
    scratch = GlovePairs(scratch_array(pairs.records.size, np.int32).reshape(pairs.records.shape))
    while state.epochs < config.epochs:
        result = train_epoch(state, pairs, config, scratch)
        history.append(result)
        if checkpoint is not None:
            state.save(checkpoint)
        if on_epoch is not None:
            on_epoch(state.epochs, result)
    return history
