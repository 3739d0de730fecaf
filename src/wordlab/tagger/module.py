"""The LightningModule a UPOS tagger trains as: per-word cross-entropy, dev accuracy per word.

Validation logs ``val_loss`` (the learning curves) and ``val_acc`` (what early stopping and best-epoch selection
monitor). With a ``log_prefix`` (``tagger.<name>.`` or ``tagger.<name>.fold<i>.``) the loggers get prefixed keys,
so that the jackknife's models keep separate histories in the stage's MLflow run. Weight decay spares biases and
the embeddings, as for the NER taggers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.utilities.types import OptimizerConfig
from torch import nn

from wordlab.nn.init import is_bias
from wordlab.nn.optim import build_optimizer
from wordlab.text.batching import Batch

PRETRAINED_ROWS = "network.embedding.word.words"
DEFAULT_OPTIMIZER = {"_target_": "torch.optim.Adam", "lr": 1e-3}


def exempt_from_decay(name: str, param: nn.Parameter) -> bool:
    return is_bias(name) or name.startswith("network.embedding.")


class TaggerModule(pl.LightningModule):
    def __init__(
        self,
        network: nn.Module,
        *,
        optimizer: Mapping[str, Any] | None = None,
        weight_decay: float = 0.0,
        pretrained_lr_scale: float = 1.0,
        log_prefix: str = "",
    ) -> None:
        super().__init__()
        self.network = network
        self.optimizer_cfg = dict(optimizer or DEFAULT_OPTIMIZER)
        self.weight_decay = weight_decay
        self.pretrained_lr_scale = pretrained_lr_scale
        self.log_prefix = log_prefix
        self._correct = self._seen = 0

    def forward(self, batch: Batch) -> torch.Tensor:
        return self.network(batch["word_ids"], batch["caps_ids"], batch["mask"], batch.get("chars"))

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        mask = batch["mask"]
        return nn.functional.cross_entropy(self(batch)[mask], batch["tags"][mask])

    def on_validation_epoch_start(self) -> None:
        self._correct = self._seen = 0

    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        mask = batch["mask"]
        scores = self(batch)[mask]
        gold = batch["tags"][mask]
        self._log("val_loss", nn.functional.cross_entropy(scores, gold), batch_size=int(mask.sum()))
        self._correct += int((scores.argmax(dim=-1) == gold).sum())
        self._seen += int(mask.sum())

    def on_validation_epoch_end(self) -> None:
        if self._seen:
            self._log("val_acc", self._correct / self._seen)

    def _log(self, key: str, value: torch.Tensor | float, **options: Any) -> None:
        options = {"sync_dist": True, **options}  # DDP: the mean over the ranks
        if not self.log_prefix:
            self.log(key, value, **options)
            return
        self.log(key, value, logger=False, **options)
        self.log(f"{self.log_prefix}{key}", value, **options)

    @torch.no_grad()
    def predict_batch(self, batch: Batch) -> list[list[int]]:
        """The argmax tag of every word, sentence by sentence (call in eval mode)."""
        best = self(batch).argmax(dim=-1)
        return [row[: int(n)] for row, n in zip(best.tolist(), batch["mask"].sum(dim=1).tolist(), strict=True)]

    def configure_optimizers(self) -> OptimizerConfig:
        scales = {PRETRAINED_ROWS: self.pretrained_lr_scale} if self.pretrained_lr_scale != 1.0 else None
        optimizer = build_optimizer(
            self.optimizer_cfg, self.named_parameters(), weight_decay=self.weight_decay,
            no_decay=exempt_from_decay, lr_scales=scales,
        )  # fmt: skip
        return {"optimizer": optimizer}
