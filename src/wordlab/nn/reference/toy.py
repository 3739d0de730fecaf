"""A tiny synthetic task and a reference LightningModule wired the way every wordlab model is.

The toolkit's own tests train it (one short run per optimiser, planted failures for the diagnosis), and it shows
in one page the conventions a model follows: losses and activations by name, initialisation by role, dropout from
the ``regularization`` group, ``configure_optimizers`` from the ``optimizer`` and ``scheduler`` groups, the
training loss returned and the validation loss logged as ``val_loss`` for :class:`~wordlab.nn.curves.LearningCurves`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.utilities.types import OptimizerConfig, OptimizerLRSchedulerConfig
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from wordlab.nn.activations import get_activation
from wordlab.nn.callbacks import regularization_trainer_kwargs
from wordlab.nn.config import RegularizationConfig
from wordlab.nn.curves import LearningCurves
from wordlab.nn.init import initialise
from wordlab.nn.losses import cross_entropy
from wordlab.nn.optim import configure_optimizers
from wordlab.nn.regularization import InvertedDropout


@dataclass(frozen=True)
class Task:
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    num_classes: int

    @property
    def num_features(self) -> int:
        return int(self.x_train.shape[1])


def make_blobs(
    n_train: int = 256,
    n_val: int = 128,
    *,
    num_classes: int = 4,
    num_features: int = 8,
    spread: float = 1.0,
    random_labels: bool = False,
    seed: int = 0,
) -> Task:
    """Gaussian clusters, one per class, with centres at distance about 3 from each other (separable at spread 1).

    ``random_labels`` draws labels independently of the inputs: a network can only memorise them, so its
    validation loss can only get worse, which plants over-fitting.
    """
    generator = torch.Generator().manual_seed(seed)
    centres = 2.0 * torch.randn(num_classes, num_features, generator=generator)

    def draw(count: int) -> tuple[torch.Tensor, torch.Tensor]:
        labels = torch.randint(num_classes, (count,), generator=generator)
        x = centres[labels] + spread * torch.randn(count, num_features, generator=generator)
        if random_labels:
            labels = torch.randint(num_classes, (count,), generator=generator)
        return x, labels

    x_train, y_train = draw(n_train)
    x_val, y_val = draw(n_val)
    return Task(x_train, y_train, x_val, y_val, num_classes)


def loaders(task: Task, batch_size: int, seed: int = 0) -> tuple[DataLoader, DataLoader]:
    """Shuffled training batches (reproducibly, from ``seed``) and fixed validation batches."""
    train = DataLoader(
        TensorDataset(task.x_train, task.y_train),
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    val = DataLoader(TensorDataset(task.x_val, task.y_val), batch_size=max(batch_size, len(task.x_val)))
    return train, val


class ToyClassifier(pl.LightningModule):
    """An MLP classifier (``hidden=0``: a linear one) trained with softmax cross-entropy."""

    def __init__(
        self,
        num_features: int,
        num_classes: int,
        *,
        hidden: int = 32,
        activation: str = "tanh",
        dropout: float = 0.0,
        optimizer: Mapping[str, Any] | None = None,
        scheduler: Mapping[str, Any] | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = num_features
        if hidden:
            layers += [nn.Linear(num_features, hidden), get_activation(activation), InvertedDropout(dropout)]
            width = hidden
        layers.append(nn.Linear(width, num_classes))
        self.net = nn.Sequential(*layers)
        # Its own generator: the same seed gives the same network whatever ran before in the process.
        initialise(self, generator=torch.Generator().manual_seed(seed))
        self.optimizer_cfg = dict(optimizer or {"_target_": "torch.optim.Adam", "lr": 1e-2})
        self.scheduler_cfg = dict(scheduler) if scheduler else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        x, y = batch
        return cross_entropy(self(x), y)

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        x, y = batch
        self.log("val_loss", cross_entropy(self(x), y), batch_size=len(y))

    def configure_optimizers(self) -> OptimizerConfig | OptimizerLRSchedulerConfig:
        return configure_optimizers(
            self.optimizer_cfg,
            self.scheduler_cfg,
            self.named_parameters(),
            total_steps=int(self.trainer.estimated_stepping_batches),
        )


@dataclass(frozen=True)
class ToyRun:
    run_id: str
    curves: LearningCurves
    trainer: pl.Trainer
    module: ToyClassifier

    @property
    def directory(self) -> Path:
        return self.curves.directory


def fit_toy(
    module: ToyClassifier,
    task: Task,
    *,
    curves_dir: str | Path,
    tracking_uri: str,
    experiment: str = "wordlab-nn",
    run_name: str | None = None,
    max_epochs: int = 10,
    batch_size: int = 32,
    regularization: RegularizationConfig | None = None,
    seed: int = 0,
    extra_callbacks: list[pl.Callback] | None = None,
) -> ToyRun:
    """Train ``module`` on ``task`` on the CPU, deterministically, logging to MLflow and writing learning curves."""
    from lightning.pytorch.loggers import MLFlowLogger

    pl.seed_everything(seed, workers=True, verbose=False)
    curves = LearningCurves(curves_dir)
    logger = MLFlowLogger(experiment_name=experiment, run_name=run_name, tracking_uri=tracking_uri)
    reg = regularization_trainer_kwargs(regularization or RegularizationConfig())
    trainer = pl.Trainer(
        accelerator="cpu",
        devices=1,
        max_epochs=max_epochs,
        deterministic=True,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        logger=logger,
        log_every_n_steps=1,
        num_sanity_val_steps=0,
        callbacks=[curves, *reg.pop("callbacks"), *(extra_callbacks or [])],
        **reg,
    )
    train, val = loaders(task, batch_size, seed)
    trainer.fit(module, train, val)
    assert logger.run_id is not None
    return ToyRun(logger.run_id, curves, trainer, module)
