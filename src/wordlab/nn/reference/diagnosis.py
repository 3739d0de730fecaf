"""Read a learning curve and name the one symptom the user should act on.

The rules are the classic ones, checked in this order because an earlier symptom makes the later ones moot:

1. ``diverging``: the training loss became NaN/inf, rose above where it started (or exploded far above the
   baseline even for a moment), or climbed back up from its best value. The learning rate is too high.
2. ``overfitting``: the validation loss ends well above the training loss and the gap has widened since its
   narrowest. Regularise, get more data, or stop earlier.
3. ``plateau_high``: the training loss is still high and stopped improving in the second half of the run.
   The optimiser is stuck: learning rate too low, saturated or dead units, poor initialisation.
4. ``underfitting``: training (and validation) loss still high but still falling. Train longer or give the model
   more capacity; lighten regularisation.
5. ``ok`` otherwise.

Every threshold is a fraction of a *baseline*: the loss before the first update (the mean of the rows at the
first step) unless given, e.g. ``log(num_classes)`` for a classifier or ``log(vocab_size)`` for a language model.
"High" means above ``high_fraction`` of the baseline, which suits classifiers; a task whose best achievable loss is
a large fraction of its chance level (language modelling) should raise it.

The training curve is smoothed before it is read (single batch losses are too noisy to compare): into per-epoch
means when the run has at least ``min_epochs_for_epoch_means`` epochs, otherwise into ``segments`` equal windows
of steps. Only the generous ``explode`` rule compares against the unsmoothed baseline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd

from wordlab.nn.curve_files import TRAIN_FILE, VAL_FILE


class Symptom(StrEnum):
    ok = "ok"
    diverging = "diverging"
    plateau_high = "plateau_high"
    overfitting = "overfitting"
    underfitting = "underfitting"


ADVICE = {
    Symptom.ok: "No problem visible in the curves.",
    Symptom.diverging: "Training loss is rising or not finite: lower the learning rate (or clip gradients).",
    Symptom.plateau_high: (
        "Training loss stalled at a high value: raise the learning rate, check initialisation for saturated or "
        "dead units; if both are fine, the model lacks capacity."
    ),
    Symptom.overfitting: (
        "Validation loss pulls away from training loss: add regularisation (dropout, weight decay), more data, "
        "or stop earlier."
    ),
    Symptom.underfitting: (
        "Training and validation loss are both high and still falling: train longer, enlarge the model, or "
        "lighten regularisation."
    ),
}


@dataclass(frozen=True)
class Thresholds:
    rise: float = 0.1  # diverging: smoothed train loss this far (x baseline) above its first value or its best,
    explode: float = 1.0  # ... or this far (x baseline) above the baseline, however briefly
    high_fraction: float = 0.5  # "high": final smoothed train loss above this fraction of the baseline
    plateau: float = 0.02  # plateau: improvement over the second half below this (x baseline)
    gap: float = 0.1  # overfitting: final val - train gap above this (x baseline) ...
    widening: float = 0.1  # ... and at least this much (x baseline) wider than its narrowest
    segments: int = 10
    min_epochs_for_epoch_means: int = 5


@dataclass(frozen=True)
class Diagnosis:
    symptom: Symptom
    advice: str
    evidence: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.symptom.value}: {self.advice}"


CurveLike = pd.DataFrame | str | Path


def _frame(curve: CurveLike, default_name: str) -> pd.DataFrame:
    if isinstance(curve, pd.DataFrame):
        frame = curve
    else:
        path = Path(curve)
        frame = pd.read_csv(path / default_name if path.is_dir() else path, sep="\t")
    missing = {"step", "loss"} - set(frame.columns)
    if missing:
        raise ValueError(f"a learning curve needs columns step and loss; missing {sorted(missing)}")
    return frame.sort_values("step", kind="stable").reset_index(drop=True)


def _smoothed(train: pd.DataFrame, thresholds: Thresholds) -> np.ndarray:
    """Per-epoch means, or means of equal step windows when there are too few epochs."""
    if "epoch" in train.columns and train["epoch"].nunique() >= thresholds.min_epochs_for_epoch_means:
        return train.groupby("epoch", sort=True)["loss"].mean().to_numpy()
    losses = train["loss"].to_numpy(dtype=float)
    count = min(thresholds.segments, len(losses))
    return np.array([chunk.mean() for chunk in np.array_split(losses, count)])


def _gaps(train: pd.DataFrame, val: pd.DataFrame) -> np.ndarray:
    """For each validation point, val loss minus the mean training loss since the previous validation point."""
    steps = train["step"].to_numpy()
    losses = train["loss"].to_numpy(dtype=float)
    gaps = []
    previous = -math.inf
    for step, loss in zip(val["step"].to_numpy(), val["loss"].to_numpy(dtype=float), strict=True):
        window = losses[(steps > previous) & (steps <= step)]
        if window.size:
            gaps.append(loss - window.mean())
        previous = step
    return np.array(gaps)


def diagnose(
    train: CurveLike,
    val: CurveLike | None = None,
    *,
    baseline: float | None = None,
    thresholds: Thresholds | None = None,
) -> Diagnosis:
    """Name the symptom of a training curve (and optionally its validation curve).

    Curves are DataFrames with ``step`` and ``loss`` columns (``epoch`` too, as :mod:`wordlab.nn.curves` writes
    them), or paths to such TSVs, or a curves directory (its ``train.tsv`` / ``val.tsv``).
    """
    limits = thresholds or Thresholds()
    train_frame = _frame(train, TRAIN_FILE)
    val_frame = _frame(val, VAL_FILE) if val is not None else None
    if train_frame.empty:
        raise ValueError("the training curve is empty")

    losses = train_frame["loss"].to_numpy(dtype=float)
    val_losses = val_frame["loss"].to_numpy(dtype=float) if val_frame is not None else np.array([])
    if not (np.isfinite(losses).all() and np.isfinite(val_losses).all()):
        return Diagnosis(Symptom.diverging, ADVICE[Symptom.diverging], {"non_finite": 1.0})

    first_step = train_frame["step"].iloc[0]
    start = float(baseline) if baseline is not None else float(losses[train_frame["step"] == first_step].mean())
    scale = max(abs(start), 1e-12)
    curve = _smoothed(train_frame, limits)
    final, best, peak = float(curve[-1]), float(curve.min()), float(curve.max())
    half = float(curve[len(curve) // 2]) if len(curve) > 1 else final
    evidence = {"baseline": start, "final_train": final, "best_train": best, "peak_train": peak}

    rose = peak - float(curve[0]) > limits.rise * scale or final - best > limits.rise * scale
    if rose or peak > start + limits.explode * scale:
        return Diagnosis(Symptom.diverging, ADVICE[Symptom.diverging], evidence)

    val_high = True
    if val_frame is not None and len(val_frame):
        gaps = _gaps(train_frame, val_frame)
        evidence["final_val"] = float(val_losses[-1])
        val_high = float(val_losses[-1]) > limits.high_fraction * scale
        if gaps.size:
            evidence.update(final_gap=float(gaps[-1]), min_gap=float(gaps.min()))
            if gaps[-1] > limits.gap * scale and gaps[-1] - gaps.min() > limits.widening * scale:
                return Diagnosis(Symptom.overfitting, ADVICE[Symptom.overfitting], evidence)

    if final > limits.high_fraction * scale:
        evidence["recent_improvement"] = half - final
        if half - final < limits.plateau * scale:
            return Diagnosis(Symptom.plateau_high, ADVICE[Symptom.plateau_high], evidence)
        if val_high:
            return Diagnosis(Symptom.underfitting, ADVICE[Symptom.underfitting], evidence)
    return Diagnosis(Symptom.ok, ADVICE[Symptom.ok], evidence)
