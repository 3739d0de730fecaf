"""Back-propagation through time, by hand in numpy, against central differences, autograd and ``nn.RNN``, in float64.

Autograd sees only the forward definition, written again here in torch (an explicit loop, and torch's fused
``nn.RNN`` carrying the same weights), never the hand-derived backward pass.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from wordlab.nn.reference import rnn_lm
from wordlab.nn.reference.autograd import torch_gradients
from wordlab.nn.reference.functional import log_softmax, softmax
from wordlab.nn.reference.gradcheck import assert_gradients_close, assert_gradients_match, check_gradients
from wordlab.nn.reference.losses import one_hot

V, D, H, T, B = 7, 4, 5, 6, 2
TOL = 1e-6  # central differences: the bar
EXACT = 1e-10  # against autograd, exact to round-off
TORCH_G = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}


def _problem(seed: int = 0, steps: int = T) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """Parameters, ids and targets (a word repeated, so its embedding's gradient is a sum) and a nonzero h_0."""
    rng = np.random.default_rng(seed)
    params = rnn_lm.init_params(V, D, H, rng)
    params["W_h"] *= 2.0  # a stronger recurrence, so that early steps matter to the loss
    ids = rng.integers(0, V, (steps, B))
    ids[0, 0] = ids[-1, 1] = 3
    targets = rng.integers(0, V, (steps, B))
    h0 = rng.normal(0.0, 0.5, (B, H))
    return params, ids, targets, h0


def _torch_loss(
    ids: np.ndarray, targets: np.ndarray, activation: str
) -> Callable[[dict[str, torch.Tensor]], torch.Tensor]:
    """The forward definition in torch, an explicit loop: J = sum_t CE(y_t, softmax(g(h W_h + e W_e + b) U + c))."""
    x, y, g = torch.from_numpy(ids), torch.from_numpy(targets), TORCH_G[activation]

    def loss(p: dict[str, torch.Tensor]) -> torch.Tensor:
        h, total = p["h0"], p["c"].new_zeros(())
        for t in range(x.shape[0]):
            h = g(h @ p["W_h"] + F.embedding(x[t], p["E"]) @ p["W_e"] + p["b"])
            total = total + F.cross_entropy(h @ p["U"] + p["c"], y[t], reduction="sum")
        return total

    return loss


def _grad(leaf: torch.Tensor) -> np.ndarray:
    assert leaf.grad is not None
    return leaf.grad.numpy()


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("seed", [0, 1])
def test_bptt_matches_central_differences(activation: str, seed: int) -> None:
    params, ids, targets, h0 = _problem(seed)
    arrays = {**params, "h0": h0}
    _, grads = rnn_lm.loss_and_gradients(params, ids, targets, h0, activation)
    assert set(grads) == set(arrays)
    result = assert_gradients_close(
        lambda: rnn_lm.forward_loss({k: arrays[k] for k in rnn_lm.PARAMS}, ids, targets, arrays["h0"], activation),
        arrays,
        grads,
        samples_per_param=40,  # every entry of every array (the largest, U, has 35)
        tol=TOL,
    )
    assert len(result.entries) == sum(a.size for a in arrays.values())
    assert np.abs(grads["h0"]).max() > 1e-3  # the carried-in state's gradient is checked, not trivially zero


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_bptt_matches_autograd_through_an_explicit_loop(activation: str) -> None:
    params, ids, targets, h0 = _problem(seed=2)
    arrays = {**params, "h0": h0}
    loss, grads = rnn_lm.loss_and_gradients(params, ids, targets, h0, activation)
    fn = _torch_loss(ids, targets, activation)
    expected = float(fn({k: torch.from_numpy(v) for k, v in arrays.items()}))
    assert loss == pytest.approx(expected, rel=EXACT)
    errors = assert_gradients_match(grads, torch_gradients(fn, arrays), tol=EXACT)
    assert set(errors) == set(arrays)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_bptt_matches_torch_fused_rnn_with_the_same_weights(activation: str) -> None:
    """``nn.RNN`` in the column convention: weight_ih = W_e^T, weight_hh = W_h^T, bias_ih + bias_hh = b."""
    params, ids, targets, h0 = _problem(seed=3)
    loss, grads = rnn_lm.loss_and_gradients(params, ids, targets, h0, activation)

    rnn = torch.nn.RNN(D, H, nonlinearity=activation, dtype=torch.float64)
    weights = dict(rnn.named_parameters())
    values = {
        "weight_ih_l0": params["W_e"].T,
        "weight_hh_l0": params["W_h"].T,
        "bias_ih_l0": params["b"] - 0.25,  # the split of b between the two biases is immaterial
        "bias_hh_l0": np.full(H, 0.25),
    }
    with torch.no_grad():
        for name, value in values.items():
            weights[name].copy_(torch.from_numpy(np.ascontiguousarray(value)))
    leaves = {k: torch.from_numpy(params[k].copy()).requires_grad_() for k in ("E", "U", "c")}
    hx = torch.from_numpy(h0[None].copy()).requires_grad_()
    outputs, _ = rnn(F.embedding(torch.from_numpy(ids), leaves["E"]), hx)  # (T, B, H)
    logits = outputs @ leaves["U"] + leaves["c"]
    total = F.cross_entropy(logits.reshape(-1, V), torch.from_numpy(targets).reshape(-1), reduction="sum")
    total.backward()

    assert loss == pytest.approx(float(total.detach()), rel=EXACT)
    np.testing.assert_allclose(_grad(weights["bias_ih_l0"]), _grad(weights["bias_hh_l0"]), rtol=EXACT)  # both db
    fused = {
        **{k: _grad(leaf) for k, leaf in leaves.items()},
        "W_e": _grad(weights["weight_ih_l0"]).T,
        "W_h": _grad(weights["weight_hh_l0"]).T,
        "b": _grad(weights["bias_ih_l0"]),
        "h0": _grad(hx)[0],
    }
    assert_gradients_match(grads, fused, tol=EXACT)


def test_both_witnesses_catch_a_backward_pass_that_does_not_go_back_through_time() -> None:
    """A planted bug: BPTT truncated to one step (no ``dz_{t+1} W_h^T`` term), made by zeroing W_h in the backward
    pass only. Everything that reaches the loss through earlier steps is wrong and caught; ``U`` and ``c``, which act
    at each step alone, stay right."""
    params, ids, targets, h0 = _problem(seed=0)
    arrays = {**params, "h0": h0}
    _, cache = rnn_lm.forward(params, ids, targets, h0)
    wrong = rnn_lm.backward({**params, "W_h": np.zeros_like(params["W_h"])}, cache)
    result = check_gradients(
        lambda: rnn_lm.forward_loss({k: arrays[k] for k in rnn_lm.PARAMS}, ids, targets, arrays["h0"]),
        arrays,
        wrong,
        samples_per_param=40,
    )
    assert {name for name, error in result.per_param.items() if error > 1e-2} == {"E", "W_e", "W_h", "b", "h0"}
    assert result.per_param["U"] <= TOL and result.per_param["c"] <= TOL
    with pytest.raises(AssertionError, match="W_h"):
        assert_gradients_match(wrong, torch_gradients(_torch_loss(ids, targets, "tanh"), arrays), tol=EXACT)


def test_one_step_is_a_one_hidden_layer_network_by_hand() -> None:
    """T = 1: no recurrence to go back through; each gradient is one term, written here from the chain rule."""
    params, ids, targets, h0 = _problem(seed=4, steps=1)
    E, W_e, W_h, b, U, c = (params[k] for k in rnn_lm.PARAMS)
    e = E[ids[0]]
    z = h0 @ W_h + e @ W_e + b
    h = np.tanh(z)
    s = h @ U + c
    delta = softmax(s) - one_hot(targets[0], V)
    dz = (delta @ U.T) * (1.0 - h**2)
    dE = np.zeros_like(E)
    np.add.at(dE, ids[0], dz @ W_e.T)
    expected = {
        "U": h.T @ delta,
        "c": delta.sum(axis=0),
        "W_h": h0.T @ dz,
        "W_e": e.T @ dz,
        "b": dz.sum(axis=0),
        "E": dE,
        "h0": dz @ W_h.T,
    }
    loss, grads = rnn_lm.loss_and_gradients(params, ids, targets, h0, "tanh")
    assert loss == pytest.approx(-log_softmax(s)[np.arange(B), targets[0]].sum(), rel=1e-14)
    assert_gradients_match(grads, expected, tol=1e-14)


def test_gradient_norms_through_time_match_autograd() -> None:
    """``||dJ_T / dh_{T-k}||`` with the loss at the last step only, against autograd's gradients of each state."""
    params, ids, _, h0 = _problem(seed=5)
    target = np.array([1, 6])
    norms = rnn_lm.gradient_norms_through_time(params, ids, target, h0)
    assert norms.shape == (T + 1,)

    p = {k: torch.from_numpy(v) for k, v in params.items()}
    states = [torch.from_numpy(h0.copy()).requires_grad_()]
    for t in range(T):
        states.append(torch.tanh(states[-1] @ p["W_h"] + p["E"][torch.from_numpy(ids[t])] @ p["W_e"] + p["b"]))
        states[-1].retain_grad()
    F.cross_entropy(states[-1] @ p["U"] + p["c"], torch.from_numpy(target), reduction="sum").backward()
    expected = [float(state.grad.norm()) for state in reversed(states) if state.grad is not None]
    assert len(expected) == T + 1
    np.testing.assert_allclose(norms, expected, rtol=EXACT, atol=0)
    assert rnn_lm.run(params, ids, h0).shape == (T + 1, B, H)


def test_gradient_vanishes_geometrically_under_a_contracting_recurrence() -> None:
    """With ``|tanh'| <= 1`` and the largest singular value of W_h at 0.5, each step back at least halves the norm."""
    params, ids, _, h0 = _problem(seed=6)
    params["W_h"] *= 0.5 / np.linalg.norm(params["W_h"], ord=2)
    norms = rnn_lm.gradient_norms_through_time(params, ids, np.array([0, 2]), h0)
    assert norms[0] > 0
    assert np.all(norms[1:] <= 0.5 * norms[:-1])
    # ... while the full-sequence gradient of W_h is still the sum of every step's share (not the last alone).
    _, grads = rnn_lm.loss_and_gradients(params, ids, np.tile([0, 2], (T, 1)), h0)
    _, last = rnn_lm.loss_and_gradients(params, ids[-1:], np.array([[0, 2]]), rnn_lm.run(params, ids[:-1], h0)[-1])
    assert np.abs(grads["W_h"] - last["W_h"]).max() > 1e-3


def test_rejects_mismatched_shapes_and_non_elementwise_nonlinearities() -> None:
    params, ids, targets, h0 = _problem()
    with pytest.raises(ValueError, match="targets"):
        rnn_lm.forward(params, ids, targets[:-1], h0)
    with pytest.raises(ValueError, match="h0"):
        rnn_lm.forward(params, ids, targets, h0[:1])
    with pytest.raises(ValueError, match="entry by entry"):
        rnn_lm.forward(params, ids, targets, h0, activation="maxout")
