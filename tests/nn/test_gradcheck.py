"""The central-difference checker: it accepts right gradients, rejects wrong ones, and leaves params untouched."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wordlab.nn.reference.autograd import torch_gradients
from wordlab.nn.reference.gradcheck import (
    assert_gradients_close,
    assert_gradients_match,
    check_gradients,
    relative_error,
)


def _quadratic(seed: int = 0) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """f(x, v) = 0.5 x^T A x + sum(v^3), A not symmetric, so grad_x = 0.5 (A + A^T) x and A x alone is wrong."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(5, 5))
    params = {"x": rng.normal(size=5), "v": rng.normal(size=(3, 4))}
    return params, a, (a + a.T) / 2


def _loss(params: dict[str, np.ndarray], a: np.ndarray) -> float:
    return float(0.5 * params["x"] @ a @ params["x"] + np.sum(params["v"] ** 3))


def test_accepts_the_true_gradient_and_restores_params() -> None:
    params, a, sym = _quadratic()
    before = {name: value.copy() for name, value in params.items()}
    grads = {"x": sym @ params["x"], "v": 3 * params["v"] ** 2}
    result = assert_gradients_close(lambda: _loss(params, a), params, grads, tol=1e-7)
    assert result.max_relative_error < 1e-7
    assert set(result.per_param) == {"x", "v"}
    for name, value in params.items():
        np.testing.assert_array_equal(value, before[name])


def test_catches_a_wrong_gradient_and_names_it() -> None:
    params, a, _ = _quadratic()
    grads = {"x": a @ params["x"], "v": 3 * params["v"] ** 2}  # planted: forgot to symmetrise A
    with pytest.raises(AssertionError, match=r"x\[") as failure:
        assert_gradients_close(lambda: _loss(params, a), params, grads)
    assert "FAIL" in str(failure.value)
    result = check_gradients(lambda: _loss(params, a), params, grads)
    assert result.worst[0] == "x"
    assert result.per_param["x"] > 1e-3
    assert result.per_param["v"] < 1e-7


def test_samples_a_reproducible_subset_of_entries() -> None:
    rng = np.random.default_rng(1)
    params = {"big": rng.normal(size=(30, 40)), "small": rng.normal(size=3)}
    grads = {name: 2 * value for name, value in params.items()}

    def loss() -> float:
        return float(sum(np.sum(value**2) for value in params.values()))

    first = check_gradients(loss, params, grads, samples_per_param=7, seed=3)
    again = check_gradients(loss, params, grads, samples_per_param=7, seed=3)
    other = check_gradients(loss, params, grads, samples_per_param=7, seed=4)
    indices = [(e.name, e.index) for e in first.entries]
    assert indices == [(e.name, e.index) for e in again.entries]
    assert indices != [(e.name, e.index) for e in other.entries]
    assert sum(e.name == "big" for e in first.entries) == 7
    assert len({e.index for e in first.entries if e.name == "big"}) == 7
    assert sorted(e.index for e in first.entries if e.name == "small") == [(0,), (1,), (2,)]


def test_restores_params_when_the_loss_raises() -> None:
    params = {"w": np.arange(4.0)}
    before = params["w"].copy()
    calls = []

    def exploding() -> float:
        calls.append(params["w"].copy())
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        check_gradients(exploding, params, {"w": np.zeros(4)})
    assert not np.array_equal(calls[0], before)  # it did perturb
    np.testing.assert_array_equal(params["w"], before)


@pytest.mark.parametrize(
    ("params", "grads", "error"),
    [
        ({"w": np.zeros(3, dtype=np.float32)}, {"w": np.zeros(3)}, TypeError),
        ({"w": np.zeros(3)}, {"w": np.zeros(4)}, ValueError),
        ({"w": np.zeros(3)}, {"u": np.zeros(3)}, ValueError),
        ({"w": np.zeros((4, 3)).T}, {"w": np.zeros((3, 4))}, ValueError),
    ],
)
def test_rejects_unusable_inputs(params: dict, grads: dict, error: type[Exception]) -> None:
    with pytest.raises(error):
        check_gradients(lambda: 0.0, params, grads)


@settings(deadline=None)
@given(
    st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False),
    st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False),
)
def test_relative_error_is_symmetric_bounded_and_zero_only_on_agreement(a: float, n: float) -> None:
    error = float(relative_error(a, n))
    assert error == float(relative_error(n, a))
    assert 0.0 <= error <= 1.0
    assert (error == 0.0) == (a == n)
    if abs(a) + abs(n) >= 1e-12:  # below that the floor guards the 0/0 case
        assert error == pytest.approx(abs(a - n) / (abs(a) + abs(n)))


def test_gradients_match_compares_every_entry_against_autograd() -> None:
    rng = np.random.default_rng(2)
    arrays = {"a": rng.normal(size=(3, 2)), "unused": rng.normal(size=2)}
    reference = torch_gradients(lambda t: (t["a"] ** 2).sum() * 0.5, arrays)
    np.testing.assert_array_equal(reference["unused"], np.zeros(2))
    errors = assert_gradients_match({"a": arrays["a"], "unused": np.zeros(2)}, reference)
    assert errors["a"] < 1e-15
    wrong = {"a": arrays["a"].copy(), "unused": np.zeros(2)}
    wrong["a"][1, 0] *= -1
    with pytest.raises(AssertionError, match=r"a\[1, 0\]"):
        assert_gradients_match(wrong, reference)


def test_round_off_allowance_spares_right_small_gradients_but_not_wrong_ones() -> None:
    # A loss of size 1e3 is known to ~1e-13, so central differences are good to only ~1e-7: a right gradient of
    # size 1e-4 then shows a raw relative error of ~1e-3, which the allowance must forgive.
    rng = np.random.default_rng(5)
    params = {"w": rng.uniform(0.5, 1.0, size=8)}

    def loss() -> float:
        return float(1e3 + 1e-4 * np.sum(params["w"] ** 2))

    right = {"w": 2e-4 * params["w"]}
    result = assert_gradients_close(loss, params, right)
    raw = max(float(relative_error(e.analytic, e.numeric)) for e in result.entries)
    assert raw > 1e-6  # without the allowance this right gradient would fail
    with pytest.raises(AssertionError):
        assert_gradients_close(loss, params, {"w": 1e-4 * params["w"]})  # planted: dropped the factor 2
