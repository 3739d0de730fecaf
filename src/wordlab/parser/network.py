"""Chen & Manning (2014)'s network: 48 embedded features, one hidden layer, a softmax over the transitions.

    x = [E_w f_words ; E_t f_pos ; E_l f_labels]        18 word, 18 POS and 12 label embeddings, concatenated
        (; E_f f_feats)                                  and the 18 tokens' FEATS embeddings, when read
    h = g(W1 x + b1)                                     g = cube (their choice), ReLU or tanh
    p = softmax(W2 h)                                    no output bias, as theirs

Weights and the POS, label (and FEATS) embeddings start uniform in +-init_range (0.01: the cube explodes on larger
starts); the word table arrives from :func:`wordlab.text.table.build_table` (pretrained rows or a random baseline).
Dropout is applied to h during training.

``W1 x`` is a sum over feature positions of ``W1[:, block_p] e_p``. At parse time the decoder looks these
products up instead of multiplying (:meth:`position_products`), Chen & Manning's pre-computation trick.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from wordlab.nn.activations import get_activation
from wordlab.parser.transitions import N_CHILD_POSITIONS, N_FEATURES, N_POSITIONS


class ChenManningNetwork(nn.Module):
    def __init__(
        self,
        word_table: np.ndarray,
        n_pos_ids: int,
        n_label_ids: int,
        n_transitions: int,
        *,
        pos_dim: int = 50,
        label_dim: int = 50,
        hidden: int = 200,
        activation: str = "cube",
        dropout: float = 0.5,
        init_range: float = 0.01,
        n_feats_ids: int = 0,
        feats_dim: int = 0,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        # a copy: training must not write into the caller's table (an ensemble's next member starts from it)
        self.words = nn.Embedding.from_pretrained(torch.tensor(word_table, dtype=torch.float32), freeze=False)
        self.pos = nn.Embedding(n_pos_ids, pos_dim)
        self.labels = nn.Embedding(n_label_ids, label_dim)
        # FEATS values of the 18 tokens: only when the parser reads them (n_feats_ids and feats_dim both set)
        self.feats = nn.Embedding(n_feats_ids, feats_dim) if n_feats_ids and feats_dim else None
        self.word_dim = int(word_table.shape[1])
        n_inputs = N_POSITIONS * self.word_dim + N_POSITIONS * pos_dim + N_CHILD_POSITIONS * label_dim
        if self.feats is not None:
            n_inputs += N_POSITIONS * feats_dim
        self.hidden = nn.Linear(n_inputs, hidden)
        self.activation_name = activation
        self.activation = get_activation(activation)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, n_transitions, bias=False)
        with torch.no_grad():
            for weight in (self.pos.weight, self.labels.weight, self.hidden.weight, self.hidden.bias, self.out.weight):
                weight.uniform_(-init_range, init_range, generator=generator)
            if self.feats is not None:
                self.feats.weight.uniform_(-init_range, init_range, generator=generator)

    @property
    def n_features(self) -> int:
        """Feature ids per configuration: 48, or 66 with FEATS."""
        return N_FEATURES + (N_POSITIONS if self.feats is not None else 0)

    def inputs(self, features: torch.Tensor) -> torch.Tensor:
        """The concatenated embeddings x of (B, 48) feature ids ((B, 66) with FEATS)."""
        words = self.words(features[:, :N_POSITIONS]).flatten(1)
        pos = self.pos(features[:, N_POSITIONS : 2 * N_POSITIONS]).flatten(1)
        labels = self.labels(features[:, 2 * N_POSITIONS : N_FEATURES]).flatten(1)
        if self.feats is None:
            return torch.cat([words, pos, labels], dim=1)
        feats = self.feats(features[:, N_FEATURES : N_FEATURES + N_POSITIONS]).flatten(1)
        return torch.cat([words, pos, labels, feats], dim=1)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """Transition scores (B, n_transitions) of (B, 48) feature ids ((B, 66) with FEATS)."""
        return self.scores_from_hidden(self.hidden(self.inputs(features)))

    def scores_from_hidden(self, pre_activation: torch.Tensor) -> torch.Tensor:
        return self.out(self.dropout(self.activation(pre_activation)))

    def position_products(self, kind: str, ids: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """``W1[:, block_p] e_id`` for each (id, position p) pair of one feature ``kind`` (words, pos, labels,
        feats): the hidden layer's pre-activation contribution, without the bias. Shapes (K,) -> (K, hidden)."""
        tables = {"words": self.words, "pos": self.pos, "labels": self.labels, "feats": self.feats}
        embedding = tables[kind]
        if embedding is None:
            raise ValueError(f"this network reads no {kind}")
        table = embedding.weight
        dim = table.shape[1]
        count = N_CHILD_POSITIONS if kind == "labels" else N_POSITIONS
        pos_start = N_POSITIONS * self.word_dim
        label_start = pos_start + N_POSITIONS * self.pos.weight.shape[1]
        feats_start = label_start + N_CHILD_POSITIONS * self.labels.weight.shape[1]
        first = {"words": 0, "pos": pos_start, "labels": label_start, "feats": feats_start}[kind]
        # (hidden, positions of this kind, dim)
        blocks = self.hidden.weight[:, first : first + count * dim].unflatten(1, (count, dim))
        out = torch.empty(len(ids), blocks.shape[0], dtype=table.dtype)
        for p in torch.unique(positions).tolist():
            at = positions == p
            out[at] = table[ids[at]] @ blocks[:, p, :].T
        return out
