"""The RNN language model with back-propagation through time written out in numpy, as the course derives it.

A tested specification: the recurrent language models train with torch's fused ``nn.RNN`` and autograd, which
show neither the recurrence's gradient nor why it vanishes. Here both are written out by hand, and the tests hold
them to central differences, to autograd through an explicit loop and to ``nn.RNN`` carrying the same weights.

A single-layer Elman RNN over token ids ``x_1 .. x_T`` predicting ``y_1 .. y_T`` (``y_t`` is usually
``x_{t+1}``), a batch of B sequences at once, ids (T, B). Row-vector convention, one sequence per row::

    e_t = E[x_t]                                   (B, D)     E: (V, D)
    z_t = h_{t-1} W_h + e_t W_e + b                (B, H)     W_h: (H, H)  W_e: (D, H)  b: (H,)
    h_t = g(z_t)                                   g = tanh (default), sigmoid or relu, entry by entry
    s_t = h_t U + c                                (B, V)     U: (H, V)  c: (V,)
    J   = -sum_t sum_b log softmax(s_t)[y_t]       summed over steps and batch, not averaged

``h_0`` (B, H) is given, not learnt: zeros at the start of a text, or the last state of the previous chunk, carried
in as truncated BPTT does (and then ``dJ/dh_0`` is the gradient that truncation throws away). Torch's ``nn.RNN``
writes the same step in the column convention, ``h_t = g(W_ih e_t + b_ih + W_hh h_{t-1} + b_hh)``: its
``weight_ih`` is ``W_e^T``, its ``weight_hh`` is ``W_h^T`` and ``b = b_ih + b_hh``.

Backward, back through time from the last step, with ``dz_{T+1} = 0``::

    delta_t = softmax(s_t) - onehot(y_t)           (B, V)     dJ/ds_t
    dU      = sum_t h_t^T delta_t,   dc = sum_t sum_b delta_t
    dh_t    = delta_t U^T + dz_{t+1} W_h^T         (B, H)     h_t feeds s_t and, through z_{t+1}, every later step
    dz_t    = dh_t * g'(z_t)
    dW_h    = sum_t h_{t-1}^T dz_t                 (H, H)
    dW_e    = sum_t e_t^T dz_t,   db = sum_t sum_b dz_t
    de_t    = dz_t W_e^T,         dE = scatter-add of de_t into row x_t (a word read twice gets both)
    dh_0    = dz_1 W_h^T                           the gradient with respect to the carried-in state

The weights are shared by every step, so the gradient of each is the *sum* of its gradients at every time step:
``dW_h`` adds ``h_{t-1}^T dz_t`` over t, as if each step had its own copy of ``W_h`` and the copies' gradients were
added. The factor ``W_h^T`` applied once per step back in ``dh_t`` is what makes the gradient vanish or explode
over long spans: :func:`gradient_norms_through_time` measures it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wordlab.nn.reference.activations import Elementwise, get_numpy_activation
from wordlab.nn.reference.functional import log_softmax
from wordlab.nn.reference.init import np_xavier_uniform
from wordlab.nn.reference.losses import one_hot

PARAMS = ("E", "W_e", "W_h", "b", "U", "c")


@dataclass(frozen=True)
class Cache:
    """What the backward pass needs from the forward pass; ``h[0]`` is ``h_0``, ``h[t]`` is ``h_t``."""

    ids: np.ndarray  # (T, B)
    targets: np.ndarray  # (T, B)
    e: np.ndarray  # (T, B, D)
    z: np.ndarray  # (T, B, H)
    h: np.ndarray  # (T + 1, B, H)
    probs: np.ndarray  # (T, B, V)
    activation: str


def init_params(vocab: int, dim: int, hidden: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Xavier-uniform weights, small normal embeddings and biases, float64 (the precision gradient checks need).

    The biases are nonzero so that the tests exercise their gradients' sums.
    """
    return {
        "E": rng.normal(0.0, 0.5, (vocab, dim)),
        "W_e": np_xavier_uniform((dim, hidden), rng),
        "W_h": np_xavier_uniform((hidden, hidden), rng),
        "b": rng.normal(0.0, 0.1, hidden),
        "U": np_xavier_uniform((hidden, vocab), rng),
        "c": rng.normal(0.0, 0.1, vocab),
    }


def _activation(name: str) -> Elementwise:
    g = get_numpy_activation(name)
    if not isinstance(g, Elementwise):
        raise ValueError(f"the RNN's nonlinearity must act entry by entry (tanh, sigmoid, relu, ...), got {name!r}")
    return g


def _check_shapes(params: dict[str, np.ndarray], ids: np.ndarray, targets: np.ndarray, h0: np.ndarray) -> None:
    if ids.ndim != 2 or ids.shape != targets.shape:
        raise ValueError(f"ids and targets must both be (T, B), got {ids.shape} and {targets.shape}")
    expected = (ids.shape[1], params["W_h"].shape[0])
    if h0.shape != expected:
        raise ValueError(f"h0 must be (B, H) = {expected}, got {h0.shape}")


def run(params: dict[str, np.ndarray], ids: np.ndarray, h0: np.ndarray, activation: str = "tanh") -> np.ndarray:
    """The states ``h_0 .. h_T`` (T + 1, B, H) the RNN passes through reading ``ids`` (T, B) from ``h0`` (B, H)."""
    g = _activation(activation)
    h = [np.asarray(h0, dtype=np.float64)]
    for x_t in ids:
        h.append(g(h[-1] @ params["W_h"] + params["E"][x_t] @ params["W_e"] + params["b"]))
    return np.stack(h)


