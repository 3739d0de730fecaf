"""The vanishing-gradient picture: how much the loss at the last step feels the hidden state k steps back.

For a window of ``T + 1`` words, the model reads the first ``T`` from a zero state and the loss ``L_T`` is the
negative log-likelihood of the last word only. Then ``||dL_T / dh_{T-k}||`` for k = 0 .. T-1 is the norm of the
gradient reaching the top layer's hidden state ``k`` steps before the prediction. In an Elman RNN that gradient is a
product of k Jacobians ``diag(g'(z)) W_h`` and falls geometrically once ``W_h``'s gain is below one; the gated
cells' additive paths keep it much flatter. The course argues this; here it is measured, on our own trained and
untrained models, averaged (geometrically: the norms span orders of magnitude) over windows from the validation
split, in eval mode (no dropout).

The fused ``nn.RNN``/``nn.GRU``/``nn.LSTM`` does not expose its intermediate states, so the window is read one step
at a time through the same fused module, each step's state a tensor whose gradient is kept.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from wordlab.lm.recurrent import RecurrentLM, State


def state_gradient_norms(network: RecurrentLM, windows: torch.Tensor) -> np.ndarray:
    """(T,) geometric mean over the windows (B, T+1) of ``||dL_T / dh_{T-k}||``, index k (0: the last step)."""
    was_training = network.training
    network.eval()
    try:
        inputs = windows[:, :-1].T.contiguous()  # (T, B)
        embedded = network.embedding(inputs)
        state: State = network.initial_state(inputs.shape[1])
        after: list[torch.Tensor] = []  # each step's hidden states, (layers, B, H)
        for step in range(inputs.shape[0]):
            output, state = network.rnn(embedded[step : step + 1], state)
            after.append(state[0] if isinstance(state, tuple) else state)
        loss = F.cross_entropy(network.decoder(output[-1]), windows[:, -1], reduction="sum")
        # The loss reads the last step through the layer's output (the same values as its state): take that one.
        gradients = torch.autograd.grad(loss, [*after[:-1], output], allow_unused=True)
    finally:
        network.train(was_training)
    norms = np.stack([_top_norms(g, windows.shape[0]) for g in gradients])  # (T, B), oldest step first
    return np.exp(np.log(np.maximum(norms, 1e-300)).mean(axis=1))[::-1].copy()  # k = 0 (h_T) first


def _top_norms(gradient: torch.Tensor | None, batch: int) -> np.ndarray:
    """Per-window norm of a gradient on the top layer's state ((layers, B, H) or the output (1, B, H))."""
    if gradient is None:
        return np.zeros(batch)
    return gradient[-1].reshape(batch, -1).norm(dim=1).double().numpy()
