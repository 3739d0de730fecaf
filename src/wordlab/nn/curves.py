"""Learning curves: every Lightning training's losses, in MLflow and in dense TSV files DVC plots.

:class:`LearningCurves` is the one writer of the curves, so MLflow and the TSVs always hold the same numbers.

Files, under the callback's directory, each with the header ``step<TAB>epoch<TAB>loss`` and one fully populated
row per point (dense: no empty cells, so DVC and pandas read them without gaps):

- ``train.tsv``: the training loss of every batch (under DDP, the mean over the ranks' shares of the batch);
- ``train_epoch.tsv``: the mean training loss of each epoch (over its batches);
- ``val.tsv``: the validation loss of every validation run (not the sanity check before training).

``step`` is Lightning's logging step, the one ``self.log`` uses: the number of optimiser steps taken before the
batch, so a validation row shares the step of the last training batch before it. The three files therefore
overlay on one x axis (DVC: ``x: step``, ``y: loss``). The files are rewritten whole, atomically (temporary file +
rename), at the end of every training epoch, after every validation run and at the end of fit, so a reader never
sees half a file.

MLflow (through the Trainer's loggers, e.g. ``MLFlowLogger``) receives ``train_loss`` per step and
``train_loss_epoch`` per epoch from this callback. They are buffered and sent at least every ``flush_seconds``
(checked after every batch) and at the end of fit: one sqlite commit per metric point costs more than a small
model's training step, whereas an ``MLFlowLogger`` takes the whole buffer in one batch.

The validation loss reaches MLflow from the module itself, which must log it under ``val_metric`` with
``self.log("val_loss", loss)`` in ``validation_step`` (early stopping and plateau schedules need that metric
anyway); this callback reads the epoch's value from ``trainer.callback_metrics``. The module's ``training_step``
returns its loss, as Lightning requires, and should not log ``train_loss`` itself.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.loggers import MLFlowLogger
from lightning.pytorch.trainer.states import TrainerFn

from wordlab.nn.curve_files import COLUMNS, TRAIN_EPOCH_FILE, TRAIN_FILE, VAL_FILE, Row, read_curve, write_curve

__all__ = [
    "COLUMNS",
    "TRAIN_EPOCH_FILE",
    "TRAIN_FILE",
    "VAL_FILE",
    "LearningCurves",
    "read_curve",
    "write_curve",
]
_MLFLOW_BATCH_LIMIT = 1000  # metrics per log_batch call that MLflow accepts


def _scalar(value: Any) -> float | None:
    if isinstance(value, Mapping):
        value = value.get("loss")
    if isinstance(value, torch.Tensor):
        return float(value.detach().float().mean()) if value.numel() else None
    if isinstance(value, (int, float)):
        return float(value)
    return None


def _logging_step(trainer: pl.Trainer) -> int:
    """The step Lightning's own ``self.log`` uses (counts batches that stepped the optimiser)."""
    loop = getattr(trainer.fit_loop, "epoch_loop", None)
    counted = getattr(loop, "_batches_that_stepped", None)
    return int(counted) if counted is not None else max(trainer.global_step - 1, 0)


