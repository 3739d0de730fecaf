"""The parser's network, written out in numpy with its backward pass by hand (Chen & Manning 2014, section 3).

Row-vector convention, one configuration per row; ``ids`` (N, F) index one embedding table per feature kind,
and ``E`` here is the single table the features read (the parser's three tables are this with disjoint ids)::

    x  = [E[ids[:, 0]], ..., E[ids[:, F-1]]]       (N, F d)  embeddings concatenated
    z  = x W1 + b1                                 W1: (F d, H)   b1: (H,)
    h  = g(z)                                      g = cube (z^3), relu or tanh, entry by entry
    s  = h W2                                      W2: (H, C), no output bias (as Chen & Manning)
    J  = -sum_n log softmax(s_n)[y_n]              summed over the batch

Backward::

    delta_s = softmax(s) - onehot(y)               (N, C)
    dW2     = h^T delta_s                          (H, C)
    delta_z = (delta_s W2^T) * g'(z)               g'(z) = 3 z^2 for the cube
    dW1     = x^T delta_z,  db1 = sum_n delta_z
    dx      = delta_z W1^T                         (N, F d), cut into F blocks of d
    dE      = sum of each block into the row its id names (a scatter-add: a row read twice gets both)
"""

from __future__ import annotations

import numpy as np

from wordlab.nn.reference.activations import get_numpy_activation
from wordlab.nn.reference.functional import log_softmax, softmax
from wordlab.nn.reference.losses import one_hot

PARAMS = ("E", "W1", "b1", "W2")


def forward_loss(params: dict[str, np.ndarray], ids: np.ndarray, y: np.ndarray, activation: str = "cube") -> float:
    loss, _ = loss_and_gradients(params, ids, y, activation, gradients=False)
    return loss


def loss_and_gradients(
    params: dict[str, np.ndarray], ids: np.ndarray, y: np.ndarray, activation: str = "cube", *, gradients: bool = True
) -> tuple[float, dict[str, np.ndarray]]:
    E, W1, b1, W2 = (params[name] for name in PARAMS)
    g = get_numpy_activation(activation)
    n, f = ids.shape
    d = E.shape[1]
    x = E[ids].reshape(n, f * d)
    z = x @ W1 + b1
    h = g(z)
    s = h @ W2
    loss = float(-log_softmax(s)[np.arange(n), y].sum())
    if not gradients:
        return loss, {}
    delta_s = softmax(s) - one_hot(y, s.shape[1])
    dW2 = h.T @ delta_s
    delta_z = g.backward(z, delta_s @ W2.T)
    dW1 = x.T @ delta_z
    db1 = delta_z.sum(axis=0)
    dx = (delta_z @ W1.T).reshape(n, f, d)
    dE = np.zeros_like(E)
    np.add.at(dE, ids, dx)
    return loss, {"E": dE, "W1": dW1, "b1": db1, "W2": dW2}
