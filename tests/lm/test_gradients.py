"""The vanishing-gradient picture against the numpy reference's back-propagation through time."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from wordlab.lm.gradients import state_gradient_norms
from wordlab.lm.recurrent import RecurrentLM
from wordlab.nn.reference.rnn_lm import gradient_norms_through_time


def _reference_params(network: RecurrentLM) -> dict[str, np.ndarray]:
    """The fused one-layer RNN's weights in the reference's row-vector layout."""
    rnn = network.rnn

    def plain(tensor: torch.Tensor) -> np.ndarray:
        return tensor.detach().double().numpy()

    return {
        "E": plain(network.embedding.weight),
        "W_e": plain(rnn.weight_ih_l0).T,
        "W_h": plain(rnn.weight_hh_l0).T,
        "b": plain(rnn.bias_ih_l0 + rnn.bias_hh_l0),
        "U": plain(network.decoder.weight).T,
        "c": plain(network.decoder.bias),
    }


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_state_gradient_norms_equal_the_reference_bptt(nonlinearity: str) -> None:
    torch.manual_seed(0)
    network = RecurrentLM(30, cell="rnn", embedding_dim=12, hidden=12, layers=1, nonlinearity=nonlinearity).double()
    with torch.no_grad():
        network.rnn.weight_hh_l0.mul_(3.0)  # a gain near one, so that the norms neither vanish nor explode at once
    windows = torch.randint(0, 30, (5, 21))
    measured = state_gradient_norms(network, windows)
    params = _reference_params(network)
    per_window = np.stack(
        [
            gradient_norms_through_time(params, w[:-1, None], w[-1:], np.zeros((1, 12)), nonlinearity)[:-1]
            for w in windows.numpy()
        ]
    )  # (5, T): k = 0 .. T-1; the reference's last entry is the zero initial state's
    expected = np.exp(np.log(per_window).mean(axis=0))
    assert measured.shape == (20,)
    np.testing.assert_allclose(measured, expected, rtol=1e-9)
    assert measured.max() > 1.2 * measured.min()  # the norms change with k: the comparison is not of constants
