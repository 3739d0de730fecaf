"""The README's two commands stay the ones CI and users run."""

from __future__ import annotations

import re
from pathlib import Path


def _two_commands(project_root: Path) -> list[str]:
    readme = (project_root / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section)


def test_readme_gives_exactly_two_commands_main_job_and_tests(project_root: Path) -> None:
    commands = _two_commands(project_root)
    assert len(commands) == 2
    main_job, tests = commands
    for command in commands:
        assert "pip install torch==2.13.0" in command
        assert command.index("torch==2.13.0") < command.index("-e '.[dev]'")
    assert main_job.endswith("dvc repro")
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command_verbatim(project_root: Path) -> None:
    _, tests = _two_commands(project_root)
    ci_lines = (project_root / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert tests in ci_lines
