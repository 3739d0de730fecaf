"""Structured configuration: the schema every composed config must fit, and the checks at start-up.

Hydra composes ``conf/`` into one config; DVC writes that composition to ``params.yaml`` (``dvc exp run``) and
the stage scripts read ``params.yaml``. DVC composes without importing wordlab, so the schema below cannot ride
along in Hydra's ConfigStore. Instead each stage merges what it reads into this schema before doing anything:
an unknown key, a wrong type or a bad choice fails at start-up, naming the file, the line and the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from wordlab.embeddings.schema import EMBEDDING_SCHEMAS, CooccurrenceConfig
from wordlab.evaluation.ner.schema import NER_SCHEMAS
from wordlab.evaluation.schema import EvaluationConfig
from wordlab.nn.config import RegularizationConfig


class NumberMode(Enum):
    keep = "keep"  # numbers stay as written
    zero = "zero"  # every digit becomes 0 ("1999" -> "0000"), the NER convention
    token = "token"  # a token that is a number becomes <num>


class PunctuationMode(Enum):
    keep = "keep"  # whitespace tokenisation only: punctuation stays attached as written
    split = "split"  # punctuation characters become tokens of their own
    strip = "strip"  # punctuation is removed and splits words (word2vec/text8 style)


class OovMode(Enum):
    unk = "unk"  # words outside the vocabulary become the unknown token (language models)
    drop = "drop"  # words outside the vocabulary are removed (word2vec and GloVe)


@dataclass
class DataConfig:
    # The offline mirror; the WORDLAB_DATA_DIR environment variable overrides it. Relative to the project root.
    dir: str = "../shared/data"
    # Downloads land here when a file is not in `dir` and the dataset has a public URL.
    cache_dir: str = "~/.cache/wordlab"
    allow_download: bool = True


@dataclass
class TokenizerConfig:
    lowercase: bool = False
    numbers: NumberMode = NumberMode.keep
    punctuation: PunctuationMode = PunctuationMode.keep
    # Appended to every line when set (the language-modelling convention, e.g. "<eos>").
    eos: str | None = None


@dataclass
class VocabConfig:
    min_count: int = 1
    max_size: int | None = None
    unk: str = "<unk>"
    oov: OovMode = OovMode.unk


@dataclass
class CorpusConfig:
    name: str = MISSING
    dataset: str = MISSING
    # Registry file roles to prepare; the vocabulary comes from the first.
    splits: list[str] = field(default_factory=lambda: ["train"])
    # Read only the first N lines of each split (quick runs and tests); null reads everything.
    max_lines: int | None = None
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    vocab: VocabConfig = field(default_factory=VocabConfig)


@dataclass
class TrainerConfig:
    """The Lightning Trainer arguments wordlab exposes; training stages pass them through."""

    accelerator: str = "cpu"
    devices: int = 1
    max_epochs: int = 10
    precision: str = "32-true"
    deterministic: bool = True
    log_every_n_steps: int = 50
    enable_progress_bar: bool = True
    # Batches per epoch to train / validate on (null: all); quick runs and the smoke experiment set them.
    limit_train_batches: int | None = None
    limit_val_batches: int | None = None
    # torch intra-op threads; the machine wordlab targets has 2 cores.
    num_threads: int = 2


@dataclass
class TrackingConfig:
    enabled: bool = True
    # A relative sqlite path is taken from the project root; any other URI (http://host:port) is used as is.
    uri: str = "sqlite:///mlflow.db"
    experiment: str = "wordlab"


@dataclass
class WordlabConfig:
    # A label for the run in MLflow; experiment files set it.
    name: str = "default"
    seed: int = 1234
    data: DataConfig = field(default_factory=DataConfig)
    corpus: CorpusConfig = field(default_factory=CorpusConfig)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    tracking: TrackingConfig = field(default_factory=TrackingConfig)
    # One entry per embedding method to train (see wordlab.embeddings.schema); each checked by its `model`.
    cooccurrence: CooccurrenceConfig = field(default_factory=CooccurrenceConfig)
    # One entry per NER tagger to train on every method's vectors (see wordlab.evaluation.ner.schema).
    ner: dict[str, Any] = field(default_factory=dict)
    embedding: dict[str, Any] = field(default_factory=dict)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    # The toolkit's groups: Hydra `_target_` nodes (checked by instantiation) and regularisation (a strict schema).
    optimizer: dict[str, Any] = field(default_factory=dict)
    scheduler: dict[str, Any] = field(default_factory=dict)
    regularization: RegularizationConfig = field(default_factory=RegularizationConfig)


class ConfigError(ValueError):
    """The configuration does not fit the schema."""


def validate(raw: dict[str, Any] | DictConfig, source: str = "<config>", text: str | None = None) -> DictConfig:
    """Merge ``raw`` into the schema; on any mismatch raise :class:`ConfigError` naming source, line and key."""
    schema = OmegaConf.structured(WordlabConfig)
    prefix = ""
    try:
        merged = OmegaConf.merge(schema, raw)
        for name in list(merged.embedding):
            prefix = f"embedding.{name}."
            merged.embedding[name] = _validate_entry(merged.embedding[name], EMBEDDING_SCHEMAS, "model")
        for name in list(merged.ner):
            prefix = f"ner.{name}."
            merged.ner[name] = _validate_entry(merged.ner[name], NER_SCHEMAS, "model")
        prefix = ""
        OmegaConf.to_container(merged, resolve=True, throw_on_missing=True)
    except OmegaConfBaseException as error:
        key = getattr(error, "full_key", None) or ""
        key = f"{prefix}{key}" if prefix and not key.startswith(prefix) else key
        where = source
        line = _line_of_key(text, key) if text is not None and key else None
        if line is not None:
            where = f"{source}:{line}"
        message = str(error).splitlines()[0]
        raise ConfigError(f"{where}: invalid configuration at {key or '<root>'!r}: {message}") from error
    assert isinstance(merged, DictConfig)
    return merged


def _validate_entry(node: Any, schemas: dict[str, type], selector: str) -> DictConfig:
    """Merge one entry of a multi-select group into the schema named by its ``selector`` key."""
    from omegaconf.errors import ValidationError

    kind = node.get(selector) if isinstance(node, DictConfig) else None
    if kind not in schemas:
        error = ValidationError(f"{selector} must be one of {sorted(schemas)}, not {kind!r}")
        error.full_key = selector
        raise error
    entry = OmegaConf.merge(OmegaConf.structured(schemas[kind]), node)
    assert isinstance(entry, DictConfig)
    return entry


def load(path: str | Path) -> DictConfig:
    """Read and validate a composed configuration file (normally ``params.yaml``)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from error
    return validate(raw, source=str(path), text=text)


