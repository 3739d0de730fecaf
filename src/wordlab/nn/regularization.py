"""Regularisers that act on activations, weights or gradients, in torch and (where numpy models need them) numpy.

- Inverted dropout zeroes each activation with probability ``p`` at training time and scales the survivors by
  ``1 / (1 - p)``, so that every activation's expected value is unchanged and the network needs no rescaling at
  test time, where dropout is the identity.
- Max-norm caps the L2 norm of each unit's incoming weight vector after every update, which bounds the weights
  without a penalty term (Srivastava et al. 2014 pair it with dropout).
- Global gradient-norm clipping rescales the whole gradient when its norm exceeds a threshold, keeping the
  direction and bounding the step (the usual guard against exploding gradients in RNNs).

L2 weight decay lives in the optimiser (:func:`wordlab.nn.optim.build_optimizer`) and early stopping and clipping
in the Trainer (:mod:`wordlab.nn.callbacks`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import torch
from torch import nn

from wordlab.nn.init import is_bias


def _check_probability(p: float) -> float:
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout probability must be in [0, 1), got {p}")
    return float(p)


class InvertedDropout(nn.Module):
    """Zero each entry with probability ``p`` in training mode and scale the rest by ``1 / (1 - p)``."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = _check_probability(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = torch.rand_like(x) >= self.p
        return x * keep / (1.0 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def inverted_dropout(
    x: np.ndarray, p: float, rng: np.random.Generator, train: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Numpy inverted dropout: ``(x * mask, mask)`` with ``mask`` in {0, 1/(1-p)}; the backward pass is ``dy * mask``.

    At test time (``train=False``) the mask is all ones.
    """
    p = _check_probability(p)
    mask = (rng.random(np.shape(x)) >= p) / (1.0 - p) if train and p > 0.0 else np.ones_like(x)
    return x * mask, mask


def max_norm_parameters(module: nn.Module) -> list[tuple[str, nn.Parameter]]:
    """The parameters max-norm constrains: every non-bias weight with two or more dimensions."""
    return [(name, param) for name, param in module.named_parameters() if param.dim() >= 2 and not is_bias(name)]


@torch.no_grad()
def apply_max_norm_(params: Iterable[torch.Tensor] | nn.Module, max_norm: float) -> None:
    """Rescale, in place, each row of each weight (a unit's incoming weights for an (out, in) matrix) to norm <= c.

    Rows already within the bound are left exactly as they are.
    """
    if max_norm <= 0:
        raise ValueError(f"max_norm must be positive, got {max_norm}")
    tensors = [p for _, p in max_norm_parameters(params)] if isinstance(params, nn.Module) else list(params)
    for tensor in tensors:
        rows = tensor.view(tensor.shape[0], -1)
        norms = rows.norm(dim=1, keepdim=True)
        scale = torch.where(norms > max_norm, max_norm / norms, torch.ones_like(norms))
        rows.mul_(scale)


def clip_by_global_norm(grads: Mapping[str, np.ndarray], max_norm: float) -> tuple[dict[str, np.ndarray], float]:
    """Numpy global-norm clipping: scale every gradient by ``min(1, max_norm / ||g||)``; also return ``||g||``.

    ``||g||`` is the L2 norm of all gradients concatenated, the quantity ``torch.nn.utils.clip_grad_norm_`` uses.
    """
    if max_norm <= 0:
        raise ValueError(f"max_norm must be positive, got {max_norm}")
    total = float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads.values())))
    scale = min(1.0, max_norm / total) if total > 0 else 1.0
    return {name: g * scale for name, g in grads.items()}, total
