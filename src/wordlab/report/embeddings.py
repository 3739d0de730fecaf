"""The embedding section of the comparison report: one row per embedding method, every intrinsic and extrinsic
metric as a column, written as CSV, Markdown (the headline columns) and JSON (the DVC metric).

Later tasks add sections of their own beside this one; each writes its own tables from its own metrics files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from wordlab.io import atomic_path

# Columns shown in the Markdown table, one pattern per kind; the CSV and JSON hold every metric.
HEADLINE_COLUMNS = re.compile(
    r"analogy\.3cosadd\.(total|semantic|syntactic)"
    r"|analogy\.3cosmul\.total"
    r"|analogy\.coverage"
    r"|similarity\.[^.]+\.(spearman|oov_ratio)"
    r"|ner\.[^.]+\.(dev|test)\.f1"
    r"|parser\.[^.]+\.test\.las"
    r"|final_loss|vocab_size"
)


def comparison_table(metrics_by_method: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """Methods as rows (in the given order), metrics as columns (sorted); a metric a method lacks is NaN."""
    frame = pd.DataFrame.from_dict({m: dict(v) for m, v in metrics_by_method.items()}, orient="index")
    frame.index.name = "method"
    numeric = frame.apply(pd.to_numeric, errors="coerce").dropna(axis=1, how="all")
    return numeric.reindex(sorted(numeric.columns), axis=1)


def headline(table: pd.DataFrame) -> pd.DataFrame:
    """The columns a reader compares methods by: totals, Spearman and OOV, each tagger's overall F1."""
    columns = [c for c in table.columns if HEADLINE_COLUMNS.fullmatch(c)]
    return table[columns]


def write_tables(table: pd.DataFrame, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_path(out_dir / "comparison.csv") as tmp:
        table.to_csv(tmp, float_format="%.6g")
    with atomic_path(out_dir / "comparison.md") as tmp:
        tmp.write_text(headline(table).to_markdown(floatfmt=".4f") + "\n", encoding="utf-8")
    records = {
        method: {key: (None if pd.isna(value) else float(value)) for key, value in row.items()}
        for method, row in table.iterrows()
    }
    with atomic_path(out_dir / "comparison.json") as tmp:
        tmp.write_text(json.dumps(records, indent=2, sort_keys=True) + "\n", encoding="utf-8")
