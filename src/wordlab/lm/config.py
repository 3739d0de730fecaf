"""Schemas of the ``lm`` config group: one entry per language model to train, checked by its ``model``.

The group is multi-select (``lm: [kneser_ney, fixed_window, rnn, gru, lstm]``), each entry landing at
``lm.<name>``; the DVC ``foreach`` over the entries makes one ``train_lm@<name>`` stage per model. The n-gram
model has its own schema (an order, no training loop); the four neural models share :class:`NeuralLMConfig`, whose
``model`` picks the architecture. How a neural model trains has one home, its entry: ``optimizer`` (a Hydra
``_target_`` node from ``conf/optimizer``: SGD at lr 20 by default, the reference example's), ``regularization``
(dropout, gradient-norm clipping, early stopping on validation perplexity) and the plateau rule ``lr_decay``.

Kept free of torch imports: the root config module imports it at every stage's start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from wordlab.config import Entries, as_choice, entry_error
from wordlab.nn.config import (
    EarlyStoppingConfig,
    RegularizationConfig,
    StopMode,
    check_regularization,
    check_target_node,
)


class Corpus(StrEnum):
    ptb = "ptb"
    wikitext2 = "wikitext2"


class Architecture(StrEnum):
    fixed_window = "fixed_window"  # Bengio et al. (2003)
    rnn = "rnn"  # Elman
    gru = "gru"
    lstm = "lstm"


class Nonlinearity(StrEnum):
    tanh = "tanh"
    relu = "relu"
    sigmoid = "sigmoid"  # the course's choice; only the hand-written cell computes it (torch.nn.RNN has none)


@dataclass
class SamplingConfig:
    """The sample every run writes as an artifact (``samples.txt``): seeded, from a seed text."""

    seed_text: str = "the"
    words: int = 50
    temperature: float = 0.8
    top_k: int | None = None
    seed: int = 1


@dataclass
class KneserNeyConfig:
    """Interpolated Kneser-Ney with modified discounts (Chen & Goodman 1998) over the training counts."""

    model: str = "kneser_ney"
    corpus: Corpus = Corpus.ptb
    order: int = 5
    # Only the first max_lines lines of each split (quick runs: the smoke experiment; the vocabulary stays the whole
    # training file's); null: the whole corpus.
    max_lines: int | None = None

    def __post_init__(self) -> None:
        self.corpus = as_choice(Corpus, self.corpus, "lm.corpus")
        if int(self.order) < 1:
            raise entry_error("lm", "order", f"must be >= 1, got {self.order}")
        if self.max_lines is not None and int(self.max_lines) < 1:
            raise entry_error("lm", "max_lines", f"must be >= 1 or null, got {self.max_lines}")


def _lm_regularization() -> RegularizationConfig:
    """The reference example's dropout 0.2 and clipping 0.25; stop when validation perplexity stops falling."""
    stopping = EarlyStoppingConfig(patience=5, monitor="val_ppl", mode=StopMode.min)
    return RegularizationConfig(dropout=0.2, grad_clip=0.25, early_stopping=stopping)


@dataclass
class NeuralLMConfig:
    """A neural LM: the fixed-window network of Bengio et al. or a recurrent one, trained by (truncated) BPTT."""

    model: Architecture = Architecture.lstm
    corpus: Corpus = Corpus.ptb
    # Only the first max_lines lines of each split (quick runs: the smoke experiment; the vocabulary stays the whole
    # training file's); null: the whole corpus.
    max_lines: int | None = None
    # An entry of the `embedding` group whose vectors initialise the input embeddings (lower-cased lookup; words
    # without a vector keep random rows); null: random embeddings only.
    vectors: str | None = None
    embedding_dim: int = 200  # with vectors, it must equal their dimension
    hidden: int = 200
    layers: int = 2  # recurrent layers (the fixed-window network has one hidden layer)
    nonlinearity: Nonlinearity = Nonlinearity.tanh  # the RNN's hidden activation
    # The fixed-window network reads the previous `context` words.
    context: int = 4
    # Press & Wolf (2017): the output layer shares the input embeddings (needs hidden == embedding_dim).
    tied: bool = True
    init_range: float = 0.1  # embeddings and output weights start uniform in +-init_range (the reference example)
    # Training's output-layer products in bfloat16 (wordlab.nn.low_precision): faster on CPUs with AMX or AVX-512
    # BF16 and on GPUs, slower elsewhere; validation, test scoring and sampling stay float32.
    output_bf16: bool = False
    bptt: int = 35  # truncation length: backpropagation stops at the batch's first step, the state carries on
    batch_size: int = 20
    eval_batch_size: int = 10  # validation and test streams, as the reference example evaluates
    epochs: int = 40
    # Training stops after the epoch in which this many minutes of training have passed (null: no limit). A
    # wall-clock limit depends on the machine: the metrics file records the epochs that ran.
    max_minutes: float | None = None
    # Divide the learning rate by this whenever validation perplexity does not fall (the reference example's 4);
    # 1 keeps it fixed.
    lr_decay: float = 4.0
    # A Hydra `_target_` node (conf/optimizer); null: plain SGD at lr 20, the reference example's.
    optimizer: Any = None
    # dropout on embeddings, between layers and before the softmax (Zaremba et al.); grad_clip is the global
    # gradient-norm clip; early stopping on validation perplexity, the best epoch kept.
    regularization: RegularizationConfig = field(default_factory=_lm_regularization)
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    seed: int = 1111

    def __post_init__(self) -> None:
        self.model = as_choice(Architecture, self.model, "lm.model")
        self.corpus = as_choice(Corpus, self.corpus, "lm.corpus")
        self.nonlinearity = as_choice(Nonlinearity, self.nonlinearity, "lm.nonlinearity")
        check_neural_entry(self)
        check_target_node(self.optimizer, "optimizer")


