"""Structured configuration: the schema every composed config must fit, and the checks at start-up.

Hydra composes ``conf/`` into one config; DVC writes that composition to ``params.yaml`` (``dvc exp run``) and
the stage scripts read ``params.yaml``. DVC composes without importing wordlab, so the schema below cannot ride
along in Hydra's ConfigStore. Instead each stage merges what it reads into the schemas before doing anything:
an unknown key, a wrong type or a bad choice fails at start-up, naming the file, the line and the key.

This module knows only the infrastructure's own settings (``name``, ``seed``, ``data``, ``trainer``, ``tracking``).
Every other top-level key is a config group whose schema lives with its code, as ``SCHEMA`` in a module found by
:data:`GROUP_MODULES` or, for a task, by the convention ``wordlab.<group>.config``: adding a task is adding its
schema module and its ``conf/`` group, with no edit here. ``SCHEMA`` is a dataclass (one choice per group) or
:class:`Entries` (a multi-select group such as ``embedding`` or ``ner``, whose entries differ in shape by a
selector key). The dataclasses are the runtime configuration too: a stage hands the library the objects
:meth:`OmegaConf.to_object` makes of the validated nodes, whose ``__post_init__`` checks run here already.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any, TypeVar, cast

import yaml
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import ConfigKeyError, OmegaConfBaseException, ValidationError


@dataclass
class DataConfig:
    # The offline mirror; the WORDLAB_DATA_DIR environment variable overrides it. Relative to the project root.
    dir: str = "../shared/data"
    # Downloads land here when a file is not in `dir` and the dataset has a public URL.
    cache_dir: str = "~/.cache/wordlab"
    allow_download: bool = True


class Strategy(StrEnum):
    """How training is spread over processes (wordlab's samplers shard the data themselves, so only these two)."""

    auto = "auto"
    ddp = "ddp"


@dataclass
class TrainerConfig:
    """The Lightning Trainer arguments wordlab exposes; training stages pass them through."""

    accelerator: str = "cpu"
    # Processes per node: with ``strategy: ddp``, one per device (a CPU device is a process), each training its shard.
    devices: int = 1
    # "auto": one process; "ddp": DistributedDataParallel over gloo on CPU, NCCL on GPU (Lightning chooses by the
    # accelerator), started by Lightning itself on one node or by torchrun / a scheduler on several.
    strategy: Strategy = Strategy.auto
    num_nodes: int = 1
    max_epochs: int = 10
    precision: str = "32-true"
    deterministic: bool = True
    log_every_n_steps: int = 50
    enable_progress_bar: bool = True
    # Batches per epoch to train / validate on, as Lightning reads them: a count, or a float in (0, 1] for that share of
    # each epoch's (shuffled) batches; null: all. The smoke experiment sets counts, the default experiment a share.
    limit_train_batches: int | float | None = None
    limit_val_batches: int | float | None = None
    # torch intra-op threads (per process); the machine wordlab targets has 2 cores.
    num_threads: int = 2
    # Independent trainings of one stage (the tagger's jackknife folds beside its full model) run in this many worker
    # processes of num_threads // parallel_fits threads each; 1: one after another on num_threads threads.
    parallel_fits: int = 1


@dataclass
class TrackingConfig:
    enabled: bool = True
    # A relative sqlite path is taken from the project root; any other URI (http://host:port) is used as is.
    uri: str = "sqlite:///mlflow.db"
    experiment: str = "wordlab"


@dataclass
class InfrastructureConfig:
    # A label for the run in MLflow; experiment files set it.
    name: str = "default"
    # One sentence on what the run is (the experiment files say what they reduce); the report prints it.
    description: str = ""
    seed: int = 1234
    data: DataConfig = field(default_factory=DataConfig)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    tracking: TrackingConfig = field(default_factory=TrackingConfig)


@dataclass(frozen=True)
class Entries:
    """A multi-select group: any number of named entries, each checked against the schema its ``selector`` names."""

    schemas: Mapping[str, type]
    selector: str = "model"


# Groups whose schema module is not ``wordlab.<group>.config``. Tasks follow the convention and need no row.
GROUP_MODULES: dict[str, str] = {
    "corpus": "wordlab.corpus.config",
    "cooccurrence": "wordlab.embeddings.cooccurrence.config",
    "embedding": "wordlab.embeddings.config",
    "evaluation": "wordlab.evaluation.config",
    # The language models trained from each embedding method's vectors (train_lm_vectors@<method>).
    "lm_vectors": "wordlab.lm.config",
}


T = TypeVar("T")


class ConfigError(ValueError):
    """The configuration does not fit the schema: ``where: problem``, with the dotted ``key`` when one is to blame."""

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key
        self.where, _, self.problem = message.partition(": ")


# Names that become parts of paths (entries of multi-select groups, corpus splits, a stage's method): letters,
# digits, '_' and '-', starting with a letter or digit, so that none can be '..', absolute, or hold a separator.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def entry_error(group: str, key: str, problem: str) -> ValueError:
    """``group.key problem`` as a ValueError carrying ``full_key`` = ``key``, which :func:`validate` turns into the
    file, line and dotted key of the entry at fault (the task schemas' range checks raise it)."""
    error = ValueError(f"{group}.{key} {problem}")
    error.full_key = key  # type: ignore[attr-defined]
    return error


def entry_settings(kind: type[T], entry: Any) -> T:
    """A task entry as the library takes it: the schema dataclass ``kind``, validated by OmegaConf and its
    ``__post_init__`` (an instance of ``kind`` passes through)."""
    if isinstance(entry, kind):
        return entry
    settings = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(kind), entry))
    assert isinstance(settings, kind)
    return settings


