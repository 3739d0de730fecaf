"""Schemas of the ``tagger`` config group: one entry per UPOS tagger to train, checked by its ``model``.

Multi-select like ``parser`` (``tagger: [bilstm]``), each entry landing at ``tagger.<name>``; the DVC ``foreach``
over the embedding methods makes one ``train_tagger@<method>`` stage per method. The network is the NER BiLSTM
(Lample et al. 2016) with Ma & Hovy (2016)'s character CNN and a softmax per word, as Plank et al. (2016) tag UD.

``jackknife`` folds tag the training set for the parser: each fold is tagged by a model trained on the other
folds, so the parser trains on tags as noisy as those it will see on dev and test (k = 5 by default; 0 or 1:
the training set keeps its gold tags).

Kept free of torch imports: the root config module imports it at every stage's start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wordlab.config import Entries, entry_error, entry_settings
from wordlab.nn.config import (
    EarlyStoppingConfig,
    RegularizationConfig,
    StopMode,
    check_entry_regularization,
    check_target_node,
)


def _tagger_regularization() -> RegularizationConfig:
    """Dropout 0.5, clipped gradients, early stopping on dev accuracy (the best epoch kept)."""
    stopping = EarlyStoppingConfig(patience=3, monitor="val_acc", mode=StopMode.max)
    return RegularizationConfig(dropout=0.5, grad_clip=5.0, early_stopping=stopping)


@dataclass
class TaggerConfig:
    model: str = "bilstm"
    # The entry of the `embedding` group whose vectors initialise the words; null: no pretrained vectors.
    vectors: str | None = "skipgram"
    random_init: bool = False
    freeze: bool = False
    pretrained_lr_scale: float = 1.0
    normalise_digits: bool = True
    # Only without vectors: the word dimension and the training count that earns a word its own row.
    dim: int = 100
    min_count: int = 2
    # Only with vectors: training forms without a vector seen this often get their own (random) row.
    train_words_min_count: int | None = 2
    caps_dim: int = 5
    hidden: int = 100  # per direction
    layers: int = 1
    char_dim: int = 30
    char_filters: int = 30
    char_width: int = 3
    # Folds that tag the training set for the parser (0 or 1: none, the training set keeps its gold tags).
    jackknife: int = 5
    epochs: int = 20
    batch_size: int = 32
    eval_batch: int = 256
    # A Hydra `_target_` node (conf/optimizer); null: Adam at 1e-3.
    optimizer: Any = None
    regularization: RegularizationConfig = field(default_factory=_tagger_regularization)
    seed: int = 1

    def __post_init__(self) -> None:
        check_tagger_entry(self)
        check_target_node(self.optimizer, "optimizer")


TAGGER_SCHEMAS: dict[str, type[TaggerConfig]] = {"bilstm": TaggerConfig}
SCHEMA = Entries(TAGGER_SCHEMAS)


def check_tagger_entry(cfg: Any) -> None:
    """The range checks a schema cannot express; ValueError naming the key (also as ``full_key``)."""
    for key in ("dim", "min_count", "hidden", "layers", "epochs", "batch_size", "eval_batch"):
        value = getattr(cfg, key)
        if int(value) < 1:
            _fail(key, f"must be >= 1, got {value}")
    for key in ("caps_dim", "char_filters", "jackknife"):
        value = getattr(cfg, key)
        if int(value) < 0:
            _fail(key, f"must be >= 0, got {value}")
    if int(cfg.char_filters) > 0 and (int(cfg.char_width) < 1 or int(cfg.char_width) % 2 == 0):
        _fail("char_width", f"must be odd and positive, got {cfg.char_width}")
    if float(cfg.pretrained_lr_scale) <= 0.0:
        _fail("pretrained_lr_scale", f"must be positive (freeze: true stops the rows), got {cfg.pretrained_lr_scale}")
    if cfg.train_words_min_count is not None and int(cfg.train_words_min_count) < 1:
        _fail("train_words_min_count", f"must be >= 1 or null, got {cfg.train_words_min_count}")
    check_entry_regularization(cfg.regularization, "tagger")


def _fail(key: str, problem: str) -> None:
    raise entry_error("tagger", key, problem)


def tagger_settings(entry: Any) -> TaggerConfig:
    """An entry as the library takes it: the schema's dataclass, validated (a dataclass passes through)."""
    return entry_settings(TaggerConfig, entry)