class LearningCurves(Callback):
    """Record the training and validation loss of a fit; write them to TSVs and to the Trainer's loggers."""

    def __init__(
        self,
        directory: str | Path,
        *,
        val_metric: str = "val_loss",
        log_to_loggers: bool = True,
        flush_seconds: float = 10.0,
        metric_prefix: str = "",
    ) -> None:
        self.directory = Path(directory)
        # Put before the logger keys (``ner.window.train_loss``) when several fits share one MLflow run.
        self.metric_prefix = metric_prefix
        self.val_metric = val_metric
        self.log_to_loggers = log_to_loggers
        self.flush_seconds = flush_seconds
        self._last_flush = time.monotonic()
        self.train: list[Row] = []
        self.train_epoch: list[Row] = []
        self.val: list[Row] = []
        self._epoch_losses: list[float] = []
        self._pending: list[tuple[str, float, int, int]] = []  # (key, value, step, timestamp in ms)

    # --- recording ------------------------------------------------------------------------------------------

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._last_flush = time.monotonic()

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._epoch_losses = []

    def on_train_batch_end(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        loss = _scalar(outputs)
        if loss is None:
            raise RuntimeError(
                "LearningCurves: training_step returned no loss (return the loss tensor or {'loss': ...})"
            )
        if trainer.world_size > 1:  # DDP: each rank's loss is its shard's; the curve shows the global batch's
            loss = float(trainer.strategy.reduce(torch.tensor(loss), reduce_op="mean"))
        step = _logging_step(trainer)
        self.train.append((step, trainer.current_epoch, loss))
        self._epoch_losses.append(loss)
        self._log("train_loss", loss, step)
        if time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush(trainer)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self._epoch_losses:
            mean = math.fsum(self._epoch_losses) / len(self._epoch_losses)
            step = self.train[-1][0]
            self.train_epoch.append((step, trainer.current_epoch, mean))
            self._log("train_loss_epoch", mean, step)
        if time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush(trainer)
        self.write()

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking or trainer.state.fn != TrainerFn.FITTING:
            return  # the sanity check and trainer.validate() are not points of the learning curve
        value = trainer.callback_metrics.get(self.val_metric)
        if value is None:
            raise RuntimeError(
                f"LearningCurves: the module logged no {self.val_metric!r}; "
                f"call self.log({self.val_metric!r}, loss) in validation_step"
            )
        self.val.append((_logging_step(trainer), trainer.current_epoch, float(value)))
        self.write()

    def on_fit_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.flush(trainer)
        self.write()

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        # A crashed or interrupted run keeps the curve up to the failure: that is when it is most needed.
        self.flush(trainer)
        self.write()

    # --- output ---------------------------------------------------------------------------------------------

    def _log(self, key: str, value: float, step: int) -> None:
        if self.log_to_loggers:
            self._pending.append((f"{self.metric_prefix}{key}", value, step, int(time.time() * 1000)))

    def flush(self, trainer: pl.Trainer) -> None:
        """Send the buffered metric points to the Trainer's loggers (MLflow: in batches, one commit each)."""
        pending, self._pending = self._pending, []
        self._last_flush = time.monotonic()
        log_points(trainer, pending)

    def write(self) -> None:
        """Rewrite the three curve files from what has been recorded so far."""
        write_curve(self.directory / TRAIN_FILE, self.train)
        write_curve(self.directory / TRAIN_EPOCH_FILE, self.train_epoch)
        write_curve(self.directory / VAL_FILE, self.val)

    # --- checkpointing: a resumed fit continues its curves instead of starting them again --------------------

    def state_dict(self) -> dict[str, Any]:
        return {"train": list(self.train), "train_epoch": list(self.train_epoch), "val": list(self.val)}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.train = [tuple(row) for row in state_dict.get("train", [])]
        self.train_epoch = [tuple(row) for row in state_dict.get("train_epoch", [])]
        self.val = [tuple(row) for row in state_dict.get("val", [])]


def log_points(trainer: pl.Trainer, points: Sequence[tuple[str, float, int, int]]) -> None:
    """Send (key, value, step, milliseconds) points to the Trainer's loggers: MLflow in batches, one commit each
    (per-step metrics logged one by one cost more than a small model's training step)."""
    if not points:
        return
    for logger in trainer.loggers:
        if isinstance(logger, MLFlowLogger):
            _log_mlflow_batch(logger, points)
        else:
            for key, value, step, _ in points:
                logger.log_metrics({key: value}, step=step)


def _log_mlflow_batch(logger: MLFlowLogger, points: Sequence[tuple[str, float, int, int]]) -> None:
    from mlflow.entities import Metric

    metrics = [Metric(key=key, value=value, timestamp=stamp, step=step) for key, value, step, stamp in points]
    for start in range(0, len(metrics), _MLFLOW_BATCH_LIMIT):
        logger.experiment.log_batch(run_id=logger.run_id, metrics=metrics[start : start + _MLFLOW_BATCH_LIMIT])
