"""Output layers over per-token tag scores: what is trained (a loss) and what is predicted (a decoding).

Both losses are per token (summed over the batch's tokens, divided by their number) so that the learning curves
of the window classifier and of either BiLSTM tagger share one scale.

The softmax head's tags are independent given the scores, so its argmax can produce ``O I-PER``, an entity that
strict IOB2 scoring does not count at all. With ``constrained`` decoding it instead takes the most probable valid
sequence: Viterbi over the per-token log-probabilities with forbidden transitions and no learned ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from wordlab.text.crf import LinearChainCRF, iob2_constraints, viterbi


class SoftmaxHead(nn.Module):
    transition_penalty: torch.Tensor  # buffers, registered in __init__
    start_penalty: torch.Tensor

    def __init__(self, tag_names: Sequence[str], *, constrained: bool) -> None:
        super().__init__()
        self.constrained = constrained
        transitions, start = iob2_constraints(tag_names)
        self.register_buffer("transition_penalty", transitions)
        self.register_buffer("start_penalty", start)

    def loss(self, scores: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(scores[mask], tags[mask])

    def decode(self, scores: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        if not self.constrained:
            lengths = mask.sum(dim=1).tolist()
            return [row[:n] for row, n in zip(scores.argmax(dim=-1).tolist(), lengths, strict=True)]
        log_probs = torch.log_softmax(scores, dim=-1)
        end = torch.zeros_like(self.start_penalty)
        return viterbi(log_probs, mask, self.transition_penalty, self.start_penalty, end)


class CrfHead(nn.Module):
    def __init__(self, tag_names: Sequence[str], *, constrained: bool) -> None:
        super().__init__()
        if constrained:
            transitions, start = iob2_constraints(tag_names)
            self.crf = LinearChainCRF(len(tag_names), transition_penalty=transitions, start_penalty=start)
        else:
            self.crf = LinearChainCRF(len(tag_names))

    def loss(self, scores: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return -self.crf.log_likelihood(scores, tags, mask).sum() / mask.sum()

    def decode(self, scores: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        return self.crf.decode(scores, mask)
