"""The ``count_cooccurrence`` stage's settings (the top-level ``cooccurrence`` group): schema and runtime object."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from wordlab.config import as_choice

DEFAULT_MEMORY_BUDGET = 4 * 1024**3


class Weighting(StrEnum):
    plain = "plain"  # every pair in the window counts 1 (the textbook co-occurrence table)
    harmonic = "harmonic"  # a pair at distance d counts 1/d (Stanford cooccur's default)


@dataclass(frozen=True)
class CooccurrenceConfig:
    window: int = 10
    weighting: Weighting = Weighting.harmonic
    # Bytes the counting may use (the corpus tokens count against it); beyond it, counts go to shards that are
    # merged.
    memory_budget: int = DEFAULT_MEMORY_BUDGET
    threads: int | None = None  # None: every thread numba has
    split: str = "train"

    def __post_init__(self) -> None:
        object.__setattr__(self, "weighting", as_choice(Weighting, self.weighting, "weighting"))


SCHEMA = CooccurrenceConfig
