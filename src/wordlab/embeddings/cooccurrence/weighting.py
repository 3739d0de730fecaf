"""How much one co-occurrence at distance d adds to X_ij.

The weight depends on the distance alone, so the counting kernels store only the distance of each pair (one
byte) and look its weight up in a table when they sum: the same table for both weightings, one code path.
"""

from __future__ import annotations

import numpy as np

from wordlab.embeddings.cooccurrence.config import Weighting

MAX_WINDOW = 255  # distances are stored as uint8


def distance_weights(window: int, weighting: Weighting | str) -> np.ndarray:
    """Weight per distance, indexed by the distance itself (entry 0 is unused and 0)."""
    window = check_window(window)
    weighting = Weighting(weighting)
    distances = np.arange(window + 1, dtype=np.float64)
    weights = np.ones(window + 1) if weighting is Weighting.plain else 1.0 / np.maximum(distances, 1.0)
    weights[0] = 0.0
    return weights


def check_window(window: int) -> int:
    if isinstance(window, bool) or not isinstance(window, int | np.integer):
        raise TypeError(f"window must be an integer, got {window!r}")
    if not 1 <= window <= MAX_WINDOW:
        raise ValueError(f"window must lie in 1..{MAX_WINDOW}, got {window}")
    return int(window)
