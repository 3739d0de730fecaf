"""Where the benchmarks find the datasets: the folder the pipeline reads.

The pipeline honours ``WORDLAB_DATA_DIR`` before the config's ``data.dir``; a benchmark that looked only beside the
project would measure other files than the pipeline trains on, or fail on a machine where the mirror lives
elsewhere. (Not named ``datasets``: this folder is on ``sys.path`` when a benchmark runs, and that name is Hugging
Face's package.)
"""

from __future__ import annotations

import os
from pathlib import Path

from wordlab.config import DataConfig
from wordlab.stage import DATA_DIR_VARIABLE

PROJECT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """``WORDLAB_DATA_DIR``, else the config's default ``data.dir`` (the offline mirror beside the project)."""
    return Path(os.environ.get(DATA_DIR_VARIABLE) or PROJECT / DataConfig.dir).expanduser().resolve()
