"""A sentence classifier: word vectors, a recurrent encoder, one vector per sentence, a softmax over the classes.

Dropout sits on the word vectors and on the sentence vector below the output layer, as in Tai et al. (2015) and
the taggers. With ``batch_norm`` the sentence vector is normalised over the batch before that dropout (Ioffe &
Szegedy 2015), one of the course's helpful techniques, off by default.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from wordlab.nn.init import initialise
from wordlab.nn.regularization import InvertedDropout
from wordlab.text.embedding import WordEmbedding
from wordlab.text.encoders import RnnEncoder
from wordlab.text.pooling import pool_states


class SentenceClassifier(nn.Module):
    def __init__(
        self,
        table: np.ndarray,
        num_classes: int,
        *,
        cell: str = "lstm",
        hidden: int = 150,
        layers: int = 1,
        bidirectional: bool = True,
        pooling: str = "final",
        dropout: float = 0.5,
        batch_norm: bool = False,
        freeze: bool = False,
        own_rows: int = 0,
        generator: torch.Generator,
    ) -> None:
        super().__init__()
        self.embedding = WordEmbedding(table, freeze=freeze, own_rows=own_rows)
        self.dropout = InvertedDropout(dropout)
        self.encoder = RnnEncoder(
            cell, self.embedding.dim, hidden, layers=layers, bidirectional=bidirectional, dropout=dropout,  # type: ignore[arg-type]
            generator=generator,
        )  # fmt: skip
        self.pooling, self.bidirectional = pooling, bidirectional
        self.norm = nn.BatchNorm1d(self.encoder.output_dim) if batch_norm else None
        self.output = nn.Linear(self.encoder.output_dim, num_classes)
        initialise(self.output, generator=generator)

    def sentence_vectors(self, word_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        states = self.encoder(self.dropout(self.embedding(word_ids)), mask)
        return pool_states(states, mask, self.pooling, bidirectional=self.bidirectional)

    def forward(self, word_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Class scores (batch, classes) of padded ``word_ids`` (batch, time)."""
        vectors = self.sentence_vectors(word_ids, mask)
        if self.norm is not None:
            vectors = self.norm(vectors)
        return self.output(self.dropout(vectors))
