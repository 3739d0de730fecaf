"""The named-entity section of the report: F1 per embedding method and random baseline (see
:mod:`wordlab.report.task_rows`), from the ``ner.<entry>.<split>.f1`` columns, in percent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from wordlab.report.task_rows import entry_rows

_COLUMN = re.compile(r"ner\.(?P<entry>[^.]+)\.(?P<split>dev|test)\.f1")


def ner_rows(table: pd.DataFrame, baselines: Iterable[str] = ()) -> pd.DataFrame:
    """Rows ``<method>`` / ``<method> · <entry>`` with dev (testa) and test (testb) F1 in percent."""
    return entry_rows(table, _COLUMN, lambda m: f"{m['split']} F1", ["dev F1", "test F1"], baselines)


def ner_section(table: pd.DataFrame, baselines: Iterable[str] = ()) -> str:
    """The section's Markdown; without NER metrics it says so."""
    rows = ner_rows(table, baselines)
    title = "## Named entities (CoNLL-2003)\n\n"
    if rows.empty:
        return title + "No NER tagger was trained in this run (the `ner` selection is empty).\n"
    return (
        title
        + "Entity F1 in percent (seqeval, strict IOB2): dev is testa, test is testb. Per-type scores are in "
        + "`comparison.csv`.\n\n"
        + rows.to_markdown(floatfmt=".2f")
        + "\n"
    )
