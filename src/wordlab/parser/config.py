"""Schemas of the ``parser`` config group: one entry per parser to train, checked by its ``model``.

Like ``ner``, the group is multi-select (``parser: [chen_manning, chen_manning_random]``), each entry landing at
``parser.<name>``; the DVC ``foreach`` over the embedding methods makes one ``train_parser@<method>`` stage per
method, and entries with ``random_init: true`` are the baselines. How a parser trains has one home, its entry:
``optimizer`` (a Hydra ``_target_`` node from ``conf/optimizer``, AdaGrad by default) and ``regularization``.

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


class TransitionSystem(StrEnum):
    arc_standard = "arc_standard"
    arc_eager = "arc_eager"


class NonProjective(StrEnum):
    # Nivre & Nilsson (2005)'s pseudo-projective lifting ("Head" encoding), undone after parsing.
    lift = "lift"
    # "Declaring defeat": train on the projective sentences only.
    drop = "drop"


class Oracle(StrEnum):
    # The gold moves' states only (Chen & Manning 2014).
    static = "static"
    # From the second epoch, the states the network's own moves reach, each taught its best-scoring least costly
    # transition (Goldberg & Nivre 2012; UDPipe 1's default).
    dynamic = "dynamic"


class TagSource(StrEnum):
    gold = "gold"
    predicted = "predicted"


class Activation(StrEnum):
    cube = "cube"
    relu = "relu"
    tanh = "tanh"


def _parser_regularization() -> RegularizationConfig:
    """Chen & Manning's dropout 0.5 and L2 1e-8, early stopping on dev LAS."""
    stopping = EarlyStoppingConfig(patience=3, monitor="val_las", mode=StopMode.max)
    return RegularizationConfig(dropout=0.5, weight_decay=1e-8, early_stopping=stopping)


@dataclass
class ParserConfig:
    """Chen & Manning (2014)'s greedy transition parser: 48 embedded features, one hidden layer, softmax."""

    model: str = "chen_manning"
    # The entry of the `embedding` group whose vectors initialise the words (the stage resolves it to a file);
    # null: no pretrained vectors (the training vocabulary, random rows).
    vectors: str | None = "skipgram"
    # The baseline: the vectors' vocabulary and dimension, random values of the same spread.
    random_init: bool = False
    normalise_digits: bool = True
    # Only without vectors: the word dimension and the training count that earns a word its own row.
    dim: int = 50
    min_count: int = 2
    # Only with vectors: training forms without a vector seen this often get their own (random) row.
    train_words_min_count: int | None = 2
    transition_system: TransitionSystem = TransitionSystem.arc_standard
    nonprojective: NonProjective = NonProjective.lift
    oracle: Oracle = Oracle.static
    # With oracle: dynamic, the probability of following the network's own move rather than the oracle's while
    # exploring (UDPipe 1: always; Goldberg & Nivre 2012: 0.9).
    explore: float = 1.0
    # Where the POS features come from: the treebank's UPOS (gold), or the `tagger` entry's output (predicted; its
    # training set tagged by the tagger's jackknife), trained and scored by the train_parser_predicted stage.
    tags: TagSource = TagSource.gold
    tagger: str = "bilstm"
    pos_dim: int = 50
    label_dim: int = 50
    # The FEATS column of the 18 tokens, embedded in this many dimensions (UDPipe 1's parser reads them, at 20);
    # 0: Chen & Manning's 48 features alone. Needs tags: gold (the tagger predicts no FEATS).
    feats_dim: int = 0
    hidden: int = 200
    activation: Activation = Activation.cube
    # Weights, POS and label embeddings (and word rows without a vector) start uniform in +-init_range.
    init_range: float = 0.01
    # Parse time: the hidden layer's contribution of this many most frequent (feature position, word) pairs of
    # the training set is computed once (Chen & Manning's pre-computation); 0 turns it off.
    precomputed: int = 100_000
    epochs: int = 30
    # Networks trained independently (seeds seed .. seed + ensemble - 1, each early-stopped on dev LAS) whose
    # transition probabilities are averaged at each parsing step; 1: Chen & Manning's single network.
    ensemble: int = 1
    batch_size: int = 1000
    # Sentences parsed at once (batched greedy decoding) at validation and test time.
    parse_batch: int = 512
    # A Hydra `_target_` node (conf/optimizer); null: AdaGrad at lr 0.01, eps 1e-6 (Chen & Manning).
    optimizer: Any = None
    # dropout on the hidden layer; weight_decay is the L2 on weights and embeddings (never biases); early
    # stopping on dev LAS, the best epoch kept.
    regularization: RegularizationConfig = field(default_factory=_parser_regularization)
    # Parameter averaging: dev scores (so early stopping and the kept epoch) and the saved parser use an exponential
    # moving average of the weights, updated after every optimiser step with this decay (0.997: a time constant
    # of about 330 steps, under an epoch of EWT at batch 1000); 0: the weights as trained (Chen & Manning).
    average_decay: float = 0.0
    seed: int = 1

    def __post_init__(self) -> None:
        self.transition_system = as_choice(TransitionSystem, self.transition_system, "parser.transition_system")
        self.nonprojective = as_choice(NonProjective, self.nonprojective, "parser.nonprojective")
        self.oracle = as_choice(Oracle, self.oracle, "parser.oracle")
        self.tags = as_choice(TagSource, self.tags, "parser.tags")
        self.activation = as_choice(Activation, self.activation, "parser.activation")
        check_parser_entry(self)
        check_target_node(self.optimizer, "optimizer")


PARSER_SCHEMAS: dict[str, type[ParserConfig]] = {"chen_manning": ParserConfig}
SCHEMA = Entries(PARSER_SCHEMAS)


def check_parser_entry(cfg: Any) -> None:
    """The range checks a schema cannot express; ValueError naming the key (also as ``full_key``)."""
    for key in (
        "dim",
        "min_count",
        "pos_dim",
        "label_dim",
        "hidden",
        "epochs",
        "ensemble",
        "batch_size",
        "parse_batch",
    ):
        value = getattr(cfg, key)
        if int(value) < 1:
            _fail(key, f"must be >= 1, got {value}")
    if int(cfg.feats_dim) < 0:
        _fail("feats_dim", f"must be >= 0, got {cfg.feats_dim}")
    if int(cfg.feats_dim) > 0 and str(cfg.tags) == TagSource.predicted.value:
        _fail("feats_dim", "needs tags: gold: the tagger predicts UPOS only, so the FEATS read would be the treebank's")
    if not 0.0 <= float(cfg.explore) <= 1.0:
        _fail("explore", f"must be a probability (0 to 1), got {cfg.explore}")
    if not 0.0 <= float(cfg.average_decay) < 1.0:
        _fail("average_decay", f"must be in [0, 1) (0: no averaging), got {cfg.average_decay}")
    if int(cfg.precomputed) < 0:
        _fail("precomputed", f"must be >= 0, got {cfg.precomputed}")
    if not float(cfg.init_range) > 0.0:
        _fail("init_range", f"must be positive, got {cfg.init_range}")
    if cfg.train_words_min_count is not None and int(cfg.train_words_min_count) < 1:
        _fail("train_words_min_count", f"must be >= 1 or null, got {cfg.train_words_min_count}")
    check_entry_regularization(cfg.regularization, "parser")


def _fail(key: str, problem: str) -> None:
    raise entry_error("parser", key, problem)


def parser_settings(entry: Any) -> ParserConfig:
    """An entry as the library takes it: the schema's dataclass, validated (a dataclass passes through)."""
    return entry_settings(ParserConfig, entry)
