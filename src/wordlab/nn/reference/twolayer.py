"""The worked example: a two-layer network with backpropagation written by hand in numpy.

Row-vector convention, one example per row of ``x`` (N, D)::

    z1 = x W1 + b1          W1: (D, H)   b1: (H,)
    h  = sigmoid(z1)
    z2 = h W2 + b2          W2: (H, C)   b2: (C,)
    y_hat = softmax(z2)
    J  = CE(y, y_hat) = -sum_n sum_c y_nc log y_hat_nc     (summed over the batch)

Backpropagation by the shape rule (each gradient has the shape of its variable, so the factors are arranged
until the shapes fit)::

    delta2 = dJ/dz2 = y_hat - y                      (N, C)
    dJ/dW2 = h^T delta2                              (H, N)(N, C) = (H, C)
    dJ/db2 = sum_n delta2                            (C,)
    dJ/dh  = delta2 W2^T                             (N, C)(C, H) = (N, H)
    delta1 = dJ/dz1 = dJ/dh * h * (1 - h)            sigmoid' = sigmoid (1 - sigmoid), elementwise
    dJ/dW1 = x^T delta1                              (D, N)(N, H) = (D, H)
    dJ/db1 = sum_n delta1                            (H,)
    dJ/dx  = delta1 W1^T                             (N, H)(H, D) = (N, D)

The loss is summed, not averaged, so that these formulas hold exactly as written (``dJ/dW2 = h^T (y_hat - y)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wordlab.nn.reference.functional import log_softmax, sigmoid
from wordlab.nn.reference.init import np_xavier_uniform
from wordlab.nn.reference.losses import one_hot

PARAMS = ("W1", "b1", "W2", "b2")


@dataclass(frozen=True)
class Cache:
    """What the backward pass needs from the forward pass."""

    x: np.ndarray
    y: np.ndarray
    h: np.ndarray
    y_hat: np.ndarray


def init_params(n_in: int, n_hidden: int, n_out: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Xavier-uniform weights and zero biases, float64 (the precision gradient checks need)."""
    return {
        "W1": np_xavier_uniform((n_in, n_hidden), rng),
        "b1": np.zeros(n_hidden),
        "W2": np_xavier_uniform((n_hidden, n_out), rng),
        "b2": np.zeros(n_out),
    }


def _targets(y: np.ndarray, num_classes: int) -> np.ndarray:
    y = np.asarray(y)
    return one_hot(y, num_classes) if np.issubdtype(y.dtype, np.integer) else y.astype(np.float64)


def forward(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> tuple[float, Cache]:
    """The loss ``J`` for inputs ``x`` (N, D) and labels (N,) or target distributions (N, C)."""
    h = sigmoid(x @ params["W1"] + params["b1"])
    z2 = h @ params["W2"] + params["b2"]
    log_y_hat = log_softmax(z2, axis=-1)
    targets = _targets(y, z2.shape[-1])
    loss = float(-np.sum(targets * log_y_hat))
    return loss, Cache(x=x, y=targets, h=h, y_hat=np.exp(log_y_hat))


def backward(params: dict[str, np.ndarray], cache: Cache) -> dict[str, np.ndarray]:
    """``dJ/dW1, dJ/db1, dJ/dW2, dJ/db2`` and ``dJ/dx`` by the formulas in the module docstring."""
    delta2 = cache.y_hat - cache.y
    grad_h = delta2 @ params["W2"].T
    delta1 = grad_h * cache.h * (1.0 - cache.h)
    return {
        "W1": cache.x.T @ delta1,
        "b1": delta1.sum(axis=0),
        "W2": cache.h.T @ delta2,
        "b2": delta2.sum(axis=0),
        "x": delta1 @ params["W1"].T,
    }


def loss_and_gradients(
    params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray
) -> tuple[float, dict[str, np.ndarray]]:
    loss, cache = forward(params, x, y)
    return loss, backward(params, cache)
