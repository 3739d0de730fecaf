"""Pool several ``word2vec_vs_gensim.py --seeds N`` runs: the difference over every seed, and what a few seeds can show.

    .venv/bin/python bench/word2vec_pool.py RUN.jsonl [RUN.jsonl ...] [--margins analogy=0.003,wordsim353=0.005]

A three-seed mean moves by about as much as issue #14's margins (0.3 analogy points, 0.005 Spearman), so one
run can miss a margin that the tools meet, or the reverse. This reads every JSON line of the files given (one
per run and model), pairs wordlab's and gensim's figures seed by seed, and prints one JSON line per model:

- per figure, each tool's mean over all the seeds, the mean paired difference (wordlab minus gensim) and its
  standard error, and each run's difference of means;
- ``noise_floor``: how often two means of ``--group`` seeds, both drawn from gensim's own seeds (with
  replacement), differ by more than the margin (below it, for the analogies): the rate at which gensim would
  miss the margin against itself. ``resampled_miss`` is the same rate for wordlab's means against gensim's.
- the throughput ratio of each run and their mean.

A seed that occurs in several runs counts once per run: Hogwild threads make each run of a seed different.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from pathlib import Path
from typing import Any

import numpy as np

from wordlab.io import read_json_lines

FIGURES = ("analogy", "wordsim353", "simlex999")
ONE_SIDED = {"analogy"}  # a margin below gensim's; the similarities' margins go both ways


def read_runs(paths: list[Path]) -> dict[str, list[dict[str, Any]]]:
    """The JSON lines of the files, per model, in file order; a line without both tools is an error."""
    runs: dict[str, list[dict[str, Any]]] = {}
    for path in paths:
        try:
            lines = list(read_json_lines(path))
        except ValueError as error:
            raise SystemExit(str(error)) from None
        for number, line in lines:
            if not all(set(line.get(name, {})) >= {"wordlab", "gensim"} for name in FIGURES):
                raise SystemExit(f"{path}:{number}: a line of word2vec_vs_gensim.py with both tools is needed")
            runs.setdefault(line["model"], []).append(line)
    return runs


def miss_rate(
    rng: np.random.Generator, a: np.ndarray, b: np.ndarray, group: int, draws: int, margin: float, one_sided: bool
) -> float:
    """How often a mean of ``group`` draws from ``a`` falls more than ``margin`` from (below, if one-sided) a mean of
    ``group`` draws from ``b``."""
    gap = rng.choice(a, (draws, group)).mean(axis=1) - rng.choice(b, (draws, group)).mean(axis=1)
    missed = gap < -margin if one_sided else np.abs(gap) > margin
    return round(float(missed.mean()), 3)


def pool(runs: list[dict[str, Any]], margins: dict[str, float], group: int, draws: int) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    out: dict[str, Any] = {"runs": [run["seeds"] for run in runs], "seeds": sum(len(run["seeds"]) for run in runs)}
    for name in FIGURES:
        ours = np.array([v for run in runs for v in run[name]["wordlab"]["values"]], dtype=np.float64)
        theirs = np.array([v for run in runs for v in run[name]["gensim"]["values"]], dtype=np.float64)
        paired = ours - theirs
        margin, one_sided = margins[name], name in ONE_SIDED
        error = paired.std(ddof=1) / math.sqrt(len(paired)) if len(paired) > 1 else math.nan
        out[name] = {
            "wordlab": round(float(ours.mean()), 4),
            "gensim": round(float(theirs.mean()), 4),
            "difference": round(float(paired.mean()), 4),
            "standard_error": round(float(error), 4) if math.isfinite(error) else None,
            "per_run": [round(_mean(run, name, "wordlab") - _mean(run, name, "gensim"), 4) for run in runs],
            "margin": margin,
            "noise_floor": miss_rate(rng, theirs, theirs, group, draws, margin, one_sided),
            "resampled_miss": miss_rate(rng, ours, theirs, group, draws, margin, one_sided),
        }
    ratios = [run["ratio"] for run in runs if run.get("ratio") is not None]
    out["speed_ratio"] = {"per_run": ratios, "mean": round(statistics.fmean(ratios), 3) if ratios else None}
    return out


def _mean(run: dict[str, Any], name: str, who: str) -> float:
    return statistics.fmean(run[name][who]["values"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", type=Path, nargs="+", help="files of word2vec_vs_gensim.py's JSON lines")
    parser.add_argument("--margins", default="analogy=0.003,wordsim353=0.005,simlex999=0.005")
    parser.add_argument("--group", type=int, default=3, help="seeds per mean in the noise floor")
    parser.add_argument("--draws", type=int, default=100_000)
    args = parser.parse_args(argv)
    margins = {key: float(value) for key, value in (item.split("=") for item in args.margins.split(","))}
    if set(margins) != set(FIGURES):
        parser.error(f"--margins needs exactly {', '.join(FIGURES)}")
    for path in args.runs:
        if not path.is_file():
            parser.error(f"no file {path}")
    for model, runs in read_runs(args.runs).items():
        print(json.dumps({"model": model, **pool(runs, margins, args.group, args.draws)}))


if __name__ == "__main__":
    main()
