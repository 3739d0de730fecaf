"""The nonzeros of X as GloVe's training set: one 16-byte record per nonzero, in training order.

Each record holds (i, j, log X_ij, f(X_ij)) side by side, so a step reads one cache line for its data instead
of four scattered arrays, and log and pow are paid once instead of once per epoch (glove.c recomputes them on
every step). Shuffling moves the records themselves, so an epoch then streams through them in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numba
import numpy as np
import scipy.sparse as sp

from wordlab.embeddings.glove.config import Objective
from wordlab.embeddings.glove.shuffle import shuffle_records
from wordlab.embeddings.native.memory import scratch_array


def weighting(x: np.ndarray, objective: Objective | str, x_max: float, alpha: float) -> np.ndarray:
    """The weight of each squared error: f(x) for the weighted objective, x itself for the plain one."""
    x = np.asarray(x, dtype=np.float64)
    if Objective(objective) is Objective.plain:
        return x.copy()
    return np.minimum(1.0, (x / x_max) ** alpha)


def _as_flat(records: np.ndarray) -> np.ndarray:
    return records.view(np.complex128).reshape(-1)


@numba.njit(cache=True, parallel=True)
def _records_from_csr(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    plain: bool,
    x_max: float,
    alpha: float,
    records: np.ndarray,
    values: np.ndarray,
) -> None:
    # One parallel pass instead of numpy's COO conversion and float64 temporaries of the whole matrix.
    log_x_max = np.log(x_max)
    for row in numba.prange(indptr.shape[0] - 1):
        for k in range(indptr[row], indptr[row + 1]):
            x = data[k]
            log_x = np.log(x)
            records[k, 0] = row
            records[k, 1] = indices[k]
            values[k, 2] = log_x
            # (x / x_max)^alpha as exp(alpha (log x - log x_max)): reuses log x, and exp is cheaper than pow.
            values[k, 3] = x if plain else (1.0 if x >= x_max else np.exp(alpha * (log_x - log_x_max)))


@dataclass(frozen=True)
class GlovePairs:
    """Packed (n, 4) int32 records: row, column, then the float32 bits of log X and of the weight."""

    records: np.ndarray

    @classmethod
    def from_coo(
        cls,
        rows: np.ndarray,
        cols: np.ndarray,
        vals: np.ndarray,
        *,
        objective: Objective | str = Objective.weighted,
        x_max: float = 100.0,
        alpha: float = 0.75,
    ) -> GlovePairs:
        rows, cols, vals = np.asarray(rows), np.asarray(cols), np.asarray(vals, dtype=np.float64)
        if not rows.shape == cols.shape == vals.shape or rows.ndim != 1:
            raise ValueError(
                f"rows, cols and vals must be 1-D of one length, got {rows.shape}, {cols.shape}, {vals.shape}"
            )
        if len(vals) and not (np.all(np.isfinite(vals)) and vals.min() > 0):
            raise ValueError("co-occurrence values must be finite and positive (log X is the target)")
        if len(rows) and (min(rows.min(), cols.min()) < 0 or max(rows.max(), cols.max()) > np.iinfo(np.int32).max):
            raise ValueError("row and column ids must be non-negative int32")
        if x_max <= 0 or alpha < 0:
            raise ValueError(f"x_max must be positive and alpha non-negative, got {x_max} and {alpha}")
        records = np.empty((len(vals), 4), dtype=np.int32)
        records[:, 0] = rows
        records[:, 1] = cols
        floats = records.view(np.float32)
        floats[:, 2] = np.log(vals)
        floats[:, 3] = weighting(vals, objective, x_max, alpha)
        return cls(records)

    @classmethod
    def from_matrix(
        cls,
        matrix: sp.sparray | sp.spmatrix,
        *,
        objective: Objective | str = Objective.weighted,
        x_max: float = 100.0,
        alpha: float = 0.75,
    ) -> GlovePairs:
        """Records in the matrix's row-major order (CSR), shuffled later."""
        csr = sp.csr_array(matrix)
        data = np.asarray(csr.data, dtype=np.float64)
        if csr.nnz and not (np.all(np.isfinite(data)) and data.min() > 0):
            raise ValueError("co-occurrence values must be finite and positive (log X is the target)")
        if x_max <= 0 or alpha < 0:
            raise ValueError(f"x_max must be positive and alpha non-negative, got {x_max} and {alpha}")
        if max(csr.shape) > np.iinfo(np.int32).max:
            raise ValueError(f"a {csr.shape} matrix has ids beyond int32")
        records = scratch_array(4 * csr.nnz, np.int32).reshape(csr.nnz, 4)
        _records_from_csr(
            csr.indptr.astype(np.int64, copy=False),
            csr.indices.astype(np.int32, copy=False),
            data,
            Objective(objective) is Objective.plain,
            float(x_max),
            float(alpha),
            records,
            records.view(np.float32),
        )
        return cls(records)

    def __post_init__(self) -> None:
        if self.records.ndim != 2 or self.records.shape[1] != 4 or self.records.dtype != np.int32:
            raise ValueError(f"records must be (n, 4) int32, got {self.records.shape} {self.records.dtype}")
        if not self.records.flags.c_contiguous:
            raise ValueError("records must be C-contiguous")

    def __len__(self) -> int:
        return self.records.shape[0]

    @property
    def rows(self) -> np.ndarray:
        return self.records[:, 0]

    @property
    def cols(self) -> np.ndarray:
        return self.records[:, 1]

    @property
    def log_x(self) -> np.ndarray:
        return self.records.view(np.float32)[:, 2]

    @property
    def weight(self) -> np.ndarray:
        return self.records.view(np.float32)[:, 3]

    @cached_property
    def max_id(self) -> int:
        """The largest word id used (computed once: chunks check it against the state before every call)."""
        return int(max(self.rows.max(), self.cols.max())) if len(self) else -1

    def shuffled(self, seed: int, out: GlovePairs | None = None) -> GlovePairs:
        """The same records in a uniformly random order fixed by ``seed`` (into ``out`` if given, to reuse it)."""
        target = scratch_array(self.records.size, np.int32).reshape(self.records.shape) if out is None else out.records
        if target.shape != self.records.shape or target is self.records:
            raise ValueError("out must be a different GlovePairs of the same length")
        shuffle_records(_as_flat(self.records), _as_flat(target), int(seed))
        shuffled = GlovePairs(target)
        if "max_id" in self.__dict__:
            shuffled.__dict__["max_id"] = self.max_id  # same records, same ids
        return shuffled
