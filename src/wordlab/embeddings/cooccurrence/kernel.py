"""Numba kernels that count co-occurrences row by row, the way a CSR matrix is built by counting sort.

Every pair (row i, column j, distance d) is first appended to the bucket of row i, scanning the corpus left to
right; then each bucket is summed with a dense accumulator over the columns (a vocabulary-sized array, small
enough to stay in cache) and written out sorted. Compared with a hash table (a cache miss per pair) or
Stanford's dense block plus sorted overflow files, both passes stream through memory. The size of every
bucket is known before anything is scattered (``row_record_counts``), so memory is planned exactly and rows
can be split into shards that each fit a budget.

A record packs the column and the distance into one int32 (column << 8 | distance), so a bucket costs 4 bytes
per pair. Both directions of a pair are recorded (j in i's bucket and i in j's), so a shard of rows needs
nothing from other shards and X is symmetric by construction. A row's bucket holds its pairs in corpus order
whatever the sharding or threading, so the sums, and the matrix, are bit-identical for any number of shards.
"""

from __future__ import annotations

import numba
import numpy as np

DISTANCE_BITS = 8
MAX_VOCAB = 1 << (31 - DISTANCE_BITS)  # columns must fit beside the distance in a non-negative int32


@numba.njit(cache=True, nogil=True)
def row_record_counts(tokens: np.ndarray, offsets: np.ndarray, vocab_size: int, window: int) -> np.ndarray:
    """Pairs each row will receive: its window sizes summed over its occurrences (a bound on its nonzeros)."""
    counts = np.zeros(vocab_size, dtype=np.int64)
    for line in range(offsets.shape[0] - 1):
        start, stop = offsets[line], offsets[line + 1]
        for t in range(start, stop):
            counts[tokens[t]] += min(window, t - start) + min(window, stop - 1 - t)
    return counts


@numba.njit(cache=True, nogil=True)
def _scatter_range(
    tokens: np.ndarray,
    offsets: np.ndarray,
    window: int,
    row_lo: int,
    row_hi: int,
    starts: np.ndarray,
    base_row: int,
    records: np.ndarray,
) -> None:
    cursor = starts[row_lo - base_row : row_hi - base_row].copy()
    for line in range(offsets.shape[0] - 1):
        start, stop = offsets[line], offsets[line + 1]
        for t in range(start, stop):
            row = tokens[t]
            if row < row_lo or row >= row_hi:
                continue
            pos = cursor[row - row_lo]
            for d in range(1, min(window, t - start) + 1):
                records[pos] = (tokens[t - d] << DISTANCE_BITS) | d
                pos += 1
            for d in range(1, min(window, stop - 1 - t) + 1):
                records[pos] = (tokens[t + d] << DISTANCE_BITS) | d
                pos += 1
            cursor[row - row_lo] = pos


@numba.njit(cache=True, parallel=True)
def scatter_records(
    tokens: np.ndarray,
    offsets: np.ndarray,
    window: int,
    thread_bounds: np.ndarray,
    starts: np.ndarray,
    records: np.ndarray,
) -> None:
    """Fill the buckets of rows thread_bounds[0]..thread_bounds[-1]; each thread owns one row range.

    Row r's bucket begins at ``starts[r - thread_bounds[0]]``. Each thread reads the whole token array but
    writes only its own rows, so no two threads touch the same bucket.
    """
    base_row = thread_bounds[0]
    for k in numba.prange(thread_bounds.shape[0] - 1):
        _scatter_range(tokens, offsets, window, thread_bounds[k], thread_bounds[k + 1], starts, base_row, records)


@numba.njit(cache=True, nogil=True)
def _count_unique_range(
    records: np.ndarray, starts: np.ndarray, row_lo: int, row_hi: int, base_row: int, vocab_size: int, nnz: np.ndarray
) -> None:
    seen = np.zeros(vocab_size, dtype=np.uint8)  # a byte per word stays in L2 where an int array would not
    touched = np.empty(vocab_size, dtype=np.int32)
    for row in range(row_lo, row_hi):
        local = row - base_row
        n = 0
        for p in range(starts[local], starts[local + 1]):
            c = records[p] >> DISTANCE_BITS
            if seen[c] == 0:
                seen[c] = 1
                touched[n] = c
                n += 1
        for q in range(n):
            seen[touched[q]] = 0
        nnz[local] = n


