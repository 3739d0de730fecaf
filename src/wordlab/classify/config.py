"""Schemas of the ``classify`` config group: one entry per sentence classifier, trained on both SST tasks.

Like ``parser``, the group is multi-select (``classify: [bilstm, bilstm_random]``), each entry landing at
``classify.<name>``; the DVC ``foreach`` over the embedding methods makes one ``train_classifier@<method>`` stage
per method, and entries with ``random_init: true`` are the baselines.

The published setting is Tai et al. (2015)'s BiLSTM on SST: 150 hidden units per direction, AdaGrad at 0.05,
minibatches of 25, L2 1e-4, dropout 0.5, trained on every labelled phrase and scored on whole sentences. The
course's helpful techniques (an ensemble, a curriculum, word dropout, batch normalisation, mean-centred inputs)
are options here. All but the curriculum are off by default: in ``bench/classify_techniques.py``, which measures
each against the entry with all off, one curriculum epoch raised binary dev accuracy on every seed and left the
fine-grained one level.

Kept free of torch imports: the root config module imports it at every stage's start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from wordlab.config import Entries, as_choice, entry_error, entry_settings
from wordlab.nn.config import (
    EarlyStoppingConfig,
    RegularizationConfig,
    StopMode,
    check_entry_regularization,
    check_target_node,
)


class Cell(StrEnum):
    lstm = "lstm"
    gru = "gru"
    rnn = "rnn"


class Pooling(StrEnum):
    # The encoder's state after the last word (with a backward direction: after the first word, read backwards).
    final = "final"
    mean = "mean"
    max = "max"


class SstTask(StrEnum):
    # Five classes, from very negative to very positive.
    fine = "fine"
    # Negative (0-1) against positive (3-4), neutral phrases and sentences dropped.
    binary = "binary"


def _classifier_regularization() -> RegularizationConfig:
    """Tai et al.'s dropout 0.5 and L2 1e-4; early stopping on dev accuracy, the best epoch kept."""
    stopping = EarlyStoppingConfig(patience=3, monitor="val_acc", mode=StopMode.max)
    return RegularizationConfig(dropout=0.5, weight_decay=1e-4, grad_clip=5.0, early_stopping=stopping)


@dataclass
class ClassifierConfig:
    """A recurrent sentence encoder, a pooling of its states and a softmax over the task's classes."""

    model: str = "rnn_encoder"
    # The entry of the `embedding` group whose vectors initialise the words; null: no pretrained vectors.
    vectors: str | None = "skipgram"
    # The baseline: the vectors' vocabulary and dimension, random values of the same spread.
    random_init: bool = False
    freeze: bool = False
    # The pretrained rows' learning rate as a multiple of the optimizer's (Tai et al. fine-tune at 0.1 / 0.05).
    pretrained_lr_scale: float = 1.0
    normalise_digits: bool = True
    # Only without vectors: the word dimension and the training count that earns a word its own row.
    dim: int = 100
    min_count: int = 1
    # Only with vectors: training forms without a vector seen this often get their own (random) row.
    train_words_min_count: int | None = 2
    # The tasks trained, each a model (or an ensemble) of its own.
    tasks: list[SstTask] = field(default_factory=lambda: [SstTask.binary, SstTask.fine])
    cell: Cell = Cell.lstm
    bidirectional: bool = True
    pooling: Pooling = Pooling.final
    hidden: int = 150  # per direction
    layers: int = 1
    # Train on every labelled phrase of the training trees (the standard setting); false: whole sentences only.
    phrases: bool = True
    # A phrase that recurs in many trees (SST labels each distinct phrase once) is one training example.
    unique_phrases: bool = True
    # --- the course's techniques -----------------------------------------------------------------------------
    # Models trained from seeds seed, seed+1, ...; their class probabilities are averaged.
    ensemble: int = 1
    # Epochs at the start that read the training examples from the shortest to the longest (Bengio et al. 2009).
    curriculum_epochs: int = 1
    # Probability that a training token reads UNK instead (word dropout as data augmentation).
    word_dropout: float = 0.0
    # Batch normalisation of the pooled sentence vector before the softmax.
    batch_norm: bool = False
    # Subtract the mean pretrained vector from every pretrained row before training.
    mean_center: bool = False
    # ---------------------------------------------------------------------------------------------------------
    epochs: int = 10
    batch_size: int = 25
    # Sentences per batch when only scoring.
    eval_batch: int = 256
    # A Hydra `_target_` node (conf/optimizer); null: AdaGrad at 0.05 (Tai et al.).
    optimizer: Any = None
    regularization: RegularizationConfig = field(default_factory=_classifier_regularization)
    seed: int = 1

    def __post_init__(self) -> None:
        self.cell = as_choice(Cell, self.cell, "classify.cell")
        self.pooling = as_choice(Pooling, self.pooling, "classify.pooling")
        self.tasks = [as_choice(SstTask, task, "classify.tasks") for task in self.tasks]
        check_classifier_entry(self)
        check_target_node(self.optimizer, "optimizer")


CLASSIFY_SCHEMAS: dict[str, type[ClassifierConfig]] = {"rnn_encoder": ClassifierConfig}
SCHEMA = Entries(CLASSIFY_SCHEMAS)


def check_classifier_entry(cfg: Any) -> None:
    """The range checks a schema cannot express; ValueError naming the key (also as ``full_key``)."""
    for key in ("dim", "min_count", "hidden", "layers", "ensemble", "epochs", "batch_size", "eval_batch"):
        value = getattr(cfg, key)
        if int(value) < 1:
            _fail(key, f"must be >= 1, got {value}")
    if int(cfg.curriculum_epochs) < 0:
        _fail("curriculum_epochs", f"must be >= 0, got {cfg.curriculum_epochs}")
    if not 0.0 <= float(cfg.word_dropout) < 1.0:
        _fail("word_dropout", f"must be in [0, 1), got {cfg.word_dropout}")
    if float(cfg.pretrained_lr_scale) <= 0.0:
        _fail("pretrained_lr_scale", f"must be positive (freeze: true stops the rows), got {cfg.pretrained_lr_scale}")
    if cfg.train_words_min_count is not None and int(cfg.train_words_min_count) < 1:
        _fail("train_words_min_count", f"must be >= 1 or null, got {cfg.train_words_min_count}")
    if not cfg.tasks:
        _fail("tasks", "must name at least one of 'binary', 'fine'")
    if len(set(cfg.tasks)) != len(cfg.tasks):
        _fail("tasks", f"names a task twice: {[str(task) for task in cfg.tasks]}")
    check_entry_regularization(cfg.regularization, "classify")


def _fail(key: str, problem: str) -> None:
    raise entry_error("classify", key, problem)


def classifier_settings(entry: Any) -> ClassifierConfig:
    """An entry as the library takes it: the schema's dataclass, validated (a dataclass passes through)."""
    return entry_settings(ClassifierConfig, entry)
