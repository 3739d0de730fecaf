"""One vector per sentence from an encoder's per-token states: the final state, or the mean or max over tokens.

Every pooling reads the real tokens only (the ``mask``), so a sentence gets the same vector however much padding
its batch adds. A bidirectional encoder's final state is the forward half after the last word beside the backward
half after the first word (the backward direction's own last step), as torch's ``h_n`` holds them.
"""

from __future__ import annotations

import torch

POOLINGS = ("final", "mean", "max")


def pool_states(states: torch.Tensor, mask: torch.Tensor, how: str, *, bidirectional: bool) -> torch.Tensor:
    """(batch, features) from ``states`` (batch, time, features) and ``mask`` (batch, time), every row non-empty."""
    real = mask.unsqueeze(-1)
    if how == "mean":
        return (states * real).sum(dim=1) / mask.sum(dim=1, keepdim=True).to(states.dtype)
    if how == "max":
        return states.masked_fill(~real, float("-inf")).max(dim=1).values
    if how == "final":
        last = mask.sum(dim=1) - 1
        forward = states[torch.arange(states.shape[0], device=states.device), last]
        if not bidirectional:
            return forward
        half = states.shape[-1] // 2
        return torch.cat([forward[:, :half], states[:, 0, half:]], dim=-1)
    raise ValueError(f"pooling must be one of {POOLINGS}, not {how!r}")
