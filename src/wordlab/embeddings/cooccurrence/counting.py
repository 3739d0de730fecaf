"""Counting X_ij over a prepared corpus, shard by shard within a memory budget.

Conventions (they follow Stanford's ``cooccur``, so that results are comparable):

- windows never cross a line (cooccur resets its window at every newline); words dropped from the vocabulary
  are already gone from the prepared corpus, so distances are counted over kept words only, as cooccur does
  when it skips out-of-vocabulary words;
- X is symmetric: a pair at distance d adds its weight to X_ij and to X_ji (so X_ii gets twice the weight of a
  word repeated within the window, as in cooccur with ``-symmetric 1``). Plain counts are symmetric to the bit;
  1/d sums of X_ij and X_ji are added in different orders and may differ in the last bit;
- the output is CSR with sorted int32 column indices and float64 values: 1/d sums of frequent pairs reach 10^6
  and more, where float32 would drop the small terms, and CSR rows are what the shards produce (COO would
  double the index memory for no gain; GloVe converts to its own records anyway).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp

from wordlab.embeddings.cooccurrence import kernel as kernels
from wordlab.embeddings.cooccurrence.config import DEFAULT_MEMORY_BUDGET, Weighting
from wordlab.embeddings.cooccurrence.shards import balanced_bounds, plan_shards
from wordlab.embeddings.cooccurrence.weighting import check_window, distance_weights
from wordlab.embeddings.native.memory import scratch_array
from wordlab.embeddings.native.threads import numba_threads


@dataclass(frozen=True)
class ShardCounts:
    """Rows [row_lo, row_hi) of X in CSR form; ``indptr`` is local (starts at 0)."""

    row_lo: int
    row_hi: int
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray


@dataclass(frozen=True)
class CountPlan:
    """What the shards share: the corpus in kernel form, the size of every row's bucket, the row ranges."""

    vocab_size: int
    window: int
    weighting: Weighting
    threads: int
    tokens: np.ndarray
    offsets: np.ndarray
    record_counts: np.ndarray
    shards: list[tuple[int, int]]

    @property
    def records(self) -> int:
        return int(self.record_counts.sum())


def check_corpus(tokens: np.ndarray, offsets: np.ndarray, vocab_size: int) -> None:
    """Refuse arrays that would make the kernels read or write out of bounds."""
    if tokens.ndim != 1 or offsets.ndim != 1:
        raise ValueError("tokens and line offsets must be one-dimensional")
    if tokens.dtype.kind not in "iu" or offsets.dtype.kind not in "iu":
        raise TypeError(f"tokens and offsets must be integer arrays, got {tokens.dtype} and {offsets.dtype}")
    if vocab_size < 1:
        raise ValueError(f"vocab_size must be positive, got {vocab_size}")
    if len(offsets) < 1 or offsets[0] != 0 or offsets[-1] != len(tokens):
        raise ValueError(
            f"line offsets must start at 0 and end at the token count {len(tokens)}, "
            f"got {offsets[0] if len(offsets) else None}..{offsets[-1] if len(offsets) else None}"
        )
    if len(offsets) > 1 and np.any(np.diff(offsets) < 0):
        raise ValueError("line offsets must be non-decreasing")
    if len(tokens) and (int(tokens.min()) < 0 or int(tokens.max()) >= vocab_size):
        raise ValueError(f"token ids must lie in [0, {vocab_size}), found {int(tokens.min())}..{int(tokens.max())}")


def make_plan(
    tokens: np.ndarray,
    offsets: np.ndarray,
    vocab_size: int,
    *,
    window: int,
    weighting: Weighting | str,
    memory_budget: int,
    threads: int,
) -> CountPlan:
    window = check_window(window)
    weighting = Weighting(weighting)
    check_corpus(tokens, offsets, vocab_size)
    if vocab_size > kernels.MAX_VOCAB:
        raise ValueError(f"vocab_size {vocab_size:,} exceeds the {kernels.MAX_VOCAB:,} words a record can address")
    # One compiled specialisation: int32 tokens (the prepared format) and int64 offsets.
    tokens = np.ascontiguousarray(tokens, dtype=np.int32)
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    record_counts = kernels.row_record_counts(tokens, offsets, vocab_size, window)
    shards = plan_shards(record_counts, len(tokens), memory_budget, threads)
    return CountPlan(vocab_size, window, weighting, threads, tokens, offsets, record_counts, shards)


