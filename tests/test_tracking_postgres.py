"""`tracking=postgres`: 16 stage runs at once, logging through an MLflow server whose store is PostgreSQL.

The test starts what a team would run: a throwaway PostgreSQL cluster on 127.0.0.1 (Debian's postgresql package:
``initdb``, ``pg_ctl``), and ``mlflow server`` over it serving the artifacts too. Sixteen real ``prepare_corpus``
stages, each with its own corpus size, then run concurrently with ``tracking=postgres`` pointed at that server;
afterwards the server must hold every run, finished, with every parameter of its configuration, every metric of
its metrics file and its artifacts.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from mlflow import MlflowClient

from wordlab.config import compose
from wordlab.stage import is_number
from wordlab.tracking import flatten

RUNS = 16


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _postgres_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None)
    if found is None:
        pytest.fail(f"{name} not found: install Debian's postgresql package (README, 'Scaling out')")
    return str(found)


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: there, the server's commands run as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mlflow server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer in {seconds} s")


@pytest.fixture()
def mlflow_on_postgres(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The URIs of an MLflow server and of the fresh PostgreSQL database under it; stopped and removed afterwards."""
    cluster = Path(tempfile.mkdtemp(prefix="wordlab-pg-"))  # pytest's tmp_path is closed to the postgres user
    if os.geteuid() == 0:
        shutil.chown(cluster, "postgres", "postgres")
    data, db_port, port = cluster / "data", _free_port(), _free_port()
    # The postgres user cannot enter pytest's folders: its commands run from the cluster's own.
    run = {"check": True, "capture_output": True, "cwd": cluster}
    server = None
    try:
        subprocess.run(_as_postgres([_postgres_bin("initdb"), "-D", str(data), "-U", "mlflow", "--auth=trust"]), **run)
        options = f"-c listen_addresses=127.0.0.1 -p {db_port} -k {cluster}"
        pg_ctl = [_postgres_bin("pg_ctl"), "-D", str(data), "-l", str(cluster / "log"), "-o", options, "-w"]
        subprocess.run(_as_postgres([*pg_ctl, "start"]), **run)
        createdb = [_postgres_bin("createdb"), "-h", "127.0.0.1", "-p", str(db_port), "-U", "mlflow", "mlflow"]
        subprocess.run(createdb, **run)
        database = f"postgresql://mlflow@127.0.0.1:{db_port}/mlflow"
        command = [
            str(Path(sys.executable).parent / "mlflow"), "server",
            "--backend-store-uri", database.replace("postgresql:", "postgresql+psycopg2:"),
            "--artifacts-destination", str(tmp_path / "mlartifacts"),
            "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
        ]  # fmt: skip
        log = open(tmp_path / "mlflow-server.log", "wb")  # noqa: SIM115 - open for the server's lifetime
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        _wait_for(f"http://127.0.0.1:{port}/health", server, 120)
        yield f"http://127.0.0.1:{port}", database
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
        if (data / "postmaster.pid").exists():
            stop = [_postgres_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
            subprocess.run(_as_postgres(stop), cwd=cluster, capture_output=True)
        shutil.rmtree(cluster, ignore_errors=True)


def _workdir(root: Path, project_root: Path, uri: str, index: int) -> Path:
    """A project folder of one stage run: the smoke configuration with tracking=postgres, and its own corpus size."""
    workdir = root / f"run{index:02d}"
    workdir.mkdir(parents=True)
    params = yaml.safe_load(compose(project_root / "conf", ["experiment=smoke", "tracking=postgres"]))
    params["tracking"]["uri"] = uri
    params["corpus"]["max_lines"] = 200 + index
    (workdir / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return workdir


@pytest.mark.slow
def test_sixteen_concurrent_stage_runs_all_reach_the_postgres_backed_server(
    mlflow_on_postgres: tuple[str, str], tmp_path: Path, project_root: Path, data_dir: Path
) -> None:
    server, database = mlflow_on_postgres
    env = {**os.environ, "WORDLAB_DATA_DIR": str(data_dir)}
    script = str(project_root / "pipelines" / "prepare_corpus.py")
    workdirs = [_workdir(tmp_path / "runs", project_root, server, i) for i in range(RUNS)]
    command = [sys.executable, script, "--params", "params.yaml", "--out", "prepared", "--metrics", "corpus_stats.json"]
    started = time.perf_counter()
    stages = [
        subprocess.Popen(command, cwd=w, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for w in workdirs
    ]
    outputs = [stage.communicate(timeout=900)[0].decode() for stage in stages]
    for stage, output in zip(stages, outputs, strict=True):
        assert stage.returncode == 0, output[-3000:]
    print(f"{RUNS} concurrent stages in {time.perf_counter() - started:.1f} s")

    client = MlflowClient(tracking_uri=server)
    experiment = client.get_experiment_by_name("wordlab")
    runs = client.search_runs([experiment.experiment_id], max_results=100)
    assert len(runs) == RUNS
    by_size = {int(run.data.params["corpus.max_lines"]): run for run in runs}
    assert sorted(by_size) == [200 + i for i in range(RUNS)]
    for index, workdir in enumerate(workdirs):
        run = by_size[200 + index]
        assert run.info.status == "FINISHED" and run.data.tags["dvc.stage"] == "prepare_corpus"
        expected_params = flatten(yaml.safe_load((workdir / "params.yaml").read_text()))
        assert run.data.params == expected_params
        stats = json.loads((workdir / "corpus_stats.json").read_text())
        assert run.data.metrics["splits.train.lines"] == stats["splits"]["train"]["lines"] == 200 + index
        assert run.data.metrics["vocab_size"] == stats["vocab_size"]
        numeric = {key: float(value) for key, value in flatten(stats).items() if is_number(value)}
        assert numeric.items() <= run.data.metrics.items()
        artifacts = {artifact.path for artifact in client.list_artifacts(run.info.run_id)}
        assert {"config.yaml", "corpus_stats.json"} <= artifacts

    # What the database itself holds, read past the server: every run, param and metric, once.
    import psycopg2

    with psycopg2.connect(database) as connection, connection.cursor() as cursor:
        counts = {}
        for table in ("runs", "params", "latest_metrics", "metrics", "tags"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    print(f"PostgreSQL holds: {counts}")
    assert counts["runs"] == RUNS
    assert counts["params"] == sum(len(run.data.params) for run in runs)
    assert counts["latest_metrics"] == sum(len(run.data.metrics) for run in runs)
