"""The cross-task overview: a row per method and one for random initialisation, each task's headline figure in its
unit, the best of each column marked, and the same figures in the DVC metric."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from wordlab.report.overview import (
    RANDOM_ROW,
    headlines,
    overview_markdown,
    overview_note,
    overview_table,
    write_overview,
)

GROUPS = {
    "ner": {"window": {"vectors": "skipgram"}, "window_random": {"vectors": "skipgram", "random_init": True}},
    "tagger": {"bilstm": {"vectors": "skipgram"}},
    "parser": {
        "chen_manning": {"vectors": "skipgram", "tags": "gold"},
        "chen_manning_random": {"vectors": "skipgram", "tags": "gold", "random_init": True},
        "chen_manning_predicted": {"vectors": "skipgram", "tags": "predicted"},
    },
    "lm_vectors": {"lstm_d100": {"vectors": "skipgram"}},
    "classify": {
        "bilstm": {"vectors": "skipgram", "tasks": ["binary", "fine"]},
        "bilstm_random": {"vectors": "skipgram", "random_init": True, "tasks": ["binary", "fine"]},
    },
}
LM_MODELS = {"lstm_d100": {"lm.lstm_d100.test.ppl": 180.25}}


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "vocab_size": [3070.0, 3070.0],
            "analogy.3cosadd.total": [0.0465, 0.047],
            "similarity.wordsim353.spearman": [0.299, 0.337],
            "similarity.simlex999.spearman": [0.191, 0.158],
            "ner.window.test.f1": [0.8173, 0.8238],
            "ner.window_random.test.f1": [0.7961, 0.8113],
            "tagger.bilstm.test.accuracy": [0.9012, 0.8977],
            "parser.chen_manning.test.las": [0.7512, 0.7533],
            "parser.chen_manning_random.test.las": [0.7301, 0.7299],
            "parser.chen_manning_predicted.test.las": [0.7011, 0.7002],
            "lm.lstm_d100.test.ppl": [170.5, 175.0],
            "classify.bilstm.binary.test.accuracy": [0.7812, 0.7734],
            "classify.bilstm_random.binary.test.accuracy": [0.7601, 0.7588],
            "classify.bilstm.fine.test.accuracy": [0.3801, 0.3912],
            "classify.bilstm_random.fine.test.accuracy": [0.3650, 0.3604],
        },
        index=pd.Index(["skipgram", "cbow"], name="method"),
    )


def test_rows_columns_and_units() -> None:
    """Percent columns are the fractions times 100; the random row reads the first method's random twins and the
    language model's twin from the lm entry of the same name; intrinsic columns have no random figure."""
    columns = headlines(GROUPS, LM_MODELS)
    keys = [c.key for c in columns]
    assert keys == [
        "analogies_pct", "ws353_rho", "simlex_rho", "ner_f1_pct", "upos_pct", "las_gold_pct", "las_predicted_pct",
        "lm_test_ppl", "sst_binary_pct", "sst_fine_pct",
    ]  # fmt: skip
    frame = overview_table(_table(), columns)
    assert frame.index.tolist() == ["skipgram", "cbow", RANDOM_ROW]
    assert frame.loc["cbow", "ner_f1_pct"] == pytest.approx(82.38)
    assert frame.loc["skipgram", "ws353_rho"] == pytest.approx(0.299)
    assert frame.loc[RANDOM_ROW, "ner_f1_pct"] == pytest.approx(79.61)  # skipgram's stage, not cbow's 81.13
    assert frame.loc[RANDOM_ROW, "las_gold_pct"] == pytest.approx(73.01)
    assert frame.loc[RANDOM_ROW, "sst_fine_pct"] == pytest.approx(36.50)
    assert frame.loc[RANDOM_ROW, "lm_test_ppl"] == pytest.approx(180.25)
    for key in ("analogies_pct", "upos_pct", "las_predicted_pct"):  # no random twin selected
        assert pd.isna(frame.loc[RANDOM_ROW, key])


def test_markdown_marks_the_best_of_each_column_and_shows_units(tmp_path: Path) -> None:
    columns = headlines(GROUPS, LM_MODELS)
    frame = overview_table(_table(), columns)
    text = overview_markdown(frame, columns)
    lines = text.splitlines()
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header[0] == "vectors" and header[4] == "NER: F1"
    rows = {cells[0]: cells[1:] for cells in ([c.strip() for c in line.strip("|").split("|")] for line in lines[2:])}
    # the best: highest everywhere, lowest for perplexity (skipgram's 170.5 against cbow's 175.0 and random's 180.25)
    best = {
        key: frame[key].idxmin() if key == "lm_test_ppl" else frame[key].idxmax() for key in [c.key for c in columns]
    }
    for position, column in enumerate(columns):
        for row, cells in rows.items():
            assert cells[position].startswith("**") == (row == best[column.key]), (row, column.key)
    assert rows["cbow"][3] == "**82.38%**" and rows["skipgram"][3] == "81.73%"
    assert rows["skipgram"][1] == "0.299" and rows[RANDOM_ROW][0] == "—"
    assert rows["skipgram"][7] == "**170.5**"
    assert "0.8238" not in text and "3070.0000" not in text  # no fractions, no float counts
    note = overview_note(columns, "skipgram")
    assert "`window_random`" in note and "`skipgram`'s stage" in note
    assert "- **NER: F1**: CoNLL-2003 test (testb) entity F1 of `window`." in note.splitlines()
    write_overview(frame, tmp_path)
    saved = json.loads((tmp_path / "overview.json").read_text())
    assert saved["cbow"]["ner_f1_pct"] == pytest.approx(82.38)
    assert saved[RANDOM_ROW]["analogies_pct"] is None


def test_a_task_without_entries_has_no_column() -> None:
    columns = headlines({"ner": GROUPS["ner"]}, {})
    assert [c.key for c in columns] == ["analogies_pct", "ws353_rho", "simlex_rho", "ner_f1_pct"]
    frame = overview_table(_table().drop(columns=["ner.window_random.test.f1"]), columns)
    assert RANDOM_ROW not in frame.index  # nothing to show for it
