"""bench/data_folder.py: the benchmarks read the datasets from the folder the pipeline's stages read.

The reference is the pipeline's own resolution (``wordlab.stage.data_locator`` on the default config), with and
without ``WORDLAB_DATA_DIR``; a benchmark whose default pointed elsewhere would measure files the pipeline never
trains on.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from wordlab.config import DataConfig
from wordlab.stage import DATA_DIR_VARIABLE, data_locator

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "bench"))
import data_folder  # noqa: E402


def _pipelines_data_dir() -> Path:
    cfg = OmegaConf.create({"data": dataclasses.asdict(DataConfig())})
    return data_locator(cfg, PROJECT).data_dir


@pytest.mark.parametrize("override", [True, False], ids=["WORDLAB_DATA_DIR", "config default"])
def test_benchmarks_and_stages_read_the_same_folder(
    override: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if override:
        monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path))
    else:
        monkeypatch.delenv(DATA_DIR_VARIABLE, raising=False)
    assert data_folder.data_dir() == _pipelines_data_dir().resolve()
    assert (data_folder.data_dir() == tmp_path.resolve()) is override
    if not override:  # the offline mirror beside the project, as the config documents it
        assert data_folder.data_dir() == (PROJECT.parent / "shared" / "data").resolve()
