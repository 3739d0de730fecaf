"""Training time of a task's full-size default entry, trained as its stage trains it, against issue #17's 20 minutes.

There is no software peer here: the target is the wall clock on this 2-core machine. The script composes the
``experiment=paper`` entry from ``conf/`` (what ``dvc exp run -S experiment=paper`` trains), calls the stage's one
library function (``run_tagger`` or ``run_classifier``) without MLflow, and prints one JSON line: the seconds, the
load before and after, the trainer's threads and ``parallel_fits``, the accuracies and the timings file. Run it alone
on the machine; a figure measured beside other work is not a figure.

    python bench/training_time.py tagger --vectors <enwiki-17m skip-gram .bin> [--threads 2] [--parallel-fits 2]
    python bench/training_time.py classify --vectors <enwiki-17m skip-gram .bin> [--entry bilstm_random]

``--entry`` trains another entry of the group (the random-initialisation baseline's figures beside the default's).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from pathlib import Path

from data_folder import data_dir
from paper_entry import paper_entry
from wordlab.config import TrainerConfig

TARGET_SECONDS = 20 * 60
ENTRIES = {"tagger": "bilstm", "classify": "bilstm"}


def train(task: str, args: argparse.Namespace, out: Path) -> dict[str, float]:
    """The entry as ``experiment=paper`` composes it (``--epochs``: a shorter cap, for a quick check), trained by the
    task's stage function."""
    entry = paper_entry(task, args.entry, **({"epochs": args.epochs} if args.epochs is not None else {}))
    trainer = TrainerConfig(num_threads=args.threads, parallel_fits=args.parallel_fits, enable_progress_bar=False)
    common = {"vectors_path": args.vectors, "trainer_cfg": trainer, "out_dir": out, "curves_dir": out / "curves",
              "run": None}  # fmt: skip
    if task == "tagger":
        from wordlab.tagger.run import run_tagger

        folder = args.data / "ud-english-ewt"
        files = {split: folder / f"en_ewt-ud-{split}.conllu" for split in ("train", "dev", "test")}
        return run_tagger(args.entry, entry, files=files, **common)
    from wordlab.classify.run import run_classifier

    files = {split: args.data / "sst" / f"{split}.txt" for split in ("train", "dev", "test")}
    return run_classifier(args.entry, entry, files=files, **common)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("task", choices=sorted(ENTRIES))
    parser.add_argument("--entry", default=None, help="an entry of the task's group (default: bilstm for both)")
    parser.add_argument("--vectors", type=Path, required=True, help="word2vec .bin the entry reads")
    parser.add_argument("--data", type=Path, default=data_dir(), help="the datasets' folder")
    parser.add_argument("--threads", type=int, default=2, help="trainer.num_threads")
    parser.add_argument("--parallel-fits", type=int, default=2, help="trainer.parallel_fits (conf/trainer/cpu.yaml)")
    parser.add_argument("--epochs", type=int, default=None, help="a shorter epoch cap: a quick check, not the target")
    args = parser.parse_args(argv)
    args.entry = args.entry or ENTRIES[args.task]
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    load_before = os.getloadavg()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="wordlab-training-time-") as tmp:
        metrics = train(args.task, args, Path(tmp))
        timings = json.loads((Path(tmp) / "timings.json").read_text(encoding="utf-8"))
    seconds = time.perf_counter() - began
    accuracies = {key: round(100 * value, 2) for key, value in metrics.items() if key.endswith(".accuracy")}
    line = {
        "task": args.task, "entry": args.entry, "epochs_cap": args.epochs, "threads": args.threads,
        "parallel_fits": args.parallel_fits, "seconds": round(seconds, 1), "target_seconds": TARGET_SECONDS,
        "within_target": seconds < TARGET_SECONDS if args.epochs is None else None,
        "load_before": [round(v, 2) for v in load_before], "load_after": [round(v, 2) for v in os.getloadavg()],
        "accuracy": accuracies, "timings": {key: round(value, 1) for key, value in timings.items()},
        "vectors": str(args.vectors),
    }  # fmt: skip
    print(json.dumps(line))


if __name__ == "__main__":
    main()
