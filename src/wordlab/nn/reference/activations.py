"""Numpy nonlinearities with hand-written derivatives, the references for gradient checks and numpy models.

Each activation has ``forward(x)`` and ``backward(x, dy) -> dx`` (the upstream gradient times the Jacobian, so
that maxout, which is not elementwise, fits the same interface). PReLU also has a learnable slope; its gradient
comes from ``param_grads``. The names and conventions match :mod:`wordlab.nn.activations` so that each numpy
activation can be checked against its torch twin under autograd.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from wordlab.nn.reference.functional import as_float, sigmoid

Array = np.ndarray


@dataclass
class NumpyActivation:
    name: str
    params: dict[str, Array] = field(default_factory=dict)

    def forward(self, x: Array) -> Array:
        raise NotImplementedError

    def backward(self, x: Array, dy: Array) -> Array:
        raise NotImplementedError

    def param_grads(self, x: Array, dy: Array) -> dict[str, Array]:
        """Gradients of the learnable parameters (empty for parameter-free activations)."""
        return {}

    def __call__(self, x: Array) -> Array:
        return self.forward(x)


@dataclass
class Elementwise(NumpyActivation):
    """``y = f(x)`` entry by entry, so ``dx = dy * f'(x)``."""

    fn: Callable[[Array], Array] = field(default=lambda x: x, repr=False)
    derivative: Callable[[Array], Array] = field(default=np.ones_like, repr=False)

    def forward(self, x: Array) -> Array:
        return self.fn(as_float(x))

    def backward(self, x: Array, dy: Array) -> Array:
        return dy * self.derivative(as_float(x))


def _sigmoid_derivative(x: Array) -> Array:
    s = sigmoid(x)
    return s * (1.0 - s)


def _tanh_derivative(x: Array) -> Array:
    t = np.tanh(x)
    return 1.0 - t * t


def _leaky(slope: float) -> tuple[Callable[[Array], Array], Callable[[Array], Array]]:
    return (lambda x: np.where(x > 0, x, slope * x)), (lambda x: np.where(x > 0, 1.0, slope).astype(x.dtype))


def _hardtanh(low: float, high: float) -> tuple[Callable[[Array], Array], Callable[[Array], Array]]:
    return (lambda x: np.clip(x, low, high)), (lambda x: ((x > low) & (x < high)).astype(x.dtype))


@dataclass
class PReLU(NumpyActivation):
    """``y = x`` for ``x > 0`` else ``alpha * x``.

    ``alpha`` is one shared slope, or one per feature of a 2-D input (N, C), as in ``torch.nn.PReLU``.
    """

    def forward(self, x: Array) -> Array:
        x = as_float(x)
        return np.where(x > 0, x, self.params["alpha"] * x)

    def backward(self, x: Array, dy: Array) -> Array:
        x = as_float(x)
        return dy * np.where(x > 0, 1.0, self.params["alpha"])

    def param_grads(self, x: Array, dy: Array) -> dict[str, Array]:
        alpha = self.params["alpha"]
        contribution = dy * np.where(as_float(x) > 0, 0.0, x)
        if alpha.size == 1:
            return {"alpha": np.full_like(alpha, contribution.sum())}
        return {"alpha": contribution.reshape(-1, alpha.size).sum(axis=0).reshape(alpha.shape)}


@dataclass
class Maxout(NumpyActivation):
    """The maximum over consecutive groups of ``pieces`` features: (..., d * pieces) -> (..., d).

    Maxout units are usually fed by a linear layer with ``pieces`` times the output width; this is the
    parameter-free reduction that follows it. The gradient goes to the arg-max of each group.
    """

    pieces: int = 2

    def _grouped(self, x: Array) -> Array:
        x = as_float(x)
        if x.shape[-1] % self.pieces:
            raise ValueError(f"maxout: last dimension {x.shape[-1]} is not a multiple of pieces={self.pieces}")
        return x.reshape(*x.shape[:-1], x.shape[-1] // self.pieces, self.pieces)

    def forward(self, x: Array) -> Array:
        return self._grouped(x).max(axis=-1)

    def backward(self, x: Array, dy: Array) -> Array:
        grouped = self._grouped(x)
        winner = grouped.argmax(axis=-1)[..., None]
        dx = np.zeros_like(grouped)
        np.put_along_axis(dx, winner, np.asarray(dy)[..., None], axis=-1)
        return dx.reshape(np.shape(x))


def _build(name: str, options: dict[str, Any]) -> NumpyActivation:
    if name == "identity":
        return Elementwise(name, fn=lambda x: x, derivative=np.ones_like)
    if name == "sigmoid":
        return Elementwise(name, fn=sigmoid, derivative=_sigmoid_derivative)
    if name == "tanh":
        return Elementwise(name, fn=np.tanh, derivative=_tanh_derivative)
    if name == "relu":
        fn, derivative = _leaky(0.0)
        return Elementwise(name, fn=fn, derivative=derivative)
    if name == "leaky_relu":
        fn, derivative = _leaky(float(options.pop("negative_slope", 0.01)))
        return Elementwise(name, fn=fn, derivative=derivative)
    if name == "hardtanh":
        fn, derivative = _hardtanh(float(options.pop("min_val", -1.0)), float(options.pop("max_val", 1.0)))
        return Elementwise(name, fn=fn, derivative=derivative)
    if name == "cube":
        return Elementwise(name, fn=lambda x: x**3, derivative=lambda x: 3.0 * x * x)
    if name == "prelu":
        num = int(options.pop("num_parameters", 1))
        alpha = np.full(num, float(options.pop("init", 0.25)))
        return PReLU(name, params={"alpha": alpha})
    if name == "maxout":
        return Maxout(name, pieces=int(options.pop("pieces", 2)))
    raise AssertionError(f"no numpy builder for {name}")


NAMES = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "prelu", "hardtanh", "maxout", "cube")
_ALIASES = {"linear": "identity", "hard_tanh": "hardtanh", "leakyrelu": "leaky_relu"}


def canonical_name(name: str) -> str:
    """Normalise a configured activation name (case, dashes, aliases); unknown names fail listing valid ones."""
    key = name.strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key not in NAMES:
        raise ValueError(f"unknown activation {name!r}; valid names: {', '.join(NAMES)}")
    return key


def get_numpy_activation(name: str, **options: Any) -> NumpyActivation:
    """The numpy activation called ``name`` (same names and options as :func:`activations.get_activation`)."""
    canonical = canonical_name(name)
    remaining = dict(options)
    activation = _build(canonical, remaining)
    if remaining:
        raise TypeError(f"activation {canonical!r} got unexpected options: {', '.join(sorted(remaining))}")
    return activation
