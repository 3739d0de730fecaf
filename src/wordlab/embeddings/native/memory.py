"""Large scratch arrays backed by plain anonymous memory.

numpy asks the kernel for transparent huge pages on every array over 4 MiB. Where the kernel honours that
request with direct compaction (THP ``defrag = madvise``, a common default, and this project's machines), the
first touch of a fresh gigabyte stalls for seconds while 2 MiB pages are assembled: allocating and filling the
counting buffers measured 2-4x slower that way than with ordinary pages. The buffers here are written once,
front to back or bucket by bucket, so huge pages buy little; they are mapped without the request.
"""

from __future__ import annotations

import mmap

import numpy as np


def scratch_array(count: int, dtype: type | np.dtype) -> np.ndarray:
    """An uninitialised 1-D array of ``count`` items in its own private anonymous mapping (freed with it)."""
    dtype = np.dtype(dtype)
    if count < 0:
        raise ValueError(f"count must be non-negative, got {count}")
    if count == 0:
        return np.empty(0, dtype=dtype)
    buffer = mmap.mmap(-1, count * dtype.itemsize, flags=mmap.MAP_PRIVATE)
    return np.frombuffer(buffer, dtype=dtype, count=count)
