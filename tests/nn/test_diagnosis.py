"""The diagnosis names the symptom of curves from real short trainings with planted problems."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wordlab.nn.curves import TRAIN_EPOCH_FILE, VAL_FILE, read_curve
from wordlab.nn.reference.diagnosis import ADVICE, Symptom, diagnose

PLANTED = {
    "well_trained": Symptom.ok,
    "overfitting": Symptom.overfitting,  # random labels: memorised, and validation gets only worse
    "too_high_lr": Symptom.diverging,  # SGD at lr 20
    "too_low_lr": Symptom.plateau_high,  # SGD at lr 1e-5
    "underfitting": Symptom.underfitting,  # SGD at lr 2e-3 for five epochs: still falling, still high
}


@pytest.mark.parametrize("name", PLANTED)
def test_diagnosis_names_the_planted_symptom(toy_runs, name: str) -> None:
    directory = toy_runs[name].directory
    diagnosis = diagnose(directory, directory)  # a curves directory: its train.tsv and val.tsv
    assert diagnosis.symptom is PLANTED[name], diagnosis.evidence
    assert diagnosis.advice == ADVICE[diagnosis.symptom]
    assert str(diagnosis).startswith(PLANTED[name].value)


def test_diagnosis_reads_paths_and_dataframes_alike(toy_runs) -> None:
    directory = toy_runs["overfitting"].directory
    from_frames = diagnose(read_curve(directory / "train.tsv"), read_curve(directory / VAL_FILE))
    from_paths = diagnose(directory / "train.tsv", directory / VAL_FILE)
    assert from_frames == from_paths


def test_the_planted_runs_really_have_their_symptoms(toy_runs) -> None:
    """Independent of the diagnosis rules: the raw curves show what was planted."""
    over_train = read_curve(toy_runs["overfitting"].directory / TRAIN_EPOCH_FILE)["loss"].to_numpy()
    over_val = read_curve(toy_runs["overfitting"].directory / VAL_FILE)["loss"].to_numpy()
    assert over_train[-1] < 0.5 * over_train[0] and over_val[-1] > over_val[0]
    high = read_curve(toy_runs["too_high_lr"].directory / "train.tsv")["loss"].to_numpy()
    assert np.nanmax(high) > 5 * high[0] or not np.isfinite(high).all()


def test_early_stopping_stops_where_the_validation_curve_says(toy_runs) -> None:
    """Same seed, same curve: the stopped run must end exactly patience epochs after the full run's best."""
    full = read_curve(toy_runs["overfitting"].directory / VAL_FILE)
    stopped_run = toy_runs["early_stopped"]
    stopped = read_curve(stopped_run.directory / VAL_FILE)
    patience = stopped_run.trainer.early_stopping_callback.patience
    best_epoch = int(full["loss"].to_numpy().argmin())
    assert best_epoch + patience + 1 < len(full)  # it stops early at all
    assert len(stopped) == best_epoch + patience + 1
    pd.testing.assert_frame_equal(stopped, full.iloc[: len(stopped)])
    assert stopped_run.trainer.should_stop


def _curve(losses: list[float], steps_per_epoch: int = 1) -> pd.DataFrame:
    steps = np.arange(len(losses))
    return pd.DataFrame({"step": steps, "epoch": steps // steps_per_epoch, "loss": losses})


def test_non_finite_losses_are_divergence() -> None:
    assert diagnose(_curve([1.0, 0.9, float("nan")])).symptom is Symptom.diverging
    assert diagnose(_curve([1.0, 0.5, 0.4]), _curve([1.0, float("inf"), 0.5])).symptom is Symptom.diverging


def test_short_curves_are_smoothed_by_step_windows() -> None:
    rng = np.random.default_rng(0)
    falling = list(np.exp(-np.arange(40) / 5) + rng.normal(scale=0.01, size=40))  # one epoch only
    assert diagnose(_curve(falling, steps_per_epoch=40)).symptom is Symptom.ok
    assert diagnose(_curve(falling[::-1], steps_per_epoch=40)).symptom is Symptom.diverging


def test_a_given_baseline_replaces_the_first_loss() -> None:
    stuck = [1.0] * 10
    assert diagnose(_curve(stuck)).symptom is Symptom.plateau_high
    assert diagnose(_curve(stuck), baseline=10.0).symptom is Symptom.ok  # 1.0 is low against a chance level of 10


def test_curves_without_step_or_loss_are_rejected() -> None:
    with pytest.raises(ValueError, match="step"):
        diagnose(pd.DataFrame({"loss": [1.0]}))
