"""The parser section: a row per method's parser and per random baseline, scores as percentages."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from wordlab.report.parser import parser_rows, write_parser_section


def test_rows_per_method_and_baseline(tmp_path: Path) -> None:
    table = pd.DataFrame(
        {
            "parser.chen_manning.test.las": [0.8512, 0.8433],
            "parser.chen_manning.test.uas": [0.8801, 0.8750],
            "parser.chen_manning.dev.las": [0.8601, 0.8502],
            "parser.chen_manning.dev.uas": [0.8899, 0.8805],
            "parser.chen_manning_random.test.las": [0.8310, 0.8298],
            "parser.chen_manning_random.test.uas": [0.8650, 0.8641],
            "parser.chen_manning.test.las.nsubj": [0.9, 0.8],  # detail stays out of the section
            "ner.window.test.f1": [0.8, 0.7],
        },
        index=pd.Index(["skipgram", "glove"], name="method"),
    )
    rows = parser_rows(table)
    assert rows.loc["skipgram", "test LAS"] == pytest.approx(85.12)
    assert rows.loc["glove", "dev UAS"] == pytest.approx(88.05)
    assert rows.loc["random (glove's vocabulary)", "test LAS"] == pytest.approx(82.98)
    assert pd.isna(rows.loc["random (skipgram's vocabulary)", "dev LAS"])
    assert list(rows.columns) == ["dev UAS", "dev LAS", "test UAS", "test LAS"]
    write_parser_section(table, tmp_path)
    text = (tmp_path / "parser.md").read_text()
    assert "85.12" in text and "random (skipgram's vocabulary)" in text


def test_no_parser_columns_says_so(tmp_path: Path) -> None:
    write_parser_section(pd.DataFrame({"ner.window.test.f1": [0.8]}, index=["skipgram"]), tmp_path)
    assert "No parser was trained" in (tmp_path / "parser.md").read_text()


def test_several_parser_entries_are_named() -> None:
    """With the projective-only entry selected too, each row names its entry, so lift and drop sit side by side."""
    columns = {}
    for entry, las in (("chen_manning", 0.85), ("chen_manning_projective", 0.84), ("chen_manning_random", 0.83)):
        for split in ("dev", "test"):
            columns[f"parser.{entry}.{split}.las"] = [las]
            columns[f"parser.{entry}.{split}.uas"] = [las + 0.02]
    rows = parser_rows(pd.DataFrame(columns, index=pd.Index(["skipgram"], name="method")))
    assert rows.loc["skipgram · chen_manning_projective", "test LAS"] == pytest.approx(84.0)
    assert rows.loc["skipgram · chen_manning", "dev UAS"] == pytest.approx(87.0)
    assert "random (skipgram's vocabulary) · chen_manning_random" in rows.index
