"""A task's rows of the report: one per embedding method's model and one per random baseline.

Read from the comparison table's per-method columns ``<task>.<entry>.<...>``: an entry with pretrained vectors
gives the method's row; a ``random_init`` entry (named ``<entry>_random`` by convention, or listed in
``baselines``) gives a "random (<method>'s vocabulary)" row. With more than one entry besides its baseline, each
row also names its entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import pandas as pd


def entry_rows(
    table: pd.DataFrame,
    column: re.Pattern[str],
    heading: Callable[[re.Match[str]], str],
    order: list[str],
    baselines: Iterable[str] = (),
) -> pd.DataFrame:
    """Rows by method (and entry), columns ``heading(match)`` in ``order``, values in percent.

    ``column`` matches the table's column names and has an ``entry`` group."""
    baselines = set(baselines)
    matches = [m for m in (column.fullmatch(c) for c in table.columns) if m is not None]
    named = len({m["entry"] for m in matches}) > 2
    rows: dict[str, dict[str, float]] = {}
    for match in matches:
        entry = match["entry"]
        for method, value in table[match.string].items():
            if pd.isna(value):
                continue
            random = entry in baselines or entry.endswith("_random")
            row = f"random ({method}'s vocabulary)" if random else str(method)
            if named:
                row = f"{row} · {entry}"
            rows.setdefault(row, {})[heading(match)] = 100.0 * float(value)
    frame = pd.DataFrame.from_dict(rows, orient="index")
    return frame.reindex(columns=[c for c in order if c in frame.columns])
