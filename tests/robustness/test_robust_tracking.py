"""Stage runs end in a truthful state, against a real sqlite MLflow store.

A stage killed with SIGKILL cannot close its own run; the next run of the same stage must, and must leave alone
every run that may still be alive (its process exists, or it runs on another machine).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from mlflow import MlflowClient

from wordlab import tracking
from wordlab.tracking import experiment_id_for, stage_run

HOLDER = textwrap.dedent(
    """
    import sys, time
    from wordlab.tracking import stage_run
    with stage_run(sys.argv[1], "robust", "x:held", {"seed": 1}, {"dvc.stage": "x"}) as run:
        print(run.run_id, flush=True)
        time.sleep(600)
    """
)


@pytest.fixture()
def uri(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


def _status(uri: str, run_id: str) -> str:
    return MlflowClient(uri).get_run(run_id).info.status


def _dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait(timeout=60)
    return done.pid


def _running_run(uri: str, tags: dict[str, str]) -> str:
    """A RUNNING run created directly in the store, as a stage process would have left it."""
    client = MlflowClient(uri)
    return client.create_run(experiment_id_for(uri, "robust"), tags=tags).info.run_id


@pytest.mark.parametrize("reaped", [True, False], ids=["reaped", "zombie"])
def test_run_of_a_sigkilled_stage_is_closed_killed_by_the_next_run_of_that_stage(
    uri: str, tmp_path: Path, reaped: bool
) -> None:
    script = tmp_path / "holder.py"
    script.write_text(HOLDER)
    holder = subprocess.Popen(
        [sys.executable, str(script), uri], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        old_run = holder.stdout.readline().strip()
        assert old_run, holder.stderr.read() if holder.stderr else ""
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        if reaped:
            holder.communicate(timeout=60)  # its pid no longer exists
        else:
            # Dead but not yet reaped by its parent (a zombie): its pid still answers signal 0.
            os.waitid(os.P_PID, holder.pid, os.WEXITED | os.WNOWAIT)
    try:
        _check_the_next_run_closes(uri, old_run, holder.pid)
    finally:
        if holder.returncode is None:
            holder.communicate(timeout=60)
    assert holder.returncode == -signal.SIGKILL


def _check_the_next_run_closes(uri: str, old_run: str, pid: int) -> None:
    tags = MlflowClient(uri).get_run(old_run).data.tags
    assert tags["wordlab.pid"] == str(pid)
    assert tags["wordlab.host"] == socket.gethostname()
    assert _status(uri, old_run) == "RUNNING"

    with stage_run(uri, "robust", "x:next", {"seed": 2}, {"dvc.stage": "x"}) as new:
        assert _status(uri, old_run) == "KILLED"
        assert _status(uri, new.run_id) == "RUNNING"
    assert _status(uri, new.run_id) == "FINISHED"
    assert _status(uri, old_run) == "KILLED"
    assert MlflowClient(uri).get_run(old_run).data.tags["wordlab.killed_reason"].startswith(f"process {pid} ")


def test_only_runs_whose_process_is_gone_from_this_host_are_closed(uri: str) -> None:
    host = socket.gethostname()
    dead = str(_dead_pid())
    abandoned = _running_run(uri, {"dvc.stage": "x", "wordlab.pid": dead, "wordlab.host": host})
    alive = _running_run(uri, {"dvc.stage": "x", "wordlab.pid": str(os.getpid()), "wordlab.host": host})
    elsewhere = _running_run(uri, {"dvc.stage": "x", "wordlab.pid": dead, "wordlab.host": f"not-{host}"})
    other_stage = _running_run(uri, {"dvc.stage": "y", "wordlab.pid": dead, "wordlab.host": host})
    untagged = _running_run(uri, {"dvc.stage": "x"})
    garbled = _running_run(uri, {"dvc.stage": "x", "wordlab.pid": "zero", "wordlab.host": host})

    assert tracking.close_abandoned_runs(uri, "robust", "x") == [abandoned]

    assert _status(uri, abandoned) == "KILLED"
    for left_alone in (alive, elsewhere, other_stage, untagged, garbled):
        assert _status(uri, left_alone) == "RUNNING"
    # Nothing more to close the second time; an unknown experiment has nothing to close.
    assert tracking.close_abandoned_runs(uri, "robust", "x") == []
    assert tracking.close_abandoned_runs(uri, "never-created", "x") == []


def test_stage_run_leaves_a_live_run_of_the_same_stage_alone(uri: str) -> None:
    host = socket.gethostname()
    alive = _running_run(uri, {"dvc.stage": "x", "wordlab.pid": str(os.getpid()), "wordlab.host": host})
    abandoned = _running_run(uri, {"dvc.stage": "x", "wordlab.pid": str(_dead_pid()), "wordlab.host": host})
    with stage_run(uri, "robust", "x:next", {}, {"dvc.stage": "x"}):
        pass
    assert _status(uri, alive) == "RUNNING"
    assert _status(uri, abandoned) == "KILLED"


def test_explicit_stage_names_the_stage_to_clean_up_and_is_recorded(uri: str) -> None:
    host = socket.gethostname()
    abandoned = _running_run(uri, {"dvc.stage": "x", "wordlab.pid": str(_dead_pid()), "wordlab.host": host})
    with stage_run(uri, "robust", "x:next", {}, {}, stage="x") as run:
        pass
    assert _status(uri, abandoned) == "KILLED"
    assert MlflowClient(uri).get_run(run.run_id).data.tags["dvc.stage"] == "x"


@pytest.mark.parametrize(
    "interruption",
    [SystemExit(3), SystemExit("error: bad input"), KeyboardInterrupt(), RuntimeError("boom")],
    ids=["exit-3", "exit-message", "ctrl-c", "exception"],
)
def test_stage_that_stops_abnormally_leaves_its_run_failed(uri: str, interruption: BaseException) -> None:
    with pytest.raises(type(interruption)), stage_run(uri, "robust", "x:fails", {}, {"dvc.stage": "x"}) as run:
        raise interruption
    assert _status(uri, run.run_id) == "FAILED"


@pytest.mark.parametrize("code", [0, None], ids=["exit-0", "exit-none"])
def test_stage_that_exits_with_success_leaves_its_run_finished(uri: str, code: int | None) -> None:
    with pytest.raises(SystemExit), stage_run(uri, "robust", "x:exits", {}, {"dvc.stage": "x"}) as run:
        raise SystemExit(code)
    assert _status(uri, run.run_id) == "FINISHED"
