"""The technique table the report shows from ``bench/classify_techniques.py``'s results: hand-worked sums, and a
results file that cannot be read stops with its file and line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from wordlab.report.classify import write_classify_section
from wordlab.report.techniques import read_technique_runs, technique_summary, techniques_section, techniques_table


def _record(technique: str, task: str, seed: int, dev: float, test: float, **options: object) -> dict[str, object]:
    return {"technique": technique, "task": task, "seed": seed, "options": options, "dev": dev, "test": test,
            "threads": 1, "vectors": "skipgram.bin"}  # fmt: skip


RECORDS = [
    _record("baseline", "binary", 1, 84.0, 85.0),
    _record("baseline", "binary", 2, 83.0, 86.0),
    _record("batch_norm", "binary", 1, 85.0, 85.5, batch_norm=True),
    _record("batch_norm", "binary", 2, 83.5, 85.0, batch_norm=True),
    _record("curriculum", "fine", 1, 48.0, 47.0, curriculum_epochs=1),
]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_the_table_pairs_each_technique_with_the_baseline_of_the_same_seed(tmp_path: Path) -> None:
    runs = read_technique_runs(_write(tmp_path / "runs.jsonl", [json.dumps(record) for record in RECORDS]))
    # per seed: test 85.5 - 85.0 = +0.5 and 85.0 - 86.0 = -1.0, mean -0.25, sample sd sqrt(1.125) = 1.06
    assert technique_summary(runs, "batch_norm", "binary")["test_effect"] == {
        "values": [0.5, -1.0], "mean": -0.25, "sd": 1.06}  # fmt: skip
    table = techniques_table(runs).set_index(["task", "technique"])
    assert table.loc[("binary", "baseline"), "test"] == "85.50 ± 0.71"  # mean 85.5, sd sqrt(0.5)
    assert table.loc[("binary", "batch norm"), "test effect"] == "−0.25 ± 1.06"
    assert table.loc[("binary", "batch norm"), "option"] == "`batch_norm: true`"
    # one seed: no spread, and no baseline on the fine task, so no effect to claim
    assert table.loc[("fine-grained", "curriculum"), "test"] == "47.00"
    assert table.loc[("fine-grained", "curriculum"), "test effect"] == ""
    assert ("fine-grained", "baseline") not in table.index

    no_classifier = pd.DataFrame({"ner.window.test.f1": [0.8]}, index=["skipgram"])
    write_classify_section(no_classifier, tmp_path, techniques=techniques_section(runs, "runs.jsonl"))
    text = (tmp_path / "classify.md").read_text(encoding="utf-8")
    assert "No classifier was trained" in text and "not by this run" in text and "`runs.jsonl`" in text
    assert "| binary | batch norm | `batch_norm: true` | 1, 2 | 84.25 ± 1.06 | 85.25 ± 0.35 | −0.25 ± 1.06 |" in (
        re.sub(" +", " ", text)
    )


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"technique": "baseline", "task": "binary"', "not a JSON line"),
        ('{"technique": "baseline", "task": "binary", "seed": 1, "options": {}, "dev": 84.0}', "without test"),
        (json.dumps(RECORDS[0]), "was already run on line 1"),
    ],
)
def test_a_bad_results_line_names_the_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    path = _write(tmp_path / "runs.jsonl", [json.dumps(RECORDS[0]), "", line])
    with pytest.raises(ValueError, match=rf"runs\.jsonl:3: .*{problem}"):
        read_technique_runs(path)
