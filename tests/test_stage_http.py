"""A stage logging over HTTP to a real `mlflow server` that the test starts on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from mlflow import MlflowClient

from wordlab import config


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def mlflow_server(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--backend-store-uri",
            f"sqlite:///{tmp_path / 'server.db'}",
            "--artifacts-destination",
            str(tmp_path / "server-artifacts"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"mlflow server did not start: {server.stderr.read()}") from None
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_prepare_corpus_logs_to_an_http_tracking_server(
    mlflow_server: str, tmp_path: Path, project_root: Path, data_dir: Path
) -> None:
    params = yaml.safe_load(config.compose(project_root / "conf", ["experiment=smoke", "corpus=ptb"]))
    params["tracking"]["uri"] = mlflow_server
    params_path = tmp_path / "params.yaml"
    params_path.write_text(yaml.safe_dump(params))
    done = subprocess.run(
        [
            sys.executable,
            str(project_root / "pipelines" / "prepare_corpus.py"),
            "--params",
            str(params_path),
            "--out",
            str(tmp_path / "prepared"),
            "--metrics",
            str(tmp_path / "stats.json"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env={**__import__("os").environ, "WORDLAB_DATA_DIR": str(data_dir)},
    )
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "mlflow.db").exists()  # nothing went to a local store
    client = MlflowClient(mlflow_server)
    runs = client.search_runs([client.get_experiment_by_name("wordlab").experiment_id])
    assert len(runs) == 1
    run = runs[0]
    stats = yaml.safe_load((tmp_path / "stats.json").read_text())
    assert run.data.metrics["vocab_size"] == stats["vocab_size"]
    assert run.data.params["corpus.name"] == "ptb"
    assert run.data.tags["dvc.stage"] == "prepare_corpus"
    logged_config = Path(client.download_artifacts(run.info.run_id, "config.yaml", str(tmp_path)))
    assert yaml.safe_load(logged_config.read_text())["corpus"]["dataset"] == "ptb"
