"""bench/classify_techniques.py: the technique table's arithmetic and its resumable results file.

Training is what the bench measures (hours); here the results file already holds every run, so the script must
train nothing and summarise what is there, checked against sums worked by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))
import classify_techniques as bench  # noqa: E402


def _record(technique: str, seed: int, dev: float, test: float) -> dict[str, object]:
    return {"technique": technique, "task": "binary", "seed": seed, "options": {}, "dev": dev, "test": test}


def test_finished_runs_are_not_trained_again_and_the_effect_is_paired_by_seed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "runs.jsonl"
    records = [
        _record("baseline", 1, 84.0, 85.0),
        _record("baseline", 2, 83.0, 86.0),
        _record("batch_norm", 1, 85.0, 85.5),
        _record("batch_norm", 2, 83.5, 85.0),
    ]
    results.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("a finished run was trained again")

    monkeypatch.setattr(bench, "train_one", no_training)
    bench.main(["--vectors", "unused.bin", "--tasks", "binary", "--seeds", "1,2", "--techniques",
                "baseline,batch_norm", "--out", str(results)])  # fmt: skip
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    baseline, batch_norm = lines
    assert baseline["test"] == {"values": [85.0, 86.0], "mean": 85.5, "sd": 0.71}  # sqrt(0.5) = 0.707
    assert "test_effect" not in baseline
    # per seed: test 85.5 - 85.0 = +0.5 and 85.0 - 86.0 = -1.0, mean -0.25, sd sqrt(1.125) = 1.06
    assert batch_norm["test_effect"] == {"values": [0.5, -1.0], "mean": -0.25, "sd": 1.06}
    # dev: +1.0 and +0.5, mean 0.75, sd sqrt(0.125) = 0.35
    assert batch_norm["dev_effect"] == {"values": [1.0, 0.5], "mean": 0.75, "sd": 0.35}


def test_an_unknown_technique_is_refused_before_any_training(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        bench.main(["--vectors", "unused.bin", "--techniques", "baseline,batchnorm", "--out", str(tmp_path / "r")])
    assert not (tmp_path / "r").exists()


def test_each_technique_changes_only_its_own_options_of_the_bare_full_size_entry() -> None:
    entry = bench.paper_entry("classify", bench.ENTRY)
    assert entry["epochs"] == 10 and entry["phrases"] is True  # the full size, not the default run's shortening
    assert set(bench.TECHNIQUES_OFF) <= set(entry), "an 'off' setting the entry does not have"
    switched = {key for options in bench.TECHNIQUES.values() for key in options}
    assert switched == set(bench.TECHNIQUES_OFF), "a technique the baseline does not switch off"
    for technique, options in bench.TECHNIQUES.items():
        for key, value in options.items():
            assert bench.TECHNIQUES_OFF[key] != value, f"{technique}: {key} {value} is off: nothing measured"
