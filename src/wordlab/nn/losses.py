"""Torch losses, chosen by name from any model's config.

The same definitions as :mod:`wordlab.nn.reference.losses` (same reductions, same argument order), so that a model can
swap a numpy reference for its torch version and compare the two directly.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from wordlab.nn.reference.losses import Reduction

LossFn = Callable[..., torch.Tensor]


def _reduce(values: torch.Tensor, reduction: Reduction) -> torch.Tensor:
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")


def cross_entropy(logits: torch.Tensor, target: torch.Tensor, reduction: Reduction = "mean") -> torch.Tensor:
    """Softmax cross-entropy against integer labels (N,) or target distributions (N, C), via log-softmax."""
    if logits.dim() == 1:
        logits, target = logits.unsqueeze(0), target.unsqueeze(0)
    if not target.dtype.is_floating_point:
        return F.cross_entropy(logits, target.long(), reduction=reduction)
    per_example = -(target * torch.log_softmax(logits, dim=-1)).sum(dim=-1)
    return _reduce(per_example, reduction)


def max_margin(
    correct: torch.Tensor, corrupt: torch.Tensor, margin: float = 1.0, reduction: Reduction = "mean"
) -> torch.Tensor:
    """Hinge ``max(0, margin - s + s_c)``, element by element over paired scores."""
    return _reduce(torch.clamp(margin - correct + corrupt, min=0.0), reduction)


def l2(theta: torch.Tensor, target: torch.Tensor, reduction: Reduction = "sum") -> torch.Tensor:
    """``||theta - y||^2``, summed (``"mean"`` divides by the number of entries)."""
    return _reduce((theta - target) ** 2, reduction)


def l1(theta: torch.Tensor, target: torch.Tensor, reduction: Reduction = "sum") -> torch.Tensor:
    """``||theta - y||_1``, summed (``"mean"`` divides by the number of entries)."""
    return _reduce((theta - target).abs(), reduction)


LOSSES: dict[str, LossFn] = {
    "cross_entropy": cross_entropy,
    "max_margin": max_margin,
    "l2": l2,
    "l1": l1,
}


def get_loss(name: str) -> LossFn:
    """The torch loss called ``name`` in config; an unknown name fails listing the valid ones."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; valid names: {', '.join(sorted(LOSSES))}") from None
