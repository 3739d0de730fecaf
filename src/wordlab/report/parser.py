"""The parser section of the report: one row per embedding method's parser and one per random baseline.

Read from the comparison table's ``parser.<entry>.<split>.<statistic>`` columns: an entry with pretrained vectors
gives the method's row; a ``random_init`` entry (named ``<entry>_random`` by convention, or listed in
``baselines``) gives a "random (<method>'s vocabulary)" row. Scores are percentages, CoNLL 2018 convention.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from wordlab.io import atomic_path

_COLUMN = re.compile(r"parser\.(?P<entry>[^.]+)\.(?P<split>dev|test)\.(?P<stat>uas|las)")


def parser_rows(table: pd.DataFrame, baselines: Iterable[str] = ()) -> pd.DataFrame:
    """Rows ``<method>`` / ``<method> · <entry>`` with dev and test UAS and LAS in percent."""
    baselines = set(baselines)
    matches = [m for m in (_COLUMN.fullmatch(c) for c in table.columns) if m is not None]
    # one parser and its baseline: rows by method alone; more entries (e.g. lift and drop): name each
    named = len({m["entry"] for m in matches}) > 2
    rows: dict[str, dict[str, float]] = {}
    for match in matches:
        column, entry = match.string, match["entry"]
        for method, value in table[column].items():
            if pd.isna(value):
                continue
            random = entry in baselines or entry.endswith("_random")
            row = f"random ({method}'s vocabulary)" if random else str(method)
            if named:
                row = f"{row} · {entry}"
            rows.setdefault(row, {})[f"{match['split']} {match['stat'].upper()}"] = 100.0 * float(value)
    order = ["dev UAS", "dev LAS", "test UAS", "test LAS"]
    frame = pd.DataFrame.from_dict(rows, orient="index")
    return frame.reindex(columns=[c for c in order if c in frame.columns])


def write_parser_section(table: pd.DataFrame, out_dir: Path, baselines: Iterable[str] = ()) -> None:
    """``parser.md`` (always written, as the stage declares it: without parser metrics it says so)."""
    rows = parser_rows(table, baselines)
    title = "## Dependency parsing (UD English EWT, gold UPOS)\n\n"
    if rows.empty:
        text = title + "No parser was trained in this run (the `parser` selection is empty).\n"
    else:
        text = (
            title
            + "UAS and LAS in percent by the CoNLL 2018 convention (punctuation counted, relation subtypes "
            + "stripped).\n\n"
            + rows.to_markdown(floatfmt=".2f")
            + "\n"
        )
    with atomic_path(out_dir / "parser.md") as tmp:
        tmp.write_text(text, encoding="utf-8")
