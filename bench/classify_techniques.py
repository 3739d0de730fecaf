"""The course's helpful techniques on SST, each measured against the same classifier over several seeds.

Issue #17 asks for each technique's effect, not one lucky run: every (technique, task, seed) trains the full-size
``classify.bilstm`` entry (``experiment=paper``: Tai et al.'s BiLSTM on every training phrase, early-stopped on
dev) with every technique off (``TECHNIQUES_OFF``) but the one measured, and scores dev and test sentences. There
is no software peer here; the reference is the entry with every technique off (``baseline``), trained from the
same seeds. The entry's own defaults may switch a technique on (the curriculum, once it has earned it); the
table still measures each against the same bare classifier.

Each finished run is appended to ``--out`` as a JSON line at once, and runs already there are skipped, so a
table that takes hours (a binary run is about 9 minutes on 2 threads, a fine-grained one about 20; an ensemble k
times that) can be filled over several sittings. At the end one JSON line per (technique, task) is printed:
per-seed accuracies, their mean and sample standard deviation, and the effect (the mean of the per-seed
differences from ``baseline`` on the seeds both have, with its standard deviation).

    python bench/classify_techniques.py --vectors <enwiki-17m skip-gram .bin> --tasks binary --seeds 1,2,3
        [--techniques baseline,batch_norm,...] [--threads 2] [--out bench/results/sst_techniques.jsonl]

The techniques' settings (``TECHNIQUES``) start from the literature: an ensemble of 3 (averaged probabilities),
a curriculum of 1 epoch (shortest phrases first, Bengio et al. 2009's "baby steps" order), word dropout 0.3
(Iyyer et al. 2015), batch normalisation of the sentence vector (Ioffe & Szegedy 2015), mean-centred input
vectors (Mu & Viswanath 2018 remove the common mean).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from data_folder import data_dir
from paper_entry import PROJECT, paper_entry
from wordlab.classify.run import run_classifier
from wordlab.config import TrainerConfig
from wordlab.report.techniques import RunKey, read_technique_runs, run_key, technique_summary

ENTRY = "bilstm"
TECHNIQUES_OFF: dict[str, Any] = {
    "ensemble": 1,
    "curriculum_epochs": 0,
    "word_dropout": 0.0,
    "batch_norm": False,
    "mean_center": False,
}
TECHNIQUES: dict[str, dict[str, Any]] = {
    "baseline": {},
    "ensemble": {"ensemble": 3},
    "curriculum": {"curriculum_epochs": 1},
    "word_dropout": {"word_dropout": 0.3},
    "batch_norm": {"batch_norm": True},
    "mean_center": {"mean_center": True},
}
# The report stage tabulates this file (a dependency of the stage in dvc.yaml), so a finished run lands in the report.
RESULTS = PROJECT / "bench" / "results" / "sst_techniques.jsonl"


def finished_runs(path: Path) -> dict[RunKey, dict[str, Any]]:
    """The runs already in the results file, by (technique, task, seed)."""
    return read_technique_runs(path) if path.is_file() else {}


def train_one(
    technique: str, task: str, seed: int, *, args: argparse.Namespace, files: dict[str, Path]
) -> dict[str, Any]:
    """One training of the entry with the technique's option, on one task from one seed."""
    options = {**TECHNIQUES_OFF, **TECHNIQUES[technique]}
    entry = paper_entry("classify", ENTRY, **options, tasks=[task], seed=seed)
    trainer = TrainerConfig(num_threads=args.threads, enable_progress_bar=False)
    load_before = os.getloadavg()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="wordlab-sst-techniques-") as tmp_name:
        tmp = Path(tmp_name)
        metrics = run_classifier(ENTRY, entry, vectors_path=args.vectors, files=files, trainer_cfg=trainer,
                                 out_dir=tmp, curves_dir=tmp / "curves", run=None)  # fmt: skip
    prefix = f"classify.{ENTRY}.{task}"
    return {
        "technique": technique, "task": task, "seed": seed, "options": TECHNIQUES[technique],
        "dev": round(100 * metrics[f"{prefix}.dev.accuracy"], 2),
        "test": round(100 * metrics[f"{prefix}.test.accuracy"], 2),
        "best_epochs": [int(value) for key, value in sorted(metrics.items()) if key.endswith(".best_epoch")],
        "seconds": round(time.perf_counter() - began, 1), "threads": args.threads,
        "load_before": [round(value, 2) for value in load_before],
        "vectors": str(args.vectors),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    data = data_dir() / "sst"
    parser.add_argument("--data", type=Path, default=data, help="folder of SST's {train,dev,test}.txt trees")
    parser.add_argument("--vectors", type=Path, required=True, help="word2vec .bin the entry reads")
    parser.add_argument("--tasks", default="binary,fine", help="comma-separated: binary, fine")
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds")
    parser.add_argument("--techniques", default=",".join(TECHNIQUES), help=f"comma-separated of {list(TECHNIQUES)}")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS, help="results, one run a line (the report reads RESULTS)")
    args = parser.parse_args(argv)
    techniques = args.techniques.split(",")
    unknown = sorted(set(techniques) - set(TECHNIQUES))
    if unknown:
        parser.error(f"unknown techniques {unknown}; known: {list(TECHNIQUES)}")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    files = {split: args.data / f"{split}.txt" for split in ("train", "dev", "test")}
    tasks, seeds = args.tasks.split(","), [int(seed) for seed in args.seeds.split(",")]
    runs = finished_runs(args.out)
    for task in tasks:
        for seed in seeds:
            for technique in techniques:
                if (technique, task, seed) in runs:
                    continue
                record = train_one(technique, task, seed, args=args, files=files)
                with open(args.out, "a", encoding="utf-8") as handle:  # one whole line per finished run
                    handle.write(json.dumps(record) + "\n")
                runs[run_key(record)] = record
                print(json.dumps(record), file=sys.stderr, flush=True)
    for task in tasks:
        for technique in techniques:
            line = technique_summary(runs, technique, task)
            if line is not None:
                print(json.dumps(line))


if __name__ == "__main__":
    main()
