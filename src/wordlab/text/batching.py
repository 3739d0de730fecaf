"""Sentences as padded tensor batches, for every token-level model (taggers, parsers, classifiers' encoders).

Batches are whole sentences padded to the longest in the batch, with a boolean ``mask``. A batch sampler hands
each batch's indices to the dataset in one call (one Arrow slice rather than one read per sentence); training
batches group sentences of similar length (:class:`BucketBatches`), shuffled by their own seeded generator so
that the order depends on the seed alone.

The dataset holds ``word_ids``, ``caps_ids``, ``char_ids`` (all of a sentence's characters in one flat list: a
ragged column would not become a tensor) with ``char_lengths`` per token, and one column of gold tag ids, which
the batch calls ``tags`` whatever the dataset calls it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import torch
from datasets import Dataset
from torch.utils.data import BatchSampler, DataLoader, Sampler, SequentialSampler

from wordlab.ranks import shard_batches

Batch = dict[str, torch.Tensor]


def pad_batch(rows: Mapping[str, list[torch.Tensor]], tag_column: str = "tags") -> Batch:
    """Columns of a batch of sentences, padded with 0 (PAD) to the longest; ``mask`` marks the real tokens.

    ``chars`` is (sentences, tokens, characters): each token's character ids, padded with 0 to the longest token.
    """
    lengths = torch.tensor([len(ids) for ids in rows["word_ids"]])
    mask = torch.arange(int(lengths.max())).unsqueeze(0) < lengths.unsqueeze(1)

    def pad(column: str) -> torch.Tensor:
        return torch.nn.utils.rnn.pad_sequence(list(rows[column]), batch_first=True, padding_value=0).long()

    word_lengths = pad("char_lengths")  # (sentences, tokens), 0 at padding positions
    chars = torch.zeros(*word_lengths.shape, max(int(word_lengths.max()), 1), dtype=torch.long)
    # Row-major positions of every real character: its token's place in the batch, then its place in the token.
    in_token = torch.arange(chars.shape[2]).expand(*word_lengths.shape, -1) < word_lengths.unsqueeze(-1)
    chars[in_token] = torch.cat([ids.long() for ids in rows["char_ids"]])
    return {
        "word_ids": pad("word_ids"),
        "caps_ids": pad("caps_ids"),
        "chars": chars,
        "tags": pad(tag_column),
        "mask": mask,
    }


class BucketBatches(Sampler[list[int]]):
    """Shuffled batches of sentences of similar length: a new order each epoch, drawn from ``seed`` alone.

    CoNLL-2003 mixes one-word headlines with 100-word sentences; batched at random, most of a batch would be
    padding that the window classifier and the CRF's dynamic programmes still pay for. Shuffling, cutting into
    pools of ``pool`` batches, sorting each pool by length and shuffling the batches keeps the batches random
    in content and order while their sentences are of similar length.
    """

    def __init__(self, lengths: Sequence[int], batch_size: int, *, seed: int, pool: int = 50) -> None:
        self.lengths = list(lengths)
        self.batch_size = batch_size
        self.pool = pool
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return math.ceil(len(self.lengths) / self.batch_size)

    def __iter__(self) -> Iterator[list[int]]:
        order = torch.randperm(len(self.lengths), generator=self.generator).tolist()
        span = self.batch_size * self.pool
        grouped: list[list[int]] = []
        for start in range(0, len(order), span):
            pool = sorted(order[start : start + span], key=self.lengths.__getitem__)
            grouped += [pool[i : i + self.batch_size] for i in range(0, len(pool), self.batch_size)]
        yield from shard_batches(grouped[i] for i in torch.randperm(len(grouped), generator=self.generator).tolist())


class EpochBatches(Sampler[list[int]]):
    """Batches of ``batch_size`` from a new random order of ``n`` items each epoch, drawn from (``seed``, epoch)
    alone; under DDP each rank takes its share of every batch (:func:`wordlab.ranks.shard_batches`), so the
    configured size is the global batch at any number of processes. Use with ``DataLoader(batch_size=None)``.

    Lightning calls ``set_epoch`` before every training epoch, also after resuming from a checkpoint, so an
    interrupted run sees the same order in its remaining epochs as an uninterrupted one: a generator carried from
    epoch to epoch would restart from its seed on resume instead.
    """

    def __init__(self, n: int, batch_size: int, seed: int) -> None:
        self.n, self.batch_size, self.seed, self.epoch = n, batch_size, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return math.ceil(self.n / self.batch_size)

    def __iter__(self) -> Iterator[list[int]]:
        # A generator, so that the order is drawn at the first batch, after Lightning's set_epoch: the DataLoader
        # calls iter() on its sampler earlier, and on resuming that is before the restored epoch is set.
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        order = torch.randperm(self.n, generator=generator).tolist()
        yield from shard_batches(order[i : i + self.batch_size] for i in range(0, self.n, self.batch_size))


def batches(dataset: Dataset, batch_size: int, *, shuffle: bool, seed: int = 0, tag_column: str = "tags") -> DataLoader:
    """Batches of whole sentences; shuffled and bucketed by length from ``seed``, else in file order."""
    if shuffle:
        lengths = [len(ids) for ids in dataset.with_format(None)["word_ids"]]
        sampler: Any = BucketBatches(lengths, batch_size, seed=seed)
    else:
        sampler = BatchSampler(SequentialSampler(dataset), batch_size=batch_size, drop_last=False)
    return DataLoader(
        dataset,
        sampler=sampler,
        batch_size=None,
        collate_fn=functools.partial(pad_batch, tag_column=tag_column),
    )
