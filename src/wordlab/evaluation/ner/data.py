"""CoNLL-2003 as padded tensor batches: the Hub-shaped DatasetDict, encoded with ``.map``, read as torch.

Users asked for the ``datasets`` route, so that what a model sees is a ``Dataset`` they can inspect, filter or
swap for the Hub's own ``conll2003``: :func:`encode_splits` adds ``word_ids``, ``caps_ids`` and the characters
(``char_ids``, all of a sentence's in one flat list, with ``char_lengths`` per token: a ragged column would not
become a tensor) beside the Hub's ``ner_tags`` (IOB2 ClassLabel ids) and returns the splits in torch format. The
map's fingerprint is the split's own plus the vocabulary's, so its cache files (beside the Arrow data) are reused
exactly when both match.

Batches are whole sentences padded to the longest in the batch, with a boolean ``mask``. A batch sampler hands
each batch's indices to the dataset in one call (one Arrow slice rather than one read per sentence); training
batches group sentences of similar length (:class:`BucketBatches`), shuffled by their own seeded generator so
that the order depends on the seed alone.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import torch
from datasets import Dataset, DatasetDict
from torch.utils.data import BatchSampler, DataLoader, Sampler, SequentialSampler

from wordlab.evaluation.ner.casing import casing
from wordlab.evaluation.ner.characters import char_ids
from wordlab.evaluation.ner.vocab import WordVocabulary

ENCODING_VERSION = 2  # bump when the encoding changes for the same vocabulary
COLUMNS = ["word_ids", "caps_ids", "char_ids", "char_lengths", "ner_tags"]
Batch = dict[str, torch.Tensor]


def encode_splits(dataset_dict: DatasetDict, vocabulary: WordVocabulary) -> DatasetDict:
    """Each split with ``word_ids`` and ``caps_ids`` added, formatted as torch tensors of the model's columns."""

    def encode(batch: Mapping[str, list[Any]]) -> dict[str, list[list[int]]]:
        sentences = batch["tokens"]
        chars = [[char_ids(token) for token in tokens] for tokens in sentences]
        return {
            "word_ids": [vocabulary.ids(tokens) for tokens in sentences],
            "caps_ids": [[int(casing(token)) for token in tokens] for tokens in sentences],
            "char_ids": [[c for word in words for c in word] for words in chars],
            "char_lengths": [[len(word) for word in words] for words in chars],
        }

    encoded = {}
    for split, dataset in dataset_dict.items():
        if any(len(tokens) == 0 for tokens in dataset["tokens"]):
            raise ValueError(f"split {split!r} holds an empty sentence: a tagger needs at least one token")
        key = f"{dataset._fingerprint}|{vocabulary.fingerprint()}|{ENCODING_VERSION}"
        mapped = dataset.map(
            encode,
            batched=True,
            new_fingerprint=hashlib.sha256(key.encode()).hexdigest()[:16],
            desc=f"encoding {split}",
        )
        encoded[split] = mapped.with_format("torch", columns=COLUMNS)
    return DatasetDict(encoded)


def pad_batch(rows: Mapping[str, list[torch.Tensor]]) -> Batch:
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
        "tags": pad("ner_tags"),
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
        for index in torch.randperm(len(grouped), generator=self.generator).tolist():
            yield grouped[index]


def batches(dataset: Dataset, batch_size: int, *, shuffle: bool, seed: int = 0) -> DataLoader:
    """Batches of whole sentences; shuffled and bucketed by length from ``seed``, else in file order."""
    if shuffle:
        lengths = [len(ids) for ids in dataset.with_format(None)["word_ids"]]
        sampler: Any = BucketBatches(lengths, batch_size, seed=seed)
    else:
        sampler = BatchSampler(SequentialSampler(dataset), batch_size=batch_size, drop_last=False)
    return DataLoader(
        dataset,  # type: ignore[arg-type]
        sampler=sampler,
        batch_size=None,
        collate_fn=pad_batch,
    )
