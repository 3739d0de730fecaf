"""What every DVC stage script does around its one library call.

This is the single place in wordlab that reads the environment (``WORDLAB_DATA_DIR``, DVC's experiment
variables, git) and the composed config file: library code below it receives plain values.

DVC runs queued experiments in a temporary copy of the repository under ``<repo>/.dvc/tmp/exps/``. Paths that
must outlive that copy (the MLflow store) are therefore resolved against the repository the queue belongs to.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from omegaconf import DictConfig

from wordlab import config as config_module
from wordlab.data.locate import DataLocator
from wordlab.data.registry import DATASETS
from wordlab.tracking import StageRun, flatten, resolve_tracking_uri, stage_run

log = logging.getLogger("wordlab.stage")

T = TypeVar("T")

DATA_DIR_VARIABLE = "WORDLAB_DATA_DIR"
_EXPS_MARKER = (".dvc", "tmp", "exps")


def project_root(cwd: Path | None = None) -> Path:
    """The working copy's root, or the owning repository's when running inside a DVC queue's temporary copy."""
    here = (cwd or Path.cwd()).resolve()
    parts = here.parts
    for i in range(len(parts) - len(_EXPS_MARKER) + 1):
        if parts[i : i + len(_EXPS_MARKER)] == _EXPS_MARKER:
            return Path(*parts[:i])
    return here


def data_locator(cfg: DictConfig, root: Path) -> DataLocator:
    configured = os.environ.get(DATA_DIR_VARIABLE) or cfg.data.dir
    data_dir = Path(configured).expanduser()
    if not data_dir.is_absolute():
        data_dir = (root / data_dir).resolve()
    return DataLocator(
        data_dir=data_dir,
        cache_dir=Path(cfg.data.cache_dir).expanduser(),
        allow_download=bool(cfg.data.allow_download),
    )


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def provenance_tags(stage: str, cfg: DictConfig) -> dict[str, str]:
    """Tags that say exactly what ran: code version, DVC stage and experiment, config label."""
    tags = {"dvc.stage": stage, "wordlab.name": str(cfg.name)}
    commit = os.environ.get("DVC_EXP_BASELINE_REV") or _git("rev-parse", "HEAD")
    if commit:
        tags["mlflow.source.git.commit"] = commit
        tags["git.commit"] = commit
    status = _git("status", "--porcelain", "--untracked-files=no")
    if status is not None:
        tags["git.dirty"] = str(bool(status)).lower()
    if experiment := os.environ.get("DVC_EXP_NAME"):
        tags["dvc.experiment"] = experiment
    return tags


@dataclass
class StageContext:
    cfg: DictConfig
    plain: dict[str, Any]
    root: Path
    locator: DataLocator
    run: StageRun | None
    tags: dict[str, str] = field(default_factory=dict)

    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        numeric = {k: float(v) for k, v in flatten(metrics).items() if _is_number(v)}
        if self.run is not None and numeric:
            self.run.log_metrics(numeric, step=step)

    def log_artifact(self, path: str | Path, artifact_path: str | None = None) -> None:
        if self.run is not None:
            self.run.log_artifact(path, artifact_path)

    def settings(self, key: str, kind: type[T]) -> T:
        """The validated config node at ``key`` as the library's settings object (an instance of ``kind``)."""
        return config_module.settings(self.cfg, key, kind)

    def set_tags(self, tags: Mapping[str, str]) -> None:
        if self.run is not None:
            self.run.set_tags(tags)

    def dataset_file(self, name_or_path: str) -> Path:
        """A one-file registry dataset by name (located and verified), or else a path from the project root."""
        if name_or_path in DATASETS:
            files = self.locator.paths(name_or_path)
            if len(files) != 1:
                raise ValueError(f"dataset {name_or_path!r} has {len(files)} files; name one of them by path")
            return next(iter(files.values()))
        path = Path(name_or_path)
        path = path if path.is_absolute() else self.root / path
        if not path.is_file():
            raise FileNotFoundError(f"{name_or_path!r} is neither a registry dataset nor a file ({path})")
        return path


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text not in {"True", "False"}


def argument_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--params", default="params.yaml", help="composed configuration (default: params.yaml)")
    return parser


@contextmanager
def run_stage(stage: str, params_path: str | Path) -> Iterator[StageContext]:
    """Validate the config (exit 2 on a bad one, before any work), open the MLflow run, yield the context."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        cfg = config_module.load(params_path)
    except (config_module.ConfigError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from error
    root = project_root()
    plain = config_module.to_plain(cfg)
    locator = data_locator(cfg, root)
    if not cfg.tracking.enabled:
        yield StageContext(cfg, plain, root, locator, None)
        return
    uri = resolve_tracking_uri(cfg.tracking.uri, root)
    run_name = f"{stage}:{cfg.name}"
    started = time.perf_counter()
    tags = provenance_tags(stage, cfg)
    with stage_run(uri, cfg.tracking.experiment, run_name, plain, tags) as run:
        log.info("MLflow run %s in %s", run.run_id, uri)
        context = StageContext(cfg, plain, root, locator, run, tags)
        yield context
        # Cost of the stage, for MLflow only: timings are not reproducible, so they stay out of DVC metrics.
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        context.log_metrics({"stage_seconds": seconds, "peak_rss_mb": peak_mb})
        log.info("%s finished in %.1f s, peak memory %.0f MB", stage, seconds, peak_mb)
