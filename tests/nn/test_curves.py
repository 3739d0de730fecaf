"""Learning curves of real short trainings, one per optimiser config: in MLflow, in the DVC plot files, identical."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from mlflow import MlflowClient
from nn_helpers import OPTIMIZERS, quiet_single_thread

from wordlab.nn.curves import COLUMNS, TRAIN_EPOCH_FILE, TRAIN_FILE, VAL_FILE, write_curve

CURVE_FILES = (TRAIN_FILE, TRAIN_EPOCH_FILE, VAL_FILE)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        assert tuple(reader.fieldnames or ()) == COLUMNS
        return list(reader)


def _points(path: Path) -> list[tuple[int, int, float]]:
    return [(int(r["step"]), int(r["epoch"]), float(r["loss"])) for r in _rows(path)]


def _history(client: MlflowClient, run_id: str, key: str) -> list[tuple[int, float]]:
    return sorted((m.step, m.value) for m in client.get_metric_history(run_id, key))


@pytest.mark.parametrize("option", OPTIMIZERS)
def test_each_optimizer_config_trains_and_writes_its_curve_everywhere(toy_runs, option: str) -> None:
    run = toy_runs[option]
    epochs = run.trainer.max_epochs
    batches = run.trainer.num_training_batches
    train, per_epoch, val = (_points(run.directory / name) for name in CURVE_FILES)

    # Dense: one full row per batch, per epoch and per validation; every field present and finite.
    for path in CURVE_FILES:
        assert all(all(value not in ("", None) for value in row.values()) for row in _rows(run.directory / path))
    assert [step for step, _, _ in train] == list(range(epochs * batches))
    assert [epoch for _, epoch, _ in train] == [i // batches for i in range(epochs * batches)]
    assert [epoch for _, epoch, _ in per_epoch] == [epoch for _, epoch, _ in val] == list(range(epochs))
    assert all(math.isfinite(loss) for _, _, loss in train + per_epoch + val)

    # The epoch curve is the mean of the epoch's batches, at the epoch's last step; validation shares that step.
    for step, epoch, loss in per_epoch:
        losses = [value for _, e, value in train if e == epoch]
        assert loss == pytest.approx(math.fsum(losses) / len(losses), rel=1e-12)
        assert step == max(s for s, e, _ in train if e == epoch)
    assert [s for s, _, _ in val] == [s for s, _, _ in per_epoch]

    # MLflow holds exactly the same points.
    client = MlflowClient(toy_runs.uri)
    assert _history(client, run.run_id, "train_loss") == [(s, v) for s, _, v in train]
    assert _history(client, run.run_id, "train_loss_epoch") == [(s, v) for s, _, v in per_epoch]
    assert _history(client, run.run_id, "val_loss") == [(s, v) for s, _, v in val]

    # And the configured optimiser did train.
    assert per_epoch[-1][2] < per_epoch[0][2]


def test_dvc_reads_the_plot_files(toy_runs) -> None:
    pytest.importorskip("dvc")
    from dvc.fs import LocalFileSystem
    from dvc.repo.plots import parse

    run = toy_runs["adam"]
    for name in CURVE_FILES:
        parsed = parse(LocalFileSystem(), str(run.directory / name))["data"]
        assert parsed == _rows(run.directory / name)
        assert parsed and set(parsed[0]) == set(COLUMNS)


def test_same_seed_same_curves(toy_runs) -> None:
    first, second = toy_runs["adam"], toy_runs["adam_repeat"]
    for name in CURVE_FILES:
        assert (first.directory / name).read_bytes() == (second.directory / name).read_bytes()
    client = MlflowClient(toy_runs.uri)
    for key in ("train_loss", "val_loss"):
        assert _history(client, first.run_id, key) == _history(client, second.run_id, key)
    assert first.run_id != second.run_id


def test_curves_are_on_disk_at_every_epoch_end_and_leave_no_temporary_files(toy_runs) -> None:
    run = toy_runs["well_trained"]
    batches = run.trainer.num_training_batches
    expected = [
        {TRAIN_FILE: (epoch + 1) * batches, TRAIN_EPOCH_FILE: epoch + 1, VAL_FILE: epoch + 1}
        for epoch in range(run.trainer.max_epochs)
    ]
    assert toy_runs.probes["reader"].rows_per_epoch == expected
    for name in toy_runs.runs:
        assert sorted(path.name for path in (toy_runs.root / name).iterdir()) == sorted(CURVE_FILES)


def test_a_failed_write_leaves_the_previous_file_intact(tmp_path: Path) -> None:
    target = tmp_path / "curves" / TRAIN_FILE
    write_curve(target, [(0, 0, 1.5), (1, 0, 1.25)])
    before = target.read_bytes()

    class Unwritable:  # fails half-way through the file, as a full disk would
        def __float__(self) -> float:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_curve(target, [(0, 0, 1.0), (1, 0, Unwritable())])
    assert target.read_bytes() == before
    assert [p.name for p in target.parent.iterdir()] == [TRAIN_FILE]


def test_a_crashed_training_keeps_its_curve_up_to_the_crash(toy_runs, tmp_path: Path) -> None:
    from wordlab.nn.reference.toy import ToyClassifier, fit_toy, make_blobs

    class Crashing(ToyClassifier):
        def training_step(self, batch, batch_idx):
            if self.current_epoch == 1 and batch_idx == 1:
                raise RuntimeError("planted crash")
            return super().training_step(batch, batch_idx)

    task = make_blobs(n_train=64, n_val=32, seed=3)
    module = Crashing(task.num_features, task.num_classes)
    with quiet_single_thread(), pytest.raises(RuntimeError, match="planted crash"):
        fit_toy(module, task, curves_dir=tmp_path / "crash", tracking_uri=toy_runs.uri, run_name="crash", max_epochs=3)
    train = _points(tmp_path / "crash" / TRAIN_FILE)
    batches = 64 // 32  # fit_toy's default batch size
    assert [step for step, _, _ in train] == list(range(batches + 1))  # all of epoch 0, the first batch of epoch 1
    runs = MlflowClient(toy_runs.uri).search_runs(
        [MlflowClient(toy_runs.uri).get_experiment_by_name("wordlab-nn").experiment_id],
        filter_string="attributes.run_name = 'crash'",
    )
    (crashed,) = runs
    assert crashed.info.status == "FAILED"
    history = _history(MlflowClient(toy_runs.uri), crashed.info.run_id, "train_loss")
    assert history == [(s, v) for s, _, v in train]


def test_curves_survive_a_checkpoint_round_trip(tmp_path: Path) -> None:
    from wordlab.nn.curves import LearningCurves

    original = LearningCurves(tmp_path)
    original.train, original.train_epoch, original.val = [(0, 0, 1.5), (1, 0, 1.0)], [(1, 0, 1.25)], [(1, 0, 1.1)]
    restored = LearningCurves(tmp_path)
    restored.load_state_dict(original.state_dict())
    assert (restored.train, restored.train_epoch, restored.val) == (original.train, original.train_epoch, original.val)