def as_choice(kind: type[Enum], value: Any, name: str) -> Any:
    """``value`` as a member of ``kind``; a ValueError naming the setting and its choices otherwise.

    The schemas' ``__post_init__`` use it, so that a dataclass built in code (not only through OmegaConf, which
    checks enums itself) accepts the choices' names and refuses anything else by name.
    """
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"{name} must be one of {[m.value for m in kind]}, not {value!r}") from None


def check_name(name: object, what: str) -> str:
    """``name`` if it is safe to use as one part of a path; ``ValueError`` naming ``what`` otherwise."""
    if not isinstance(name, str) or not SAFE_NAME.fullmatch(name):
        raise ValueError(
            f"{what} {name!r} is not a safe name: it becomes part of output paths, so it may hold only letters, "
            "digits, '_' and '-' (at most 64, starting with a letter or digit)"
        )
    return name


def group_schema(group: str) -> type | Entries | None:
    """The ``SCHEMA`` of a config group, or None when no module defines one (an unknown key)."""
    module_name = GROUP_MODULES.get(group, f"wordlab.{group}.config")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name is not None and module_name.startswith(error.name):
            return None
        raise
    schema = getattr(module, "SCHEMA", None)
    return schema if isinstance(schema, Entries | type) else None


def validate(raw: Mapping[str, Any] | DictConfig, source: str = "<config>", text: str | None = None) -> DictConfig:
    """Merge ``raw`` into the schemas; on any mismatch raise :class:`ConfigError` naming source, line and key."""
    node = raw if isinstance(raw, DictConfig) else OmegaConf.create(dict(raw))
    infrastructure = {f.name for f in fields(InfrastructureConfig)}
    groups = [str(key) for key in node if key not in infrastructure]
    for group in GROUP_MODULES:  # the pipeline's own groups are always there, with their defaults if absent
        if group not in groups:
            groups.append(group)
    prefix = ""
    try:
        merged = OmegaConf.merge(
            OmegaConf.structured(InfrastructureConfig), {k: node[k] for k in node if k in infrastructure}
        )
        assert isinstance(merged, DictConfig)
        for group in groups:
            prefix = f"{group}."
            value = node.get(group)
            validated = _validate_group(group, value)
            with open_dict(merged):
                merged[group] = validated
        prefix = "trainer."
        _check_batch_limits(merged.trainer)
        _check_processes(merged.trainer)
        prefix = ""
        OmegaConf.to_container(merged, resolve=True, throw_on_missing=True)
        for group in groups:
            prefix = f"{group}."
            _check_objects(merged[group], group_schema(group))
    except (OmegaConfBaseException, ValueError) as error:
        key = getattr(error, "full_key", None) or ""
        key = f"{prefix}{key}" if prefix and not key.startswith(prefix) else key
        key = key or prefix.rstrip(".")
        where = source
        line = _line_of_key(text, key) if text is not None and key else None
        if line is not None:
            where = f"{source}:{line}"
        message = str(error).splitlines()[0]
        raise ConfigError(f"{where}: invalid configuration at {key or '<root>'!r}: {message}", key) from error
    return merged


