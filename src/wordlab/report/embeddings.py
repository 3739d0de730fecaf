"""The comparison table (one row per embedding method, every metric of every task as a column, written as CSV and
as JSON, the DVC metric) and the report's word-vectors section made from it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from wordlab.io import atomic_path

# The word-vectors section: (column, heading, unit) in order; percent columns hold fractions in the table.
VECTOR_COLUMNS = [
    ("vocab_size", "vocabulary", "count"),
    ("analogy.3cosadd.total", "analogies 3CosAdd", "percent"),
    ("analogy.3cosadd.semantic", "semantic", "percent"),
    ("analogy.3cosadd.syntactic", "syntactic", "percent"),
    ("analogy.3cosmul.total", "3CosMul", "percent"),
    ("analogy.coverage", "questions covered", "percent"),
    ("similarity.wordsim353.spearman", "WS-353 ρ", "rho"),
    ("similarity.wordsim353.oov_ratio", "WS-353 pairs OOV", "percent"),
    ("similarity.simlex999.spearman", "SimLex-999 ρ", "rho"),
    ("similarity.simlex999.oov_ratio", "SimLex-999 pairs OOV", "percent"),
]


def comparison_table(metrics_by_method: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """Methods as rows (in the given order), metrics as columns (sorted); a metric a method lacks is NaN."""
    frame = pd.DataFrame.from_dict({m: dict(v) for m, v in metrics_by_method.items()}, orient="index")
    frame.index.name = "method"
    numeric = frame.apply(pd.to_numeric, errors="coerce").dropna(axis=1, how="all")
    return numeric.reindex(sorted(numeric.columns), axis=1)


def vectors_section(table: pd.DataFrame) -> str:
    """The word vectors' intrinsic scores, a row per method: counts as integers, percentages as percentages."""
    shown = pd.DataFrame(index=table.index)
    for column, heading, unit in VECTOR_COLUMNS:
        if column not in table.columns:
            continue
        shown[heading] = [_shown(value, unit) for value in table[column]]
    text = "## Word vectors\n\n"
    if shown.columns.empty:
        return text + "No intrinsic evaluation in this run.\n"
    return (
        text
        + "Google analogies over the 30,000 most frequent words (accuracy over the questions whose four words are "
        + "in them); Spearman's ρ on the similarity sets, over the pairs with both words in the vocabulary.\n\n"
        + shown.to_markdown(disable_numparse=True, colalign=["left"] + ["right"] * len(shown.columns))
        + "\n"
    )


def _shown(value: float, unit: str) -> str:
    if pd.isna(value):
        return "—"
    if unit == "count":
        return f"{round(value):,}"
    if unit == "percent":
        return f"{100.0 * value:.2f}%"
    return f"{value:.3f}"


def write_tables(table: pd.DataFrame, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_path(out_dir / "comparison.csv") as tmp:
        table.to_csv(tmp, float_format="%.6g")
    records = {
        method: {key: (None if pd.isna(value) else float(value)) for key, value in row.items()}
        for method, row in table.iterrows()
    }
    with atomic_path(out_dir / "comparison.json") as tmp:
        tmp.write_text(json.dumps(records, indent=2, sort_keys=True) + "\n", encoding="utf-8")
