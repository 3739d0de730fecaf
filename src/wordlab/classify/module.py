"""The LightningModule a sentence classifier trains as: cross-entropy on the training examples, dev accuracy.

Validation logs ``val_loss`` (the learning curves) and ``val_acc`` (what early stopping and best-epoch selection
monitor, and what is reported). With a ``log_prefix`` (``classify.<name>.<task>.``) the loggers get prefixed keys,
so that the models of one stage keep separate histories in its MLflow run.

With ``word_dropout`` > 0 each training token reads UNK with that probability: a data augmentation that makes the
classifier lean on more than one word of a phrase, and trains the UNK row on words in context.

Weight decay spares biases and the word table (the taggers' rule): decaying a fine-tuned row that no training
example reaches would only erase the pretrained vector of a word seen at test time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.utilities.types import OptimizerConfig
from torch import nn

from wordlab.classify.data import Batch
from wordlab.classify.network import SentenceClassifier
from wordlab.nn.init import is_bias
from wordlab.nn.optim import build_optimizer
from wordlab.text.vocab import NUM_SPECIALS, UNK

PRETRAINED_ROWS = "network.embedding.words"
DEFAULT_OPTIMIZER = {"_target_": "torch.optim.Adagrad", "lr": 0.05}


def exempt_from_decay(name: str, param: nn.Parameter) -> bool:
    return is_bias(name) or name.startswith("network.embedding.")


class ClassifierModule(pl.LightningModule):
    def __init__(
        self,
        network: SentenceClassifier,
        *,
        optimizer: Mapping[str, Any] | None = None,
        weight_decay: float = 0.0,
        word_dropout: float = 0.0,
        pretrained_lr_scale: float = 1.0,
        log_prefix: str = "",
    ) -> None:
        super().__init__()
        self.network = network
        self.optimizer_cfg = dict(optimizer or DEFAULT_OPTIMIZER)
        self.weight_decay = weight_decay
        self.word_dropout = word_dropout
        self.pretrained_lr_scale = pretrained_lr_scale
        self.log_prefix = log_prefix
        self._correct = self._seen = 0

    def forward(self, batch: Batch) -> torch.Tensor:
        return self.network(batch["word_ids"], batch["mask"])

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        if self.word_dropout > 0.0:
            ids = batch["word_ids"]
            dropped = (torch.rand(ids.shape, device=ids.device) < self.word_dropout) & (ids >= NUM_SPECIALS)
            batch = {**batch, "word_ids": ids.masked_fill(dropped, UNK)}
        return nn.functional.cross_entropy(self(batch), batch["labels"])

    def on_validation_epoch_start(self) -> None:
        self._correct = self._seen = 0

    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        scores = self(batch)
        loss = nn.functional.cross_entropy(scores, batch["labels"])
        self._log("val_loss", loss, batch_size=len(batch["labels"]))
        self._correct += int((scores.argmax(dim=-1) == batch["labels"]).sum())
        self._seen += len(batch["labels"])

    def on_validation_epoch_end(self) -> None:
        if self._seen:
            self._log("val_acc", self._correct / self._seen)

    def _log(self, key: str, value: torch.Tensor | float, **options: Any) -> None:
        """``key`` for the callbacks (curves, early stopping, best epoch); ``<log_prefix><key>`` for the loggers."""
        options = {"sync_dist": True, **options}  # DDP: the mean over the ranks
        if not self.log_prefix:
            self.log(key, value, **options)
            return
        self.log(key, value, logger=False, **options)
        self.log(f"{self.log_prefix}{key}", value, **options)

    @torch.no_grad()
    def probabilities(self, batch: Batch) -> torch.Tensor:
        """Class probabilities (batch, classes); call in eval mode."""
        return torch.softmax(self(batch), dim=-1)

    def configure_optimizers(self) -> OptimizerConfig:
        scales = {PRETRAINED_ROWS: self.pretrained_lr_scale} if self.pretrained_lr_scale != 1.0 else None
        optimizer = build_optimizer(
            self.optimizer_cfg,
            self.named_parameters(),
            weight_decay=self.weight_decay,
            no_decay=exempt_from_decay,
            lr_scales=scales,
        )
        return {"optimizer": optimizer}
