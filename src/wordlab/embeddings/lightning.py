"""Lightning drives the embedding kernels: one corpus chunk per training step.

The numba kernels update their parameter matrices in place and compute their own gradients, so the module uses
manual optimisation and has no torch optimiser. What Lightning brings is the rest of the training contract users
expect: the progress bar, the loggers (MLflow), learning-curve callbacks and checkpoints. The matrices are
registered as buffers that share memory with the kernel's numpy arrays, so a checkpoint holds them and restoring
one writes straight into the arrays the kernel trains. A ``progress`` buffer records the next chunk to train and the
sampler starts each epoch there, so a run resumed from a mid-epoch checkpoint trains exactly the chunks it had not,
with the same seeds and learning rates: the resumed run ends where an uninterrupted one would.
"""

from __future__ import annotations

import numpy as np
import torch
from lightning import pytorch as pl
from torch.utils.data import DataLoader, Sampler

from wordlab.embeddings.word2vec import Word2VecState, alpha_at, chunk_seed, plan_chunks, train_chunk


class _RemainingChunks(Sampler[int]):
    """The chunks of the current epoch not yet trained, read from the module's progress at each epoch's start."""

    def __init__(self, module: Word2VecModule) -> None:
        self.module = module

    def __len__(self) -> int:
        return self.module.n_chunks

    def __iter__(self):  # type: ignore[no-untyped-def]
        done_epoch, done_chunk, _ = (int(v) for v in self.module.progress)
        first = done_chunk if done_epoch == self.module.current_epoch else 0
        return iter(range(first, self.module.n_chunks))


class Word2VecModule(pl.LightningModule):
    def __init__(self, state: Word2VecState, tokens: np.ndarray, line_offsets: np.ndarray, chunk_words: int) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.state = state
        self.tokens = np.ascontiguousarray(tokens, dtype=np.int32)
        self.offsets = np.ascontiguousarray(line_offsets, dtype=np.int64)
        self.bounds = plan_chunks(self.offsets, chunk_words)
        self.total_words = int(self.offsets[-1] - self.offsets[0]) * state.config.epochs
        self.register_buffer("V", torch.from_numpy(state.V))
        self.register_buffer("U", torch.from_numpy(state.U))
        # (epoch, next chunk in that epoch, corpus words trained so far)
        self.register_buffer("progress", torch.zeros(3, dtype=torch.int64))
        self._clock = torch.nn.Parameter(torch.zeros(1), requires_grad=False)

    @property
    def n_chunks(self) -> int:
        return len(self.bounds) - 1

    def train_dataloader(self) -> DataLoader[int]:
        indices = list(range(self.n_chunks))
        return DataLoader(indices, batch_size=None, sampler=_RemainingChunks(self))

    def configure_optimizers(self) -> torch.optim.Optimizer:
        # The kernel is the optimiser. Lightning counts its steps (global_step: the logging and checkpoint clock)
        # only when an optimiser steps, so a parameterless-in-effect one steps once per chunk.
        return torch.optim.SGD([self._clock], lr=0.0)

    def training_step(self, chunk: torch.Tensor, batch_idx: int) -> torch.Tensor:
        epoch, index = self.current_epoch, int(chunk)
        words_done = int(self.progress[2])
        config = self.state.config
        start, end = int(self.bounds[index]), int(self.bounds[index + 1])
        words = int(self.offsets[end] - self.offsets[start])
        alpha = alpha_at(config, words_done, self.total_words)
        result = train_chunk(
            self.state,
            self.tokens,
            self.offsets,
            start,
            end,
            alpha,
            alpha_at(config, words_done + words, self.total_words),
            chunk_seed(config.seed, epoch, start),
        )
        self.optimizers().step()  # type: ignore[union-attr]
        following = (epoch, index + 1) if index + 1 < self.n_chunks else (epoch + 1, 0)
        self.progress.copy_(torch.tensor([*following, words_done + words]))
        self.log("words_per_sec", result.raw_words / max(result.seconds, 1e-9), on_step=True, prog_bar=True)
        self.log("alpha", alpha, on_step=True)
        return torch.tensor(result.mean_loss)
