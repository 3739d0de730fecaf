"""The report's first table: which word vectors help which task, and by how much.

One row per embedding method and one for random initialisation; one column per task's headline figure, grouped by
task, the best of each column in bold. Each task's headline is its first selected entry that reads the method's
vectors, and the random row is that entry's random-initialisation twin (``<entry>_random``, or an entry with
``random_init``) as the first method's stage trained it (with that method's vocabulary and random vectors of the
same spread); the language model's twin is the ``lm`` entry of the same name. Percentages are shown as
percentages, correlations as Spearman's rho, perplexities as perplexities; the same figures, in the same units,
are the DVC metric ``overview.json`` and the ``overview.*`` metrics of the report's MLflow child runs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pandas as pd

from wordlab.io import atomic_path

RANDOM_ROW = "random initialisation"


@dataclass(frozen=True)
class Headline:
    """One column of the overview: where a method's figure and the random row's figure come from."""

    key: str  # the metric's name in overview.json and MLflow, with its unit
    task: str
    label: str
    unit: str  # "percent", "rho" or "ppl"
    method_column: str | None  # the comparison table's column holding a method's figure (a fraction for percent)
    random_column: str | None = None  # the same table's column of the random twin, read in the first method's row
    random_value: float | None = None  # or the twin's figure itself (the language model's)
    about: str = ""  # what the figure is, for the legend under the table

    @property
    def header(self) -> str:
        return f"{self.task}: {self.label}"

    @property
    def higher_is_better(self) -> bool:
        return self.unit != "ppl"

    def shown(self, value: float) -> str:
        if self.unit == "percent":
            return f"{value:.2f}%"
        if self.unit == "rho":
            return f"{value:.3f}"
        return f"{value:.1f}"


def _first(entries: Mapping[str, Mapping[str, Any]], wanted: Callable[[Mapping[str, Any]], bool]) -> str | None:
    return next((name for name, entry in entries.items() if wanted(entry)), None)


def _pretrained(entry: Mapping[str, Any]) -> bool:
    return entry.get("vectors") is not None and not entry.get("random_init", False)


def _random_twin(entries: Mapping[str, Mapping[str, Any]], name: str | None) -> str | None:
    """``<name>_random`` when selected, else the first entry with ``random_init``."""
    if name is None:
        return None
    if f"{name}_random" in entries:
        return f"{name}_random"
    return _first(entries, lambda entry: bool(entry.get("random_init")))


def headlines(
    groups: Mapping[str, Mapping[str, Mapping[str, Any]]], lm_models: Mapping[str, Mapping[str, float]]
) -> list[Headline]:
    """The overview's columns for the selected entries of each task group (``groups``: group -> entry -> plain
    config); a task with no entry selected has no column."""
    columns = [
        Headline("analogies_pct", "vectors", "analogies", "percent", "analogy.3cosadd.total",
                 about="Google analogies, 3CosAdd accuracy over the 30,000 most frequent words"),
        Headline("ws353_rho", "vectors", "WS-353", "rho", "similarity.wordsim353.spearman",
                 about="Spearman's ρ on WordSim-353"),
        Headline("simlex_rho", "vectors", "SimLex", "rho", "similarity.simlex999.spearman",
                 about="Spearman's ρ on SimLex-999"),
    ]  # fmt: skip

    def task(group: str, entries: Mapping[str, Mapping[str, Any]], key: str, name: str, label: str, metric: str,
             about: str) -> None:  # fmt: skip
        """A column from ``<group>.<entry>.<metric>``, the first pretrained entry's and its random twin's."""
        entry = _first(entries, _pretrained)
        if entry is None:
            return
        twin = _random_twin(entries, entry)
        random = f"{group}.{twin}.{metric}" if twin else None
        column = f"{group}.{entry}.{metric}"
        columns.append(Headline(key, name, label, "percent", column, random, about=about.format(entry=entry)))

    task("ner", groups.get("ner") or {}, "ner_f1_pct", "NER", "F1", "test.f1",
         "CoNLL-2003 test (testb) entity F1 of `{entry}`")  # fmt: skip
    task("tagger", groups.get("tagger") or {}, "upos_pct", "POS", "UPOS", "test.accuracy",
         "UD English EWT test UPOS accuracy of `{entry}`")  # fmt: skip
    parser = groups.get("parser") or {}
    gold = {k: v for k, v in parser.items() if v.get("tags", "gold") == "gold"}
    predicted = {k: v for k, v in parser.items() if v.get("tags") == "predicted"}
    task("parser", gold, "las_gold_pct", "parser", "LAS", "test.las",
         "EWT test LAS of `{entry}` on the treebank's UPOS")  # fmt: skip
    task("parser", predicted, "las_predicted_pct", "parser", "LAS, tagged", "test.las",
         "EWT test LAS of `{entry}` on the tagger's UPOS")  # fmt: skip
    lm_vectors = groups.get("lm_vectors") or {}
    if lm_vectors:
        entry = next(iter(lm_vectors))
        twin_ppl = (lm_models.get(entry) or {}).get(f"lm.{entry}.test.ppl")
        about = f"PTB test perplexity of `{entry}` with the vectors as its input embeddings"
        columns.append(
            Headline("lm_test_ppl", "LM", "perplexity", "ppl", f"lm.{entry}.test.ppl", None, twin_ppl, about)
        )
    classify = groups.get("classify") or {}
    first = _first(classify, _pretrained)
    for sst_task in classify[first].get("tasks", ["binary", "fine"]) if first else []:
        what = "neutral sentences dropped" if sst_task == "binary" else "five classes"
        task("classify", classify, f"sst_{sst_task}_pct", "SST", sst_task, f"{sst_task}.test.accuracy",
             f"SST test sentence accuracy of `{{entry}}`, {what}")  # fmt: skip
    return columns


def overview_table(table: pd.DataFrame, columns: list[Headline]) -> pd.DataFrame:
    """Rows: each method, then random initialisation; columns: each headline's ``key``; values in the headline's
    unit (percent, not fractions); NaN where a row has no such figure."""
    methods = [str(m) for m in table.index]
    values: dict[str, dict[str, float]] = {m: {} for m in [*methods, RANDOM_ROW]}
    scale = {"percent": 100.0, "rho": 1.0, "ppl": 1.0}
    for column in columns:
        factor = scale[column.unit]
        for method in methods:
            value = _cell(table, method, column.method_column)
            values[method][column.key] = value * factor
        if column.random_value is not None:
            values[RANDOM_ROW][column.key] = float(column.random_value) * factor
        elif methods:
            values[RANDOM_ROW][column.key] = _cell(table, methods[0], column.random_column) * factor
    frame = pd.DataFrame.from_dict(values, orient="index").reindex(columns=[c.key for c in columns])
    return frame.dropna(axis=0, how="all")


def _cell(table: pd.DataFrame, row: str, column: str | None) -> float:
    if column is None or column not in table.columns:
        return math.nan
    return float(cast(float, table.at[row, column]))


def overview_markdown(frame: pd.DataFrame, columns: list[Headline]) -> str:
    """The table for people: ``task: figure`` headers in task order, the best of each column in bold, — where a
    row has no such figure."""
    shown = pd.DataFrame(index=frame.index)
    for column in columns:
        values = frame[column.key]
        present = values.dropna()
        best = (present.max() if column.higher_is_better else present.min()) if len(present) else math.nan
        cells = []
        for value in values:
            if pd.isna(value):
                cells.append("—")
            else:
                text = column.shown(float(value))
                cells.append(f"**{text}**" if value == best else text)
        shown[column.header] = cells
    shown.index.name = "vectors"
    return shown.to_markdown(disable_numparse=True, colalign=["left"] + ["right"] * len(columns))


def overview_note(columns: list[Headline], first_method: str | None) -> str:
    """The legend: what each column is, where the random row comes from, and which way is better."""
    legend = "\n".join(f"- **{column.header}**: {column.about}." for column in columns if column.about)
    parts = ["Best of each column in bold (highest; lowest for perplexity)."]
    twins = [c.random_column.split(".")[1] for c in columns if c.random_column]
    if first_method is not None and twins:
        names = ", ".join(f"`{name}`" for name in dict.fromkeys(twins))
        parts.append(
            f"The random-initialisation row is each task's random baseline ({names}) as `{first_method}`'s stage "
            "trained it: the same vocabulary, random vectors of the same spread."
        )
    if any(c.random_value is not None for c in columns):
        parts.append("The language model's random row is the `lm` entry of the same name, with random embeddings.")
    return legend + "\n\n" + " ".join(parts)


def write_overview(frame: pd.DataFrame, out_dir: Path) -> None:
    """``overview.json``, the DVC metric: {row: {key: value}}, null where a row has no such figure."""
    records = {
        str(row): {key: (None if pd.isna(value) else float(value)) for key, value in values.items()}
        for row, values in frame.iterrows()
    }
    with atomic_path(out_dir / "overview.json") as tmp:
        tmp.write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")