def _check_batch_limits(trainer: DictConfig) -> None:
    for key in ("limit_train_batches", "limit_val_batches"):
        limit = trainer[key]
        problem = None
        if isinstance(limit, float) and not 0.0 < limit <= 1.0:
            problem = f"a share of the batches must be in (0, 1], got {limit}"
        if isinstance(limit, int) and limit < 1:
            problem = f"a count of batches must be >= 1, got {limit}"
        if problem is not None:
            error = ValueError(problem)
            error.full_key = key  # type: ignore[attr-defined]
            raise error


def _check_processes(trainer: DictConfig) -> None:
    for key in ("devices", "num_nodes", "num_threads", "parallel_fits"):
        if trainer[key] < 1:
            error = ValueError(f"must be at least 1, got {trainer[key]}")
            error.full_key = key  # type: ignore[attr-defined]
            raise error
    if trainer.strategy == Strategy.ddp and trainer.parallel_fits > 1:
        error = ValueError("DDP already gives each process its share of one training: set trainer.parallel_fits: 1")
        error.full_key = "parallel_fits"  # type: ignore[attr-defined]
        raise error
    if trainer.strategy == Strategy.auto and trainer.devices * trainer.num_nodes > 1:
        error = ValueError(
            f"{trainer.devices} devices on {trainer.num_nodes} node(s) are several processes: they need "
            "trainer.strategy: ddp (select the group with trainer=ddp)"
        )
        error.full_key = "devices"  # type: ignore[attr-defined]
        raise error


def _validate_group(group: str, value: Any) -> DictConfig:
    schema = group_schema(group)
    if schema is None:
        error = ConfigKeyError(f"unknown config group or key {group!r}")
        error.full_key = ""
        raise error
    if not isinstance(schema, Entries):
        merged = OmegaConf.merge(OmegaConf.structured(schema), value if value is not None else {})
        assert isinstance(merged, DictConfig)
        return merged
    entries = OmegaConf.create({})
    for name, entry in (value or {}).items():
        try:
            check_name(name, f"{group} entry")
        except ValueError as error:
            error.full_key = str(name)  # type: ignore[attr-defined]
            raise
        try:
            with open_dict(entries):
                entries[name] = _validate_entry(entry, schema)
        except OmegaConfBaseException as error:
            error.full_key = f"{name}.{getattr(error, 'full_key', None) or ''}".rstrip(".")
            raise
    return entries


def _validate_entry(node: Any, entries: Entries) -> DictConfig:
    """Merge one entry of a multi-select group into the schema named by its selector key."""
    kind: Any = node.get(entries.selector) if isinstance(node, DictConfig | dict) else None
    if kind is None and isinstance(node, DictConfig | dict):
        error = ValidationError(
            f"the entry has no {entries.selector}: an experiment file (conf/experiment/) sets values for an entry "
            "that the group's selection does not include. Select that entry too, or choose an experiment that "
            "sets none (-S experiment=paper)"
        )
        error.full_key = entries.selector
        raise error
    if kind not in entries.schemas:
        error = ValidationError(f"{entries.selector} must be one of {sorted(entries.schemas)}, not {kind!r}")
        error.full_key = entries.selector
        raise error
    merged = OmegaConf.merge(OmegaConf.structured(entries.schemas[kind]), node)
    assert isinstance(merged, DictConfig)
    return merged


def _check_objects(node: DictConfig, schema: type | Entries | None) -> None:
    """Build the runtime objects once, so that the checks of their ``__post_init__`` fail now, naming the entry."""
    targets = node.items() if isinstance(schema, Entries) else [("", node)]
    for name, entry in targets:
        try:
            OmegaConf.to_object(entry)
        except ValueError as error:
            inner = getattr(error, "full_key", None)
            error.full_key = ".".join(str(part) for part in (name, inner) if part)  # type: ignore[attr-defined]
            raise


def settings(cfg: DictConfig, key: str, kind: type[T]) -> T:
    """The runtime object of a validated node (``corpus``, ``embedding.skipgram``, ...): an instance of ``kind``."""
    node = OmegaConf.select(cfg, key, throw_on_missing=True)
    if node is None:
        raise ConfigError(f"no {key!r} in the configuration")
    value = OmegaConf.to_object(node)
    if not isinstance(value, kind):
        raise ConfigError(f"{key!r} is a {type(value).__name__}, not a {kind.__name__}")
    return value


