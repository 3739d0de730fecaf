"""MLflow wiring: one MLflow run per stage run, holding its resolved config, metrics and provenance tags.

The default store is an embedded sqlite file, which several processes may open at once (a DVC queue running
experiments in parallel, a test starting four writers). sqlite serialises writers with a lock, but MLflow's
first connection also creates the schema and the experiment, and concurrent first connections race on that.
So store and experiment creation happen under a file lock, and writes that meet "database is locked" are
retried. An HTTP tracking server (over PostgreSQL, say) takes concurrent writes itself; only the experiment's
creation can race there, and the stage that loses the race uses the experiment the winner made.

A stage killed outright (SIGKILL, the OOM killer, a lost machine) cannot close its run, which would then stay
RUNNING forever. Each run records the process and host that own it, and the next run of the same stage closes as
KILLED the runs whose owner is provably gone: only this host's processes can be checked, so runs from elsewhere,
or without an owner, are never touched.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import socket
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
STAGE_TAG = "dvc.stage"
PID_TAG = "wordlab.pid"
HOST_TAG = "wordlab.host"

# MLflow 3 sends usage telemetry from a background thread unless told not to. A stage runs offline and does only what
# its config says; a user's own setting of the variable still wins.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


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


# MLflow 3's UI opens an experiment of unknown kind on its GenAI overview (traces, token usage), empty for wordlab;
# an experiment of this kind opens on its runs table, which is where wordlab's results are.
EXPERIMENT_TAGS = {
    "mlflow.experimentKind": "custom_model_development",
    "mlflow.note.content": "wordlab: one run per DVC stage (name: stage@method); the report stage's child runs "
    "set every embedding method and random initialisation side by side, with each task's headline figure as "
    "overview.* metrics.",
}


def experiment_id_for(uri: str, experiment: str) -> str:
    """Create (once, under a file lock for sqlite) or find the MLflow experiment, tagged with
    :data:`EXPERIMENT_TAGS`; return its id."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    db_path = sqlite_path(uri)

    def find_or_create() -> str:
        client = MlflowClient(tracking_uri=uri)
        found = client.get_experiment_by_name(experiment)
        if found is not None:
            for key, value in EXPERIMENT_TAGS.items():  # a store made by an older wordlab
                if key not in found.tags:
                    client.set_experiment_tag(found.experiment_id, key, value)
            return found.experiment_id
        artifact_location = None
        if db_path is not None:
            artifact_location = (db_path.parent / "mlartifacts").resolve().as_uri()
        try:
            return client.create_experiment(experiment, artifact_location=artifact_location, tags=EXPERIMENT_TAGS)
        except MlflowException:
            # A server's store (PostgreSQL, ...) has no file lock to take: a concurrent stage may have created it
            # between the lookup and the creation, which the store refuses as a duplicate name.
            created = client.get_experiment_by_name(experiment)
            if created is None:
                raise
            return created.experiment_id

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

    def log_dataset(self, name: str, source: str, file_sha256: Mapping[str, str]) -> None:
        """One MLflow dataset input: ``name``, read from the folder or file ``source``, its files' sha256 by role.

        The digest MLflow shows is the one file's sha256, or for several the sha256 of their ``role sha256`` lines,
        cut to 16 hex digits (MLflow's column holds 36); the full hashes are the input's ``sha256.<role>`` tags."""
        from mlflow.data.meta_dataset import MetaDataset
        from mlflow.data.sources import LocalArtifactDatasetSource  # type: ignore[attr-defined]  # made at import
        from mlflow.entities import DatasetInput, InputTag

        if len(file_sha256) == 1:
            digest = next(iter(file_sha256.values()))
        else:
            lines = "".join(f"{role} {sha}\n" for role, sha in sorted(file_sha256.items()))
            digest = hashlib.sha256(lines.encode()).hexdigest()
        # MetaDataset declares no profile, which MLflow's own code treats as None
        dataset = MetaDataset(LocalArtifactDatasetSource(source), name=name, digest=digest[:16])  # type: ignore[abstract]
        tags = [InputTag("mlflow.data.context", ",".join(file_sha256))]
        tags += [InputTag(f"sha256.{role}", sha) for role, sha in file_sha256.items()]
        entry = DatasetInput(dataset._to_mlflow_entity(), tags=tags)
        _with_retry(lambda: self.client.log_inputs(self.run_id, datasets=[entry]))

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


