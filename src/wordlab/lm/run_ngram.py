"""The n-gram baseline's stage call: count the training split, score valid and test, write the model.

Apart from :mod:`wordlab.lm.run` because it needs no Lightning, whose import alone costs several seconds of every
stage that loads it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from wordlab.lm.config import KneserNeyConfig
from wordlab.lm.data import build_vocabulary, read_sentences
from wordlab.lm.kneser_ney import KneserNeyLM
from wordlab.lm.outputs import MODEL_FILE, write_results
from wordlab.lm.saved import save_ngram
from wordlab.nn.curve_files import VAL_FILE, write_curve
from wordlab.tracking import StageRun


def run_kneser_ney(
    name: str,
    cfg: KneserNeyConfig,
    *,
    files: Mapping[str, Path],
    out_dir: Path,
    curves_dir: Path,
    run: StageRun | None,
) -> dict[str, Any]:
    """Count the training split, score valid and test; write and return the metrics. The learning curve of a
    counted model is one point: ``val.tsv`` holds the validation loss (mean NLL per token) at step 0."""
    vocabulary = build_vocabulary(Path(files["train"]))  # the whole file's: valid and test stay in it
    started = time.perf_counter()
    training = read_sentences(Path(files["train"]), vocabulary, cfg.max_lines)
    model = KneserNeyLM.fit(training, len(vocabulary), order=int(cfg.order))
    fit_seconds = time.perf_counter() - started
    metrics: dict[str, Any] = {f"lm.{name}.vocab_size": float(len(vocabulary))}
    for split in ("valid", "test"):
        log_probs = model.log_probs(read_sentences(Path(files[split]), vocabulary, cfg.max_lines))
        metrics[f"lm.{name}.{split}.ppl"] = math.exp(-float(np.mean(log_probs)))
        metrics[f"lm.{name}.{split}.tokens"] = float(len(log_probs))
    write_curve(Path(curves_dir) / VAL_FILE, [(0, 0, math.log(metrics[f"lm.{name}.valid.ppl"]))])
    save_ngram(Path(out_dir) / MODEL_FILE, model, vocabulary)
    write_results(name, out_dir, metrics, {f"lm.{name}.fit_seconds": fit_seconds}, run)
    return metrics