@numba.njit(cache=True, parallel=True)
def count_unique(records: np.ndarray, starts: np.ndarray, thread_bounds: np.ndarray, vocab_size: int) -> np.ndarray:
    """Nonzeros of each row (distinct columns in its bucket), so that the output is allocated exactly."""
    base_row = thread_bounds[0]
    nnz = np.zeros(thread_bounds[-1] - base_row, dtype=np.int64)
    for k in numba.prange(thread_bounds.shape[0] - 1):
        _count_unique_range(records, starts, thread_bounds[k], thread_bounds[k + 1], base_row, vocab_size, nnz)
    return nnz


@numba.njit(cache=True, nogil=True)
def _sort_columns(keys: np.ndarray, n: int, scratch: np.ndarray, passes: int) -> np.ndarray:
    """Sort keys[:n] (non-negative, < 256**passes): insertion sort when short, else LSD radix, 8 bits a pass.

    A row's columns are random, so a comparison sort mispredicts half its branches; radix passes do not branch.
    """
    if n <= 32:
        for i in range(1, n):
            key = keys[i]
            j = i - 1
            while j >= 0 and keys[j] > key:
                keys[j + 1] = keys[j]
                j -= 1
            keys[j + 1] = key
        return keys
    source, target = keys, scratch
    counts = np.empty(257, dtype=np.int64)
    for shift in range(0, 8 * passes, 8):
        counts[:] = 0
        for i in range(n):
            counts[((source[i] >> shift) & 255) + 1] += 1
        for b in range(256):
            counts[b + 1] += counts[b]
        for i in range(n):
            b = (source[i] >> shift) & 255
            target[counts[b]] = source[i]
            counts[b] += 1
        source, target = target, source
    return source


@numba.njit(cache=True, nogil=True)
def _reduce_range(
    records: np.ndarray,
    starts: np.ndarray,
    weights: np.ndarray,
    row_lo: int,
    row_hi: int,
    base_row: int,
    vocab_size: int,
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
) -> None:
    # Weights are positive, so a zero sum marks a column not seen yet in this row; emptied after each row.
    acc = np.zeros(vocab_size, dtype=np.float64)
    touched = np.empty(vocab_size, dtype=np.int32)
    scratch = np.empty(vocab_size, dtype=np.int32)
    passes = 1
    while (1 << (8 * passes)) < vocab_size:
        passes += 1
    mask = (1 << DISTANCE_BITS) - 1
    for row in range(row_lo, row_hi):
        local = row - base_row
        n = 0
        for p in range(starts[local], starts[local + 1]):
            record = records[p]
            c = record >> DISTANCE_BITS
            if acc[c] == 0.0:
                touched[n] = c
                n += 1
            acc[c] += weights[record & mask]
        out = indptr[local]
        if n > vocab_size // 16:
            # A busy row: one scan of the accumulator is cheaper than sorting its columns.
            for c in range(vocab_size):
                if acc[c] != 0.0:
                    indices[out] = c
                    data[out] = acc[c]
                    acc[c] = 0.0
                    out += 1
        else:
            columns = _sort_columns(touched, n, scratch, passes)
            for q in range(n):
                c = columns[q]
                indices[out + q] = c
                data[out + q] = acc[c]
                acc[c] = 0.0


@numba.njit(cache=True, parallel=True)
def reduce_rows(
    records: np.ndarray,
    starts: np.ndarray,
    weights: np.ndarray,
    thread_bounds: np.ndarray,
    vocab_size: int,
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
) -> None:
    """Sum each bucket into its row's sorted (column, value) pairs, starting at ``indptr`` of the row."""
    base_row = thread_bounds[0]
    for k in numba.prange(thread_bounds.shape[0] - 1):
        _reduce_range(
            records,
            starts,
            weights,
            thread_bounds[k],
            thread_bounds[k + 1],
            base_row,
            vocab_size,
            indptr,
            indices,
            data,
        )
