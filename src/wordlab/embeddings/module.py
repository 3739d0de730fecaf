"""Lightning drives the embedding kernels: one chunk of work per training step.

The numba kernels update their parameter matrices in place and compute their own gradients, so the modules use
manual optimisation and have no real torch optimiser. What Lightning brings is the rest of the training contract
users expect: the progress bar, the loggers (MLflow), learning-curve callbacks and checkpoints. The trained arrays
are registered as buffers that share memory with the kernel's numpy arrays, so a checkpoint holds them and restoring
one writes straight into the arrays the kernel trains. A ``progress`` buffer records the next chunk to train and the
sampler starts each epoch there, so a run resumed from a mid-epoch checkpoint trains exactly the chunks it had not,
with the same seeds and learning rates: the resumed run ends where an uninterrupted one would.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import numpy as np
import torch
from lightning import pytorch as pl
from torch.utils.data import DataLoader, Dataset, Sampler

from wordlab.embeddings.glove.config import GloveConfig
from wordlab.embeddings.glove.pairs import GlovePairs
from wordlab.embeddings.glove.state import GloveState
from wordlab.embeddings.glove.training import epoch_pairs
from wordlab.embeddings.glove.training import plan_chunks as plan_pair_chunks
from wordlab.embeddings.glove.training import train_chunk as train_glove_chunk
from wordlab.embeddings.word2vec.training import (
    Word2VecState,
    chunk_alphas,
    chunk_seed,
    in_stream_order,
    plan_chunks,
    train_chunk,
)


class _RemainingChunks(Sampler[int]):
    """The chunks of the current epoch not yet trained, read from the module's progress at each epoch's start."""

    def __init__(self, module: KernelModule) -> None:
        self.module = module

    def __len__(self) -> int:
        return self.module.n_chunks

    def __iter__(self) -> Iterator[int]:
        done_epoch, done_chunk = int(self.module.progress[0]), int(self.module.progress[1])
        first = done_chunk if done_epoch == self.module.current_epoch else 0
        return iter(range(first, self.module.n_chunks))


class KernelModule(pl.LightningModule):
    """Base of the kernel-driven modules: progress bookkeeping, chunk sampling, Lightning's step clock."""

    progress: torch.Tensor  # a buffer, registered in __init__

    def __init__(self, arrays: dict[str, np.ndarray], n_chunks: int) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.n_chunks = n_chunks
        for name, array in arrays.items():
            self.register_buffer(name, torch.from_numpy(array))
        # (epoch, next chunk in that epoch, work units done so far)
        self.register_buffer("progress", torch.zeros(3, dtype=torch.int64))
        self._clock = torch.nn.Parameter(torch.zeros(1), requires_grad=False)

    def train_dataloader(self) -> DataLoader[int]:
        chunks = cast(Dataset[int], list(range(self.n_chunks)))  # a list is a map-style dataset
        return DataLoader(chunks, batch_size=None, sampler=_RemainingChunks(self))

    def configure_optimizers(self) -> torch.optim.Optimizer:
        # The kernel is the optimiser. Lightning counts its steps (global_step: the logging and checkpoint clock)
        # only when an optimiser steps, so a stand-in one steps once per chunk.
        return torch.optim.SGD([self._clock], lr=0.0)

    def _advance(self, index: int, work: int) -> None:
        self.optimizers().step()  # type: ignore[union-attr]
        epoch = self.current_epoch
        following = (epoch, index + 1) if index + 1 < self.n_chunks else (epoch + 1, 0)
        self.progress.copy_(torch.tensor([*following, int(self.progress[2]) + work]))


class Word2VecModule(KernelModule):
    def __init__(self, state: Word2VecState, tokens: np.ndarray, line_offsets: np.ndarray, chunk_words: int) -> None:
        self.state = state
        self.tokens, self.offsets = in_stream_order(tokens, line_offsets, state.config)
        self.bounds = plan_chunks(self.offsets, chunk_words)
        super().__init__({"V": state.V, "U": state.U}, len(self.bounds) - 1)

    def training_step(self, chunk: torch.Tensor, batch_idx: int) -> torch.Tensor:
        epoch, index = self.current_epoch, int(chunk)
        config = self.state.config
        start, end = int(self.bounds[index]), int(self.bounds[index + 1])
        words = int(self.offsets[end] - self.offsets[start])
        alpha, end_alpha = chunk_alphas(config, self.offsets, epoch, start, end)
        seed = chunk_seed(config.seed, epoch, start)
        result = train_chunk(self.state, self.tokens, self.offsets, start, end, alpha, end_alpha, seed)
        self._advance(index, words)
        self.log("words_per_sec", result.raw_words / max(result.seconds, 1e-9), on_step=True, prog_bar=True)
        self.log("alpha", alpha, on_step=True)
        return torch.tensor(result.mean_loss)


class GloveModule(KernelModule):
    """One epoch is one pass over the nonzeros of X in that epoch's shuffled order, cut into chunks."""

    def __init__(self, state: GloveState, pairs: GlovePairs, config: GloveConfig, chunk_pairs: int) -> None:
        self.state, self.pairs, self.config = state, pairs, config
        self.bounds = plan_pair_chunks(len(pairs), chunk_pairs)
        self._ordered: GlovePairs | None = None
        self._ordered_epoch = -1
        super().__init__(
            {
                "W": state.W,
                "W_ctx": state.W_ctx,
                "b": state.b,
                "b_ctx": state.b_ctx,
                "gradsq_W": state.gradsq_W,
                "gradsq_W_ctx": state.gradsq_W_ctx,
                "gradsq_b": state.gradsq_b,
                "gradsq_b_ctx": state.gradsq_b_ctx,
            },
            len(self.bounds) - 1,
        )

    def _epoch_order(self, epoch: int) -> GlovePairs:
        """The shuffle depends on (seed, epoch) alone, so a resumed epoch sees the order the interrupted one did."""
        if self._ordered_epoch != epoch:
            self._ordered = epoch_pairs(self.pairs, self.config, epoch, out=self._ordered)
            self._ordered_epoch = epoch
        assert self._ordered is not None
        return self._ordered

    def training_step(self, chunk: torch.Tensor, batch_idx: int) -> torch.Tensor:
        index = int(chunk)
        ordered = self._epoch_order(self.current_epoch)
        start, stop = int(self.bounds[index]), int(self.bounds[index + 1])
        result = train_glove_chunk(self.state, ordered, start, stop, self.config)
        self._advance(index, stop - start)
        self.log("nonzeros_per_sec", result.pairs_per_second, on_step=True, prog_bar=True)
        return torch.tensor(result.mean_loss)
