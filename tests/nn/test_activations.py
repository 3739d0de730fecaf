"""Every nonlinearity: numpy forward against torch, numpy derivative against autograd and central differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import expit

from wordlab.nn.activations import NAMES, get_activation
from wordlab.nn.reference.activations import get_numpy_activation
from wordlab.nn.reference.autograd import torch_gradients
from wordlab.nn.reference.functional import sigmoid
from wordlab.nn.reference.gradcheck import assert_gradients_close, assert_gradients_match

OPTIONS: dict[str, dict] = {
    "leaky_relu": {"negative_slope": 0.1},
    "prelu": {"num_parameters": 6, "init": 0.2},
    "hardtanh": {"min_val": -1.5, "max_val": 0.5},
    "maxout": {"pieces": 3},
}
KINKS = [0.0, -1.5, 0.5]  # where ReLU-like and hard tanh derivatives jump


def _inputs(name: str, rng: np.random.Generator) -> np.ndarray:
    """A (4, 6) batch with 0.2 <= |x| <= 2.5, kept 1e-3 away from every kink (and, for maxout, from ties).

    The bounds keep every derivative well above the central differences' round-off (about 1e-10 here), so that
    a relative error above 1e-6 means a wrong derivative, not a saturated one.
    """
    x = rng.uniform(0.2, 2.5, size=(4, 6)) * rng.choice([-1.0, 1.0], size=(4, 6))
    for kink in KINKS:
        x = np.where(np.abs(x - kink) < 1e-3, x + 3e-3, x)
    if name == "maxout":  # distinct values within each group: a shuffled grid plus jitter
        x = (rng.permutation(24).reshape(4, 6) - 11.5) * 0.2 + rng.uniform(-0.01, 0.01, size=(4, 6))
    return x


@pytest.mark.parametrize("name", NAMES)
def test_numpy_activation_matches_torch_forward_autograd_and_central_differences(name: str) -> None:
    rng = np.random.default_rng(NAMES.index(name))
    options = OPTIONS.get(name, {})
    numpy_act = get_numpy_activation(name, **options)
    torch_act = get_activation(name, **options).double()
    if "alpha" in numpy_act.params:
        with torch.no_grad():
            torch_act.weight.copy_(torch.from_numpy(numpy_act.params["alpha"]))
    x = _inputs(name, rng)
    y = numpy_act.forward(x)
    # J = sum(upstream * act(x)), so dJ/dy = upstream; |upstream| >= 0.5 keeps gradients away from round-off.
    upstream = rng.uniform(0.5, 1.5, size=y.shape) * rng.choice([-1.0, 1.0], size=y.shape)

    np.testing.assert_allclose(y, torch_act(torch.from_numpy(x)).detach().numpy(), rtol=1e-12, atol=1e-12)

    params = {"x": x, **numpy_act.params}
    analytic = {"x": numpy_act.backward(x, upstream), **numpy_act.param_grads(x, upstream)}

    def torch_loss(t: dict[str, torch.Tensor]) -> torch.Tensor:
        # PReLU's slope must be a leaf of this graph to get its gradient: apply the module's function to it.
        out = torch.nn.functional.prelu(t["x"], t["alpha"]) if "alpha" in t else torch_act(t["x"])
        return (out * torch.from_numpy(upstream)).sum()

    assert_gradients_match(analytic, torch_gradients(torch_loss, params), tol=1e-10)
    assert_gradients_close(lambda: float(np.sum(upstream * numpy_act.forward(params["x"]))), params, analytic)


def test_prelu_slope_gradient_is_checked_too() -> None:
    act = get_numpy_activation("prelu", num_parameters=6, init=0.2)
    x = _inputs("prelu", np.random.default_rng(0))
    grads = act.param_grads(x, np.ones_like(x))
    assert set(grads) == {"alpha"}
    assert np.any(grads["alpha"] != 0)  # the shared test above then compares it with autograd


@settings(deadline=None)
@given(arrays(np.float64, (3, 5), elements=st.floats(-30, 30, allow_nan=False)))
def test_tanh_is_a_rescaled_sigmoid(x: np.ndarray) -> None:
    np.testing.assert_allclose(np.tanh(x), 2 * sigmoid(2 * x) - 1, atol=1e-12)
    t = torch.from_numpy(x)
    torch.testing.assert_close(get_activation("tanh")(t), 2 * get_activation("sigmoid")(2 * t) - 1, atol=1e-12, rtol=0)


@settings(deadline=None)
@given(arrays(np.float64, 8, elements=st.floats(-1e300, 1e300, allow_nan=False)))
def test_sigmoid_is_stable_for_huge_inputs(x: np.ndarray) -> None:
    s = sigmoid(x)
    assert np.all(np.isfinite(s))
    np.testing.assert_allclose(s, expit(x), rtol=1e-14, atol=0)


def test_unknown_names_and_options_fail_clearly() -> None:
    with pytest.raises(ValueError, match=r"valid names: identity, sigmoid.*cube"):
        get_activation("swish")
    with pytest.raises(TypeError, match="slope"):
        get_activation("relu", slope=0.1)
    with pytest.raises(ValueError, match="valid names"):
        get_numpy_activation("gelu")


def test_names_are_normalised() -> None:
    assert isinstance(get_activation("Hard-Tanh"), torch.nn.Hardtanh)
    assert isinstance(get_activation("LeakyReLU"), torch.nn.LeakyReLU)
    assert get_numpy_activation("LINEAR").name == "identity"
