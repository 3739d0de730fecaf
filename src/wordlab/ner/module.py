"""The LightningModule every NER tagger trains as: a network giving tag scores, and a head (loss + decoding).

Validation logs ``val_loss`` (for the learning curves) and ``val_f1``, the entity-level F1 of the decoded dev
sentences, which early stopping and best-epoch selection monitor: the loss can keep falling while the F1 no
longer moves, and the F1 is what is reported. With a ``log_prefix`` (``ner.<name>.``) the loggers get the
prefixed keys instead, so that several taggers trained in one MLflow run keep separate histories.

With ``singleton_unk`` > 0, each training token whose row the training set uses once reads UNK with that
probability (Lample et al. 2016): otherwise UNK is trained only on the few rare words without a row, yet it stands
for every unseen word at test time. Validation and test read every token as it is.

Weight decay spares biases (the toolkit's rule) and every embedding: a fine-tuned word row that no training
token uses would otherwise only ever be decayed, and Adam would turn that tiny pull into full-size steps that
erase the pretrained vectors of every word seen only at test time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import lightning.pytorch as pl
import torch
from lightning.pytorch.utilities.types import OptimizerConfig, OptimizerLRSchedulerConfig
from torch import nn

from wordlab.ner.scoring import entity_scores
from wordlab.nn.init import is_bias
from wordlab.nn.optim import build_optimizer, build_scheduler
from wordlab.text.batching import Batch
from wordlab.text.vocab import UNK

PRETRAINED_ROWS = "network.embedding.word.words"  # the parameter holding the pretrained word vectors


def exempt_from_decay(name: str, param: nn.Parameter) -> bool:
    return is_bias(name) or name.startswith("network.embedding.")


class TagHead(Protocol):
    """What the tagger needs of its head (an ``nn.Module`` such as :class:`~wordlab.text.heads.SoftmaxHead`)."""

    def loss(self, scores: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor: ...

    def decode(self, scores: torch.Tensor, mask: torch.Tensor) -> list[list[int]]: ...


class NerTagger(pl.LightningModule):
    singleton_rows: torch.Tensor | None  # a buffer, registered in __init__

    def __init__(
        self,
        network: nn.Module,
        head: TagHead,
        tag_names: Sequence[str],
        *,
        optimizer: Mapping[str, Any] | None = None,
        scheduler: Mapping[str, Any] | None = None,
        weight_decay: float = 0.0,
        log_prefix: str = "",
        singleton_rows: torch.Tensor | None = None,
        singleton_unk: float = 0.0,
        pretrained_lr_scale: float = 1.0,
    ) -> None:
        super().__init__()
        if singleton_unk > 0.0 and singleton_rows is None:
            raise ValueError("singleton_unk needs singleton_rows (which rows the training set uses once)")
        self.log_prefix = log_prefix
        self.singleton_unk = singleton_unk
        # A flag per row of the word table; a buffer so that it follows the module to its device.
        self.register_buffer("singleton_rows", singleton_rows, persistent=False)
        self.network = network
        self.head = head
        self.tag_names = tuple(tag_names)
        self.optimizer_cfg = dict(optimizer or {"_target_": "torch.optim.Adam", "lr": 1e-3})
        self.scheduler_cfg = dict(scheduler) if scheduler else None
        self.weight_decay = weight_decay
        self.pretrained_lr_scale = pretrained_lr_scale
        self._gold: list[list[str]] = []
        self._predicted: list[list[str]] = []

    def forward(self, batch: Batch) -> torch.Tensor:
        return self.network(batch["word_ids"], batch["caps_ids"], batch["mask"], batch.get("chars"))

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        if self.singleton_unk > 0.0:
            batch = {**batch, "word_ids": self.replace_singletons(batch["word_ids"])}
        return self.head.loss(self(batch), batch["tags"], batch["mask"])

    def replace_singletons(self, word_ids: torch.Tensor) -> torch.Tensor:
        """``word_ids`` with each singleton row replaced by UNK with probability ``singleton_unk``."""
        assert self.singleton_rows is not None
        drawn = torch.rand(word_ids.shape, device=word_ids.device) < self.singleton_unk
        return word_ids.masked_fill(drawn & self.singleton_rows[word_ids], UNK)

    def on_train_epoch_start(self) -> None:
        # The rate this epoch trains at (the first param group: the unscaled one), so that a schedule's cuts show
        # in MLflow beside the dev F1 that caused them. Not Lightning's LearningRateMonitor: it names its keys after
        # the optimiser class and param group, where taggers sharing one MLflow run need their ``ner.<name>.`` key.
        rate = float(self.trainer.optimizers[0].param_groups[0]["lr"])
        self.log(f"{self.log_prefix}lr", rate, on_step=False, on_epoch=True, batch_size=1, sync_dist=True)

    def on_validation_epoch_start(self) -> None:
        self._gold, self._predicted = [], []

    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        scores = self(batch)
        loss = self.head.loss(scores, batch["tags"], batch["mask"])
        self._log("val_loss", loss, batch_size=int(batch["mask"].sum()))
        self._gold += self.names(batch["tags"], batch["mask"])
        self._predicted += self.names_of(self.head.decode(scores, batch["mask"]))

    def on_validation_epoch_end(self) -> None:
        if self._gold:
            self._log("val_f1", entity_scores(self._gold, self._predicted)["f1"])

    def _log(self, key: str, value: torch.Tensor | float, **options: Any) -> None:
        """``key`` for the callbacks (curves, early stopping, best epoch); ``<log_prefix><key>`` for the loggers."""
        options = {"sync_dist": True, **options}  # DDP: the mean over the ranks
        if not self.log_prefix:
            self.log(key, value, **options)
            return
        self.log(key, value, logger=False, **options)
        self.log(f"{self.log_prefix}{key}", value, **options)

    @torch.no_grad()
    def predict_batch(self, batch: Batch) -> list[list[str]]:
        """Decoded tag names of a batch's sentences, each as long as the sentence (call in eval mode)."""
        return self.names_of(self.head.decode(self(batch), batch["mask"]))

    def names(self, tags: torch.Tensor, mask: torch.Tensor) -> list[list[str]]:
        lengths = mask.sum(dim=1).tolist()
        return [self.names_of([row[:n]])[0] for row, n in zip(tags.tolist(), lengths, strict=True)]

    def names_of(self, ids: Sequence[Sequence[int]]) -> list[list[str]]:
        return [[self.tag_names[i] for i in row] for row in ids]

    def configure_optimizers(self) -> OptimizerConfig | OptimizerLRSchedulerConfig:
        optimizer = build_optimizer(
            self.optimizer_cfg,
            self.named_parameters(),
            weight_decay=self.weight_decay,
            no_decay=exempt_from_decay,
            lr_scales={PRETRAINED_ROWS: self.pretrained_lr_scale} if self.pretrained_lr_scale != 1.0 else None,
        )
        schedule = build_scheduler(
            self.scheduler_cfg, optimizer, total_steps=int(self.trainer.estimated_stepping_batches)
        )
        if schedule is None:
            return {"optimizer": optimizer}
        return {"optimizer": optimizer, "lr_scheduler": schedule.lightning_config()}