LM_SCHEMAS: dict[str, type] = {
    "kneser_ney": KneserNeyConfig,
    **{architecture.value: NeuralLMConfig for architecture in Architecture},
}
SCHEMA = Entries(LM_SCHEMAS)


def check_neural_entry(cfg: Any) -> None:
    """The range checks a schema cannot express; ValueError naming the key (also as ``full_key``)."""
    for key in ("embedding_dim", "hidden", "layers", "context", "bptt", "batch_size", "eval_batch_size", "epochs"):
        value = getattr(cfg, key)
        if int(value) < 1:
            raise entry_error("lm", key, f"must be >= 1, got {value}")
    if cfg.tied and int(cfg.hidden) != int(cfg.embedding_dim):
        raise entry_error("lm", "tied", f"needs hidden == embedding_dim, got {cfg.hidden} and {cfg.embedding_dim}")
    if cfg.model != Architecture.rnn and cfg.nonlinearity != Nonlinearity.tanh:
        raise entry_error("lm", "nonlinearity", f"applies to the rnn model only, not {cfg.model}")
    if cfg.model == Architecture.rnn and cfg.nonlinearity == Nonlinearity.sigmoid:
        raise entry_error("lm", "nonlinearity", "sigmoid exists only in the hand-written cell: train with tanh or relu")
    if not float(cfg.init_range) > 0.0:
        raise entry_error("lm", "init_range", f"must be positive, got {cfg.init_range}")
    if not float(cfg.lr_decay) >= 1.0:
        raise entry_error("lm", "lr_decay", f"must be >= 1 (1 keeps the rate), got {cfg.lr_decay}")
    if cfg.max_lines is not None and int(cfg.max_lines) < 1:
        raise entry_error("lm", "max_lines", f"must be >= 1 or null, got {cfg.max_lines}")
    if cfg.max_minutes is not None and not float(cfg.max_minutes) > 0.0:
        raise entry_error("lm", "max_minutes", f"must be positive or null, got {cfg.max_minutes}")
    sampling = cfg.sampling
    if int(sampling.words) < 1 or not float(sampling.temperature) > 0.0:
        raise entry_error("lm", "sampling", "needs words >= 1 and a positive temperature")
    if sampling.top_k is not None and int(sampling.top_k) < 1:
        raise entry_error("lm", "sampling.top_k", f"must be >= 1 or null, got {sampling.top_k}")
    try:
        check_regularization(cfg.regularization, prefix="lm.regularization.")
    except ValueError as error:
        error.full_key = "regularization"  # type: ignore[attr-defined]
        raise


def lm_settings(entry: Any) -> KneserNeyConfig | NeuralLMConfig:
    """An entry as the library takes it: its schema's dataclass, validated (a dataclass passes through)."""
    if isinstance(entry, KneserNeyConfig | NeuralLMConfig):
        return entry
    from omegaconf import OmegaConf

    schema = LM_SCHEMAS.get(str(entry.get("model")))
    if schema is None:
        raise ValueError(f"lm.model must be one of {sorted(LM_SCHEMAS)}, not {entry.get('model')!r}")
    merged = OmegaConf.merge(OmegaConf.structured(schema), entry)
    settings = OmegaConf.to_object(merged)
    assert isinstance(settings, KneserNeyConfig | NeuralLMConfig)
    return settings
