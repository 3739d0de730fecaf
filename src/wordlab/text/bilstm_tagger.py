"""A bidirectional LSTM tagger (Lample et al. 2016), from token ids to per-token tag scores (batch, time, tags).

It reads the whole sentence in both directions, with Ma & Hovy (2016)'s character CNN in the token features when
configured. Dropout follows Lample et al.: on the token features and on the layer below the output. Shared by the
named-entity tagger (with a CRF over its scores) and the part-of-speech tagger, so it lives in the text toolkit.
"""

from __future__ import annotations

import torch
from torch import nn

from wordlab.nn.init import initialise
from wordlab.nn.regularization import InvertedDropout
from wordlab.text.embedding import TokenEmbedding
from wordlab.text.encoders import RnnEncoder


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
        self.encoder = RnnEncoder(
            "lstm", embedding.dim, hidden, layers=layers, bidirectional=True, dropout=dropout, generator=generator
        )
        self.output = nn.Linear(self.encoder.output_dim, num_tags)
        initialise(self.output, generator=generator)

    def forward(
        self, word_ids: torch.Tensor, caps_ids: torch.Tensor, mask: torch.Tensor, chars: torch.Tensor | None = None
    ) -> torch.Tensor:
        features = self.dropout(self.embedding(word_ids, caps_ids, chars))
        return self.output(self.dropout(self.encoder(features, mask)))
