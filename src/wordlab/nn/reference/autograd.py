"""Gradients of a torch expression of numpy arrays, for checking hand-derived numpy gradients against autograd.

Autograd is the second, independent witness next to central differences: the torch expression is written from
the model's definition, not from its backward pass, so a shared derivation mistake cannot hide in both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import torch


def torch_gradients(
    fn: Callable[[dict[str, torch.Tensor]], torch.Tensor], arrays: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """``d fn / d array`` for every array, by autograd in float64.

    ``fn`` receives float64 leaf tensors (copies, named as in ``arrays``) and returns a scalar. Arrays the result
    does not depend on get a zero gradient.
    """
    leaves = {
        name: torch.tensor(np.asarray(value, dtype=np.float64), dtype=torch.float64, requires_grad=True)
        for name, value in arrays.items()
    }
    value = fn(leaves)
    if value.dim() != 0:
        raise ValueError(f"fn must return a scalar, got shape {tuple(value.shape)}")
    grads = torch.autograd.grad(value, list(leaves.values()), allow_unused=True)
    return {
        name: (np.zeros(leaf.shape) if grad is None else grad.detach().numpy().copy())
        for (name, leaf), grad in zip(leaves.items(), grads, strict=True)
    }
