"""Splitting the rows of X into shards whose counting fits a memory budget.

Every row's bucket has a size known before counting (its number of pairs), so the memory a row range needs is
exact, not a guess: no shard is discovered to be too big half-way, as Stanford's cooccur discovers its
overflow. Shards are contiguous row ranges; rows are sorted by frequency, so the first shards hold a few busy
rows and the last many rare ones.

What counts against the budget: the token ids; per word, a few int64 bookkeeping arrays; per thread, the
column accumulators; per shard, its buckets (4 bytes a pair) and its output, where a row has at most
min(pairs, vocabulary) nonzeros of 12 bytes (int32 column, float64 value).
"""

from __future__ import annotations

import numpy as np

TOKEN_BYTES = 4  # int32 token id
WORD_BYTES = 5 * 8  # record counts, bucket starts, cursor, nonzeros, indptr per row
THREAD_WORD_BYTES = 8 + 3 * 4 + 1  # per word and thread: sum, touched lists and sort scratch, seen flag
RECORD_BYTES = 4  # packed column and distance
NONZERO_BYTES = 4 + 8  # int32 column + float64 value


def fixed_bytes(n_tokens: int, vocab_size: int, threads: int) -> int:
    """Memory every shard needs regardless of its rows."""
    return TOKEN_BYTES * int(n_tokens) + (WORD_BYTES + threads * THREAD_WORD_BYTES) * int(vocab_size)


def row_bytes(record_counts: np.ndarray) -> np.ndarray:
    """Upper bound on the memory each row's bucket and output take."""
    records = np.asarray(record_counts, dtype=np.int64)
    return RECORD_BYTES * records + NONZERO_BYTES * np.minimum(records, len(records))


def plan_shards(record_counts: np.ndarray, n_tokens: int, memory_budget: int, threads: int) -> list[tuple[int, int]]:
    """Contiguous row ranges [lo, hi) covering all rows, each counted within ``memory_budget`` bytes."""
    vocab_size = len(record_counts)
    if vocab_size == 0:
        return []
    fixed = fixed_bytes(n_tokens, vocab_size, threads)
    available = int(memory_budget) - fixed
    cost = row_bytes(record_counts)
    biggest = int(cost.max())
    if available < biggest:
        raise ValueError(
            f"memory_budget of {int(memory_budget):,} bytes is too small for this corpus: counting needs at least "
            f"{fixed + biggest:,} bytes ({fixed:,} for {n_tokens:,} tokens, {vocab_size:,} words and {threads} "
            f"thread(s), "
            f"{biggest:,} for row {int(cost.argmax())} alone)"
        )
    cumulative = np.concatenate([[0], np.cumsum(cost)])
    shards: list[tuple[int, int]] = []
    lo = 0
    while lo < vocab_size:
        # The last row whose running total from lo still fits.
        hi = int(np.searchsorted(cumulative, cumulative[lo] + available, side="right")) - 1
        hi = min(max(hi, lo + 1), vocab_size)
        shards.append((lo, hi))
        lo = hi
    return shards


def balanced_bounds(weights: np.ndarray, lo: int, hi: int, parts: int) -> np.ndarray:
    """Split rows [lo, hi) into ``parts`` contiguous ranges of about equal total weight (one per thread)."""
    parts = max(1, min(parts, hi - lo))
    cumulative = np.cumsum(np.asarray(weights[lo:hi], dtype=np.float64))
    total = cumulative[-1] if len(cumulative) else 0.0
    targets = total * np.arange(1, parts) / parts
    inner = lo + 1 + np.searchsorted(cumulative, targets, side="left")
    bounds = np.concatenate([[lo], np.clip(inner, lo, hi), [hi]]).astype(np.int64)
    return np.maximum.accumulate(bounds)
