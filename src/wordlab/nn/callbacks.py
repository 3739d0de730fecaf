"""The ``regularization`` config group turned into Lightning Trainer arguments and callbacks.

Dropout is the model's business (it builds its dropout layers from ``regularization.dropout``) and weight decay
the optimiser's; what remains acts around the training step, so it belongs to the Trainer: gradient clipping
(``gradient_clip_val``), max-norm (a callback after every optimiser step) and early stopping.
"""

from __future__ import annotations

from typing import Any

import lightning.pytorch as pl
from lightning.pytorch.callbacks import Callback, EarlyStopping

from wordlab.nn.config import RegularizationConfig, StopMode, check_regularization
from wordlab.nn.regularization import apply_max_norm_


class MaxNorm(Callback):
    """Apply :func:`wordlab.nn.regularization.apply_max_norm_` to the module after every training batch's step."""

    def __init__(self, max_norm: float) -> None:
        if max_norm <= 0:
            raise ValueError(f"max_norm must be positive, got {max_norm}")
        self.max_norm = float(max_norm)

    def on_train_batch_end(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        apply_max_norm_(pl_module, self.max_norm)


def _mode(mode: Any) -> str:
    return mode.value if isinstance(mode, StopMode) else str(mode)


def regularization_callbacks(cfg: RegularizationConfig) -> list[Callback]:
    """The callbacks the config asks for: max-norm and early stopping, each only when enabled."""
    check_regularization(cfg)
    callbacks: list[Callback] = []
    if cfg.max_norm is not None:
        callbacks.append(MaxNorm(cfg.max_norm))
    stopping = cfg.early_stopping
    if stopping.patience is not None:
        callbacks.append(
            EarlyStopping(
                monitor=stopping.monitor,
                mode=_mode(stopping.mode),
                patience=int(stopping.patience),
                min_delta=float(stopping.min_delta),
                check_finite=True,
            )
        )
    return callbacks


def regularization_trainer_kwargs(cfg: RegularizationConfig) -> dict[str, Any]:
    """Keyword arguments for ``lightning.pytorch.Trainer``: gradient clipping and the callbacks above."""
    kwargs: dict[str, Any] = {"callbacks": regularization_callbacks(cfg)}
    if cfg.grad_clip is not None:
        kwargs["gradient_clip_val"] = float(cfg.grad_clip)
        kwargs["gradient_clip_algorithm"] = "norm"
    return kwargs
