"""The Lightning Trainer every wordlab training uses: progress bar, MLflow, resumable checkpoints.

One place builds it so that every model gets the same contract: metrics go to the stage's own MLflow run (the
logger is handed that run's id, and the tracking URI explicitly, since Lightning's MLFlowLogger otherwise reads
the environment when imported and falls back to a file store), and ``last.ckpt`` in the checkpoint directory lets
an interrupted run resume where it stopped. The caller adds the model's callbacks, learning curves first
(:class:`wordlab.nn.curves.LearningCurves`): infrastructure does not import the toolkit above it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import shutil
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from lightning import pytorch as pl
from lightning.pytorch.callbacks import Callback, ModelCheckpoint
from lightning.pytorch.loggers import MLFlowLogger

from wordlab.io import sha256_of
from wordlab.ranks import is_writer, rank_seed
from wordlab.tracking import StageRun

log = logging.getLogger(__name__)

# Kernel-driven modules step a stand-in optimiser after training in place, so the state a checkpoint holds is the
# post-step state by design; Lightning's warning about that is noise for them.
warnings.filterwarnings("ignore", message="Using ModelCheckpoint with manual optimization")

LAST_CHECKPOINT = "last.ckpt"


class _RankSeeds(Callback):
    """Under DDP, a rank other than 0 draws its random numbers (dropout masks, word dropout) from a stream of its
    own: every rank was seeded alike, so their halves of each batch would otherwise get the same masks. Rank 0 keeps
    the stream a single process has, so a 1-process run is unchanged."""

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.world_size > 1 and trainer.global_rank > 0:
            torch.manual_seed(rank_seed(torch.initial_seed(), trainer.global_rank))


def build_trainer(
    trainer_cfg: Any,  # the ``trainer`` node: a DictConfig, or the TrainerConfig made of it
    *,
    max_epochs: int,
    checkpoint_dir: Path | None,
    run: StageRun | None,
    checkpoint_every_n_steps: int | None = None,
    callbacks: list[Callback] | None = None,
    **overrides: Any,
) -> pl.Trainer:
    all_callbacks: list[Callback] = [*(callbacks or []), _RankSeeds()]
    if checkpoint_dir is not None:
        all_callbacks.append(
            ModelCheckpoint(
                dirpath=checkpoint_dir,
                save_last=True,
                # Lightning 2.6 writes last.ckpt at an epoch's end only if it saved a top-k checkpoint there: keep
                # one for epoch-level checkpoints (the step-level path saves last.ckpt on its own).
                save_top_k=0 if checkpoint_every_n_steps else 1,
                every_n_train_steps=checkpoint_every_n_steps,
                save_on_train_epoch_end=True,
            )
        )
    loggers: list[Any] = []
    if run is not None:
        loggers.append(MLFlowLogger(tracking_uri=run.uri, run_id=run.run_id, log_model=False))
    options: dict[str, Any] = {
        "accelerator": trainer_cfg.accelerator,
        "devices": trainer_cfg.devices,
        "num_nodes": getattr(trainer_cfg, "num_nodes", 1),
        "strategy": str(getattr(trainer_cfg, "strategy", "auto")),  # a StrEnum member is its name
        # wordlab's samplers give each DDP rank its share of every global batch (wordlab.ranks.shard), so that the
        # configured batch size means the same at any number of processes; Lightning's sampler would replace them.
        "use_distributed_sampler": False,
        "precision": trainer_cfg.precision,
        "deterministic": trainer_cfg.deterministic,
        "log_every_n_steps": trainer_cfg.log_every_n_steps,
        "enable_progress_bar": trainer_cfg.enable_progress_bar,
        "max_epochs": max_epochs,
        "callbacks": all_callbacks,
        "logger": loggers or False,
        "enable_checkpointing": checkpoint_dir is not None,
        "enable_model_summary": False,
        "num_sanity_val_steps": 0,
        "default_root_dir": str(checkpoint_dir) if checkpoint_dir is not None else None,
    }
    for limit in ("limit_train_batches", "limit_val_batches"):
        value = getattr(trainer_cfg, limit, None)
        if value is not None:  # a count stays an int, a share a float: Lightning tells them apart by type
            options[limit] = value if isinstance(value, float) else int(value)
    options.update(overrides)
    return pl.Trainer(**options)


def resume_checkpoint(checkpoint_dir: Path) -> str | None:
    """``last.ckpt`` of an interrupted run in ``checkpoint_dir``, if there is one."""
    last = checkpoint_dir / LAST_CHECKPOINT
    if last.is_file():
        log.info("resuming from %s", last)
        return str(last)
    return None


def discard_checkpoints(checkpoint_dir: Path) -> None:
    """After a run completes its checkpoints have served: a later run with other settings must not resume them.
    Under DDP only rank 0 removes them, as only it wrote them."""
    if is_writer():
        shutil.rmtree(checkpoint_dir, ignore_errors=True)


def checkpoint_key(version: int, settings: Any, files: Iterable[Path | None]) -> str:
    """A hash of what determines a run: a format ``version``, its settings (a dataclass) and the contents of the
    files it reads (None for an absent one), so that an interrupted run resumes into the same run only."""
    plain = dataclasses.asdict(settings)
    digest = hashlib.sha256(json.dumps([version, plain], sort_keys=True, default=str).encode())
    for path in files:
        digest.update(b"-" if path is None else sha256_of(Path(path)).encode())
    return digest.hexdigest()[:16]


def run_checkpoint_dir(
    checkpoint_dir: Path | None, version: int, settings: Any, files: Iterable[Path | None]
) -> Path | None:
    """The folder of one run's checkpoints, ``checkpoint_dir/<checkpoint_key>``; None without a checkpoint dir."""
    if checkpoint_dir is None:
        return None
    return Path(checkpoint_dir) / checkpoint_key(version, settings, files)
