"""Schemas of the ``ner`` config group: one entry per tagger to train and score, checked by its ``model``.

The group is multi-select like ``embedding`` (``ner: [window, bilstm_crf]`` in the defaults list), each option
landing at ``ner.<name>`` so that a DVC ``foreach`` makes one stage per tagger with key-level params. Window
classifiers and BiLSTM taggers take different keys, which OmegaConf cannot express as a union, so the entry's
``model`` picks its schema (:data:`NER_SCHEMAS`, used by :func:`validate_ner_entry`).

How a tagger trains has one home, its entry: ``optimizer`` and ``scheduler`` (Hydra ``_target_`` nodes drawn from
``conf/optimizer`` and ``conf/scheduler``) and ``regularization`` (the toolkit's
:class:`~wordlab.nn.config.RegularizationConfig`: dropout, weight decay, gradient clipping, early stopping), each
built by the ``nn`` toolkit's builders.

Kept free of torch imports: the root config module imports it at every stage's start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from omegaconf import DictConfig, OmegaConf

from wordlab.config import Entries, entry_error
from wordlab.nn.config import (
    SCHEDULER_STEPPING_KEYS,
    EarlyStoppingConfig,
    RegularizationConfig,
    StopMode,
    check_regularization,
    check_target_node,
)


def _tagger_regularization() -> RegularizationConfig:
    """Dropout 0.5 as Collobert and Lample, clipped gradients, early stopping on dev F1 after 3 epochs."""
    stopping = EarlyStoppingConfig(patience=3, monitor="val_f1", mode=StopMode.max)
    return RegularizationConfig(dropout=0.5, grad_clip=5.0, early_stopping=stopping)


@dataclass
class NerConfig:
    """What every tagger shares: its inputs (vectors, casing, unknown words) and how it is trained."""

    model: str = "window"
    # The entry of the `embedding` group whose vectors initialise the words (the stage resolves it to a file);
    # null trains without pretrained vectors (a random-initialisation baseline over the training vocabulary).
    vectors: str | None = "skipgram"
    # Keep the pretrained rows fixed; the UNK and sentence-boundary rows are trained either way.
    freeze: bool = False
    # Fine-tuning: the pretrained rows' learning rate as a multiple of the optimizer's (the other rows and the
    # network train at the full rate). An adaptive optimiser moves every row it touches by about lr per step,
    # whatever the gradient, so at the full rate frequent words soon forget their vectors while words seen only
    # at test time keep theirs, and the two drift apart. Ignored with random_init: random rows learn at full rate.
    pretrained_lr_scale: float = 1.0
    # The baseline: the vectors file's vocabulary and dimension, but random values of the same spread.
    random_init: bool = False
    # Fall back to the token with every digit as 0 when neither it nor its lower case has a vector.
    normalise_digits: bool = True
    # Only without a vectors file: the word dimension, and the training-set count that earns a word its own row.
    dim: int = 100
    min_count: int = 2
    # Only with a vectors file: training forms without a vector seen this often get their own row (random start,
    # always trained), as Lample et al. (2016) add the training words to the pretrained ones; null: they are UNK.
    train_words_min_count: int | None = 2
    # Probability that a training token whose row occurs once in the training set reads UNK instead, so that UNK
    # learns to stand for rare words in context (Lample et al. 2016 use 0.5); 0: never.
    singleton_unk: float = 0.0
    # Width of the learned capitalisation-class embedding that restores what lower-cased vectors lose; 0: none.
    caps_dim: int = 5
    # Decode only valid IOB2 sequences (no I-X after O or after another type): Viterbi with forbidden transitions.
    constrained_decoding: bool = True
    epochs: int = 20
    batch_size: int = 32
    # A Hydra `_target_` node (conf/optimizer); its own weight_decay is ignored in favour of regularization's.
    # null: Adam at 1e-3. Not a dictionary default: OmegaConf would merge the entry's node into it, so that an
    # entry choosing SGD would keep Adam-only keys.
    optimizer: Any = None
    # A Hydra `_target_` node (conf/scheduler); null or `_target_: null` keeps the learning rate constant.
    scheduler: Any = None
    # Dropout on the token features and below the output; L2 weight decay (never on biases or word vectors, see
    # wordlab.ner.module); global gradient-norm clipping; early stopping on dev F1 (the best epoch is kept).
    regularization: RegularizationConfig = field(default_factory=_tagger_regularization)
    seed: int = 1

    def __post_init__(self) -> None:
        check_ner_entry(self)
        check_target_node(self.optimizer, "optimizer")
        check_target_node(self.scheduler, "scheduler", SCHEDULER_STEPPING_KEYS)


@dataclass
class WindowNerConfig(NerConfig):
    """Collobert et al. (2011)'s window approach: a tag per token from the words around it."""

    model: str = "window"
    # Words on each side of the tagged one: 2 gives Collobert's window of 5.
    half_window: int = 2
    hidden: int = 300
    activation: str = "hardtanh"


