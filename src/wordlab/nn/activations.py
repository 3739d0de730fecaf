"""Torch nonlinearities chosen by name from any model's config.

Names (case-insensitive, dashes allowed): identity, sigmoid, tanh, relu, leaky_relu (``negative_slope``), prelu
(``num_parameters``, ``init``), hardtanh (``min_val``, ``max_val``), maxout (``pieces``) and cube, the neural
parser's ``x^3``. The numpy twins with hand-written derivatives are in :mod:`wordlab.nn.reference.activations`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from wordlab.nn.reference.activations import NAMES, canonical_name

__all__ = ["NAMES", "Cube", "Maxout", "canonical_name", "get_activation"]


class Cube(nn.Module):
    """``x^3``: Chen & Manning's parser activation, which models products of three input features directly."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * x * x


class Maxout(nn.Module):
    """Maximum over consecutive groups of ``pieces`` features: (..., d * pieces) -> (..., d).

    Feed it from a linear layer ``pieces`` times wider than the desired output.
    """

    def __init__(self, pieces: int = 2) -> None:
        super().__init__()
        if pieces < 1:
            raise ValueError(f"maxout needs pieces >= 1, got {pieces}")
        self.pieces = pieces

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] % self.pieces:
            raise ValueError(f"maxout: last dimension {x.shape[-1]} is not a multiple of pieces={self.pieces}")
        return x.unflatten(-1, (x.shape[-1] // self.pieces, self.pieces)).amax(dim=-1)

    def extra_repr(self) -> str:
        return f"pieces={self.pieces}"


def _build(name: str, options: dict[str, Any]) -> nn.Module:
    if name == "identity":
        return nn.Identity()
    if name == "sigmoid":
        return nn.Sigmoid()
    if name == "tanh":
        return nn.Tanh()
    if name == "relu":
        return nn.ReLU()
    if name == "leaky_relu":
        return nn.LeakyReLU(negative_slope=float(options.pop("negative_slope", 0.01)))
    if name == "prelu":
        return nn.PReLU(num_parameters=int(options.pop("num_parameters", 1)), init=float(options.pop("init", 0.25)))
    if name == "hardtanh":
        return nn.Hardtanh(min_val=float(options.pop("min_val", -1.0)), max_val=float(options.pop("max_val", 1.0)))
    if name == "maxout":
        return Maxout(pieces=int(options.pop("pieces", 2)))
    if name == "cube":
        return Cube()
    raise AssertionError(f"no torch builder for {name}")


def get_activation(name: str, **options: Any) -> nn.Module:
    """A fresh module for the activation called ``name``; unknown names or options fail with the valid ones."""
    canonical = canonical_name(name)
    remaining = dict(options)
    module = _build(canonical, remaining)
    if remaining:
        raise TypeError(f"activation {canonical!r} got unexpected options: {', '.join(sorted(remaining))}")
    return module
