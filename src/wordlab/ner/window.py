"""Collobert et al. (2011)'s window approach, from token ids to per-token tag scores (batch, time, tags).

Each token's score comes from the features of the ``2 * half_window + 1`` tokens centred on it, concatenated,
through one hidden layer. Positions beyond either end of the sentence (and the padding of shorter sentences in the
batch) read the learned BOUNDARY vector, Collobert's PADDING word, so a window never sees another sentence or a
batch artefact. Dropout on the window's features and on the hidden layer.
"""

from __future__ import annotations

import torch
from torch import nn

from wordlab.nn.activations import get_activation
from wordlab.nn.init import initialise
from wordlab.nn.regularization import InvertedDropout
from wordlab.text.casing import Casing
from wordlab.text.embedding import TokenEmbedding
from wordlab.text.vocab import BOUNDARY


class WindowTagger(nn.Module):
    def __init__(
        self,
        embedding: TokenEmbedding,
        num_tags: int,
        *,
        half_window: int,
        hidden: int,
        activation: str,
        dropout: float,
        generator: torch.Generator,
    ) -> None:
        super().__init__()
        self.embedding = embedding
        self.half_window = half_window
        self.num_tags = num_tags
        width = (2 * half_window + 1) * embedding.dim
        self.mlp = nn.Sequential(
            InvertedDropout(dropout),
            nn.Linear(width, hidden),
            get_activation(activation),
            InvertedDropout(dropout),
            nn.Linear(hidden, num_tags),
        )
        initialise(self.mlp, generator=generator)

    def forward(
        self, word_ids: torch.Tensor, caps_ids: torch.Tensor, mask: torch.Tensor, chars: torch.Tensor | None = None
    ) -> torch.Tensor:
        if self.embedding.chars is not None:
            raise ValueError("the window tagger has no character model (BOUNDARY positions have no characters)")
        k = self.half_window
        words = nn.functional.pad(word_ids.masked_fill(~mask, BOUNDARY), (k, k), value=BOUNDARY)
        caps = nn.functional.pad(caps_ids.masked_fill(~mask, Casing.BOUNDARY), (k, k), value=int(Casing.BOUNDARY))
        features = self.embedding(words, caps)  # (batch, time + 2k, dim)
        windows = features.unfold(1, 2 * k + 1, 1)  # (batch, time, dim, 2k + 1)
        windows = windows.transpose(2, 3).flatten(2)  # (batch, time, (2k + 1) * dim), left to right
        # Only real tokens go through the layers: a batch is often more padding than sentence.
        scores = windows.new_zeros(*mask.shape, self.num_tags)
        scores[mask] = self.mlp(windows[mask])
        return scores
