"""Numpy losses, each returning its value and its hand-derived gradient.

These are the references the torch losses and every numpy model (word2vec, GloVe) are checked against, so each
gradient is written from its derivation, not from autograd:

- softmax cross-entropy ``J = -sum_c y_c log softmax(z)_c``: ``dJ/dz = softmax(z) * sum_c y_c - y``, which is
  the familiar ``y_hat - y`` when ``y`` is a distribution;
- max-margin ``J = max(0, m - s + s_c)``: ``dJ/ds = -1`` and ``dJ/ds_c = +1`` where the margin is violated;
- L2 ``J = ||theta - y||^2``: ``dJ/dtheta = 2 (theta - y)``;
- L1 ``J = ||theta - y||_1``: ``dJ/dtheta = sign(theta - y)`` (0 at the kink, the subgradient torch also uses).

Batch losses are averaged over the rows by default (``reduction="mean"``), the convention of the torch versions;
``"sum"`` gives the per-example formulas above summed, which is what the worked example's shape rule uses.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np

from wordlab.nn.reference.functional import as_float, log_softmax

Reduction = Literal["mean", "sum"]


class LossGrad(NamedTuple):
    value: float
    grad: np.ndarray


class MarginLossGrad(NamedTuple):
    value: float
    grad_correct: np.ndarray
    grad_corrupt: np.ndarray


def _divisor(count: int, reduction: Reduction) -> float:
    if reduction == "mean":
        return float(max(count, 1))
    if reduction == "sum":
        return 1.0
    raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    labels = np.asarray(labels)
    out = np.zeros((*labels.shape, num_classes))
    np.put_along_axis(out, labels[..., None], 1.0, axis=-1)
    return out


def cross_entropy(logits: np.ndarray, target: np.ndarray, reduction: Reduction = "mean") -> LossGrad:
    """Softmax cross-entropy of ``logits`` (N, C) against integer labels (N,) or target distributions (N, C).

    Computed from log-softmax (log-sum-exp), so it stays finite for logits of any size. A 1-D ``logits`` is one
    example.
    """
    z = as_float(logits)
    single = z.ndim == 1
    if single:
        z = z[None, :]
        target = np.asarray(target)[None, ...]
    target = np.asarray(target)
    y = one_hot(target, z.shape[-1]) if np.issubdtype(target.dtype, np.integer) else as_float(target)
    if y.shape != z.shape:
        raise ValueError(f"target shape {y.shape} does not match logits shape {z.shape}")
    log_p = log_softmax(z, axis=-1)
    divisor = _divisor(z.shape[0], reduction)
    value = float(-np.sum(y * log_p) / divisor)
    grad = (np.exp(log_p) * y.sum(axis=-1, keepdims=True) - y) / divisor
    return LossGrad(value, grad[0] if single else grad)


def max_margin(
    correct: np.ndarray, corrupt: np.ndarray, margin: float = 1.0, reduction: Reduction = "mean"
) -> MarginLossGrad:
    """Hinge ``max(0, margin - s + s_c)`` between the scores of correct windows ``s`` and corrupt ones ``s_c``.

    Scores of the same shape pair up element by element; a batch is averaged over its pairs by default.
    """
    s, s_c = np.broadcast_arrays(as_float(correct), as_float(corrupt))
    slack = margin - s + s_c
    violated = (slack > 0).astype(slack.dtype)
    divisor = _divisor(slack.size, reduction)
    value = float(np.sum(slack * violated) / divisor)
    return MarginLossGrad(value, -violated / divisor, violated / divisor)


def l2(theta: np.ndarray, target: np.ndarray, reduction: Reduction = "sum") -> LossGrad:
    """Squared Euclidean distance ``||theta - y||^2`` (summed; ``"mean"`` divides by the number of entries)."""
    diff = as_float(theta) - as_float(target)
    divisor = _divisor(diff.size, reduction)
    return LossGrad(float(np.sum(diff * diff) / divisor), 2.0 * diff / divisor)


def l1(theta: np.ndarray, target: np.ndarray, reduction: Reduction = "sum") -> LossGrad:
    """Absolute distance ``||theta - y||_1`` (summed; ``"mean"`` divides by the number of entries)."""
    diff = as_float(theta) - as_float(target)
    divisor = _divisor(diff.size, reduction)
    return LossGrad(float(np.sum(np.abs(diff)) / divisor), np.sign(diff) / divisor)
