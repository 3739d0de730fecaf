"""MLflow tracking against a real sqlite store: concurrent writers lose nothing; runs carry config and tags."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import yaml
from mlflow import MlflowClient

from wordlab.tracking import flatten, resolve_tracking_uri, stage_run

WRITER = textwrap.dedent(
    """
    import sys, time
    from wordlab.tracking import stage_run
    uri, index, start_at = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    while time.time() < start_at:
        time.sleep(0.001)
    with stage_run(uri, "concurrent", f"writer-{index}", {"writer": index, "nested": {"x": index}},
                   {"dvc.stage": "test"}) as run:
        for step in range(25):
            run.log_metrics({"loss": 1.0 / (step + 1) + index, "writer": index}, step=step)
    """
)


def test_four_processes_logging_at_once_into_a_fresh_store_lose_nothing(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    start_at = time.time() + 6  # all four start at the same moment, after their imports
    writers = [
        subprocess.Popen([sys.executable, str(script), uri, str(i), str(start_at)], stderr=subprocess.PIPE, text=True)
        for i in range(4)
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=180)
        assert writer.returncode == 0, err
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("concurrent")
    runs = client.search_runs([experiment.experiment_id])
    assert sorted(r.info.run_name for r in runs) == [f"writer-{i}" for i in range(4)]
    for run in runs:
        index = int(run.data.params["writer"])
        assert run.info.status == "FINISHED"
        assert run.data.params["nested.x"] == str(index)
        history = client.get_metric_history(run.info.run_id, "loss")
        assert sorted(m.step for m in history) == list(range(25))
        assert {round(m.value - 1.0 / (m.step + 1), 9) for m in history} == {index}


def test_stage_run_logs_config_artifact_params_and_tags(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    config = {"corpus": {"name": "ptb", "vocab": {"min_count": 3}}, "seed": 7}
    with stage_run(uri, "exp", "stage:test", config, {"dvc.stage": "prepare_corpus"}) as run:
        run.log_metrics({"tokens": 42.0})
    client = MlflowClient(uri)
    logged = client.get_run(run.run_id)
    assert logged.data.params == flatten(config) == {"corpus.name": "ptb", "corpus.vocab.min_count": "3", "seed": "7"}
    assert logged.data.metrics == {"tokens": 42.0}
    assert logged.data.tags["dvc.stage"] == "prepare_corpus"
    artifact = Path(client.download_artifacts(run.run_id, "config.yaml", str(tmp_path)))
    assert yaml.safe_load(artifact.read_text()) == config
    # Artifacts live beside the store, not wherever the process happened to run.
    assert (tmp_path / "mlartifacts").is_dir()


def test_a_run_opened_after_its_stage_began_starts_when_the_stage_did(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    began = int(time.time() * 1000) - 90_000  # the stage read its inputs for a minute and a half
    with stage_run(uri, "exp", "late", {}, {}, started_ms=began) as run:
        pass
    logged = MlflowClient(uri).get_run(run.run_id).info
    assert logged.start_time == began and logged.end_time - logged.start_time >= 90_000


def test_failed_stage_is_marked_failed(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    try:
        with stage_run(uri, "exp", "boom", {}, {}) as run:
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert MlflowClient(uri).get_run(run.run_id).info.status == "FAILED"


def test_relative_sqlite_uri_is_anchored_at_the_project_root(tmp_path: Path) -> None:
    assert resolve_tracking_uri("sqlite:///mlflow.db", tmp_path) == f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert resolve_tracking_uri("http://127.0.0.1:5000", tmp_path) == "http://127.0.0.1:5000"
