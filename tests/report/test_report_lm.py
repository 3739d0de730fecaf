"""The report's language-model section: each model's figures from its metrics file, pretrained beside random."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from wordlab.report.lm import write_lm_section


def test_the_section_shows_every_model_and_sets_pretrained_runs_beside_their_twin(tmp_path: Path) -> None:
    models = {
        "kneser_ney": {"lm.kneser_ney.valid.ppl": 148.0081, "lm.kneser_ney.test.ppl": 141.1861},
        "lstm_d100": {
            "lm.lstm_d100.valid.ppl": 130.04,
            "lm.lstm_d100.test.ppl": 125.26,
            "lm.lstm_d100.epochs_trained": 12.0,
            "lm.lstm_d100.gradient_ratio_50": 3.4e-4,
        },
    }
    table = pd.DataFrame(
        {"lm.lstm_d100.valid.ppl": {"skipgram": 121.0, "glove": None}, "lm.lstm_d100.test.ppl": {"skipgram": 117.5}}
    )
    write_lm_section(table, models, tmp_path)
    lines = (tmp_path / "lm.md").read_text().splitlines()
    rows = {
        line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]] for line in lines if "|" in line
    }
    assert rows["kneser_ney"] == ["148.0", "141.2", "counted", ""]
    assert rows["lstm_d100"] == ["130.0", "125.3", "12", "3.4e-04"]
    # glove has no LM in the table: no row; skipgram is 125.26 - 117.5 = 7.76 below its random twin
    assert rows["skipgram · lstm_d100"] == ["121.0", "117.5", "125.3", "-7.8"]
    assert not any(key.startswith("glove") for key in rows)


def test_without_language_models_the_section_says_so(tmp_path: Path) -> None:
    write_lm_section(pd.DataFrame(), {}, tmp_path)
    assert "No language model was trained" in (tmp_path / "lm.md").read_text()