def to_plain(cfg: DictConfig) -> dict[str, Any]:
    """The config as plain data (enums as their names), for logging and hashing."""
    container = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    assert isinstance(container, dict)
    return container


def compose(conf_dir: str | Path, overrides: list[str] | None = None, config_name: str = "config") -> str:
    """Compose ``conf/`` exactly as DVC's Hydra integration does, returning the YAML it would write."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    with initialize_config_dir(str(Path(conf_dir).resolve()), version_base=None):
        cfg = hydra_compose(config_name=config_name, overrides=overrides or [])
    OmegaConf.resolve(cfg)
    return OmegaConf.to_yaml(cfg)


def _line_of_key(text: str, dotted_key: str) -> int | None:
    """1-based line of ``dotted_key`` in a YAML text, or of its deepest existing parent."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for part in dotted_key.split("."):
        if not isinstance(node, yaml.MappingNode):
            break
        for key_node, value_node in node.value:
            if key_node.value == part:
                line = key_node.start_mark.line + 1
                node = value_node
                break
        else:
            break
    return line


def main() -> None:
    """``python -m wordlab.config [overrides...]``: rewrite params.yaml from conf/ as DVC would."""
    import sys

    from wordlab.io import write_text_atomic

    write_text_atomic("params.yaml", compose("conf", sys.argv[1:]))
    print("params.yaml rewritten from conf/")


if __name__ == "__main__":
    main()
