"""Sentence vectors from an encoder's states: the same whatever the padding, and equal to what torch's fused
module gives for the sentence alone (its ``h_n``) or to a numpy mean and max over the real tokens."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from wordlab.text.encoders import RnnEncoder
from wordlab.text.pooling import pool_states

LENGTHS = [5, 2, 7]


def _encoder(bidirectional: bool) -> RnnEncoder:
    return RnnEncoder("lstm", 4, 3, bidirectional=bidirectional, generator=torch.Generator().manual_seed(0))


def _batch(padding: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    width = max(LENGTHS) + padding
    features = torch.randn(len(LENGTHS), max(LENGTHS) + 10, 4, generator=generator)[:, :width]
    mask = torch.arange(width).unsqueeze(0) < torch.tensor(LENGTHS).unsqueeze(1)
    return features.masked_fill(~mask.unsqueeze(-1), 123.0), mask  # padding filled with junk on purpose


@pytest.mark.parametrize("how", ["final", "mean", "max"])
@pytest.mark.parametrize("bidirectional", [True, False])
def test_pooling_is_independent_of_padding(how: str, bidirectional: bool) -> None:
    encoder = _encoder(bidirectional)
    with torch.no_grad():
        pooled = [
            pool_states(encoder(*_batch(padding)), _batch(padding)[1], how, bidirectional=bidirectional)
            for padding in (0, 4)
        ]
    torch.testing.assert_close(pooled[0], pooled[1], rtol=0, atol=1e-6)


@pytest.mark.parametrize("bidirectional", [True, False])
def test_final_state_is_the_fused_modules_h_n_of_each_sentence_alone(bidirectional: bool) -> None:
    encoder = _encoder(bidirectional)
    features, mask = _batch(3)
    with torch.no_grad():
        pooled = pool_states(encoder(features, mask), mask, "final", bidirectional=bidirectional)
        for row, length in enumerate(LENGTHS):
            _, (h_n, _) = encoder.rnn(features[row : row + 1, :length])
            alone = torch.cat(list(h_n[:, 0]), dim=-1)  # forward, then backward
            torch.testing.assert_close(pooled[row], alone, rtol=0, atol=1e-6)


def test_mean_and_max_equal_numpy_over_the_real_tokens() -> None:
    states = torch.randn(3, 7, 6, generator=torch.Generator().manual_seed(2))
    mask = torch.arange(7).unsqueeze(0) < torch.tensor(LENGTHS).unsqueeze(1)
    values = states.numpy()
    mean = pool_states(states, mask, "mean", bidirectional=False).numpy()
    biggest = pool_states(states, mask, "max", bidirectional=False).numpy()
    for row, length in enumerate(LENGTHS):
        np.testing.assert_allclose(mean[row], values[row, :length].mean(axis=0), rtol=1e-6)
        np.testing.assert_array_equal(biggest[row], values[row, :length].max(axis=0))
