"""The GloVe update loop in numba: glove.c's AdaGrad step, Hogwild over threads.

Per nonzero (i, j) with weight f and target log X_ij, the step follows glove.c (master) exactly:

    diff  = v_i . u_j + b_i + b~_j - log X_ij          (no biases for the plain objective)
    fdiff = f * diff                                    (the gradient of 0.5 f diff^2 w.r.t. diff)
    g     = clip(fdiff * u_j, +-clip) * lr              (and likewise for u_j with v_i)
    v_i  -= g / sqrt(G_v);  G_v += g^2                  (G starts at 1, so the first step is lr-sized)
    b_i  -= fdiff * bias_lr / sqrt(G_b);  G_b += (fdiff * bias_lr)^2

glove.c's bias step has no learning rate (bias_lr = 1) and no clipping; that is kept as the default because
the maintainers' first experiments with a "fixed" bias step gave worse vectors (stanfordnlp/GloVe#209).
Both vector updates use the values from before the step, as in glove.c. A non-finite fdiff skips the update,
as glove.c does.

Threads split the (shuffled) records into contiguous slices and update the shared arrays without locks
(Hogwild, like glove.c's pthreads): collisions are rare because X is sparse, and tolerated when they happen.
The rows of the nonzero ``LOOKAHEAD`` steps ahead are prefetched, so that their cache misses overlap.
The hyper-parameters arrive as an array of the state's dtype, so that float32 state stays float32 arithmetic
(and SIMD) all the way through. fastmath is on except for the flags that would assume away NaN and inf, and
``error_model="numpy"`` drops Python's division-by-zero check, which otherwise stops LLVM vectorising the
update loop (in float32, x / sqrt(g) then compiles to a reciprocal square root plus a Newton step).
"""

from __future__ import annotations

import numba
import numpy as np

from wordlab.embeddings.native.prefetch import CACHE_LINE, prefetch

_FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}

# Layout of the ``hyper`` array.
LEARNING_RATE, BIAS_LEARNING_RATE, GRAD_CLIP = 0, 1, 2
LOOKAHEAD = 4  # steps between prefetching a nonzero's rows and using them


@numba.njit(cache=True, nogil=True, inline="always")
def _prefetch_row(matrix: np.ndarray, row: int) -> None:
    dim = matrix.shape[1]
    first = row * dim
    # prefetch is a numba @intrinsic: numba supplies its typing context, which mypy sees as a missing argument
    for c in range(0, dim, CACHE_LINE // matrix.itemsize):
        prefetch(matrix, first + c)  # type: ignore[call-arg]
    prefetch(matrix, first + dim - 1)  # type: ignore[call-arg]


@numba.njit(cache=True, nogil=True, fastmath=_FASTMATH, error_model="numpy")
def train_range(
    W: np.ndarray,
    W_ctx: np.ndarray,
    b: np.ndarray,
    b_ctx: np.ndarray,
    gradsq_W: np.ndarray,
    gradsq_W_ctx: np.ndarray,
    gradsq_b: np.ndarray,
    gradsq_b_ctx: np.ndarray,
    records: np.ndarray,
    values: np.ndarray,
    start: int,
    stop: int,
    use_bias: bool,
    hyper: np.ndarray,
) -> tuple[float, int]:
    """Steps for records[start:stop] in order; returns (sum of f * diff^2 before each step, steps skipped).

    ``records`` is the (n, 4) int32 array of ``GlovePairs`` and ``values`` its float32 view (log X, weight).
    """
    lr = hyper[LEARNING_RATE]
    bias_lr = hyper[BIAS_LEARNING_RATE]
    clip = hyper[GRAD_CLIP]
    dim = W.shape[1]
    loss = 0.0
    skipped = 0
    for k in range(start, stop):
        ahead = k + LOOKAHEAD
        if ahead < stop:
            _prefetch_row(W, records[ahead, 0])
            _prefetch_row(gradsq_W, records[ahead, 0])
            _prefetch_row(W_ctx, records[ahead, 1])
            _prefetch_row(gradsq_W_ctx, records[ahead, 1])
        i = records[k, 0]
        j = records[k, 1]
        v = W[i]
        u = W_ctx[j]
        gv = gradsq_W[i]
        gu = gradsq_W_ctx[j]
        dot = v[0] - v[0]  # a zero of the state dtype
        for c in range(dim):
            dot += v[c] * u[c]
        diff = dot - values[k, 2]
        if use_bias:
            diff += b[i] + b_ctx[j]
        fdiff = values[k, 3] * diff
        if not np.isfinite(fdiff):
            skipped += 1
            continue
        loss += fdiff * diff
        for c in range(dim):
            step_v = min(max(fdiff * u[c], -clip), clip) * lr
            step_u = min(max(fdiff * v[c], -clip), clip) * lr
            v[c] -= step_v / np.sqrt(gv[c])
            u[c] -= step_u / np.sqrt(gu[c])
            gv[c] += step_v * step_v
            gu[c] += step_u * step_u
        if use_bias:
            step_b = fdiff * bias_lr
            b[i] -= step_b / np.sqrt(gradsq_b[i])
            b_ctx[j] -= step_b / np.sqrt(gradsq_b_ctx[j])
            gradsq_b[i] += step_b * step_b
            gradsq_b_ctx[j] += step_b * step_b
    return loss, skipped


@numba.njit(cache=True, parallel=True, fastmath=_FASTMATH, error_model="numpy")
def train_hogwild(
    W: np.ndarray,
    W_ctx: np.ndarray,
    b: np.ndarray,
    b_ctx: np.ndarray,
    gradsq_W: np.ndarray,
    gradsq_W_ctx: np.ndarray,
    gradsq_b: np.ndarray,
    gradsq_b_ctx: np.ndarray,
    records: np.ndarray,
    values: np.ndarray,
    start: int,
    stop: int,
    use_bias: bool,
    hyper: np.ndarray,
    threads: int,
) -> tuple[float, int]:
    """``train_range`` over records[start:stop], one contiguous slice per thread, sharing the arrays."""
    n = stop - start
    losses = np.zeros(threads, dtype=np.float64)
    skipped = np.zeros(threads, dtype=np.int64)
    for t in numba.prange(threads):
        losses[t], skipped[t] = train_range(
            W,
            W_ctx,
            b,
            b_ctx,
            gradsq_W,
            gradsq_W_ctx,
            gradsq_b,
            gradsq_b_ctx,
            records,
            values,
            start + t * n // threads,
            start + (t + 1) * n // threads,
            use_bias,
            hyper,
        )
    return losses.sum(), skipped.sum()
