"""Initialisers: their draws follow the Glorot/word2vec distributions, and ``initialise`` picks by role."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats
from torch import nn

from wordlab.nn import init as tinit
from wordlab.nn.reference import init as np_init

SHAPES = [(200, 300), (64, 16, 3, 3)]


def _torch_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    return nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


@pytest.mark.parametrize("shape", SHAPES)
def test_fans_agree_with_torch(shape: tuple[int, ...]) -> None:
    assert np_init.fans(shape) == _torch_fans(shape)


@pytest.mark.parametrize("shape", SHAPES)
def test_xavier_uniform_draws_are_uniform_on_the_glorot_interval(shape: tuple[int, ...]) -> None:
    fan_in, fan_out = _torch_fans(shape)
    bound = math.sqrt(6 / (fan_in + fan_out))
    drawn = tinit.xavier_uniform_(torch.empty(shape), generator=torch.Generator().manual_seed(0)).numpy().ravel()
    assert np.abs(drawn).max() <= bound
    assert stats.kstest(drawn, stats.uniform(-bound, 2 * bound).cdf).pvalue > 1e-3
    numpy_drawn = np_init.np_xavier_uniform(shape, np.random.default_rng(0)).ravel()
    assert stats.kstest(numpy_drawn, stats.uniform(-bound, 2 * bound).cdf).pvalue > 1e-3


@pytest.mark.parametrize("shape", SHAPES)
def test_xavier_normal_draws_have_the_glorot_variance(shape: tuple[int, ...]) -> None:
    fan_in, fan_out = _torch_fans(shape)
    std = math.sqrt(2 / (fan_in + fan_out))
    drawn = tinit.xavier_normal_(torch.empty(shape), generator=torch.Generator().manual_seed(0)).numpy().ravel()
    assert stats.kstest(drawn, stats.norm(0, std).cdf).pvalue > 1e-3
    numpy_drawn = np_init.np_xavier_normal(shape, np.random.default_rng(0)).ravel()
    assert stats.kstest(numpy_drawn, stats.norm(0, std).cdf).pvalue > 1e-3


def test_glorot_variance_is_preserved_through_a_layer() -> None:
    """The point of Glorot: a linear layer keeps the activation variance when fan_in == fan_out."""
    generator = torch.Generator().manual_seed(1)
    weight = tinit.xavier_normal_(torch.empty(512, 512), generator=generator)
    x = torch.randn(2000, 512, generator=generator)
    assert (x @ weight.T).var().item() == pytest.approx(x.var().item(), rel=0.05)


def test_small_uniform_uses_the_word2vec_half_width() -> None:
    drawn = tinit.small_uniform_(torch.empty(1000, 50), generator=torch.Generator().manual_seed(0))
    assert drawn.abs().max().item() <= 0.5 / 50
    assert drawn.abs().max().item() > 0.9 * 0.5 / 50
    assert np.abs(np_init.np_small_uniform((1000, 50), np.random.default_rng(0))).max() <= 0.5 / 50


class _Model(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(100, 20)
        self.rnn = nn.LSTM(20, 8)
        self.out = nn.Linear(8, 4)
        self.act = nn.PReLU()
        self.norm = nn.LayerNorm(8)


def test_initialise_acts_by_role() -> None:
    model = _Model()
    prelu_before = model.act.weight.detach().clone()
    norm_before = model.norm.weight.detach().clone()
    tinit.initialise(model, generator=torch.Generator().manual_seed(0))
    assert model.embed.weight.abs().max().item() <= 0.5 / 20
    for name, param in model.named_parameters():
        if tinit.is_bias(name):
            assert torch.count_nonzero(param) == 0, name
    bound = math.sqrt(6 / sum(_torch_fans(tuple(model.out.weight.shape))))
    assert model.out.weight.abs().max().item() <= bound
    assert model.rnn.weight_ih_l0.abs().max().item() <= math.sqrt(6 / sum(_torch_fans((32, 20))))
    torch.testing.assert_close(model.act.weight, prelu_before)
    torch.testing.assert_close(model.norm.weight, norm_before)


def test_initialise_is_reproducible_from_its_generator() -> None:
    first, second = _Model(), _Model()
    tinit.initialise(first, generator=torch.Generator().manual_seed(3))
    tinit.initialise(second, generator=torch.Generator().manual_seed(3))
    for a, b in zip(first.parameters(), second.parameters(), strict=True):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bias", True),
        ("rnn.bias_ih_l0", True),
        ("b1", True),
        ("b", True),
        ("weight", False),
        ("beta", False),
        ("emb", False),
    ],
)
def test_bias_names(name: str, expected: bool) -> None:
    assert tinit.is_bias(name) is expected


def test_unknown_scheme_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="xavier_uniform, xavier_normal"):
        tinit.initialise(nn.Linear(2, 2), weights="kaiming")