def load(path: str | Path, conf_dir: str | Path | None = None) -> DictConfig:
    """Read and validate a composed configuration file (normally ``params.yaml``).

    ``params.yaml`` is written from ``conf/``, so an error there is reported where the user should fix it: at the
    ``conf/`` file and line that wrote the offending key with the offending value (``conf_dir``, by default the
    ``conf`` folder beside ``path``), with the place in ``path`` after it. Without such a file, at ``path``.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file (run from the project root, or pass --params)") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 ({error.reason} at byte {error.start})") from None
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a configuration is a mapping of keys, not a {type(raw).__name__}")
    try:
        return validate(raw, source=str(path), text=text)
    except ConfigError as error:
        conf = Path(conf_dir) if conf_dir is not None else path.parent / "conf"
        sources = conf_sources(conf, error.key, _value_at(raw, error.key)) if error.key and conf.is_dir() else []
        if not sources:
            raise
        raise ConfigError(
            f"{' or '.join(sources)}: {error.problem} (composed into {error.where})", error.key
        ) from error


_ABSENT = object()


def _value_at(data: Any, dotted_key: str) -> Any:
    for part in dotted_key.split("."):
        if not isinstance(data, dict) or part not in data:
            return _ABSENT
        data = data[part]
    return data


def conf_sources(conf_dir: Path, dotted_key: str, value: Any = _ABSENT) -> list[str]:
    """``file:line`` of each ``conf/`` file that writes ``dotted_key`` (with ``value``, when given).

    A file's keys land under its package: the ``# @package`` header when there is one (``_global_``: the root),
    else its group's path, as Hydra places them. A key set through another file's defaults list with a package
    override is not traced; the caller then reports the composed file alone.
    """
    parts = dotted_key.split(".")
    found = []
    for path in sorted(conf_dir.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        package = _package_of(path.relative_to(conf_dir), text)
        prefix = package.split(".") if package else []
        if parts[: len(prefix)] != prefix or len(parts) == len(prefix):
            continue
        relative = ".".join(parts[len(prefix) :])
        line = _line_of_key(text, relative, exact=True)
        if line is None:
            continue
        if value is not _ABSENT:
            try:
                written = _value_at(yaml.safe_load(text), relative)
            except yaml.YAMLError:
                continue
            if written != value:
                continue
        found.append(f"{path}:{line}")
    return found


def _package_of(relative: Path, text: str) -> str:
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if line.startswith("# @package"):
            package = line.removeprefix("# @package").strip()
            return "" if package == "_global_" else package
    return ".".join(relative.parent.parts)


def to_plain(cfg: DictConfig) -> dict[str, Any]:
    """The config as plain data (enums as their names), for logging and hashing."""
    container = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    assert isinstance(container, dict)
    return cast(dict[str, Any], container)


def compose(conf_dir: str | Path, overrides: list[str] | None = None, config_name: str = "config") -> str:
    """Compose ``conf/`` exactly as DVC's Hydra integration does, returning the YAML it would write."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    with initialize_config_dir(str(Path(conf_dir).resolve()), version_base=None):
        cfg = hydra_compose(config_name=config_name, overrides=overrides or [])
    OmegaConf.resolve(cfg)
    return OmegaConf.to_yaml(cfg)


def _line_of_key(text: str, dotted_key: str, exact: bool = False) -> int | None:
    """1-based line of ``dotted_key`` in a YAML text, or (unless ``exact``) of its deepest existing parent."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for part in dotted_key.split("."):
        if not isinstance(node, yaml.MappingNode):
            return None if exact else line
        for key_node, value_node in node.value:
            if key_node.value == part:
                line = key_node.start_mark.line + 1
                node = value_node
                break
        else:
            return None if exact else line
    return line


def main(argv: list[str] | None = None) -> None:
    """``python -m wordlab.config [overrides...]``: rewrite params.yaml from conf/ as DVC would."""
    import argparse

    from wordlab.io import write_text_atomic

    parser = argparse.ArgumentParser(
        prog="python -m wordlab.config",
        description="Compose conf/ (Hydra) with the given overrides, validate it, and write params.yaml, as "
        "`dvc exp run -S ...` does. Run from the project root.",
        epilog="examples: python -m wordlab.config experiment=paper; python -m wordlab.config "
        "'embedding=[skipgram]' ner.window.epochs=3",
    )
    parser.add_argument("overrides", nargs="*", help="Hydra overrides: group=option, key=value, +key=value")
    args = parser.parse_args(argv)
    text = compose("conf", args.overrides)
    # Run as __main__, this module is a second copy of wordlab.config, whose Entries the schemas do not use.
    from wordlab.config import validate as validate_schemas

    validate_schemas(yaml.safe_load(text), "params.yaml", text)
    write_text_atomic("params.yaml", text)
    print("params.yaml rewritten from conf/")


if __name__ == "__main__":
    main()
