"""The course's helpful techniques on SST, as the report tabulates them from ``bench/classify_techniques.py``'s runs.

A technique table is many full-size trainings (three seeds of six settings on two tasks: hours on this machine), so
no ``dvc repro`` trains it. The benchmark appends one JSON line per finished training to a results file kept in the
repository; the report stage reads that file (one of its dependencies) and says where the figures come from, so it
never passes them off as the run's own. The effect of a technique is paired: the mean of its per-seed differences
from the baseline trained from the same seed, so what a seed does to both cancels.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from wordlab.io import read_json_lines
from wordlab.report.spread import seed_summary

RunKey = tuple[str, str, int]
RUN_FIELDS = ("technique", "task", "seed", "options", "dev", "test")
BASELINE = "baseline"
TASK_NAMES = {"binary": "binary", "fine": "fine-grained"}


def run_key(record: dict[str, Any]) -> RunKey:
    return str(record["technique"]), str(record["task"]), int(record["seed"])


def read_technique_runs(path: Path) -> dict[RunKey, dict[str, Any]]:
    """The runs in a results file by (technique, task, seed), in file order; a bad line names the file and line."""
    runs: dict[RunKey, dict[str, Any]] = {}
    where: dict[RunKey, int] = {}
    for number, record in read_json_lines(path):
        missing = [name for name in RUN_FIELDS if not isinstance(record, dict) or name not in record]
        if missing:
            raise ValueError(f"{path}:{number}: a technique run without {', '.join(missing)}")
        key = run_key(record)
        if key in where:
            raise ValueError(f"{path}:{number}: {key} was already run on line {where[key]}")
        runs[key], where[key] = record, number
    return runs


def technique_summary(runs: dict[RunKey, dict[str, Any]], technique: str, task: str) -> dict[str, Any] | None:
    """Mean and spread of one technique on one task over its seeds, and its paired effect against the baseline."""
    mine = {seed: run for (name, of, seed), run in sorted(runs.items()) if name == technique and of == task}
    if not mine:
        return None
    line: dict[str, Any] = {"technique": technique, "task": task, "seeds": sorted(mine)}
    for split in ("dev", "test"):
        line[split] = seed_summary([mine[seed][split] for seed in sorted(mine)], 2)
        base = {seed: runs[(BASELINE, task, seed)][split] for seed in mine if (BASELINE, task, seed) in runs}
        if technique != BASELINE and base:
            line[f"{split}_effect"] = seed_summary([mine[seed][split] - base[seed] for seed in sorted(base)], 2)
    return line


def _spread(summary: dict[str, Any]) -> str:
    mean, sd = summary["mean"], summary["sd"]
    return f"{mean:.2f} ± {sd:.2f}" if sd is not None else f"{mean:.2f}"


def _effect(summary: dict[str, Any] | None) -> str:
    if summary is None:
        return ""
    mean, sd = summary["mean"], summary["sd"]
    shown = f"{mean:+.2f}".replace("-", "−")
    return f"{shown} ± {sd:.2f}" if sd is not None else shown


def _options(record: dict[str, Any]) -> str:
    return ", ".join(f"`{key}: {json.dumps(value)}`" for key, value in record["options"].items())


def techniques_table(runs: dict[RunKey, dict[str, Any]]) -> pd.DataFrame:
    """One row per (task, technique): its option, the seeds run, dev and test mean ± sd, and the test effect."""
    techniques = list(dict.fromkeys([BASELINE, *(technique for technique, _, _ in runs)]))
    tasks = [task for task in TASK_NAMES if any(of == task for _, of, _ in runs)]
    rows = []
    for task in tasks:
        for technique in techniques:
            summary = technique_summary(runs, technique, task)
            if summary is None:
                continue
            example = next(run for (name, of, _), run in runs.items() if name == technique and of == task)
            rows.append(
                {
                    "task": TASK_NAMES[task],
                    "technique": technique.replace("_", " "),
                    "option": _options(example),
                    "seeds": ", ".join(str(seed) for seed in summary["seeds"]),
                    "dev": _spread(summary["dev"]),
                    "test": _spread(summary["test"]),
                    "test effect": _effect(summary.get("test_effect")),
                }
            )
    return pd.DataFrame(rows)


def techniques_section(runs: dict[RunKey, dict[str, Any]], source: str) -> str:
    """The Markdown subsection of the classification section; without runs it says so."""
    title = "### The course's techniques (measured by the benchmark, not by this run)\n\n"
    if not runs:
        return title + f"`{source}` holds no technique runs yet.\n"
    vectors = sorted({str(run.get("vectors", "?")) for run in runs.values()})
    threads = sorted({int(run["threads"]) for run in runs.values() if "threads" in run})
    return (
        title
        + f"From `{source}`, written by `bench/classify_techniques.py`: each run trains the full-size "
        + "`classify.bilstm` entry (`experiment=paper`) with one option changed and scores whole sentences. "
        + f"Vectors: {', '.join(f'`{v}`' for v in vectors)}; {'/'.join(map(str, threads)) or '?'} thread(s) per run. "
        + "Accuracy in percent, mean ± sample standard deviation over the seeds listed; the test effect is the "
        + "mean ± sd of the per-seed differences from the baseline trained from the same seed.\n\n"
        + techniques_table(runs).to_markdown(index=False)
        + "\n"
    )
