"""The tagging section of the report: UPOS accuracy per embedding method's tagger (and any random baseline),
from the ``tagger.<entry>.<split>.accuracy`` columns (rows as :mod:`wordlab.report.task_rows` makes them)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from wordlab.io import atomic_path
from wordlab.report.task_rows import entry_rows

_COLUMN = re.compile(r"tagger\.(?P<entry>[^.]+)\.(?P<split>dev|test|train)\.(?:jackknife_)?accuracy")
ORDER = ["train (jackknife)", "dev", "test"]


def tagger_rows(table: pd.DataFrame, baselines: Iterable[str] = ()) -> pd.DataFrame:
    """Rows ``<method>`` / ``<method> · <entry>`` with UPOS accuracy in percent per split."""
    return entry_rows(
        table, _COLUMN, lambda m: "train (jackknife)" if m["split"] == "train" else m["split"], ORDER, baselines
    )


def tagger_section(table: pd.DataFrame, baselines: Iterable[str] = ()) -> str:
    """The section's Markdown; without tagger metrics it says so."""
    rows = tagger_rows(table, baselines)
    title = "## Part-of-speech tagging (UD English EWT, UPOS)\n\n"
    if rows.empty:
        text = title + "No tagger was trained in this run (the `tagger` selection is empty).\n"
    else:
        text = (
            title
            + "UPOS accuracy in percent over every word. The training set's tags come from the jackknife (each fold "
            + "tagged by a model trained on the others): they are what the predicted-tag parser trains on.\n\n"
            + rows.to_markdown(floatfmt=".2f")
            + "\n"
        )
    return text


def write_tagger_section(table: pd.DataFrame, out_dir: Path, baselines: Iterable[str] = ()) -> None:
    """``tagger.md`` (always written, as the stage declares it: without tagger metrics it says so)."""
    text = tagger_section(table, baselines)
    with atomic_path(out_dir / "tagger.md") as tmp:
        tmp.write_text(text, encoding="utf-8")
