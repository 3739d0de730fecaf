"""The recurrent language models: an Elman RNN, a GRU or an LSTM over word embeddings, a softmax over the words.

The architecture is the one PyTorch's ``word_language_model`` example trains and Zaremba et al. (2014) regularise:
embeddings, dropout, a stack of recurrent layers with dropout between them, dropout, a linear decoder; with
``tied`` the decoder's weight *is* the embedding matrix (Press & Wolf 2017), which needs ``hidden == embedding``.
The recurrence is torch's fused ``nn.RNN``/``nn.GRU``/``nn.LSTM`` (one kernel per layer instead of a Python loop per
time step); :mod:`wordlab.lm.cells` writes the same cells out from the course's equations, and a test holds the two
equal. Embeddings and the decoder start uniform in ``+-init_range`` (the example's 0.1), the decoder bias at zero,
and the recurrent weights keep torch's own initialisation, as in the example.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from wordlab.nn.low_precision import linear_in_bf16

State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]

CELLS: dict[str, type[nn.GRU] | type[nn.LSTM] | type[nn.RNN]] = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class RecurrentLM(nn.Module):
    def __init__(
        self,
        vocab_size: int,
        *,
        cell: str = "lstm",
        embedding_dim: int = 200,
        hidden: int = 200,
        layers: int = 2,
        dropout: float = 0.2,
        tied: bool = True,
        nonlinearity: str = "tanh",
        init_range: float = 0.1,
        output_bf16: bool = False,
        pretrained: np.ndarray | None = None,
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        if tied and hidden != embedding_dim:
            raise ValueError(f"tied weights need hidden == embedding_dim, got {hidden} and {embedding_dim}")
        self.cell, self.hidden, self.layers = cell, hidden, layers
        self.output_bf16 = output_bf16  # training's output products in bfloat16; scoring stays float32
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.drop = nn.Dropout(dropout)
        between = dropout if layers > 1 else 0.0
        self.rnn: nn.RNNBase
        if cell == "rnn":
            self.rnn = nn.RNN(embedding_dim, hidden, layers, nonlinearity=nonlinearity, dropout=between)
        else:
            self.rnn = CELLS[cell](embedding_dim, hidden, layers, dropout=between)
        self.decoder = nn.Linear(hidden, vocab_size)
        nn.init.uniform_(self.embedding.weight, -init_range, init_range)
        nn.init.uniform_(self.decoder.weight, -init_range, init_range)
        nn.init.zeros_(self.decoder.bias)
        if pretrained is not None:  # rows of words with a vector; NaN rows (no vector) keep their random values
            found = torch.from_numpy(~np.isnan(pretrained).any(axis=1))
            with torch.no_grad():
                self.embedding.weight[found] = torch.from_numpy(pretrained[found.numpy()]).float()
        if tied:
            self.decoder.weight = self.embedding.weight

    def initial_state(self, batch: int) -> State:
        zeros = self.decoder.bias.new_zeros(self.layers, batch, self.hidden)
        return (zeros, zeros.clone()) if self.cell == "lstm" else zeros

    def forward(self, ids: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Logits (T, B, V) for ids (T, B), and the state after the last step (to carry into the next chunk)."""
        if state is None:
            state = self.initial_state(ids.shape[1])
        outputs, state = self.rnn(self.drop(self.embedding(ids)), state)
        if self.output_bf16 and self.training:
            return linear_in_bf16(self.decoder, self.drop(outputs)), state
        return self.decoder(self.drop(outputs)), state


def detach_state(state: State | None) -> State | None:
    """The same values, cut from the graph that made them: truncated BPTT stops at the chunk's start."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return (state[0].detach(), state[1].detach())
    return state.detach()
