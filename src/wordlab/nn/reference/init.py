"""Numpy initialisers and the fan arithmetic they share with :mod:`wordlab.nn.init` (see its docstring).

Every draw takes a ``numpy.random.Generator`` so that numpy models initialise reproducibly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def fans(shape: Sequence[int]) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of this shape (torch convention: (out, in, *kernel))."""
    if len(shape) < 2:
        raise ValueError(f"fans need a tensor with at least 2 dimensions, got shape {tuple(shape)}")
    receptive = math.prod(shape[2:]) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def xavier_bound(shape: Sequence[int], gain: float = 1.0) -> float:
    fan_in, fan_out = fans(shape)
    return gain * math.sqrt(6.0 / (fan_in + fan_out))


def xavier_std(shape: Sequence[int], gain: float = 1.0) -> float:
    fan_in, fan_out = fans(shape)
    return gain * math.sqrt(2.0 / (fan_in + fan_out))


def small_uniform_scale(shape: Sequence[int]) -> float:
    """word2vec's half-width ``0.5 / d``, with ``d`` the embedding (last) dimension."""
    return 0.5 / shape[-1]


def np_xavier_uniform(shape: Sequence[int], rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    bound = xavier_bound(shape, gain)
    return rng.uniform(-bound, bound, size=tuple(shape))


def np_xavier_normal(shape: Sequence[int], rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    return rng.normal(0.0, xavier_std(shape, gain), size=tuple(shape))


def np_small_uniform(shape: Sequence[int], rng: np.random.Generator, scale: float | None = None) -> np.ndarray:
    half_width = small_uniform_scale(shape) if scale is None else scale
    return rng.uniform(-half_width, half_width, size=tuple(shape))


def np_zeros(shape: Sequence[int]) -> np.ndarray:
    return np.zeros(tuple(shape))
