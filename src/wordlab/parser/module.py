"""The LightningModule the parser trains as: cross-entropy on the oracle's transitions, dev LAS by parsing.

Validation does two things each epoch: the loss on the dev set's oracle configurations (``val_loss``, for the
learning curves, over the dev trees made projective the way training trees are), and a full greedy parse of the
dev sentences scored by the CoNLL 2018 convention (``val_uas``, ``val_las``), which early stopping and best-epoch
selection monitor. Per-epoch dev scores also go to a TSV of their own (step, epoch, uas, las), a DVC plot.

L2 (Chen & Manning's 1e-8) applies to the weights and every embedding, never to biases: the optimiser's param
groups carry it (AdaGrad's ``weight_decay`` adds ``lambda * theta`` to the gradient, the derivative of
``lambda/2 ||theta||^2``).

With ``average_decay`` the module also keeps an exponential moving average of the network's weights (torch's
``AveragedModel`` with its EMA function, updated after every optimiser step), and validation scores the average:
the dev loss, dev UAS/LAS and so early stopping and the kept best epoch are the averaged network's. Training and
the dynamic oracle's exploring pass keep using the weights as trained. Lightning's ``WeightAveraging`` callback
is not used because it swaps the weights back in its ``on_validation_epoch_end``, which runs before this module's,
where the dev parse happens. The average is a submodule, so checkpoints carry it and a resumed run goes on
averaging where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

import lightning.pytorch as pl
import torch
from lightning.pytorch.utilities.types import OptimizerConfig, OptimizerLRSchedulerConfig
from torch.nn import functional as F
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from wordlab.io import write_text_atomic
from wordlab.nn.optim import configure_optimizers
from wordlab.parser.network import ChenManningNetwork
from wordlab.ranks import rank_seed

DEFAULT_OPTIMIZER = {"_target_": "torch.optim.Adagrad", "lr": 0.01, "eps": 1e-6}


class ParserModule(pl.LightningModule):
    def __init__(
        self,
        network: ChenManningNetwork,
        *,
        dev_scores: Callable[[ChenManningNetwork], dict[str, float]] | None = None,
        optimizer: Mapping[str, Any] | None = None,
        weight_decay: float = 0.0,
        log_prefix: str = "",
        dev_curve: Path | None = None,
        seed: int = 0,
        average_decay: float = 0.0,
    ) -> None:
        super().__init__()
        self.seed = seed
        self.network = network
        self.averaged: AveragedModel | None = None
        if average_decay > 0.0:
            self.averaged = AveragedModel(network, multi_avg_fn=get_ema_multi_avg_fn(average_decay), use_buffers=False)
            self.averaged.requires_grad_(False)
        self.dev_scores = dev_scores
        self.optimizer_cfg = dict(optimizer or DEFAULT_OPTIMIZER)
        self.weight_decay = weight_decay
        self.log_prefix = log_prefix
        self.dev_curve = dev_curve
        self.dev_rows: list[tuple[int, int, float, float]] = []

    def on_train_batch_start(self, batch: Any, batch_idx: int) -> None:
        # Dropout draws from torch's global generator; seeding it from (seed, epoch, batch) makes each batch's masks
        # independent of what ran before (Lightning creates the data iterator, which draws from the same generator,
        # at a different moment when it resumes), so a resumed run trains exactly as an uninterrupted one.
        # Under DDP each rank draws its own masks (rank 0's are a single process's).
        torch.manual_seed(
            rank_seed((self.seed * 1_000_003 + self.current_epoch) * 1_000_003 + batch_idx, self.global_rank)
        )

    def on_train_batch_end(self, outputs: Any, batch: Any, batch_idx: int) -> None:
        if self.averaged is not None:
            self.averaged.update_parameters(self.network)

    @property
    def scored_network(self) -> ChenManningNetwork:
        """The network validation scores and the stage keeps: the weights' average, or the weights themselves."""
        return self.network if self.averaged is None else cast(ChenManningNetwork, self.averaged.module)

    def keep_scored_weights(self) -> None:
        """Put the scored network's weights into ``network`` (the average, when averaging), for parsing and saving."""
        if self.averaged is not None:
            self.network.load_state_dict(self.averaged.module.state_dict())

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.network(features)

    def _loss(self, batch: tuple[torch.Tensor, torch.Tensor], network: torch.nn.Module) -> torch.Tensor:
        features, transitions = batch
        return F.cross_entropy(network(features.long()), transitions.long())

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        return self._loss(batch, self.network)

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        loss = self._loss(batch, self.scored_network)
        self.log("val_loss", loss, prog_bar=True, batch_size=len(batch[1]), logger=not self.log_prefix, sync_dist=True)
        if self.log_prefix:
            self.log(f"{self.log_prefix}val_loss", loss, batch_size=len(batch[1]), prog_bar=False, sync_dist=True)

    def on_validation_epoch_end(self) -> None:
        if self.dev_scores is None or self.trainer.sanity_checking:
            return
        network = self.scored_network
        was_training = network.training
        try:
            scores = self.dev_scores(network)
        finally:
            network.train(was_training)
        for name in ("uas", "las"):
            self.log(f"val_{name}", scores[name], prog_bar=True, logger=not self.log_prefix, sync_dist=True)
            if self.log_prefix:
                self.log(f"{self.log_prefix}val_{name}", scores[name], sync_dist=True)
        self.dev_rows.append((self.global_step, self.current_epoch, scores["uas"], scores["las"]))
        if self.dev_curve is not None:
            lines = ["step\tepoch\tuas\tlas", *(f"{s}\t{e}\t{u:.6f}\t{a:.6f}" for s, e, u, a in self.dev_rows)]
            write_text_atomic(self.dev_curve, "\n".join(lines) + "\n")

    def configure_optimizers(self) -> OptimizerConfig | OptimizerLRSchedulerConfig:
        trained = [(name, p) for name, p in self.named_parameters() if not name.startswith("averaged.")]
        return configure_optimizers(self.optimizer_cfg, None, trained, weight_decay=self.weight_decay)

    # The dev curve survives a resume: it travels in the checkpoint.
    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["dev_rows"] = list(self.dev_rows)

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self.dev_rows = [(int(s), int(e), float(u), float(a)) for s, e, u, a in checkpoint.get("dev_rows", [])]
