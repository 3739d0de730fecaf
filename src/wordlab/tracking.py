"""MLflow wiring: one MLflow run per stage run, holding its resolved config, metrics and provenance tags.

The default store is an embedded sqlite file, which several processes may open at once (a DVC queue running
experiments in parallel, a test starting four writers). sqlite serialises writers with a lock, but MLflow's
first connection also creates the schema and the experiment, and concurrent first connections race on that.
So store and experiment creation happen under a file lock, and writes that meet "database is locked" are
retried. An HTTP tracking server needs none of this and is used as is.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from filelock import FileLock

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_SQLITE_PREFIX = "sqlite:///"
_MAX_PARAM_LENGTH = 6000
_PARAMS_PER_BATCH = 100


def resolve_tracking_uri(uri: str, project_root: Path) -> str:
    """Make a relative sqlite path absolute against the project root; leave other URIs alone."""
    if uri.startswith(_SQLITE_PREFIX):
        db_path = Path(uri[len(_SQLITE_PREFIX) :])
        if not db_path.is_absolute():
            return f"{_SQLITE_PREFIX}{(project_root / db_path).resolve()}"
    return uri


def sqlite_path(uri: str) -> Path | None:
    return Path(uri[len(_SQLITE_PREFIX) :]) if uri.startswith(_SQLITE_PREFIX) else None


def flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested config to MLflow params: dotted keys, values as strings, cut to MLflow's length limit."""
    flat: dict[str, str] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = str(value)[:_MAX_PARAM_LENGTH]
    return flat


def _with_retry(action: Callable[[], _T], attempts: int = 30) -> _T:
    for attempt in range(attempts):
        try:
            return action()
        except Exception as error:  # sqlite lock errors surface as several MLflow/SQLAlchemy types
            if "locked" not in str(error).lower() or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def experiment_id_for(uri: str, experiment: str) -> str:
    """Create (once, under a file lock for sqlite) or find the MLflow experiment; return its id."""
    from mlflow import MlflowClient

    db_path = sqlite_path(uri)

    def find_or_create() -> str:
        client = MlflowClient(tracking_uri=uri)
        found = client.get_experiment_by_name(experiment)
        if found is not None:
            return found.experiment_id
        artifact_location = None
        if db_path is not None:
            artifact_location = (db_path.parent / "mlartifacts").resolve().as_uri()
        return client.create_experiment(experiment, artifact_location=artifact_location)

    if db_path is None:
        return find_or_create()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(db_path) + ".lock", timeout=300):
        return _with_retry(find_or_create)


@dataclass
class StageRun:
    """An open MLflow run; every write is retried past transient sqlite locks."""

    uri: str
    run_id: str
    experiment_id: str

    @property
    def client(self) -> Any:
        from mlflow import MlflowClient

        return MlflowClient(tracking_uri=self.uri)

    def log_params(self, params: Mapping[str, str]) -> None:
        from mlflow.entities import Param

        items = [Param(key, value) for key, value in params.items()]
        for start in range(0, len(items), _PARAMS_PER_BATCH):
            batch = items[start : start + _PARAMS_PER_BATCH]

            def send(batch: list[Param] = batch) -> None:
                self.client.log_batch(self.run_id, params=batch)

            _with_retry(send)

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        entries = [Metric(key, float(value), now, step or 0) for key, value in metrics.items()]
        _with_retry(lambda: self.client.log_batch(self.run_id, metrics=entries))

    def set_tags(self, tags: Mapping[str, str]) -> None:
        from mlflow.entities import RunTag

        entries = [RunTag(key, str(value)) for key, value in tags.items()]
        _with_retry(lambda: self.client.log_batch(self.run_id, tags=entries))

    def log_text(self, text: str, artifact_file: str) -> None:
        _with_retry(lambda: self.client.log_text(self.run_id, text, artifact_file))

    def log_artifact(self, path: str | Path, artifact_path: str | None = None) -> None:
        _with_retry(lambda: self.client.log_artifact(self.run_id, str(path), artifact_path))


def log_child_run(
    parent: StageRun,
    name: str,
    params: Mapping[str, str],
    metrics: Mapping[str, float],
    tags: Mapping[str, str],
) -> str:
    """A finished run nested under ``parent`` (MLflow's ``mlflow.parentRunId``), for side-by-side comparison."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=parent.uri)
    child_tags = {**tags, "mlflow.parentRunId": parent.run_id}
    created = _with_retry(lambda: client.create_run(parent.experiment_id, run_name=name, tags=child_tags))
    child = StageRun(uri=parent.uri, run_id=created.info.run_id, experiment_id=parent.experiment_id)
    child.log_params(params)
    child.log_metrics(metrics)
    _with_retry(lambda: client.set_terminated(child.run_id, status="FINISHED"))
    return child.run_id


@contextmanager
def stage_run(
    uri: str,
    experiment: str,
    run_name: str,
    config: Mapping[str, Any],
    tags: Mapping[str, str],
) -> Iterator[StageRun]:
    """Open a run, log the resolved config (as params and as ``config.yaml``) and tags; close it FINISHED or FAILED."""
    experiment_id = experiment_id_for(uri, experiment)
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    created = _with_retry(lambda: client.create_run(experiment_id, run_name=run_name, tags=dict(tags)))
    run = StageRun(uri=uri, run_id=created.info.run_id, experiment_id=experiment_id)
    status = "FAILED"
    try:
        run.log_params(flatten(config))
        run.log_text(yaml.safe_dump(dict(config), sort_keys=False), "config.yaml")
        yield run
        status = "FINISHED"
    finally:
        _with_retry(lambda: client.set_terminated(run.run_id, status=status))