def owner_tags() -> dict[str, str]:
    """The tags that let a later run tell whether this process is still alive."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def _process_gone(pid: int) -> bool:
    """True only when ``pid`` provably no longer runs on this host; any doubt counts as alive."""
    if pid <= 0:  # 0 and negatives address process groups, not a process
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # exists, owned by someone else
        return False
    # A killed child its parent has not reaped yet still answers signal 0, but will never write again.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def _abandoned_owner(tags: Mapping[str, str], stage: str, host: str) -> int | None:
    """The dead pid that owned a run of ``stage`` on this host, or None when the run may still be alive."""
    if tags.get(STAGE_TAG) != stage or tags.get(HOST_TAG) != host:
        return None
    try:
        pid = int(tags.get(PID_TAG, ""))
    except ValueError:
        return None
    return pid if _process_gone(pid) else None


def _close_abandoned(client: Any, experiment_id: str, stage: str) -> list[str]:
    host = socket.gethostname()
    closed: list[str] = []
    token: str | None = None
    while True:
        # The stage is matched here rather than in the filter string, so no stage name needs quoting.
        search = functools.partial(
            client.search_runs,
            [experiment_id],
            filter_string="attributes.status = 'RUNNING'",
            max_results=1000,
            page_token=token,
        )
        page = _with_retry(search)
        for found in page:
            pid = _abandoned_owner(found.data.tags, stage, host)
            if pid is None:
                continue
            run_id = found.info.run_id
            reason = f"process {pid} on {host} ended without closing the run"
            _with_retry(functools.partial(client.set_tag, run_id, "wordlab.killed_reason", reason))
            _with_retry(functools.partial(client.set_terminated, run_id, status="KILLED"))
            log.warning("MLflow run %s of stage %s marked KILLED: %s", run_id, stage, reason)
            closed.append(run_id)
        token = page.token
        if not token:
            return closed


def close_abandoned_runs(uri: str, experiment: str, stage: str) -> list[str]:
    """Mark KILLED the RUNNING runs of ``stage`` whose process died on this host; return their ids.

    Runs of other stages, runs owned by a live process (a concurrent queue worker), runs recorded on another host
    and runs without owner tags are left alone: their owner may still be working.
    """
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    found = _with_retry(lambda: client.get_experiment_by_name(experiment))
    if found is None:
        return []
    return _close_abandoned(client, found.experiment_id, stage)


@contextmanager
def stage_run(
    uri: str,
    experiment: str,
    run_name: str,
    config: Mapping[str, Any],
    tags: Mapping[str, str],
    *,
    stage: str | None = None,
    started_ms: int | None = None,
) -> Iterator[StageRun]:
    """Open a run, log the resolved config (as params and as ``config.yaml``) and tags; close it FINISHED or FAILED.

    ``stage`` (by default the ``dvc.stage`` tag) names the stage whose abandoned runs are closed first, so that
    a killed run of a stage is settled by that stage's next run. ``started_ms`` (epoch milliseconds) is the run's
    start when the work began before the run was opened, so that the dashboard's Duration is the stage's.
    FINISHED means the body returned or exited with status 0; any other exit, Ctrl-C included, leaves the run
    FAILED.
    """
    run_tags = {**tags, **owner_tags()}
    # The run must carry the stage it cleans up after, or the next run of that stage could not close it.
    if stage is not None and run_tags.setdefault(STAGE_TAG, stage) != stage:
        raise ValueError(f"stage {stage!r} differs from the run's {STAGE_TAG} tag {run_tags[STAGE_TAG]!r}")
    stage = stage if stage is not None else run_tags.get(STAGE_TAG)
    experiment_id = experiment_id_for(uri, experiment)
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    if stage is not None:
        try:
            _close_abandoned(client, experiment_id, stage)
        except Exception:  # housekeeping: a store that cannot be searched must not stop the stage itself
            log.warning("could not close abandoned MLflow runs of stage %s", stage, exc_info=True)
    created = _with_retry(
        lambda: client.create_run(experiment_id, start_time=started_ms, run_name=run_name, tags=run_tags)
    )
    run = StageRun(uri=uri, run_id=created.info.run_id, experiment_id=experiment_id)
    status = "FAILED"
    try:
        run.log_params(flatten(config))
        run.log_text(yaml.safe_dump(dict(config), sort_keys=False), "config.yaml")
        yield run
        status = "FINISHED"
    except SystemExit as stop:
        if stop.code in (0, None):  # sys.exit() and sys.exit(0) are a successful end
            status = "FINISHED"
        raise
    finally:
        _terminate(client, run.run_id, status)


def _terminate(client: Any, run_id: str, status: str) -> None:
    """Close the run; when the stage already failed, a tracking error must not hide the stage's own error."""
    try:
        _with_retry(lambda: client.set_terminated(run_id, status=status))
    except Exception:
        if status == "FINISHED":
            raise
        log.exception("could not mark MLflow run %s %s", run_id, status)
