"""Parameter initialisation: Xavier/Glorot for weights, small-uniform for embeddings, zeros for biases.

Xavier/Glorot keeps the variance of activations and of back-propagated gradients roughly constant across layers
by drawing weights with variance ``2 / (fan_in + fan_out)``: uniform on ``[-a, a]`` with
``a = gain * sqrt(6 / (fan_in + fan_out))``, or normal with ``std = gain * sqrt(2 / (fan_in + fan_out))``.
Embeddings start small (word2vec's ``U(-0.5/d, 0.5/d)`` by default) so that no word begins far from the others;
biases start at zero, since symmetry is already broken by the weights.

Fans follow torch's convention for a tensor of shape (out, in, *kernel); for a 2-D matrix the formulas are
symmetric in the two fans, so numpy models may use the row-vector convention (in, out) with the same result.
The numpy versions (``np_*``, for numpy models) are in :mod:`wordlab.nn.reference.init`.
"""

from __future__ import annotations

import torch
from torch import nn

from wordlab.nn.reference.init import small_uniform_scale, xavier_bound, xavier_std

WEIGHT_SCHEMES = ("xavier_uniform", "xavier_normal", "small_uniform", "zeros")


@torch.no_grad()
def xavier_uniform_(tensor: torch.Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    bound = xavier_bound(tensor.shape, gain)
    return tensor.uniform_(-bound, bound, generator=generator)


@torch.no_grad()
def xavier_normal_(tensor: torch.Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    return tensor.normal_(0.0, xavier_std(tensor.shape, gain), generator=generator)


@torch.no_grad()
def small_uniform_(
    tensor: torch.Tensor, scale: float | None = None, generator: torch.Generator | None = None
) -> torch.Tensor:
    half_width = small_uniform_scale(tensor.shape) if scale is None else scale
    return tensor.uniform_(-half_width, half_width, generator=generator)


@torch.no_grad()
def zeros_(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.zero_()


def _apply(scheme: str, tensor: torch.Tensor, gain: float, generator: torch.Generator | None) -> None:
    if scheme == "xavier_uniform":
        xavier_uniform_(tensor, gain, generator)
    elif scheme == "xavier_normal":
        xavier_normal_(tensor, gain, generator)
    elif scheme == "small_uniform":
        small_uniform_(tensor, generator=generator)
    elif scheme == "zeros":
        zeros_(tensor)
    else:
        raise ValueError(f"unknown initialisation {scheme!r}; valid names: {', '.join(WEIGHT_SCHEMES)}")


def is_bias(name: str) -> bool:
    """Whether a parameter name denotes a bias: ``bias``, ``bias_ih_l0`` (RNNs), or ``b``, ``b1`` (hand-written)."""
    last = name.rsplit(".", 1)[-1]
    return last.startswith("bias") or last == "b" or (last[:1] == "b" and last[1:].isdigit())


def initialise(
    module: nn.Module,
    *,
    weights: str | None = "xavier_uniform",
    embeddings: str | None = "small_uniform",
    biases: str | None = "zeros",
    gain: float = 1.0,
    generator: torch.Generator | None = None,
) -> nn.Module:
    """Initialise every parameter of ``module`` in place by its role; ``None`` leaves that role as torch made it.

    Roles: the weight of an ``nn.Embedding`` is an embedding; a parameter named like a bias (:func:`is_bias`) is a
    bias; any other parameter with two or more dimensions is a weight. One-dimensional non-bias parameters
    (normalisation gains, PReLU slopes) keep their own initialisation.
    """
    for submodule in module.modules():
        for name, param in submodule.named_parameters(recurse=False):
            if isinstance(submodule, nn.Embedding) and name == "weight":
                scheme = embeddings
            elif is_bias(name):
                scheme = biases
            elif param.dim() >= 2:
                scheme = weights
            else:
                continue
            if scheme is not None:
                _apply(scheme, param, gain, generator)
    return module
