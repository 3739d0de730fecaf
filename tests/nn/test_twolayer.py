"""The worked example: hand-written backpropagation against central differences and autograd, in float64.

Autograd sees only the forward definition, written here again in torch, never the hand-derived backward pass.
The planted-bug tests prove the two witnesses bite: each classic backpropagation mistake must be caught.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch

from wordlab.nn.reference import twolayer
from wordlab.nn.reference.autograd import torch_gradients
from wordlab.nn.reference.gradcheck import assert_gradients_close, assert_gradients_match, check_gradients

TOL = 1e-6  # the bar: relative error under 1e-6


def _problem(n: int = 5, d: int = 4, h: int = 3, c: int = 3, seed: int = 0):
    """A batch and parameters; W2 is square (h == c) and W1 too (d == h) when asked, so transposes fit."""
    rng = np.random.default_rng(seed)
    params = twolayer.init_params(d, h, c, rng)
    params["b1"] = rng.normal(scale=0.5, size=h)  # nonzero biases exercise their gradients' sums
    params["b2"] = rng.normal(scale=0.5, size=c)
    x = rng.normal(size=(n, d))
    y = rng.integers(0, c, size=n)
    return params, x, y


def _torch_loss(y: np.ndarray) -> Callable[[dict[str, torch.Tensor]], torch.Tensor]:
    """The forward definition in torch: J = sum_n CE(y_n, softmax(sigmoid(x W1 + b1) W2 + b2))."""
    labels = torch.from_numpy(y)

    def loss(t: dict[str, torch.Tensor]) -> torch.Tensor:
        hidden = torch.sigmoid(t["x"] @ t["W1"] + t["b1"])
        logits = hidden @ t["W2"] + t["b2"]
        return torch.nn.functional.cross_entropy(logits, labels, reduction="sum")

    return loss


def _checked(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """The arrays the checkers perturb: the parameters and the input itself (dJ/dx is checked too)."""
    return {**params, "x": x}


def _loss_fn(arrays: dict[str, np.ndarray], y: np.ndarray) -> Callable[[], float]:
    return lambda: twolayer.forward({k: arrays[k] for k in twolayer.PARAMS}, arrays["x"], y)[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hand_gradients_match_central_differences(seed: int) -> None:
    params, x, y = _problem(n=6, d=5, h=4, c=3, seed=seed)
    arrays = _checked(params, x, y)
    _, grads = twolayer.loss_and_gradients(params, x, y)
    result = assert_gradients_close(_loss_fn(arrays, y), arrays, grads, samples_per_param=50, tol=TOL)
    assert set(result.per_param) == {"W1", "b1", "W2", "b2", "x"}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hand_gradients_and_loss_match_autograd(seed: int) -> None:
    params, x, y = _problem(n=6, d=5, h=4, c=3, seed=seed)
    loss, grads = twolayer.loss_and_gradients(params, x, y)
    fn = _torch_loss(y)
    arrays = _checked(params, x, y)
    assert loss == pytest.approx(float(fn({k: torch.from_numpy(v) for k, v in arrays.items()})), rel=1e-13)
    assert_gradients_match(grads, torch_gradients(fn, arrays), tol=TOL)


def test_target_distributions_give_the_same_gradients_as_one_hot_labels() -> None:
    params, x, y = _problem()
    one_hot = np.eye(3)[y]
    _, from_labels = twolayer.loss_and_gradients(params, x, y)
    _, from_distribution = twolayer.loss_and_gradients(params, x, one_hot)
    assert_gradients_match(from_labels, from_distribution, tol=1e-15)


def _transposed_w2(params, cache):
    grads = twolayer.backward(params, cache)
    return {**grads, "W2": (cache.y_hat - cache.y).T @ cache.h}  # (C, N)(N, H): shape fits only as h == c


def _missing_sigmoid_derivative(params, cache):
    delta1 = (cache.y_hat - cache.y) @ params["W2"].T  # forgot * h * (1 - h)
    return {**twolayer.backward(params, cache), "W1": cache.x.T @ delta1, "b1": delta1.sum(axis=0)}


def _wrong_sign_b2(params, cache):
    grads = twolayer.backward(params, cache)
    return {**grads, "b2": -grads["b2"]}


def _input_gradient_through_w1_untransposed(params, cache):
    grads = twolayer.backward(params, cache)
    delta1 = (cache.y_hat - cache.y) @ params["W2"].T * cache.h * (1 - cache.h)
    return {**grads, "x": delta1 @ params["W1"]}  # should be W1^T; shape fits only as d == h


BUGS = {
    "transposed dJ/dW2": (_transposed_w2, "W2"),
    "missing sigmoid derivative": (_missing_sigmoid_derivative, "W1"),
    "wrong sign of dJ/db2": (_wrong_sign_b2, "b2"),
    "untransposed W1 in dJ/dx": (_input_gradient_through_w1_untransposed, "x"),
}


@pytest.mark.parametrize("bug", BUGS)
def test_both_checkers_catch_a_planted_bug(bug: str) -> None:
    backward, culprit = BUGS[bug]
    params, x, y = _problem(n=5, d=3, h=3, c=3, seed=4)  # square W1 and W2, so every wrong gradient has the right shape
    arrays = _checked(params, x, y)
    _, cache = twolayer.forward(params, x, y)
    wrong = backward(params, cache)

    result = check_gradients(_loss_fn(arrays, y), arrays, wrong, samples_per_param=50)
    assert result.per_param[culprit] > 1e-2
    assert result.worst[0] == culprit
    with pytest.raises(AssertionError, match=culprit):
        assert_gradients_close(_loss_fn(arrays, y), arrays, wrong, samples_per_param=50, tol=TOL)
    with pytest.raises(AssertionError, match=culprit):
        assert_gradients_match(wrong, torch_gradients(_torch_loss(y), arrays), tol=TOL)