def count_shard(plan: CountPlan, lo: int, hi: int) -> ShardCounts:
    """Rows [lo, hi) of X: scatter their pairs into buckets, then sum each bucket."""
    starts = np.zeros(hi - lo + 1, dtype=np.int64)
    np.cumsum(plan.record_counts[lo:hi], out=starts[1:])
    records = scratch_array(int(starts[-1]), np.int32)
    thread_bounds = balanced_bounds(plan.record_counts, lo, hi, plan.threads)
    kernels.scatter_records(plan.tokens, plan.offsets, plan.window, thread_bounds, starts, records)
    nnz = kernels.count_unique(records, starts, thread_bounds, plan.vocab_size)
    indptr = np.zeros(hi - lo + 1, dtype=np.int64)
    np.cumsum(nnz, out=indptr[1:])
    indices = scratch_array(int(indptr[-1]), np.int32)
    data = scratch_array(int(indptr[-1]), np.float64)
    weights = distance_weights(plan.window, plan.weighting)
    kernels.reduce_rows(records, starts, weights, thread_bounds, plan.vocab_size, indptr, indices, data)
    return ShardCounts(lo, hi, indptr, indices, data)


def iter_shards(plan: CountPlan) -> Iterator[ShardCounts]:
    with numba_threads(plan.threads):
        for lo, hi in plan.shards:
            yield count_shard(plan, lo, hi)


@dataclass(frozen=True)
class CooccurrenceStats:
    """What ``cooccurrence_stats.json`` records about a count (no timings, so that the file is reproducible)."""

    vocab_size: int
    tokens: int
    lines: int
    window: int
    weighting: str
    nonzeros: int
    total_weight: float
    pairs: int
    shards: int
    memory_budget: int
    format: str = "csr"
    dtype: str = "float64"
    symmetric: bool = True

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def total_weight(offsets: np.ndarray, window: int, weighting: Weighting | str) -> float:
    """Sum of X from the line lengths alone: a line of L words has max(L - d, 0) pairs at distance d.

    Computed without the matrix, so it is the same whatever the sharding (and a check on the counting).
    """
    lengths = np.diff(np.asarray(offsets, dtype=np.int64))
    weights = distance_weights(window, weighting)
    pairs = [int(np.maximum(lengths - d, 0).sum()) for d in range(window + 1)]
    return 2.0 * math.fsum(pairs[d] * weights[d] for d in range(1, window + 1))


def stats_for(plan: CountPlan, nonzeros: int, memory_budget: int) -> CooccurrenceStats:
    return CooccurrenceStats(
        vocab_size=plan.vocab_size,
        tokens=len(plan.tokens),
        lines=len(plan.offsets) - 1,
        window=plan.window,
        weighting=plan.weighting.value,
        nonzeros=nonzeros,
        total_weight=total_weight(plan.offsets, plan.window, plan.weighting),
        pairs=plan.records,
        shards=len(plan.shards),
        memory_budget=int(memory_budget),
    )


def count_cooccurrences(
    tokens: np.ndarray,
    offsets: np.ndarray,
    vocab_size: int,
    *,
    window: int = 10,
    weighting: Weighting | str = Weighting.harmonic,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
    threads: int | None = None,
) -> tuple[sp.csr_array, CooccurrenceStats]:
    """X of a corpus, in memory (the budget bounds the counting, not the matrix returned).

    ``tokens`` are word ids in [0, vocab_size); line i is tokens[offsets[i]:offsets[i + 1]].
    """
    with numba_threads(threads) as used:
        plan = make_plan(
            tokens, offsets, vocab_size, window=window, weighting=weighting, memory_budget=memory_budget, threads=used
        )
        matrix = assemble(list(iter_shards(plan)), vocab_size)
    return matrix, stats_for(plan, matrix.nnz, memory_budget)


def index_dtype(nnz: int) -> type:
    return np.int32 if nnz <= np.iinfo(np.int32).max else np.int64


def assemble(pieces: list[ShardCounts], vocab_size: int) -> sp.csr_array:
    """Concatenate the row shards (in row order) into one CSR matrix."""
    nnz_per_row = np.zeros(vocab_size, dtype=np.int64)
    for piece in pieces:
        nnz_per_row[piece.row_lo : piece.row_hi] = np.diff(piece.indptr)
    indptr = indptr_from_counts(nnz_per_row)
    indices = np.concatenate([p.indices for p in pieces]) if pieces else np.empty(0, np.int32)
    data = np.concatenate([p.data for p in pieces]) if pieces else np.empty(0, np.float64)
    return sp.csr_array((data, indices.astype(indptr.dtype, copy=False), indptr), shape=(vocab_size, vocab_size))


def indptr_from_counts(nnz_per_row: np.ndarray) -> np.ndarray:
    indptr: np.ndarray = np.zeros(len(nnz_per_row) + 1, dtype=index_dtype(int(nnz_per_row.sum())))
    np.cumsum(nnz_per_row, out=indptr[1:])
    return indptr
