"""Every stage script answers ``--help`` with its usage and purpose, and its usage names every option that the
stage's command in ``dvc.yaml`` passes, so that a newcomer reading a stage can look each of them up."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[1]


def _stage_commands() -> dict[str, set[str]]:
    """Each script ``dvc.yaml`` runs, with the options its commands pass."""
    stages = yaml.safe_load((PROJECT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    commands: dict[str, set[str]] = {}
    for stage in stages.values():
        command = (stage.get("do") or stage)["cmd"]
        script = re.search(r"python (pipelines/\S+\.py)", command)
        assert script is not None, command
        commands.setdefault(script.group(1), set()).update(re.findall(r"(--[a-z][a-z-]*)", command))
    return commands


COMMANDS = _stage_commands()


def test_every_script_in_pipelines_is_a_stage() -> None:
    assert set(COMMANDS) == {f"pipelines/{p.name}" for p in (PROJECT / "pipelines").glob("*.py")}


@pytest.mark.parametrize("script", sorted(COMMANDS))
def test_a_stage_script_answers_help_with_its_purpose_and_every_option_its_stage_passes(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(PROJECT / script), "--help"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith(f"usage: {Path(script).name}")
    purpose = ast.get_docstring(ast.parse((PROJECT / script).read_text(encoding="utf-8")))
    assert purpose and " ".join(purpose.split()[:6]) in " ".join(done.stdout.split())
    missing = {option for option in COMMANDS[script] if option not in done.stdout}
    assert not missing, done.stdout
