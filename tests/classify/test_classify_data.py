"""Classification examples from SST trees: a hand count of small trees, the neutral rule against the data's own
labels, the published sentence counts, and the batch order (seeded, curriculum)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from wordlab.classify.config import SstTask
from wordlab.classify.data import LengthBatches, phrase_examples, sentence_examples
from wordlab.data.readers.sst import parse_tree, read_sst
from wordlab.data.registry import DATASETS

# (3 (2 It) (4 (2 is) (3 good))): five nodes, by hand
#   "It is good" 3, "It" 2, "is good" 4, "is" 2, "good" 3; (1 (2 Not) (3 good)): three more, "good" again
TREES = [parse_tree("(3 (2 It) (4 (2 is) (3 good)))"), parse_tree("(1 (2 Not) (3 good))")]


def test_phrases_of_small_trees_match_a_hand_count() -> None:
    fine = phrase_examples(TREES, SstTask.fine, unique=False)
    assert list(zip(fine.tokens, fine.labels, strict=True)) == [
        (("It", "is", "good"), 3), (("It",), 2), (("is", "good"), 4), (("is",), 2), (("good",), 3),
        (("Not", "good"), 1), (("Not",), 2), (("good",), 3),
    ]  # fmt: skip
    # unique: "good" once (8 nodes, 7 distinct phrases)
    assert len(phrase_examples(TREES, SstTask.fine, unique=True)) == 7
    binary = phrase_examples(TREES, SstTask.binary, unique=False)
    # the four neutral nodes dropped; 3-4 positive (1), 0-1 negative (0)
    assert list(zip(binary.tokens, binary.labels, strict=True)) == [
        (("It", "is", "good"), 1), (("is", "good"), 1), (("good",), 1), (("Not", "good"), 0), (("good",), 1),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def sst(data_dir: Path) -> dict[str, list]:
    dataset = DATASETS["sst"]
    return {split: read_sst(data_dir / dataset.files[split].relpath) for split in ("train", "validation", "test")}


def test_binary_drops_exactly_the_neutral_phrases(sst: dict[str, list]) -> None:
    labels = Counter(label for tree in sst["train"] for _, _, label in tree.spans)
    binary = phrase_examples(sst["train"], SstTask.binary, unique=False)
    fine = phrase_examples(sst["train"], SstTask.fine, unique=False)
    assert len(fine) == sum(labels.values())
    assert len(binary) == sum(labels.values()) - labels[2]
    assert Counter(binary.labels) == {0: labels[0] + labels[1], 1: labels[3] + labels[4]}


@pytest.mark.parametrize("split", ["train", "validation", "test"])
def test_sentences_match_the_published_counts(sst: dict[str, list], split: str) -> None:
    counts = DATASETS["sst"].counts[split]
    assert len(sentence_examples(sst[split], SstTask.fine)) == counts["trees"]
    assert len(sentence_examples(sst[split], SstTask.binary)) == counts["binary"]


def test_batches_cover_every_example_once_from_seed_and_epoch() -> None:
    lengths = [1 + (i * 7) % 13 for i in range(103)]
    sampler = LengthBatches(lengths, 10, seed=3)
    first = list(sampler)
    assert sorted(i for batch in first for i in batch) == list(range(103))
    assert list(LengthBatches(lengths, 10, seed=3)) == first  # the same seed and epoch: the same batches
    sampler.set_epoch(1)
    assert list(sampler) != first


def test_curriculum_epochs_go_from_short_to_long() -> None:
    lengths = [1 + (i * 7) % 13 for i in range(103)]
    sampler = LengthBatches(lengths, 10, seed=3, curriculum_epochs=1)
    order = [lengths[i] for batch in sampler for i in batch]
    assert order == sorted(lengths)
    sampler.set_epoch(1)  # after the curriculum: shuffled batches
    assert [lengths[i] for batch in sampler for i in batch] != sorted(lengths)
