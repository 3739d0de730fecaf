"""The numpy GloVe objective: its gradient against central differences and torch autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from wordlab.embeddings.glove import reference as objective
from wordlab.nn.reference.autograd import torch_gradients
from wordlab.nn.reference.gradcheck import assert_gradients_close, assert_gradients_match

OBJECTIVES = ["weighted", "plain"]


def problem(seed: int = 0, vocab_size: int = 6, dim: int = 4, n: int = 25):
    rng = np.random.default_rng(seed)
    params = {
        "W": rng.normal(0, 0.3, (vocab_size, dim)),
        "W_ctx": rng.normal(0, 0.3, (vocab_size, dim)),
        "b": rng.normal(0, 0.3, vocab_size),
        "b_ctx": rng.normal(0, 0.3, vocab_size),
    }
    rows = rng.integers(0, vocab_size, n)
    cols = rng.integers(0, vocab_size, n)
    rows[:3] = cols[:3] = 2  # a word with itself, and repeated entries, must be summed, not overwritten
    vals = rng.uniform(0.2, 30.0, n)  # on both sides of x_max
    return params, rows, cols, vals


@pytest.mark.parametrize("kind", OBJECTIVES)
def test_gradient_matches_central_differences(kind: str) -> None:
    params, rows, cols, vals = problem()
    settings = {"objective": kind, "x_max": 8.0, "alpha": 0.75}
    grads = objective.gradients(params, rows, cols, vals, **settings)
    assert_gradients_close(
        lambda: objective.loss(params, rows, cols, vals, **settings), params, grads, samples_per_param=24, tol=1e-6
    )


@pytest.mark.parametrize("kind", OBJECTIVES)
def test_loss_and_gradient_match_torch_autograd(kind: str) -> None:
    params, rows, cols, vals = problem(seed=1)
    x_max, alpha = 8.0, 0.75
    r, c, x = torch.from_numpy(rows), torch.from_numpy(cols), torch.from_numpy(vals)

    def torch_loss(p: dict[str, torch.Tensor]) -> torch.Tensor:
        pred = (p["W"][r] * p["W_ctx"][c]).sum(dim=1)
        if kind == "weighted":
            pred = pred + p["b"][r] + p["b_ctx"][c]
            weight = torch.clamp((x / x_max) ** alpha, max=1.0)
        else:
            weight = x
        return (weight * (pred - torch.log(x)) ** 2).sum()

    expected_grads = torch_gradients(torch_loss, params)
    grads = objective.gradients(params, rows, cols, vals, objective=kind, x_max=x_max, alpha=alpha)
    assert_gradients_match(grads, expected_grads, tol=1e-10)
    leaves = {name: torch.from_numpy(value) for name, value in params.items()}
    assert objective.loss(params, rows, cols, vals, objective=kind, x_max=x_max, alpha=alpha) == pytest.approx(
        float(torch_loss(leaves)), rel=1e-12
    )


def test_plain_objective_ignores_biases() -> None:
    params, rows, cols, vals = problem(seed=2)
    grads = objective.gradients(params, rows, cols, vals, objective="plain")
    assert not grads["b"].any() and not grads["b_ctx"].any()
    shifted = {**params, "b": params["b"] + 5.0}
    assert objective.loss(shifted, rows, cols, vals, objective="plain") == objective.loss(
        params, rows, cols, vals, objective="plain"
    )
