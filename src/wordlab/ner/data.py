"""CoNLL-2003 as the taggers read it: the Hub-shaped DatasetDict, encoded with ``.map``, batched as torch.

Users asked for the ``datasets`` route, so that what a model sees is a ``Dataset`` they can inspect, filter or
swap for the Hub's own ``conll2003``: :func:`encode_splits` adds ``word_ids``, ``caps_ids`` and the characters
(``char_ids``, all of a sentence's in one flat list, with ``char_lengths`` per token: a ragged column would not
become a tensor) beside the Hub's ``ner_tags`` (IOB2 ClassLabel ids) and returns the splits in torch format. The
map's fingerprint is the split's own plus the vocabulary's, so its cache files (beside the Arrow data) are reused
exactly when both match.

Batching is the text toolkit's (:mod:`wordlab.text.batching`), with ``ner_tags`` as the gold column.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from datasets import Dataset, DatasetDict
from torch.utils.data import DataLoader

from wordlab.text import batching
from wordlab.text.batching import Batch
from wordlab.text.casing import casing
from wordlab.text.characters import char_ids
from wordlab.text.vocab import WordVocabulary

ENCODING_VERSION = 2  # bump when the encoding changes for the same vocabulary
COLUMNS = ["word_ids", "caps_ids", "char_ids", "char_lengths", "ner_tags"]


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


def batches(dataset: Dataset, batch_size: int, *, shuffle: bool, seed: int = 0) -> DataLoader:
    """Batches of whole sentences with ``ner_tags`` as ``tags`` (see :func:`wordlab.text.batching.batches`)."""
    return batching.batches(dataset, batch_size, shuffle=shuffle, seed=seed, tag_column="ner_tags")


__all__ = ["COLUMNS", "ENCODING_VERSION", "Batch", "batches", "encode_splits"]
