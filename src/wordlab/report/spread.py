"""The one shape a multi-seed figure takes, in the benchmarks' JSON lines and in the report: its per-seed values,
mean and sample spread."""

from __future__ import annotations

import math
import statistics
from typing import Any


def seed_summary(values: list[float | None], digits: int | None) -> dict[str, Any]:
    """Per-seed values, mean and sample standard deviation, over the seeds where the figure exists (a NaN
    correlation or a section without questions is null, not a number JSON cannot carry); ``digits`` None rounds
    to whole numbers."""
    kept = [v for v in values if v is not None and math.isfinite(v)]
    mean = statistics.fmean(kept) if kept else None
    sd = statistics.stdev(kept) if len(kept) > 1 else None

    def show(value: float | None) -> float | int | None:
        if value is None or not math.isfinite(value):
            return None
        return round(value) if digits is None else round(value, digits)

    return {"values": [show(v) for v in values], "mean": show(mean), "sd": show(sd)}
