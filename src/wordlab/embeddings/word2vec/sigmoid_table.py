"""word2vec.c's sigmoid table, as the C tool and gensim compile it.

Both read sigma from 1,000 precomputed values instead of calling ``exp``: ``expTable[i] = sigma((i / 1000 * 2 - 1)
* 6)``, read at ``(int)((f + MAX_EXP) * (EXP_TABLE_SIZE / MAX_EXP / 2))``. The step is written as a ratio but C
divides the two integers, so it is 83 rather than 83.3, and the table is read at about 0.996 f - 0.03: sigma comes
out 0.007 low on average for |f| < 1 (gensim's ``word2vec_inner.c`` compiles it as ``((0x3E8 / 6) / 2)``). That
bias is part of how their vectors turn out (issue #14), so the kernel can use the table as compiled.
"""

from __future__ import annotations

import numpy as np

EXP_TABLE_SIZE = 1000
MAX_EXP = 6
TABLE_STEP = EXP_TABLE_SIZE // MAX_EXP // 2  # 83: C's integer division of EXP_TABLE_SIZE / MAX_EXP / 2


def sigmoid_table(dtype: np.dtype | type = np.float32) -> np.ndarray:
    """The table's 1,000 values, computed in float32 as both compute them (the argument in float, ``exp`` in double,
    the ratio in float), returned in ``dtype``."""
    size, top = np.float32(EXP_TABLE_SIZE), np.float32(MAX_EXP)
    e = np.exp(((np.arange(EXP_TABLE_SIZE, dtype=np.float32) / size * 2 - 1) * top).astype(np.float64))
    e = e.astype(np.float32)
    return (e / (e + np.float32(1))).astype(dtype)
