"""The overfit-one-batch sanity check: passes for working models in each of their shapes, fails for broken ones."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from wordlab.nn.losses import cross_entropy
from wordlab.nn.reference.sanity import assert_overfits_batch
from wordlab.nn.reference.toy import ToyClassifier


def _batch(n: int = 16, features: int = 8, classes: int = 4, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    # Random labels: nothing to learn but the batch itself, so only memorisation drives the loss to zero.
    return torch.randn(n, features, generator=generator), torch.randint(classes, (n,), generator=generator)


class _MLP(nn.Module):
    def __init__(self, broken: str | None = None) -> None:
        super().__init__()
        self.hidden = nn.Linear(8, 32)
        self.out = nn.Linear(32, 4)
        self.broken = broken

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.broken == "ignores_input":
            x = torch.zeros_like(x)
        h = torch.tanh(self.hidden(x))
        if self.broken == "detached":
            h = h.detach()
        return self.out(h)


def _loss(module: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    x, y = batch
    return cross_entropy(module(x), y)


def test_a_plain_module_with_a_loss_function_overfits() -> None:
    torch.manual_seed(0)
    result = assert_overfits_batch(_MLP(), _batch(), loss_fn=_loss)
    assert result.final_loss <= 0.05 < result.initial_loss
    assert result.steps < 500


def test_a_lightning_module_overfits_through_its_training_step() -> None:
    module = ToyClassifier(8, 4, hidden=32, dropout=0.1)
    module.eval()
    result = assert_overfits_batch(module, _batch())
    assert result.final_loss <= 0.05
    assert not module.training  # its mode is restored


def test_a_step_function_overfits_with_its_parameters() -> None:
    torch.manual_seed(0)
    model = _MLP()
    result = assert_overfits_batch(lambda batch: _loss(model, batch), _batch(), parameters=model.parameters())
    assert result.final_loss <= 0.05


def test_a_model_that_ignores_its_input_is_caught() -> None:
    torch.manual_seed(0)
    with pytest.raises(AssertionError, match="could not overfit one batch"):
        assert_overfits_batch(_MLP("ignores_input"), _batch(), loss_fn=_loss, max_steps=300)


def test_a_cut_graph_is_caught_even_when_the_rest_could_memorise() -> None:
    torch.manual_seed(0)
    with pytest.raises(AssertionError, match=r"no gradient.*hidden\.weight, hidden\.bias"):
        assert_overfits_batch(_MLP("detached"), _batch(), loss_fn=_loss)
    torch.manual_seed(0)
    # The same bug goes unnoticed by the loss alone: the output layer memorises on random features.
    assert_overfits_batch(_MLP("detached"), _batch(), loss_fn=_loss, require_all_gradients=False)


def test_the_check_is_reproducible_and_leaves_the_global_rng_alone() -> None:
    results = []
    for _ in range(2):
        module = ToyClassifier(8, 4, hidden=16, dropout=0.3, seed=1)
        state = torch.get_rng_state()
        results.append(assert_overfits_batch(module, _batch(), seed=7).losses)
        assert torch.equal(state, torch.get_rng_state())
    assert results[0] == results[1]


def test_a_step_function_needs_its_parameters() -> None:
    with pytest.raises(TypeError, match="parameters"):
        assert_overfits_batch(lambda batch: torch.tensor(0.0), _batch())
