"""The language-model section of the report: every model's perplexities, and what pretrained vectors do to them.

Two tables. The first has a row per ``lm`` entry (``metrics/lm/<name>.json``): validation and test perplexity,
epochs, and for the recurrent models how much gradient the trained model keeps 50 steps back. The second has a row
per embedding method and ``lm_vectors`` entry (the comparison table's ``lm.<entry>.*`` columns, from
``metrics/lm_vectors/<method>.json``), set beside the ``lm`` entry of the same name, its random-embedding twin.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from wordlab.io import atomic_path

PERPLEXITY_NOTE = (
    "Perplexity is exp of the mean negative log-likelihood per predicted token over the whole split, `<eos>` "
    "included, as PyTorch's word_language_model example computes it."
)


def model_rows(models: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    rows: dict[str, dict[str, object]] = {}
    for name, metrics in models.items():
        row: dict[str, object] = {
            "valid ppl": _ppl(metrics.get(f"lm.{name}.valid.ppl")),
            "test ppl": _ppl(metrics.get(f"lm.{name}.test.ppl")),
        }
        epochs = metrics.get(f"lm.{name}.epochs_trained")
        row["epochs"] = int(epochs) if epochs is not None else "counted"
        ratio = metrics.get(f"lm.{name}.gradient_ratio_50")
        row["gradient kept 50 steps back"] = f"{ratio:.1e}" if ratio is not None else ""
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def vector_rows(table: pd.DataFrame, models: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    rows: dict[str, dict[str, object]] = {}
    for column in table.columns:
        parts = column.split(".")
        if len(parts) != 4 or parts[0] != "lm" or parts[2:] != ["test", "ppl"]:
            continue
        entry = parts[1]
        twin = models.get(entry, {}).get(f"lm.{entry}.test.ppl")
        for method, value in table[column].items():
            if pd.isna(value):
                continue
            rows[f"{method} · {entry}"] = {
                "valid ppl": _ppl(table[f"lm.{entry}.valid.ppl"].get(method)),
                "test ppl": _ppl(value),
                "random embeddings, test ppl": _ppl(twin) if twin is not None else "not trained",
                "change": f"{float(value) - twin:+.1f}" if twin is not None else "",
            }
    return pd.DataFrame.from_dict(rows, orient="index")


def _ppl(value: object) -> str:
    number = float(value) if isinstance(value, int | float) else math.nan
    return "" if math.isnan(number) else f"{number:.1f}"


def lm_section(table: pd.DataFrame, models: Mapping[str, Mapping[str, float]]) -> str:
    """The section's Markdown; without language models it says so."""
    parts = ["## Language models\n"]
    trained = model_rows(models)
    if trained.empty:
        parts.append("No language model was trained in this run (the `lm` selection is empty).\n")
    else:
        parts += [PERPLEXITY_NOTE + "\n", trained.to_markdown(disable_numparse=True) + "\n"]
    pretrained = vector_rows(table, models)
    if not pretrained.empty:
        table_text = pretrained.to_markdown(disable_numparse=True)
        parts += ["### Pretrained input embeddings\n", table_text + "\n"]
    return "\n".join(parts)


def write_lm_section(table: pd.DataFrame, models: Mapping[str, Mapping[str, float]], out_dir: Path) -> None:
    """``lm.md`` (always written, as the stage declares it: without language models it says so)."""
    with atomic_path(out_dir / "lm.md") as tmp:
        tmp.write_text(lm_section(table, models), encoding="utf-8")
