"""The sentence-classification section of the report: SST accuracy per embedding method and random baseline.

Rows as :mod:`wordlab.report.task_rows` makes them, from the ``classify.<entry>.<task>.<split>.accuracy`` columns;
beside them, the published figures the issue holds wordlab to (Socher et al. 2013's RNTN, Tai et al. 2015's BiLSTM).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from wordlab.io import atomic_path
from wordlab.report.task_rows import entry_rows

_COLUMN = re.compile(r"classify\.(?P<entry>[^.]+)\.(?P<task>binary|fine)\.(?P<split>dev|test)\.accuracy")
ORDER = ["binary dev", "binary test", "fine dev", "fine test"]
# Test accuracy in percent, as published.
PUBLISHED = {
    "RNTN (Socher et al. 2013)": {"binary test": 85.4, "fine test": 45.7},
    "BiLSTM (Tai et al. 2015)": {"binary test": 87.5, "fine test": 49.1},
}


def classify_rows(table: pd.DataFrame, baselines: Iterable[str] = ()) -> pd.DataFrame:
    """Rows ``<method>`` / ``<method> · <entry>`` with dev and test accuracy per task, in percent."""
    return entry_rows(table, _COLUMN, lambda m: f"{m['task']} {m['split']}", ORDER, baselines)


def classify_section(table: pd.DataFrame, baselines: Iterable[str] = (), techniques: str = "") -> str:
    """The section's Markdown; without classify metrics it says so. ``techniques`` (the technique table's
    subsection, measured outside the run) follows either way."""
    rows = classify_rows(table, baselines)
    title = "## Sentence classification (Stanford Sentiment Treebank)\n\n"
    if rows.empty:
        text = title + "No classifier was trained in this run (the `classify` selection is empty).\n"
    else:
        published = pd.DataFrame.from_dict(PUBLISHED, orient="index").reindex(columns=rows.columns)
        text = (
            title
            + "Accuracy in percent on whole sentences (binary: neutral sentences dropped; fine: five classes), "
            + "trained on the labelled phrases of the training trees.\n\n"
            + rows.to_markdown(floatfmt=".2f")
            + "\n\nPublished test accuracy, for comparison:\n\n"
            + published.to_markdown(floatfmt=".1f")
            + "\n"
        )
    return text + ("\n" + techniques if techniques else "")


def write_classify_section(
    table: pd.DataFrame, out_dir: Path, baselines: Iterable[str] = (), techniques: str = ""
) -> None:
    """``classify.md`` (always written, as the stage declares it: without classifier metrics it says so)."""
    text = classify_section(table, baselines, techniques)
    with atomic_path(out_dir / "classify.md") as tmp:
        tmp.write_text(text, encoding="utf-8")
