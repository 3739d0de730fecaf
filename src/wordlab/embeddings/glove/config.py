"""The GloVe settings: the ``embedding.<name>`` entries with ``model: glove``, and what the kernel runs on.

As for word2vec, one frozen dataclass is both the validated schema and the object training reads; numba-free.
Defaults are glove.c's, except ``x_max`` (glove.c: 100; 10 suits corpora of ~10^7 tokens).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from wordlab.config import as_choice


class Objective(StrEnum):
    weighted = "weighted"  # sum f(X_ij) (v_i.u_j + b_i + b~_j - log X_ij)^2, f(x) = min(1, (x / x_max)^alpha)
    plain = "plain"  # sum X_ij (v_i.u_j - log X_ij)^2, the course notes' objective: no biases, weight X_ij


class VectorMode(StrEnum):
    sum = "sum"  # u + v, glove.c's default output (-model 2)
    word = "word"  # v alone (-model 1)


@dataclass(frozen=True)
class GloveConfig:
    model: str = "glove"
    # What the method trains on (a DVC dependency of its stage): the co-occurrence counts.
    input: str = "data/cooccurrence"
    objective: Objective = Objective.weighted
    vectors: VectorMode = VectorMode.sum
    dim: int = 100
    epochs: int = 15
    x_max: float = 10.0
    alpha: float = 0.75
    learning_rate: float = 0.05
    bias_learning_rate: float = 1.0  # glove.c's bias step has no learning rate, i.e. 1 (see kernel)
    grad_clip: float = 100.0  # per vector component of the half-gradient, as glove.c's -grad-clip
    # Words rarer than this in the prepared vocabulary are left out (rows and columns of X dropped).
    min_count: int = 5
    seed: int = 0
    # null: every thread numba has; 1 is bit-for-bit reproducible; 2 uses both cores Hogwild-style, as glove.c.
    threads: int | None = None
    # Nonzeros per Lightning step (one kernel call); also the checkpoint granularity.
    chunk_pairs: int = 5_000_000
    dtype: str = "float32"  # of the vectors and accumulators; float64 for exact comparisons in tests

    def __post_init__(self) -> None:
        object.__setattr__(self, "objective", as_choice(Objective, self.objective, "objective"))
        object.__setattr__(self, "vectors", as_choice(VectorMode, self.vectors, "vectors"))
        if self.dim < 1 or self.epochs < 0:
            raise ValueError(f"dim must be positive and epochs non-negative, got {self.dim} and {self.epochs}")
        for name in ("x_max", "learning_rate", "bias_learning_rate", "grad_clip"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value}")
        if not (math.isfinite(self.alpha) and self.alpha >= 0):
            raise ValueError(f"alpha must be non-negative, got {self.alpha}")
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype!r}")
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"threads must be positive, got {self.threads}")
        if self.min_count < 1 or self.chunk_pairs < 1:
            raise ValueError("min_count and chunk_pairs must be positive")
