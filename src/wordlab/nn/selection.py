"""Model selection on the dev set: keep the weights of the epoch with the best dev F1, and time the epochs.

Early stopping ends training some epochs after the best one; the reported model is the best one, restored from
an in-memory copy (a tagger's weights are a few MB), not the last. The copy is part of the callback's state, so
a run resumed from ``last.ckpt`` still knows its best epoch.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.trainer.states import TrainerFn

log = logging.getLogger(__name__)


class KeepBest(Callback):
    """Copy the module's weights whenever ``monitor`` beats its best value so far (higher is better, or lower
    with ``mode="min"``: a perplexity)."""

    def __init__(self, monitor: str = "val_f1", mode: str = "max", name: str = "") -> None:
        if mode not in ("max", "min"):
            raise ValueError(f"mode must be 'max' or 'min', got {mode!r}")
        self.monitor = monitor
        # Leads each epoch's log line, so that trainings side by side (wordlab.processes) tell theirs apart.
        self.name = f"{name} " if name else ""
        self.sign = 1.0 if mode == "max" else -1.0
        self.best_score: float | None = None
        self.best_epoch: int | None = None
        self.best_state: dict[str, torch.Tensor] | None = None

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking or trainer.state.fn != TrainerFn.FITTING:
            return
        value = trainer.callback_metrics.get(self.monitor)
        if value is None:
            raise RuntimeError(f"KeepBest: the module logged no {self.monitor!r} at validation")
        score = float(value)
        if self.best_score is None or self.sign * score > self.sign * self.best_score:
            self.best_score, self.best_epoch = score, trainer.current_epoch
            self.best_state = {k: v.detach().clone() for k, v in pl_module.state_dict().items()}
        log.info(
            "%sepoch %d: %s %.4f (best %.4f, epoch %d)",
            self.name,
            trainer.current_epoch,
            self.monitor,
            score,
            self.best_score,
            self.best_epoch,
        )

    def restore(self, module: torch.nn.Module) -> None:
        if self.best_state is None:
            raise RuntimeError("KeepBest: no validation ran, so there is no best epoch to restore")
        module.load_state_dict(self.best_state)

    def state_dict(self) -> dict[str, Any]:
        return {"best_score": self.best_score, "best_epoch": self.best_epoch, "best_state": self.best_state}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.best_score = state_dict.get("best_score")
        self.best_epoch = state_dict.get("best_epoch")
        self.best_state = state_dict.get("best_state")


class EpochTimer(Callback):
    """Seconds of each epoch (training and the dev evaluation), for cost reports; never a metric.

    Wall-clock time and the process's CPU time: on a shared machine the wall clock measures the neighbours too,
    while CPU time (with one torch thread) is close to what the epoch would take on an idle core.
    """

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.cpu_seconds: list[float] = []
        self._started = (0.0, 0.0)

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._started = (time.perf_counter(), time.process_time())

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.seconds.append(time.perf_counter() - self._started[0])
        self.cpu_seconds.append(time.process_time() - self._started[1])
