"""Shared fixtures: where the real data lives, a fresh MLflow store per test, one torch thread, interruptions."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _data_dir() -> Path:
    configured = os.environ.get("WORDLAB_DATA_DIR")
    return Path(configured) if configured else (PROJECT_ROOT.parent / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The offline mirror of the real datasets (``WORDLAB_DATA_DIR``, else ``../shared/data``)."""
    path = _data_dir()
    if not path.is_dir():
        pytest.fail(f"data directory {path} not found: set WORDLAB_DATA_DIR to the offline mirror")
    return path


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture()
def mlflow_uri(tmp_path: Path) -> str:
    """A fresh sqlite-backed MLflow store for one test."""
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


@pytest.fixture()
def one_torch_thread() -> Iterator[None]:
    """Tiny tensors: on a shared 2-core machine a second intra-op thread only spins. Restored afterwards."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture()
def interrupt_at() -> Callable[[int], object]:
    """A Lightning callback that kills a training once it has taken ``at_step`` optimiser steps (resume tests)."""
    import lightning.pytorch as pl

    class Interrupt(pl.Callback):
        def __init__(self, at_step: int) -> None:
            self.at_step = at_step

        def on_train_batch_end(self, trainer: pl.Trainer, *args: object) -> None:
            if trainer.global_step >= self.at_step:
                raise RuntimeError("simulated interruption")

    return Interrupt


def _copy_tracked_tree(source: Path, target: Path) -> None:
    """The files git would put in a fresh clone (tracked, plus untracked files git does not ignore)."""
    import shutil
    import subprocess

    listed = (
        subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=source,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for relpath in filter(None, listed):
        origin = source / relpath
        if origin.is_file():
            destination = target / relpath
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, destination)


@pytest.fixture()
def repo_copy(tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary copy of the repository, committed to a fresh git repo, on the smoke configuration.

    The venv's bin directory leads PATH so that `dvc` and the stages' `python` are this interpreter's.
    """
    import subprocess
    import sys

    repo = tmp_path / "wordlab"
    _copy_tracked_tree(PROJECT_ROOT, repo)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("WORDLAB_DATA_DIR", str(data_dir))
    monkeypatch.chdir(repo)
    subprocess.run([sys.executable, "-m", "wordlab.config", "experiment=smoke"], check=True, capture_output=True)
    for command in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "test copy"]):
        subprocess.run(command, check=True, capture_output=True)
    return repo


# The smoke `dvc repro` takes half the suite's time on its own. Collected last (tests/test_pipeline.py sorts late),
# one xdist worker would start it after minutes of other tests; collected first, the other worker runs the rest beside
# it.
LONGEST_FIRST = ("tests/test_pipeline.py::",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(LONGEST_FIRST))
