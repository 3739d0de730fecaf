"""How many threads numba's parallel kernels use, set for one call and restored after.

``numba.set_num_threads`` is process-wide state; a stage that changed it and left it changed would silently slow
or speed up every other kernel in the process (word2vec's, the next test's), so it is only ever changed here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numba


@contextmanager
def numba_threads(threads: int | None) -> Iterator[int]:
    """Run the parallel kernels on ``threads`` threads (default: all numba has); yields the number used."""
    previous = numba.get_num_threads()
    wanted = previous if threads is None else int(threads)
    available: int = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]  # set by numba at import
    if not 1 <= wanted <= available:
        raise ValueError(f"threads must lie in 1..{available}, got {threads}")
    numba.set_num_threads(wanted)
    try:
        yield wanted
    finally:
        numba.set_num_threads(previous)
