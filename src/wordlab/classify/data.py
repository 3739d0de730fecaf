"""SST as classification examples: every labelled phrase of the training trees, whole sentences to score.

Socher et al. (2013) label every node of every tree; the standard setting (theirs, Tai et al.'s) trains on all
those phrases and reports accuracy on the dev and test sentences (the trees' roots). A phrase that recurs in many
trees carries the same label each time (SST labels each distinct phrase once), so by default it is one example:
otherwise "the" and "," would be tens of thousands of identical rows. The binary task maps 0-1 to negative and
3-4 to positive and drops neutral phrases and sentences.

Examples are word-id tensors with a label; batches pad to the longest example and carry a ``mask``. Training
batches group examples of similar length in an order drawn from (seed, epoch) alone, so that a resumed run reads
the same batches; the first ``curriculum_epochs`` read them from the shortest to the longest instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import torch
from torch.utils.data import DataLoader, Sampler

from wordlab.classify.config import SstTask
from wordlab.data.readers.sst import BINARY_LABELS, FINE_LABELS, SstTree, binary_label
from wordlab.ranks import shard_batches
from wordlab.text.vocab import WordVocabulary

LABEL_NAMES: dict[SstTask, tuple[str, ...]] = {SstTask.fine: FINE_LABELS, SstTask.binary: BINARY_LABELS}


@dataclass(frozen=True)
class Examples:
    """Token sequences and their labels (indices into the task's ``LABEL_NAMES``)."""

    tokens: list[tuple[str, ...]]
    labels: list[int]

    def __len__(self) -> int:
        return len(self.labels)


def task_label(label: int, task: SstTask) -> int | None:
    """The task's label of an SST label 0-4; None when the task drops it (binary: neutral)."""
    return label if task == SstTask.fine else binary_label(label)


def phrase_examples(trees: Iterable[SstTree], task: SstTask, *, unique: bool = True) -> Examples:
    """Every node of every tree as an example, neutral nodes dropped for the binary task; with ``unique``, each
    distinct token sequence once (its first label)."""
    tokens: list[tuple[str, ...]] = []
    labels: list[int] = []
    seen: set[tuple[str, ...]] = set()
    for tree in trees:
        for start, end, label in tree.spans:
            mapped = task_label(label, task)
            if mapped is None:
                continue
            phrase = tree.tokens[start:end]
            if unique:
                if phrase in seen:
                    continue
                seen.add(phrase)
            tokens.append(phrase)
            labels.append(mapped)
    return Examples(tokens, labels)


def sentence_examples(trees: Iterable[SstTree], task: SstTask) -> Examples:
    """The trees' sentences and root labels, neutral sentences dropped for the binary task."""
    kept = [(tree.tokens, task_label(tree.label, task)) for tree in trees]
    return Examples([t for t, label in kept if label is not None], [label for _, label in kept if label is not None])


def encode(examples: Examples, vocabulary: WordVocabulary) -> list[tuple[torch.Tensor, int]]:
    return [(torch.tensor(vocabulary.ids(tokens), dtype=torch.long), label)
            for tokens, label in zip(examples.tokens, examples.labels, strict=True)]  # fmt: skip


Batch = dict[str, torch.Tensor]


def pad_examples(rows: Sequence[tuple[torch.Tensor, int]]) -> Batch:
    """``word_ids`` padded with 0 (PAD) to the longest row, ``mask`` of the real tokens, ``labels``."""
    ids = [row[0] for row in rows]
    lengths = torch.tensor([len(row) for row in ids])
    word_ids = torch.nn.utils.rnn.pad_sequence(ids, batch_first=True, padding_value=0)
    mask = torch.arange(word_ids.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)
    return {"word_ids": word_ids, "mask": mask, "labels": torch.tensor([row[1] for row in rows])}


class LengthBatches(Sampler[list[int]]):
    """Batches of examples of similar length, shuffled anew each epoch from (seed, epoch) alone.

    Epochs before ``curriculum_epochs`` instead go from the shortest examples to the longest (a curriculum: single
    words and short phrases, whose sentiment is plain, before whole sentences). Lightning calls ``set_epoch``
    before every epoch, also after resuming, so an interrupted run reads the same batches as an uninterrupted one.
    """

    def __init__(
        self, lengths: Sequence[int], batch_size: int, *, seed: int, curriculum_epochs: int = 0, pool: int = 50
    ) -> None:
        self.lengths = list(lengths)
        self.batch_size = batch_size
        self.seed = seed
        self.curriculum_epochs = curriculum_epochs
        self.pool = pool
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return math.ceil(len(self.lengths) / self.batch_size)

    def __iter__(self) -> Iterator[list[int]]:
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        order = torch.randperm(len(self.lengths), generator=generator).tolist()
        if self.epoch < self.curriculum_epochs:
            order.sort(key=self.lengths.__getitem__)  # stable: equal lengths keep their random order
            yield from shard_batches(order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size))
            return
        span = self.batch_size * self.pool
        grouped: list[list[int]] = []
        for start in range(0, len(order), span):
            pool = sorted(order[start : start + span], key=self.lengths.__getitem__)
            grouped += [pool[i : i + self.batch_size] for i in range(0, len(pool), self.batch_size)]
        yield from shard_batches(grouped[i] for i in torch.randperm(len(grouped), generator=generator).tolist())


class _Rows:
    """The encoded examples, indexed by a whole batch's indices at once (the batch sampler hands over a list)."""

    def __init__(self, rows: list[tuple[torch.Tensor, int]]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, indices: list[int]) -> list[tuple[torch.Tensor, int]]:
        return [self.rows[i] for i in indices]


def training_batches(
    rows: list[tuple[torch.Tensor, int]], batch_size: int, *, seed: int, curriculum_epochs: int = 0
) -> DataLoader:
    """Length-grouped batches drawn from (seed, epoch); see :class:`LengthBatches`."""
    sampler = LengthBatches([len(ids) for ids, _ in rows], batch_size, seed=seed, curriculum_epochs=curriculum_epochs)
    return DataLoader(_Rows(rows), sampler=sampler, batch_size=None, collate_fn=pad_examples)  # type: ignore[arg-type]


def scoring_batches(rows: list[tuple[torch.Tensor, int]], batch_size: int) -> DataLoader:
    """Batches in file order (predictions line up with the examples)."""
    return DataLoader(rows, batch_size=batch_size, shuffle=False, collate_fn=pad_examples)  # type: ignore[arg-type]