def forward(
    params: dict[str, np.ndarray], ids: np.ndarray, targets: np.ndarray, h0: np.ndarray, activation: str = "tanh"
) -> tuple[float, Cache]:
    """The loss ``J`` (summed over steps and batch) and what the backward pass needs."""
    ids, targets, h0 = np.asarray(ids), np.asarray(targets), np.asarray(h0, dtype=np.float64)
    _check_shapes(params, ids, targets, h0)
    g = _activation(activation)
    e = params["E"][ids]
    z = np.empty((*ids.shape, h0.shape[1]))
    h = np.empty((ids.shape[0] + 1, *h0.shape))
    h[0] = h0
    for t in range(ids.shape[0]):  # z[t], h[t + 1] are the docstring's z_{t+1}, h_{t+1}
        z[t] = h[t] @ params["W_h"] + e[t] @ params["W_e"] + params["b"]
        h[t + 1] = g(z[t])
    log_probs = log_softmax(h[1:] @ params["U"] + params["c"])
    steps, batch = np.indices(ids.shape)
    loss = float(-log_probs[steps, batch, targets].sum())
    return loss, Cache(ids, targets, e, z, h, np.exp(log_probs), g.name)


def backward(params: dict[str, np.ndarray], cache: Cache) -> dict[str, np.ndarray]:
    """The gradients of every parameter and of ``h0``, by the formulas in the module docstring."""
    g = _activation(cache.activation)
    W_h, W_e, U = params["W_h"], params["W_e"], params["U"]
    delta = cache.probs - one_hot(cache.targets, cache.probs.shape[-1])  # (T, B, V)
    grads = {name: np.zeros_like(params[name]) for name in PARAMS}
    grads["U"] = np.einsum("tbh,tbv->hv", cache.h[1:], delta)  # sum_t h_t^T delta_t
    grads["c"] = delta.sum(axis=(0, 1))
    de = np.empty_like(cache.e)
    dz_next = np.zeros_like(cache.h[0])  # dz_{T+1} = 0: nothing after the last step
    for t in reversed(range(cache.ids.shape[0])):  # index t holds step t + 1; h[t] is its h_{t-1}
        dh = delta[t] @ U.T + dz_next @ W_h.T
        dz = g.backward(cache.z[t], dh)
        grads["W_h"] += cache.h[t].T @ dz  # one step's share: the gradient of W_h is the sum over steps
        grads["W_e"] += cache.e[t].T @ dz
        grads["b"] += dz.sum(axis=0)
        de[t] = dz @ W_e.T
        dz_next = dz
    np.add.at(grads["E"], cache.ids, de)
    grads["h0"] = dz_next @ W_h.T  # dz_1 W_h^T
    return grads


def loss_and_gradients(
    params: dict[str, np.ndarray],
    ids: np.ndarray,
    targets: np.ndarray,
    h0: np.ndarray,
    activation: str = "tanh",
    *,
    gradients: bool = True,
) -> tuple[float, dict[str, np.ndarray]]:
    """``J`` and, unless ``gradients`` is false, ``dJ/d`` every name in :data:`PARAMS` and ``"h0"``."""
    loss, cache = forward(params, ids, targets, h0, activation)
    return loss, (backward(params, cache) if gradients else {})


def forward_loss(
    params: dict[str, np.ndarray], ids: np.ndarray, targets: np.ndarray, h0: np.ndarray, activation: str = "tanh"
) -> float:
    return forward(params, ids, targets, h0, activation)[0]


def gradient_norms_through_time(
    params: dict[str, np.ndarray], ids: np.ndarray, target: np.ndarray, h0: np.ndarray, activation: str = "tanh"
) -> np.ndarray:
    """``||dJ_T / dh_{T-k}||`` for ``k = 0 .. T``, with the loss at the last step only: ``J_T = -sum_b log
    softmax(s_T)[target]``, ``target`` (B,).

    The vanishing-gradient picture: how much the last prediction's error reaches each earlier state. Entry ``k``
    is the Frobenius norm over the batch of ``dh_{T-k}``, with ``dh_T = delta_T U^T`` and
    ``dh_{t-1} = (dh_t * g'(z_t)) W_h^T``; the last entry (``k = T``) is the carried-in ``h_0``'s. Each step back
    multiplies by ``diag(g'(z_t)) W_h^T``, so with ``|g'| <= 1`` (tanh, relu) the norms shrink at least
    geometrically, by the largest singular value of ``W_h``, when that is below one.
    """
    ids, target = np.asarray(ids), np.asarray(target)
    h = run(params, ids, h0, activation)
    g = _activation(activation)
    log_probs = log_softmax(h[-1] @ params["U"] + params["c"])
    delta = np.exp(log_probs) - one_hot(target, log_probs.shape[-1])
    dh = delta @ params["U"].T
    norms = [float(np.linalg.norm(dh))]
    for t in reversed(range(ids.shape[0])):  # z of step t + 1 from h[t]; dh becomes dh_t's predecessor
        z = h[t] @ params["W_h"] + params["E"][ids[t]] @ params["W_e"] + params["b"]
        dh = g.backward(z, dh) @ params["W_h"].T
        norms.append(float(np.linalg.norm(dh)))
    return np.array(norms)
