"""The fixed-window neural language model of Bengio et al. (2003): the previous n-1 words decide the next.

    x = [e(w_{t-n+1}); ...; e(w_{t-1})]        the context words' embeddings, concatenated
    h = tanh(x H + d)                          one hidden layer
    y = h U + b                                logits over the vocabulary, softmax in the loss

Bengio et al. also add direct connections ``x W`` from the embeddings to the output; they are left out, as in most
textbook presentations (Mikolov et al. 2011's feed-forward figure is of the same plain network). The model has no
state: it takes a batch of windows and returns ``None`` for the state, so one training loop serves it and the
recurrent models.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from wordlab.nn.low_precision import linear_in_bf16


class FixedWindowLM(nn.Module):
    def __init__(
        self,
        vocab_size: int,
        *,
        context: int = 4,
        embedding_dim: int = 200,
        hidden: int = 200,
        dropout: float = 0.2,
        tied: bool = True,
        init_range: float = 0.1,
        output_bf16: bool = False,
        pretrained: np.ndarray | None = None,
    ) -> None:
        super().__init__()
        if tied and hidden != embedding_dim:
            raise ValueError(f"tied weights need hidden == embedding_dim, got {hidden} and {embedding_dim}")
        self.context = context
        self.output_bf16 = output_bf16  # training's output products in bfloat16; scoring stays float32
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.drop = nn.Dropout(dropout)
        self.hidden = nn.Linear(context * embedding_dim, hidden)
        self.decoder = nn.Linear(hidden, vocab_size)
        nn.init.uniform_(self.embedding.weight, -init_range, init_range)
        nn.init.uniform_(self.decoder.weight, -init_range, init_range)
        nn.init.zeros_(self.decoder.bias)
        if pretrained is not None:
            found = torch.from_numpy(~np.isnan(pretrained).any(axis=1))
            with torch.no_grad():
                self.embedding.weight[found] = torch.from_numpy(pretrained[found.numpy()]).float()
        if tied:
            self.decoder.weight = self.embedding.weight

    def forward(self, windows: torch.Tensor, state: None = None) -> tuple[torch.Tensor, None]:
        """Logits (B, V) for windows (B, context) of ids, oldest word first."""
        x = self.drop(self.embedding(windows).flatten(1))
        h = torch.tanh(self.hidden(x))
        if self.output_bf16 and self.training:
            return linear_in_bf16(self.decoder, self.drop(h)), None
        return self.decoder(self.drop(h)), None
