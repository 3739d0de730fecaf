"""Where the benchmarks find the datasets: the folder the pipeline reads.

The pipeline honours ``WORDLAB_DATA_DIR`` before the config's ``data.dir``; a benchmark that looked only beside the
project would measure other files than the pipeline trains on, or fail on a machine where the mirror lives
elsewhere. (Not named ``datasets``: this folder is on ``sys.path`` when a benchmark runs, and that name is Hugging
Face's package.)
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from omegaconf import OmegaConf

from wordlab.config import DataConfig
from wordlab.stage import data_locator

PROJECT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """The stages' own rule (:func:`wordlab.stage.data_locator`) on the default ``data`` config."""
    located = data_locator(OmegaConf.create({"data": dataclasses.asdict(DataConfig())}), PROJECT).data_dir
    assert located is not None  # data_locator always names a folder
    return located.resolve()
