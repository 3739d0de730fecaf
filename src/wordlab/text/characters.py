"""The characters of a token as ids, and the character CNN that turns them into a word feature.

Lower-cased word vectors of a 17M-token corpus miss most names of a news corpus and say nothing of their shape.
The character model of Ma & Hovy (2016) reads each token's letters instead: a character embedding, a width-3
convolution and a max over positions give a fixed-width feature that knows suffixes ("-ville", "-berg"),
capitals and digits, for words with and without a vector alike. Lample et al. (2016) report the same gain with a
character BiLSTM; the CNN is the cheaper of the two on a CPU.

Ids need no vocabulary: a character below U+00FF is its code point plus one, any other character shares one id,
and 0 pads. CoNLL-2003 is Latin-1 text, so every character it holds gets its own row, and no file of the
pipeline has to carry a character table from training to test.
"""

from __future__ import annotations

import torch
from torch import nn

from wordlab.nn.init import initialise
from wordlab.nn.regularization import InvertedDropout

CHAR_PAD = 0
_LAST_OWN_CODE = 0xFE
OTHER_CHAR = _LAST_OWN_CODE + 2
NUM_CHAR_IDS = OTHER_CHAR + 1
MAX_WORD_CHARS = 25  # longer tokens (URLs, long numbers) keep their first 25 characters


def char_ids(token: str) -> list[int]:
    """Ids of the first :data:`MAX_WORD_CHARS` characters of ``token`` (never 0, the padding id)."""
    return [ord(c) + 1 if ord(c) <= _LAST_OWN_CODE else OTHER_CHAR for c in token[:MAX_WORD_CHARS]]


class CharCnn(nn.Module):
    """(batch, time, chars) ids -> (batch, time, filters): embed, drop out, convolve, max over the characters."""

    def __init__(self, char_dim: int, filters: int, width: int, dropout: float, *, generator: torch.Generator) -> None:
        super().__init__()
        if width % 2 == 0:
            raise ValueError(f"the character window must be odd so that it centres on a character, got {width}")
        self.dim = filters
        self.embedding = nn.Embedding(NUM_CHAR_IDS, char_dim, padding_idx=CHAR_PAD)
        self.dropout = InvertedDropout(dropout)
        self.conv = nn.Conv1d(char_dim, filters, width, padding=width // 2)
        bound = (3.0 / char_dim) ** 0.5  # Ma & Hovy's uniform range for the character table
        with torch.no_grad():
            self.embedding.weight.uniform_(-bound, bound, generator=generator)
            self.embedding.weight[CHAR_PAD] = 0.0
        initialise(self.conv, generator=generator)

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        batch, time, length = chars.shape
        flat = chars.reshape(batch * time, length)
        present = flat != CHAR_PAD
        features = self.conv(self.dropout(self.embedding(flat)).transpose(1, 2))  # (words, filters, chars)
        features = features.masked_fill(~present.unsqueeze(1), float("-inf")).amax(dim=2)
        # A padding position of the batch has no character: its feature is 0, not -inf.
        features = features.masked_fill(~present.any(dim=1, keepdim=True), 0.0)
        return features.reshape(batch, time, self.dim)
