"""Dropout keeps expectations, max-norm bounds rows, clipping matches torch; in a real training loop too."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from wordlab.nn.regularization import (
    InvertedDropout,
    apply_max_norm_,
    clip_by_global_norm,
    inverted_dropout,
    max_norm_parameters,
)

SAMPLES = 200_000


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_inverted_dropout_keeps_the_expected_activation(p: float) -> None:
    torch.manual_seed(0)
    x = torch.full((SAMPLES,), 1.7, dtype=torch.float64)
    dropout = InvertedDropout(p).train()
    y = dropout(x)
    kept = y != 0
    # Survivors are scaled by 1/(1-p); each entry is a scaled Bernoulli(1-p) draw of x.
    torch.testing.assert_close(y[kept], x[kept] / (1 - p))
    standard_error = 1.7 * math.sqrt(p / (1 - p) / SAMPLES)
    assert abs(y.mean().item() - 1.7) < 5 * standard_error
    assert abs((~kept).double().mean().item() - p) < 5 * math.sqrt(p * (1 - p) / SAMPLES)
    torch.testing.assert_close(dropout.eval()(x), x, rtol=0, atol=0)  # test time: the identity


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_numpy_inverted_dropout_keeps_the_expected_activation(p: float) -> None:
    x = np.full(SAMPLES, -0.4)
    y, mask = inverted_dropout(x, p, np.random.default_rng(0))
    np.testing.assert_array_equal(y, x * mask)
    assert set(np.unique(mask)) <= {0.0, 1 / (1 - p)}
    assert abs(y.mean() + 0.4) < 5 * 0.4 * math.sqrt(p / (1 - p) / SAMPLES)
    y_test, mask_test = inverted_dropout(x, p, np.random.default_rng(0), train=False)
    np.testing.assert_array_equal(y_test, x)
    assert np.all(mask_test == 1)


def test_dropout_gradient_is_the_mask() -> None:
    torch.manual_seed(1)
    x = torch.randn(50, 20, dtype=torch.float64, requires_grad=True)
    y = InvertedDropout(0.3).train()(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    torch.testing.assert_close(grad, (y / x).detach())


def test_dropout_rejects_impossible_probabilities() -> None:
    for p in (-0.1, 1.0):
        with pytest.raises(ValueError, match="dropout"):
            InvertedDropout(p)


def test_max_norm_caps_rows_and_leaves_the_rest_exactly() -> None:
    torch.manual_seed(2)
    model = torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.Linear(6, 3))
    with torch.no_grad():
        model[0].weight[::2] *= 10  # every other row far above the bound
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    bound = 1.0
    apply_max_norm_(model, bound)
    for name, param in model.named_parameters():
        if name.endswith("bias"):
            torch.testing.assert_close(param, before[name], rtol=0, atol=0)
            continue
        norms_before = before[name].norm(dim=1)
        norms = param.detach().norm(dim=1)
        assert torch.all(norms <= bound * (1 + 1e-6))
        big = norms_before > bound
        torch.testing.assert_close(norms[big], torch.full_like(norms[big], bound))
        torch.testing.assert_close(param[~big], before[name][~big], rtol=0, atol=0)
        # Rescaled, not rotated: each capped row is parallel to what it was.
        cosine = torch.nn.functional.cosine_similarity(param[big], before[name][big], dim=1)
        torch.testing.assert_close(cosine, torch.ones_like(cosine))
    assert [name for name, _ in max_norm_parameters(model)] == ["0.weight", "1.weight"]


def test_global_norm_clipping_matches_torch() -> None:
    rng = np.random.default_rng(3)
    grads = {"a": rng.normal(size=(4, 3)) * 5, "b": rng.normal(size=7)}
    clipped, norm = clip_by_global_norm(grads, max_norm=2.0)
    tensors = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads.values()]
    for tensor, g in zip(tensors, grads.values(), strict=True):
        tensor.grad = torch.from_numpy(g.copy())
    torch_norm = torch.nn.utils.clip_grad_norm_(tensors, max_norm=2.0)
    assert norm == pytest.approx(torch_norm.item(), rel=1e-12)
    for tensor, g in zip(tensors, clipped.values(), strict=True):
        np.testing.assert_allclose(g, tensor.grad.numpy(), rtol=1e-6)
    small, _ = clip_by_global_norm({"a": np.ones(2) * 0.1}, max_norm=2.0)
    np.testing.assert_array_equal(small["a"], np.ones(2) * 0.1)


# --- inside real trainings (the session's toy runs) -------------------------------------------------------------


def test_gradient_clipping_bounds_every_step_of_a_training(toy_runs) -> None:
    unclipped, clipped = toy_runs.probes["unclipped"], toy_runs.probes["clipped"]
    bound = toy_runs["clipped"].trainer.gradient_clip_val
    lr = toy_runs["clipped"].module.optimizer_cfg["lr"]  # plain SGD: the step is lr times the (clipped) gradient
    # Without clipping the steps are the raw gradients, which exceed the bound: the test has teeth.
    np.testing.assert_allclose(unclipped.step_norms, unclipped.grad_norms, rtol=1e-5)
    assert max(unclipped.grad_norms) > 2 * bound
    assert max(clipped.grad_norms) > 2 * bound
    for raw, step in zip(clipped.grad_norms, clipped.step_norms, strict=True):
        assert step == pytest.approx(lr * min(raw, bound), rel=1e-4)


def test_max_norm_callback_bounds_the_trained_weights(toy_runs) -> None:
    constrained = toy_runs["max_norm"].module
    free = toy_runs["overfitting"].module  # same optimiser settings, no constraint
    assert max(p.detach().norm(dim=1).max().item() for _, p in max_norm_parameters(free)) > 0.5
    for _, param in max_norm_parameters(constrained):
        assert param.detach().norm(dim=1).max().item() <= 0.5 * (1 + 1e-5)
