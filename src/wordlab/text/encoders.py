"""Recurrent encoders over padded batches of sentences: states for every real token, from torch's fused RNNs.

:class:`RnnEncoder` wraps ``torch.nn.LSTM``, ``GRU`` or ``RNN`` (cuDNN or oneDNN kernels rather than a Python loop
over time steps) and packs the batch by its ``mask``, so that the backward direction starts at each sentence's own
last token rather than in the padding. Weights start as the toolkit's initialiser sets them, from the caller's
generator; an LSTM's forget gates start open (bias 1, Jozefowicz et al. 2015), so that gradients reach early tokens.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from wordlab.nn.init import initialise

CELLS: dict[str, type[nn.LSTM] | type[nn.GRU] | type[nn.RNN]] = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class RnnEncoder(nn.Module):
    def __init__(
        self,
        cell: Literal["lstm", "gru", "rnn"],
        input_dim: int,
        hidden: int,
        *,
        layers: int = 1,
        bidirectional: bool = True,
        dropout: float = 0.0,
        generator: torch.Generator,
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, not {cell!r}")
        self.rnn = CELLS[cell](
            input_dim,
            hidden,
            num_layers=layers,
            bidirectional=bidirectional,
            batch_first=True,
            dropout=dropout if layers > 1 else 0.0,  # between layers only
        )
        self.output_dim = hidden * (2 if bidirectional else 1)
        initialise(self.rnn, generator=generator)
        if cell == "lstm":
            with torch.no_grad():  # gates are ordered input, forget, cell, output
                for name, param in self.rnn.named_parameters():
                    if name.startswith("bias_ih"):
                        param[hidden : 2 * hidden] = 1.0

    def forward(self, features: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """States (batch, time, output_dim) of ``features`` (batch, time, input_dim); zero at padded positions."""
        lengths = mask.sum(dim=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(features, lengths, batch_first=True, enforce_sorted=False)
        states, _ = self.rnn(packed)
        states, _ = nn.utils.rnn.pad_packed_sequence(states, batch_first=True, total_length=features.shape[1])
        return states
