"""The parser section of the report: one row per embedding method's parser and one per random baseline (see
:mod:`wordlab.report.task_rows`), from the ``parser.<entry>.<split>.<statistic>`` columns. Scores are percentages,
CoNLL 2018 convention.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from wordlab.io import atomic_path
from wordlab.report.task_rows import entry_rows

_COLUMN = re.compile(r"parser\.(?P<entry>[^.]+)\.(?P<split>dev|test)\.(?P<stat>uas|las)")


def parser_rows(table: pd.DataFrame, baselines: Iterable[str] = ()) -> pd.DataFrame:
    """Rows ``<method>`` / ``<method> · <entry>`` with dev and test UAS and LAS in percent."""
    order = ["dev UAS", "dev LAS", "test UAS", "test LAS"]
    return entry_rows(table, _COLUMN, lambda m: f"{m['split']} {m['stat'].upper()}", order, baselines)


def parser_section(table: pd.DataFrame, baselines: Iterable[str] = ()) -> str:
    """The section's Markdown; without parser metrics it says so."""
    rows = parser_rows(table, baselines)
    title = "## Dependency parsing (UD English EWT)\n\n"
    if rows.empty:
        text = title + "No parser was trained in this run (the `parser` selection is empty).\n"
    else:
        text = (
            title
            + "UAS and LAS in percent by the CoNLL 2018 convention (punctuation counted, relation subtypes "
            + "stripped). Entries with `tags: predicted` (e.g. chen_manning_predicted) parse with the tagger's UPOS, "
            + "the others with the treebank's.\n\n"
            + rows.to_markdown(floatfmt=".2f")
            + "\n"
        )
    return text


def write_parser_section(table: pd.DataFrame, out_dir: Path, baselines: Iterable[str] = ()) -> None:
    """``parser.md`` (always written, as the stage declares it: without parser metrics it says so)."""
    text = parser_section(table, baselines)
    with atomic_path(out_dir / "parser.md") as tmp:
        tmp.write_text(text, encoding="utf-8")
