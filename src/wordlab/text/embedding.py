"""Token features for the taggers: a word vector (frozen or fine-tuned) beside a small casing embedding and,
optionally, a character-CNN feature (:mod:`wordlab.text.characters`).

The word table is split in three tensors so that freezing is exact: the pretrained rows can sit in a parameter
with ``requires_grad=False`` (no optimiser, weight decay or momentum can move them) while UNK and BOUNDARY and
the training words without a vector (the vocabulary's ``own_rows``), which have no pretrained value, are always
trained. PAD is a constant zero row.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from wordlab.text.casing import NUM_CASINGS, Casing
from wordlab.text.characters import CharCnn
from wordlab.text.vocab import NUM_SPECIALS, PAD


class WordEmbedding(nn.Module):
    """Rows of an initial table (specials first, see :mod:`wordlab.text.vocab`), ids -> vectors."""

    def __init__(self, table: np.ndarray, *, freeze: bool, own_rows: int = 0) -> None:
        super().__init__()
        if table.ndim != 2 or table.shape[0] < NUM_SPECIALS + own_rows:
            raise ValueError(
                f"a word table needs {NUM_SPECIALS} special and {own_rows} own rows and a dimension, got {table.shape}"
            )
        values = torch.as_tensor(np.array(table, dtype=np.float32))
        self.dim = int(values.shape[1])
        self.own_from = int(values.shape[0]) - own_rows  # ids from here on are own rows
        self.special = nn.Parameter(values[PAD + 1 : NUM_SPECIALS].clone())
        self.words = nn.Parameter(values[NUM_SPECIALS : self.own_from].clone(), requires_grad=not freeze)
        self.own = nn.Parameter(values[self.own_from :].clone()) if own_rows else None

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        is_word = ids >= NUM_SPECIALS
        words = nn.functional.embedding((ids - NUM_SPECIALS).clamp(min=0, max=self.words.shape[0] - 1), self.words)
        padded_specials = torch.cat([self.special.new_zeros(1, self.dim), self.special])
        specials = nn.functional.embedding(ids.clamp(max=NUM_SPECIALS - 1), padded_specials)
        vectors = torch.where(is_word.unsqueeze(-1), words, specials)
        if self.own is None:
            return vectors
        is_own = ids >= self.own_from
        own = nn.functional.embedding((ids - self.own_from).clamp(min=0), self.own)
        return torch.where(is_own.unsqueeze(-1), own, vectors)


class TokenEmbedding(nn.Module):
    """``[word vector; casing vector; character feature]`` per token; ``dim`` is the width of the concatenation."""

    def __init__(
        self, table: np.ndarray, *, freeze: bool, caps_dim: int, chars: CharCnn | None = None, own_rows: int = 0
    ) -> None:
        super().__init__()
        self.word = WordEmbedding(table, freeze=freeze, own_rows=own_rows)
        self.caps = nn.Embedding(NUM_CASINGS, caps_dim, padding_idx=Casing.PAD) if caps_dim else None
        self.chars = chars
        self.dim = self.word.dim + caps_dim + (chars.dim if chars is not None else 0)

    def forward(
        self, word_ids: torch.Tensor, caps_ids: torch.Tensor, chars: torch.Tensor | None = None
    ) -> torch.Tensor:
        features = [self.word(word_ids)]
        if self.caps is not None:
            features.append(self.caps(caps_ids))
        if self.chars is not None:
            if chars is None:
                raise ValueError("this tagger reads characters: the batch must hold 'chars'")
            features.append(self.chars(chars))
        return torch.cat(features, dim=-1) if len(features) > 1 else features[0]
