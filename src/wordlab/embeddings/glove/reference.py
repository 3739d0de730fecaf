"""The GloVe objective, its gradient and glove.c's AdaGrad step, in plain numpy: the specification.

Nothing here is fast; it is written to be read and to be checked (central differences and torch autograd check
the gradient, and the gradient defines the step the numba kernel must reproduce). Everything is float64.

    J = sum_ij w_ij (v_i . u_j + b_i + b~_j - log X_ij)^2

with w_ij = f(X_ij) = min(1, (X_ij / x_max)^alpha) for the weighted objective, and w_ij = X_ij without biases
for the plain objective of the course notes. ``v`` is ``W`` (a row per word i of X), ``u`` is ``W_ctx``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from wordlab.embeddings.glove.pairs import Objective, weighting

PARAMS = ("W", "W_ctx", "b", "b_ctx")


def _residuals(
    params: Mapping[str, np.ndarray], rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, objective: Objective | str
) -> np.ndarray:
    diff = np.einsum("kd,kd->k", params["W"][rows], params["W_ctx"][cols]) - np.log(vals)
    if Objective(objective) is Objective.weighted:
        diff = diff + params["b"][rows] + params["b_ctx"][cols]
    return diff


def loss(
    params: Mapping[str, np.ndarray],
    rows: np.ndarray,
    cols: np.ndarray,
    vals: np.ndarray,
    *,
    objective: Objective | str = Objective.weighted,
    x_max: float = 100.0,
    alpha: float = 0.75,
) -> float:
    """J over the given nonzeros."""
    diff = _residuals(params, rows, cols, vals, objective)
    return float(np.sum(weighting(vals, objective, x_max, alpha) * diff**2))


def gradients(
    params: Mapping[str, np.ndarray],
    rows: np.ndarray,
    cols: np.ndarray,
    vals: np.ndarray,
    *,
    objective: Objective | str = Objective.weighted,
    x_max: float = 100.0,
    alpha: float = 0.75,
) -> dict[str, np.ndarray]:
    """dJ/d(W, W_ctx, b, b_ctx): each nonzero adds 2 w diff u_j to v_i, 2 w diff v_i to u_j, 2 w diff to b_i, b~_j."""
    g = 2.0 * weighting(vals, objective, x_max, alpha) * _residuals(params, rows, cols, vals, objective)
    grads = {name: np.zeros_like(params[name], dtype=np.float64) for name in PARAMS}
    np.add.at(grads["W"], rows, g[:, None] * params["W_ctx"][cols])
    np.add.at(grads["W_ctx"], cols, g[:, None] * params["W"][rows])
    if Objective(objective) is Objective.weighted:
        np.add.at(grads["b"], rows, g)
        np.add.at(grads["b_ctx"], cols, g)
    return grads


def adagrad_step(
    params: dict[str, np.ndarray],
    gradsq: dict[str, np.ndarray],
    i: int,
    j: int,
    x: float,
    *,
    objective: Objective | str = Objective.weighted,
    x_max: float = 100.0,
    alpha: float = 0.75,
    learning_rate: float = 0.05,
    bias_learning_rate: float = 1.0,
    grad_clip: float = 100.0,
) -> float:
    """glove.c's update for one nonzero, in place; returns its term of J before the step.

    glove.c steps along half the gradient of this nonzero's term (the gradient of 0.5 w diff^2, the cost it
    reports), clips each vector component to +-grad_clip, scales by the learning rate, and divides by the root
    of the accumulated squares of those scaled steps (which start at 1). Biases use ``bias_learning_rate``
    (glove.c: 1) and no clipping. Both vectors are updated from their values before the step.
    """
    rows, cols, vals = np.array([i]), np.array([j]), np.array([x], dtype=np.float64)
    term = loss(params, rows, cols, vals, objective=objective, x_max=x_max, alpha=alpha)
    half = {
        name: 0.5 * g
        for name, g in gradients(params, rows, cols, vals, objective=objective, x_max=x_max, alpha=alpha).items()
    }
    if not np.isfinite(term):
        return term
    steps = {
        "W": np.clip(half["W"][i], -grad_clip, grad_clip) * learning_rate,
        "W_ctx": np.clip(half["W_ctx"][j], -grad_clip, grad_clip) * learning_rate,
    }
    if Objective(objective) is Objective.weighted:
        steps["b"] = half["b"][i] * bias_learning_rate
        steps["b_ctx"] = half["b_ctx"][j] * bias_learning_rate
    for name, step in steps.items():
        row = i if name in ("W", "b") else j
        params[name][row] -= step / np.sqrt(gradsq[name][row])
        gradsq[name][row] += step * step
    return term
