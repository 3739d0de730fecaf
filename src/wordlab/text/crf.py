"""A linear-chain CRF over tag sequences: the forward algorithm for the log-likelihood, Viterbi for decoding.

Written here rather than taken from a library: pytorch-crf, the usual choice, has been unmaintained since 2020
and is not a wordlab dependency, and the whole layer is two dynamic programmes short enough to check exhaustively
(the tests compare both against enumerating every tag sequence of small inputs).

A sequence ``y`` of length ``n`` over emission scores ``E`` (batch, time, tags) scores::

    s(y) = start[y_0] + sum_t E[t, y_t] + sum_{t>=1} trans[y_{t-1}, y_t] + end[y_{n-1}]

and ``log p(y) = s(y) - log Z`` with ``log Z = logsumexp over all sequences``. The forward algorithm computes
``log Z`` in O(n K^2) with log-sum-exp at every step, so no score is ever exponentiated outside it.

Hard constraints (IOB2: no ``I-X`` after ``O`` or after another type, no ``I-X`` first) enter as a fixed penalty of
:data:`FORBIDDEN` added to the learned scores: the model then is a CRF over valid sequences only, in training as in
decoding. A finite penalty rather than ``-inf`` keeps every gradient finite and every sum well defined; at
``-1e4`` a forbidden transition's probability is ``exp(-1e4)``, zero in float32 and float64.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

FORBIDDEN = -1.0e4


def iob2_constraints(tag_names: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Penalties (0 or FORBIDDEN) for IOB2: ``transitions[i, j]`` from tag i to tag j, and ``start[j]``."""
    size = len(tag_names)
    transitions = torch.zeros(size, size)
    start = torch.zeros(size)
    for j, name in enumerate(tag_names):
        prefix, _, kind = name.partition("-")
        if prefix == "O":
            continue
        if prefix not in ("B", "I") or not kind:
            raise ValueError(f"tag {name!r} is not IOB2 (O, B-X or I-X)")
        if prefix == "I":
            start[j] = FORBIDDEN
            for i, previous in enumerate(tag_names):
                if previous not in (f"B-{kind}", f"I-{kind}"):
                    transitions[i, j] = FORBIDDEN
    return transitions, start


def _check(emissions: torch.Tensor, mask: torch.Tensor) -> None:
    if emissions.dim() != 3:
        raise ValueError(f"emissions must be (batch, time, tags), got shape {tuple(emissions.shape)}")
    if mask.shape != emissions.shape[:2]:
        raise ValueError(f"mask shape {tuple(mask.shape)} does not match emissions {tuple(emissions.shape[:2])}")
    if emissions.shape[1] == 0 or not bool(mask[:, 0].all()):
        raise ValueError("every sequence needs at least one token (mask[:, 0] must be true)")
    if bool((mask[:, 1:] & ~mask[:, :-1]).any()):
        raise ValueError("mask must be a prefix of true values per sequence (padding only at the end)")


def sequence_score(
    emissions: torch.Tensor,
    tags: torch.Tensor,
    mask: torch.Tensor,
    transitions: torch.Tensor,
    start: torch.Tensor,
    end: torch.Tensor,
) -> torch.Tensor:
    """``s(y)`` of each sequence's gold ``tags`` (batch,); padded positions' tags are ignored."""
    _check(emissions, mask)
    weights = mask.to(emissions.dtype)
    tags = tags.masked_fill(~mask, 0)
    emitted = emissions.gather(2, tags.unsqueeze(-1)).squeeze(-1)
    score = start[tags[:, 0]] + (emitted * weights).sum(dim=1)
    moves = transitions[tags[:, :-1], tags[:, 1:]]
    score = score + (moves * weights[:, 1:]).sum(dim=1)
    last = mask.sum(dim=1) - 1
    return score + end[tags.gather(1, last.unsqueeze(1)).squeeze(1)]


def log_partition(
    emissions: torch.Tensor, mask: torch.Tensor, transitions: torch.Tensor, start: torch.Tensor, end: torch.Tensor
) -> torch.Tensor:
    """``log Z`` of each sequence (batch,) by the forward algorithm."""
    _check(emissions, mask)
    alpha = start + emissions[:, 0]  # (batch, tags): log-sum of the scores of all prefixes ending in each tag
    for t in range(1, emissions.shape[1]):
        step = torch.logsumexp(alpha.unsqueeze(2) + transitions, dim=1) + emissions[:, t]
        alpha = torch.where(mask[:, t].unsqueeze(1), step, alpha)
    return torch.logsumexp(alpha + end, dim=1)


def viterbi(
    emissions: torch.Tensor, mask: torch.Tensor, transitions: torch.Tensor, start: torch.Tensor, end: torch.Tensor
) -> list[list[int]]:
    """The highest-scoring tag sequence of each sequence, as many tags as its mask has true values.

    Ties go to the lowest tag index at every step, so decoding is deterministic.
    """
    _check(emissions, mask)
    best = start + emissions[:, 0]
    pointers: list[torch.Tensor] = []
    for t in range(1, emissions.shape[1]):
        candidates = best.unsqueeze(2) + transitions  # (batch, from, to)
        scores, previous = candidates.max(dim=1)
        step = scores + emissions[:, t]
        active = mask[:, t].unsqueeze(1)
        best = torch.where(active, step, best)
        # A finished sequence points each tag to itself, so backtracking walks through its padding unchanged.
        identity = torch.arange(best.shape[1], device=best.device).expand_as(previous)
        pointers.append(torch.where(active, previous, identity))
    last = (best + end).argmax(dim=1)
    lengths = mask.sum(dim=1).tolist()
    path = [last]
    for back in reversed(pointers):
        path.append(back.gather(1, path[-1].unsqueeze(1)).squeeze(1))
    columns = torch.stack(path[::-1], dim=1).tolist()
    return [row[:length] for row, length in zip(columns, lengths, strict=True)]


class LinearChainCRF(nn.Module):
    """Learned transition, start and end scores, plus optional fixed penalties (see :func:`iob2_constraints`)."""

    transition_penalty: torch.Tensor  # buffers, registered in __init__
    start_penalty: torch.Tensor

    def __init__(
        self,
        num_tags: int,
        *,
        transition_penalty: torch.Tensor | None = None,
        start_penalty: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        self.num_tags = num_tags
        self.transitions = nn.Parameter(torch.zeros(num_tags, num_tags))
        self.start = nn.Parameter(torch.zeros(num_tags))
        self.end = nn.Parameter(torch.zeros(num_tags))
        self.register_buffer(
            "transition_penalty", torch.zeros(num_tags, num_tags) if transition_penalty is None else transition_penalty
        )
        self.register_buffer("start_penalty", torch.zeros(num_tags) if start_penalty is None else start_penalty)

    def scores(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Transition, start and end scores with the penalties applied."""
        return self.transitions + self.transition_penalty, self.start + self.start_penalty, self.end

    def log_likelihood(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``log p(tags | emissions)`` per sequence (batch,)."""
        transitions, start, end = self.scores()
        gold = sequence_score(emissions, tags, mask, transitions, start, end)
        return gold - log_partition(emissions, mask, transitions, start, end)

    def decode(self, emissions: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        return viterbi(emissions, mask, *self.scores())
