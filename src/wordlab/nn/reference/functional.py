"""Numerically stable numpy primitives shared by the numpy losses, activations and models.

Written out rather than borrowed from scipy so that the numpy references depend only on numpy, and so that the
stability tricks are visible: every exponential is of a non-positive number, so nothing overflows.
"""

from __future__ import annotations

import numpy as np


def as_float(x: np.ndarray) -> np.ndarray:
    """``x`` as an array of its own floating dtype (integers become float64); float32 stays float32."""
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


def logsumexp(z: np.ndarray, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """``log(sum(exp(z)))`` along ``axis``, shifted by the maximum so no exponential overflows."""
    z = as_float(z)
    peak = np.max(z, axis=axis, keepdims=True)
    # A row of all -inf has no finite peak; shifting by 0 leaves the (correct) -inf result.
    peak = np.where(np.isfinite(peak), peak, 0.0)
    with np.errstate(divide="ignore"):  # log(0) = -inf is the right answer for a row of -inf
        out = np.log(np.sum(np.exp(z - peak), axis=axis, keepdims=True)) + peak
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """``z - logsumexp(z)``: exact log-probabilities even where softmax itself underflows to zero."""
    return as_float(z) - logsumexp(z, axis=axis, keepdims=True)


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.exp(log_softmax(z, axis=axis))


def sigmoid(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-x))`` evaluated through ``exp(-|x|)`` so it neither overflows nor loses the tails."""
    x = as_float(x)
    small = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + small), small / (1.0 + small))
