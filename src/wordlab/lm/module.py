"""The LightningModule every neural language model trains as: truncated BPTT, clipping, the example's schedule.

Lightning 2 has no truncated back-propagation through time, so the module optimises by hand
(``automatic_optimization = False``): each training batch is the next ``bptt`` rows of the batchified stream, the
hidden state left by the previous batch is carried in *detached* (values kept, gradient cut at the chunk's start),
the loss is back-propagated, the global gradient norm is clipped and the optimiser steps. The norm *before*
clipping is kept per step (``grad_norm.tsv``, MLflow ``grad_norm``, sent once an epoch): how often clipping bites
is part of the exploding-gradient story. A stateless model (the fixed-window network) returns no state and trains
the same way.

Validation carries the state through the whole split too, and measures perplexity as the reference example does:
exp of the mean negative log-likelihood per predicted token, ``<eos>`` included (``val_ppl``; ``val_loss`` is the
mean itself, for the learning curves). When validation perplexity does not fall below its best so far the learning
rate is divided by ``lr_decay`` (the example's 4), and early stopping watches the same number.

Exact resume: checkpoints are taken at the end of epochs; each epoch starts from a zero state (as the example's
does), dropout masks are drawn from a generator seeded by (seed, epoch, batch), and the best perplexity, the
learning rate (in the optimiser's state) and the gradient-norm curve travel in the checkpoint.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from torch import nn
from torch.nn import functional as F

from wordlab.io import write_text_atomic
from wordlab.lm.recurrent import State, detach_state
from wordlab.nn.curves import log_points
from wordlab.nn.optim import build_optimizer
from wordlab.ranks import rank_seed

DEFAULT_OPTIMIZER = {"_target_": "torch.optim.SGD", "lr": 20.0}  # the reference example's plain SGD at lr 20


class LanguageModelModule(pl.LightningModule):
    def __init__(
        self,
        network: nn.Module,
        *,
        optimizer: Mapping[str, Any] | None = None,
        weight_decay: float = 0.0,
        grad_clip: float | None = 0.25,
        lr_decay: float = 4.0,
        log_prefix: str = "",
        grad_norm_curve: Path | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.network = network
        self.optimizer_cfg = dict(optimizer or DEFAULT_OPTIMIZER)
        self.weight_decay = weight_decay
        self.grad_clip = grad_clip
        self.lr_decay = lr_decay
        self.log_prefix = log_prefix
        self.grad_norm_curve = grad_norm_curve
        self.seed = seed
        self.state: State | None = None
        self.best_ppl = math.inf
        self.grad_norms: list[tuple[int, int, float]] = []
        self._val_nll = 0.0
        self._val_tokens = 0
        # Training throughput: the training steps' own wall time (forward, backward, clipping, update), not the
        # validation's or the progress bar's.
        self.train_seconds = 0.0
        self.train_tokens = 0

    def forward(self, inputs: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State | None]:
        return self.network(inputs, state)

    def _nll(self, batch: tuple[torch.Tensor, torch.Tensor], state: State | None) -> tuple[torch.Tensor, Any]:
        inputs, targets = batch
        logits, state = self.network(inputs, state)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="sum"), state

    # --- training -----------------------------------------------------------------------------------------------

    def on_train_epoch_start(self) -> None:
        self.state = None  # every epoch starts from a zero state, as the reference example's does

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        # Dropout draws from torch's global generator; seeding it from (seed, epoch, batch) makes each batch's masks
        # independent of what ran before, so a resumed run trains exactly as an uninterrupted one.
        # Under DDP each rank draws its own masks for its columns (rank 0's are a single process's).
        seed = rank_seed((self.seed * 1_000_003 + self.current_epoch) * 1_000_003 + batch_idx, self.global_rank)
        if self.device.type == "cpu":
            torch.default_generator.manual_seed(seed)  # torch.manual_seed also seeds every accelerator: 2 ms a step
        else:
            torch.manual_seed(seed)
        started = time.perf_counter()
        optimizer = self.optimizers()
        assert isinstance(optimizer, pl.core.optimizer.LightningOptimizer)
        total, state = self._nll(batch, detach_state(self.state))
        loss = total / batch[1].numel()
        optimizer.zero_grad()
        self.manual_backward(loss)
        limit = self.grad_clip if self.grad_clip is not None else math.inf
        norm = float(torch.nn.utils.clip_grad_norm_(self.network.parameters(), limit))
        optimizer.step()
        self.state = detach_state(state)
        self.train_seconds += time.perf_counter() - started
        self.train_tokens += batch[1].numel()
        self.grad_norms.append((self.global_step, self.current_epoch, norm))
        return loss.detach()

    def on_train_epoch_end(self) -> None:
        # The epoch's gradient norms reach MLflow in one batch (self.log per step costs 2 ms a step).
        stamp = int(time.time() * 1000)
        epoch = [(f"{self.log_prefix}grad_norm", n, s, stamp) for s, e, n in self.grad_norms if e == self.current_epoch]
        log_points(self.trainer, epoch)
        if self.grad_norm_curve is not None:
            rows = ["step\tepoch\tgrad_norm", *(f"{s}\t{e}\t{n:.6g}" for s, e, n in self.grad_norms)]
            write_text_atomic(self.grad_norm_curve, "\n".join(rows) + "\n")

    # --- validation ---------------------------------------------------------------------------------------------

    def on_validation_epoch_start(self) -> None:
        self._val_state: State | None = None
        self._val_nll, self._val_tokens = 0.0, 0

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        inputs, targets = batch
        logits, state = self.network(inputs, self._val_state)
        total = token_nll(logits, targets).sum()
        self._val_state = detach_state(state)
        self._val_nll += float(total)
        self._val_tokens += batch[1].numel()

    def on_validation_epoch_end(self) -> None:
        mean = self._val_nll / max(self._val_tokens, 1)
        ppl = math.exp(mean)
        for name, value in (("val_loss", mean), ("val_ppl", ppl)):
            self.log(name, value, prog_bar=True, logger=not self.log_prefix, sync_dist=True)
            if self.log_prefix:
                self.log(f"{self.log_prefix}{name}", value, sync_dist=True)
        if self.trainer.sanity_checking:
            return
        if ppl < self.best_ppl:
            self.best_ppl = ppl
        elif self.lr_decay > 1.0:
            optimizer = self.optimizers()
            assert isinstance(optimizer, pl.core.optimizer.LightningOptimizer)
            for group in optimizer.optimizer.param_groups:
                group["lr"] /= self.lr_decay
        self.log("lr", self.learning_rate, logger=not self.log_prefix, sync_dist=True)
        if self.log_prefix:
            self.log(f"{self.log_prefix}lr", self.learning_rate, sync_dist=True)

    @property
    def tokens_per_second(self) -> float:
        return self.train_tokens / self.train_seconds if self.train_seconds else 0.0

    @property
    def learning_rate(self) -> float:
        optimizer = self.optimizers()
        assert isinstance(optimizer, pl.core.optimizer.LightningOptimizer)
        return float(optimizer.optimizer.param_groups[0]["lr"])

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return build_optimizer(self.optimizer_cfg, self.named_parameters(), weight_decay=self.weight_decay)

    # The schedule's memory and the gradient curve survive a resume: they travel in the checkpoint.
    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["best_ppl"] = self.best_ppl
        checkpoint["grad_norms"] = list(self.grad_norms)

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self.best_ppl = float(checkpoint.get("best_ppl", math.inf))
        self.grad_norms = [(int(s), int(e), float(n)) for s, e, n in checkpoint.get("grad_norms", [])]


@torch.no_grad()
def stream_perplexity(network: nn.Module, batches: Any) -> tuple[float, int]:
    """Mean negative log-likelihood per predicted token and the number of tokens, the state carried from batch to
    batch (the reference example's ``evaluate``); perplexity is ``exp`` of the first."""
    was_training = network.training
    network.eval()
    state: Any = None
    total, tokens = 0.0, 0
    try:
        for inputs, targets in batches:
            logits, state = network(inputs, state)
            total += float(token_nll(logits, targets).sum())
            tokens += targets.numel()
    finally:
        network.train(was_training)
    return total / max(tokens, 1), tokens


def token_nll(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Each target's negative log-likelihood, in float64 (summed over a whole split, float32 would drift)."""
    flat = F.log_softmax(logits.reshape(-1, logits.shape[-1]), dim=-1)
    return -flat.gather(1, targets.reshape(-1, 1)).squeeze(1).double()
