"""Everything GloVe training changes, in one object that can be saved and resumed.

Training is resumable exactly because the AdaGrad accumulators travel with the vectors: restarting from the
vectors alone would restart every step size at the learning rate. Initialisation follows glove.c (vectors and
biases uniform in [-0.5, 0.5) / dim, accumulators 1.0, so that the first step is the learning rate itself).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, cast

import numpy as np

from wordlab.embeddings.glove.config import VectorMode
from wordlab.io import atomic_path


@dataclass
class GloveState:
    """Word vectors v_i (rows of X), context vectors u_j (columns of X), their biases, and AdaGrad's sums."""

    W: np.ndarray
    W_ctx: np.ndarray
    b: np.ndarray
    b_ctx: np.ndarray
    gradsq_W: np.ndarray
    gradsq_W_ctx: np.ndarray
    gradsq_b: np.ndarray
    gradsq_b_ctx: np.ndarray
    epochs: int = 0  # completed passes over X

    @classmethod
    def initialize(cls, vocab_size: int, dim: int, *, seed: int = 0, dtype: type = np.float32) -> GloveState:
        if vocab_size < 1 or dim < 1:
            raise ValueError(f"vocab_size and dim must be positive, got {vocab_size} and {dim}")
        rng = np.random.default_rng(seed)

        def uniform(*shape: int) -> np.ndarray:
            return ((rng.random(shape) - 0.5) / dim).astype(dtype)

        return cls(
            W=uniform(vocab_size, dim),
            W_ctx=uniform(vocab_size, dim),
            b=uniform(vocab_size),
            b_ctx=uniform(vocab_size),
            gradsq_W=np.ones((vocab_size, dim), dtype=dtype),
            gradsq_W_ctx=np.ones((vocab_size, dim), dtype=dtype),
            gradsq_b=np.ones(vocab_size, dtype=dtype),
            gradsq_b_ctx=np.ones(vocab_size, dtype=dtype),
        )

    def __post_init__(self) -> None:
        self.validate()

    @property
    def vocab_size(self) -> int:
        return self.W.shape[0]

    @property
    def dim(self) -> int:
        return self.W.shape[1]

    def arrays(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "epochs"}

    def validate(self) -> None:
        """The kernels index these arrays without bounds checks, so shapes and dtypes must agree exactly."""
        if self.W.ndim != 2:
            raise ValueError(f"W must be 2-D, got shape {self.W.shape}")
        vocab_size, dim = self.W.shape
        expected = {
            "W": (vocab_size, dim),
            "W_ctx": (vocab_size, dim),
            "gradsq_W": (vocab_size, dim),
            "gradsq_W_ctx": (vocab_size, dim),
            "b": (vocab_size,),
            "b_ctx": (vocab_size,),
            "gradsq_b": (vocab_size,),
            "gradsq_b_ctx": (vocab_size,),
        }
        for name, array in self.arrays().items():
            if array.shape != expected[name]:
                raise ValueError(f"{name} has shape {array.shape}, expected {expected[name]}")
            if array.dtype != self.W.dtype or array.dtype not in (np.float32, np.float64):
                raise TypeError(f"{name} is {array.dtype}; every array must be float32 or float64, like W")
            if not array.flags.c_contiguous or not array.flags.writeable:
                raise ValueError(f"{name} must be C-contiguous and writeable")

    def vectors(self, mode: VectorMode | str = VectorMode.sum) -> np.ndarray:
        """The word vectors to publish: u + v (glove.c's default) or v alone."""
        return self.W + self.W_ctx if VectorMode(mode) is VectorMode.sum else self.W.copy()

    def copy(self) -> GloveState:
        return GloveState(**{name: array.copy() for name, array in self.arrays().items()}, epochs=self.epochs)

    def save(self, path: str | Path) -> None:
        """Checkpoint atomically (an interrupted save never replaces the previous checkpoint)."""
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, epochs=np.int64(self.epochs), **cast(dict[str, Any], self.arrays()))

    @classmethod
    def load(cls, path: str | Path) -> GloveState:
        with np.load(path) as archive:
            missing = {f.name for f in fields(cls)} - set(archive.files)
            if missing:
                raise ValueError(f"{path}: not a GloVe checkpoint, missing {sorted(missing)}")
            arrays = {name: np.ascontiguousarray(archive[name]) for name in archive.files if name != "epochs"}
            return cls(**arrays, epochs=int(archive["epochs"]))