@dataclass
class BiLstmNerConfig(NerConfig):
    """A bidirectional LSTM over the sentence, with a CRF (Lample et al. 2016) or per-token softmax output."""

    model: str = "bilstm"
    hidden: int = 100  # per direction
    layers: int = 1
    crf: bool = True
    # Ma & Hovy (2016)'s character CNN: character-embedding width and number of filters (0: no character model),
    # and the filters' width in characters (odd).
    char_dim: int = 30
    char_filters: int = 0
    char_width: int = 3


NER_SCHEMAS: dict[str, type[NerConfig]] = {"window": WindowNerConfig, "bilstm": BiLstmNerConfig}
SCHEMA = Entries(NER_SCHEMAS)


def validate_ner_entry(node: Any) -> DictConfig:
    """Merge one ``ner.<name>`` entry into the schema its ``model`` names; unknown keys and bad types fail."""
    if not isinstance(node, (dict, DictConfig)):
        raise ValueError(f"a ner entry must be a mapping, got {type(node).__name__}")
    kind = node.get("model", "window")
    if kind not in NER_SCHEMAS:
        raise ValueError(f"ner model must be one of {sorted(NER_SCHEMAS)}, not {kind!r}")
    merged = OmegaConf.merge(OmegaConf.structured(NER_SCHEMAS[kind]), node)
    assert isinstance(merged, DictConfig)
    check_ner_entry(merged)
    return merged


def ner_settings(entry: NerConfig | Mapping[str, Any] | DictConfig) -> NerConfig:
    """An entry as the library takes it: the schema's dataclass, validated (a dataclass passes through)."""
    if isinstance(entry, NerConfig):
        return entry
    settings = OmegaConf.to_object(validate_ner_entry(entry))
    assert isinstance(settings, NerConfig)
    return settings


def check_ner_entry(cfg: Any) -> None:
    """The range checks a schema cannot express; raise ``ValueError`` naming the key (also as ``full_key``, which
    :func:`wordlab.config.validate` turns into a file and line).

    ``cfg`` is an entry as a dataclass or as a validated config node: only attribute access is used.
    """
    for key in ("dim", "min_count", "epochs", "batch_size", "hidden", "layers"):
        value = getattr(cfg, key, 1)
        if int(value) < 1:
            _fail(key, f"must be >= 1, got {value}")
    for key in ("caps_dim", "half_window", "char_filters"):
        value = getattr(cfg, key, 0)
        if int(value) < 0:
            _fail(key, f"must be >= 0, got {value}")
    if int(getattr(cfg, "char_filters", 0)) > 0:
        if int(cfg.char_dim) < 1:
            _fail("char_dim", f"must be >= 1 with a character model, got {cfg.char_dim}")
        if int(cfg.char_width) < 1 or int(cfg.char_width) % 2 == 0:
            _fail("char_width", f"must be odd and positive, got {cfg.char_width}")
    if float(cfg.pretrained_lr_scale) <= 0.0:
        _fail("pretrained_lr_scale", f"must be positive (freeze: true stops the rows), got {cfg.pretrained_lr_scale}")
    if not 0.0 <= float(cfg.singleton_unk) <= 1.0:
        _fail("singleton_unk", f"must be in [0, 1], got {cfg.singleton_unk}")
    if cfg.train_words_min_count is not None and int(cfg.train_words_min_count) < 1:
        _fail("train_words_min_count", f"must be >= 1 or null, got {cfg.train_words_min_count}")
    try:
        check_regularization(cfg.regularization, prefix="ner.regularization.")
    except ValueError as error:
        error.full_key = "regularization"  # type: ignore[attr-defined]
        raise


def _fail(key: str, problem: str) -> None:
    raise entry_error("ner", key, problem)
