"""The two taggers' networks, from token ids to per-token tag scores (batch, time, tags).

- :class:`WindowTagger` is Collobert et al. (2011)'s window approach: each token's score comes from the features
  of the ``2 * half_window + 1`` tokens centred on it, concatenated, through one hidden layer. Positions beyond
  either end of the sentence (and the padding of shorter sentences in the batch) read the learned BOUNDARY
  vector, Collobert's PADDING word, so a window never sees another sentence or a batch artefact.
- :class:`BiLstmTagger` reads the whole sentence in both directions (Lample et al. 2016), with Ma & Hovy
  (2016)'s character CNN in the token features when configured. Packed sequences keep the backward LSTM from
  starting in the padding.

Dropout follows Lample et al.: on the token features and on the layer below the output.
"""

from __future__ import annotations

import torch
from torch import nn

from wordlab.evaluation.ner.casing import Casing
from wordlab.evaluation.ner.embedding import TokenEmbedding
from wordlab.evaluation.ner.vocab import BOUNDARY
from wordlab.nn.activations import get_activation
from wordlab.nn.init import initialise
from wordlab.nn.regularization import InvertedDropout


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


class BiLstmTagger(nn.Module):
    def __init__(
        self,
        embedding: TokenEmbedding,
        num_tags: int,
        *,
        hidden: int,
        layers: int,
        dropout: float,
        generator: torch.Generator,
    ) -> None:
        super().__init__()
        self.embedding = embedding
        self.dropout = InvertedDropout(dropout)
        self.lstm = nn.LSTM(
            embedding.dim,
            hidden,
            num_layers=layers,
            bidirectional=True,
            batch_first=True,
            dropout=dropout if layers > 1 else 0.0,
        )
        self.output = nn.Linear(2 * hidden, num_tags)
        initialise(self.lstm, generator=generator)
        initialise(self.output, generator=generator)
        with torch.no_grad():  # forget gates start open (Jozefowicz et al. 2015): gradients reach early tokens
            for name, param in self.lstm.named_parameters():
                if name.startswith("bias_ih"):
                    param[hidden : 2 * hidden] = 1.0

    def forward(
        self, word_ids: torch.Tensor, caps_ids: torch.Tensor, mask: torch.Tensor, chars: torch.Tensor | None = None
    ) -> torch.Tensor:
        features = self.dropout(self.embedding(word_ids, caps_ids, chars))
        lengths = mask.sum(dim=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(features, lengths, batch_first=True, enforce_sorted=False)
        states, _ = self.lstm(packed)
        states, _ = nn.utils.rnn.pad_packed_sequence(states, batch_first=True, total_length=word_ids.shape[1])
        return self.output(self.dropout(states))
