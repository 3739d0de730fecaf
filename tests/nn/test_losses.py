"""Every loss: numpy value against torch, numpy gradient against autograd and central differences; stability."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp as scipy_logsumexp

from wordlab.nn import losses as torch_losses
from wordlab.nn.reference import losses as np_losses
from wordlab.nn.reference.autograd import torch_gradients
from wordlab.nn.reference.functional import logsumexp, softmax
from wordlab.nn.reference.gradcheck import assert_gradients_close, assert_gradients_match

RNG = np.random.default_rng(0)
LOGITS = RNG.normal(size=(6, 5))
LABELS = RNG.integers(0, 5, size=6)
DISTRIBUTIONS = softmax(RNG.normal(size=(6, 5)))
SCORES = RNG.normal(size=7)
CORRUPT = RNG.normal(size=7)
CORRUPT = np.where(np.abs(CORRUPT - (SCORES - 1)) < 0.01, CORRUPT + 0.05, CORRUPT)  # away from the hinge's kink
THETA = RNG.normal(size=(3, 4))
TARGET = THETA + np.where(RNG.random((3, 4)) < 0.5, -1, 1) * RNG.uniform(0.05, 1, size=(3, 4))  # no ties for L1


CASES = [
    pytest.param(name, params, fixed, reduction, id=f"{label}-{reduction}")
    for reduction in ("mean", "sum")
    for label, name, params, fixed in [
        ("cross_entropy-labels", "cross_entropy", {"z": LOGITS}, {"y": LABELS}),
        ("cross_entropy-distributions", "cross_entropy", {"z": LOGITS}, {"y": DISTRIBUTIONS}),
        ("max_margin", "max_margin", {"s": SCORES, "s_c": CORRUPT}, {}),
        ("l2", "l2", {"theta": THETA}, {"y": TARGET}),
        ("l1", "l1", {"theta": THETA}, {"y": TARGET}),
    ]
]


def _numpy(name: str, params: dict[str, np.ndarray], fixed: dict[str, np.ndarray], reduction: str):
    """(value, {param: gradient}) from the numpy reference."""
    if name == "max_margin":
        out = np_losses.max_margin(params["s"], params["s_c"], reduction=reduction)
        return out.value, {"s": out.grad_correct, "s_c": out.grad_corrupt}
    (key,) = params
    out = getattr(np_losses, name)(params[key], fixed["y"], reduction=reduction)
    return out.value, {key: out.grad}


def _torch(name: str, fixed: dict[str, np.ndarray], reduction: str) -> Callable[[dict], torch.Tensor]:
    fn = torch_losses.get_loss(name)
    targets = {k: torch.from_numpy(v) for k, v in fixed.items()}
    if name == "max_margin":
        return lambda t: fn(t["s"], t["s_c"], reduction=reduction)
    return lambda t: fn(*t.values(), targets["y"], reduction=reduction)


@pytest.mark.parametrize(("name", "params", "fixed", "reduction"), CASES)
def test_loss_value_and_gradient_against_torch_and_central_differences(
    name: str, params: dict, fixed: dict, reduction: str
) -> None:
    params = {k: v.copy() for k, v in params.items()}
    value, grads = _numpy(name, params, fixed, reduction)
    torch_fn = _torch(name, fixed, reduction)
    torch_value = float(torch_fn({k: torch.from_numpy(v) for k, v in params.items()}))
    assert value == pytest.approx(torch_value, rel=1e-12, abs=1e-14)
    assert_gradients_match(grads, torch_gradients(torch_fn, params), tol=1e-10)
    assert_gradients_close(lambda: _numpy(name, params, fixed, reduction)[0], params, grads, tol=1e-6)


def test_max_margin_is_zero_with_zero_gradient_once_the_margin_holds() -> None:
    out = np_losses.max_margin(np.array([3.0, 2.0]), np.array([1.5, 0.0]))
    assert out.value == 0.0
    assert not out.grad_correct.any() and not out.grad_corrupt.any()


@settings(deadline=None)
@given(st.floats(-1e4, 1e4), st.sampled_from([1.0, 1e2, 1e4]))
def test_cross_entropy_is_stable_and_shift_invariant(shift: float, scale: float) -> None:
    z = LOGITS * scale
    reference = np_losses.cross_entropy(z, LABELS)
    shifted = np_losses.cross_entropy(z + shift, LABELS)
    assert np.isfinite(reference.value) and np.all(np.isfinite(reference.grad))
    assert shifted.value == pytest.approx(reference.value, rel=1e-9, abs=1e-9 * scale)
    expected = float(np.mean(scipy_logsumexp(z, axis=1) - z[np.arange(6), LABELS]))
    assert reference.value == pytest.approx(expected, rel=1e-12)
    tz = torch.from_numpy(z + shift)
    assert torch_losses.cross_entropy(tz, torch.from_numpy(LABELS)).item() == pytest.approx(shifted.value, rel=1e-9)


def test_logsumexp_handles_overflow_and_empty_mass() -> None:
    z = np.array([[1000.0, 1000.0], [-np.inf, -np.inf], [-1000.0, 0.0]])
    np.testing.assert_allclose(logsumexp(z, axis=1), scipy_logsumexp(z, axis=1))


def test_a_single_example_is_a_batch_of_one() -> None:
    one = np_losses.cross_entropy(LOGITS[0], LABELS[0])
    batch = np_losses.cross_entropy(LOGITS[:1], LABELS[:1])
    assert one.value == batch.value
    np.testing.assert_array_equal(one.grad, batch.grad[0])


def test_unknown_loss_lists_the_valid_names() -> None:
    with pytest.raises(ValueError, match="cross_entropy, l1, l2, max_margin"):
        torch_losses.get_loss("hinge")
