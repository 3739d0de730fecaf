"""What every DVC stage script does around its one library call.

This is the single place in wordlab that reads the environment (``WORDLAB_DATA_DIR``, DVC's experiment
variables, git) and the composed config file: library code below it receives plain values.

DVC runs queued experiments in a temporary copy of the repository under ``<repo>/.dvc/tmp/exps/``. Paths that
must outlive that copy (the MLflow store) are therefore resolved against the repository the queue belongs to.
"""

from __future__ import annotations

import argparse
import atexit
import dataclasses
import gc
import logging
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from omegaconf import DictConfig

from wordlab import config as config_module
from wordlab import target_signatures
from wordlab.data.errors import DataFormatError
from wordlab.data.locate import ChecksumMismatchError, DataLocator, MissingDataError
from wordlab.data.registry import DATASETS, Dataset
from wordlab.io import write_text_atomic
from wordlab.ranks import is_writer
from wordlab.tracking import StageRun, flatten, resolve_tracking_uri, stage_run

log = logging.getLogger("wordlab.stage")

T = TypeVar("T")


class _UsesVectors(Protocol):
    """A task entry that names the word vectors it starts from (None: random initialisation)."""

    vectors: str | None


E = TypeVar("E", bound=_UsesVectors)

DATA_DIR_VARIABLE = "WORDLAB_DATA_DIR"
_EXPS_MARKER = (".dvc", "tmp", "exps")


def project_root(cwd: Path | None = None) -> Path:
    """The working copy's root, or the owning repository's when running inside a DVC queue's temporary copy."""
    here = (cwd or Path.cwd()).resolve()
    parts = here.parts
    for i in range(len(parts) - len(_EXPS_MARKER) + 1):
        if parts[i : i + len(_EXPS_MARKER)] == _EXPS_MARKER:
            return Path(*parts[:i])
    return here


def data_locator(cfg: DictConfig, root: Path) -> DataLocator:
    configured = os.environ.get(DATA_DIR_VARIABLE) or cfg.data.dir
    data_dir = Path(configured).expanduser()
    if not data_dir.is_absolute():
        data_dir = (root / data_dir).resolve()
    return DataLocator(
        data_dir=data_dir,
        cache_dir=Path(cfg.data.cache_dir).expanduser(),
        allow_download=bool(cfg.data.allow_download),
    )


def signature_file() -> Path:
    """Where stages record the signatures of config ``_target_`` callables (:mod:`wordlab.target_signatures`): the
    user's cache folder (``$XDG_CACHE_HOME/wordlab``, else ``~/.cache/wordlab``), shared by every project, since
    a signature depends on the installed package only."""
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "wordlab" / "target-signatures.json"


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def run_name(stage: str) -> str:
    """The stage's MLflow run name, short enough for the dashboard's column: ``ner@glove`` for
    ``evaluate_ner@glove``, ``embeddings@cbow`` for ``train_embeddings@cbow`` (the full stage is the
    ``dvc.stage`` tag, the experiment the ``wordlab.name`` tag)."""
    return stage.removeprefix("train_").removeprefix("evaluate_")


def provenance_tags(stage: str, cfg: DictConfig, root: Path) -> dict[str, str]:
    """Tags that say exactly what ran: code version, DVC stage and experiment, config label."""
    tags = {"dvc.stage": stage, "wordlab.name": str(cfg.name)}
    # The dashboard's Source column: the stage script that ran.
    script = Path(sys.argv[0]).resolve()
    tags["mlflow.source.type"] = "LOCAL"
    tags["mlflow.source.name"] = script.relative_to(root).as_posix() if script.is_relative_to(root) else script.name
    commit = os.environ.get("DVC_EXP_BASELINE_REV") or _git("rev-parse", "HEAD")
    if commit:
        tags["mlflow.source.git.commit"] = commit
        tags["git.commit"] = commit
    status = _git("status", "--porcelain", "--untracked-files=no")
    if status is not None:
        tags["git.dirty"] = str(bool(status)).lower()
    if experiment := os.environ.get("DVC_EXP_NAME"):
        tags["dvc.experiment"] = experiment
    return tags


class StageInputError(FileNotFoundError):
    """A stage's input (the output of an upstream stage) is not there."""


class UnsafeOutputError(ValueError):
    """An output path resolves outside the project: a configuration value must not write elsewhere."""


# One exit code per kind of known error, so that a caller (DVC, a sweep, a script) can tell them apart; anything else
# is a bug and keeps its traceback.
EXIT_CONFIG = 2
EXIT_MISSING_DATA = 3
EXIT_BAD_DATA = 4
DEBUG_VARIABLE = "WORDLAB_DEBUG"


def known_error(error: BaseException) -> tuple[int, str] | None:
    """The exit code and what to do for an error wordlab expects and can explain; None for a bug."""
    if isinstance(error, config_module.ConfigError | UnsafeOutputError):
        return EXIT_CONFIG, "fix the value in conf/ (or on the command line) and run again"
    if isinstance(error, StageInputError):
        return EXIT_MISSING_DATA, "run the stage that writes it first (`dvc repro` runs every stage in order)"
    if isinstance(error, MissingDataError | ChecksumMismatchError):
        return EXIT_MISSING_DATA, "provide the file as said above, or point WORDLAB_DATA_DIR at the offline mirror"
    if isinstance(error, DataFormatError):
        return EXIT_BAD_DATA, "fix or replace the file at that line, or point the config at another one"
    return None


@dataclass
class StageContext:
    """What a stage script works with. The MLflow run opens on first use, after the script has read its inputs."""

    cfg: DictConfig
    plain: dict[str, Any]
    root: Path
    locator: DataLocator
    tags: dict[str, str] = field(default_factory=dict)
    open_run: Callable[[], StageRun] | None = None
    on_success: Callable[[], None] | None = None  # the run's last entries, when the stage's work succeeded
    # Registry datasets the stage located (name -> role -> verified path), logged as the run's MLflow inputs.
    datasets_read: dict[str, dict[str, Path]] = field(default_factory=dict)
    _run: StageRun | None = None

    @property
    def run(self) -> StageRun | None:
        """The stage's MLflow run (None with tracking off), opened the first time it is asked for."""
        if self._run is None and self.open_run is not None:
            self._run = self.open_run()
        return self._run

    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        numeric = {k: float(v) for k, v in flatten(metrics).items() if is_number(v)}
        if self.run is not None and numeric:
            self.run.log_metrics(numeric, step=step)

    def log_artifact(self, path: str | Path, artifact_path: str | None = None) -> None:
        if self.run is not None:
            self.run.log_artifact(path, artifact_path)

    def settings(self, key: str, kind: type[T]) -> T:
        """The validated config node at ``key`` as the library's settings object (an instance of ``kind``)."""
        return config_module.settings(self.cfg, key, kind)

    def method_entries(
        self, group: str, kind: type[E], method: str, vectors_file: Path
    ) -> Iterator[tuple[str, E, Path | None]]:
        """Each entry of a task's ``group`` as the stage of one embedding ``method`` trains it: (name, entry, the
        vectors file it reads or None).

        The stage is the method's, so an entry that uses pretrained vectors is set to this method's whatever its
        config named; an entry with ``vectors: null`` is the random-initialisation baseline and stays so."""
        for name in self.cfg[group]:
            entry = self.settings(f"{group}.{name}", kind)
            if entry.vectors is None:
                yield name, entry, None
            else:
                # every task entry is a dataclass; the protocol only says it has ``vectors``
                yield name, dataclasses.replace(entry, vectors=method), vectors_file  # type: ignore[type-var]

    def record_dataset(self, spec: Dataset, found: Mapping[str, Path]) -> None:
        self.datasets_read.setdefault(spec.name, {}).update(found)

    def log_datasets_read(self) -> None:
        """Every dataset the stage read, as MLflow dataset inputs: name, digest and source from the registry's
        sha256 and the folder read, so that the dashboard's Dataset column shows what the run was made of."""
        if self.run is None:
            return
        for name, files in self.datasets_read.items():
            spec = DATASETS[name]
            folders = {path.parent for path in files.values()}
            source = next(iter(folders)) if len(folders) == 1 else Path(os.path.commonpath(list(folders)))
            self.run.log_dataset(name, str(source), {role: spec.files[role].sha256 for role in files})

    def set_tags(self, tags: Mapping[str, str]) -> None:
        if self.run is not None:
            self.run.set_tags(tags)

    def dataset_file(self, name_or_path: str) -> Path:
        """A one-file registry dataset by name (located and verified), or else a path from the project root."""
        if name_or_path in DATASETS:
            files = self.locator.paths(name_or_path)
            if len(files) != 1:
                raise config_module.ConfigError(
                    f"dataset {name_or_path!r} has {len(files)} files; name one of them by path"
                )
            return next(iter(files.values()))
        path = Path(name_or_path)
        path = path if path.is_absolute() else self.root / path
        if not path.is_file():
            raise StageInputError(f"{name_or_path!r} is neither a registry dataset nor a file ({path})")
        return path


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text not in {"True", "False"}


def argument_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--params", default="params.yaml", help="composed configuration (default: params.yaml)")
    return parser


@contextmanager
def run_stage(
    stage: str,
    params_path: str | Path,
    *,
    inputs: Sequence[Path] = (),
    outputs: Sequence[Path] = (),
) -> Iterator[StageContext]:
    """Check everything a stage needs before it works, yield its context, and end any known failure cleanly.

    Before the body runs: the config validates; the stage's own name (``train_embeddings@<method>``) is a safe
    name; every output resolves inside the project; every input exists. The MLflow run opens only when the body
    first uses it, and ends FAILED if the body fails. A known error (config, missing or malformed data) prints one
    message, with what to do, and exits with its own code; with ``WORDLAB_DEBUG=1`` it keeps its traceback.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # At exit the interpreter's last cyclic collections walk every object torch, Lightning and MLflow made: 3 s of a
    # torch stage's end (measured: 3.3 s from the stage's last line to its exit, 0.5 s frozen), for memory the
    # process is about to hand back. Frozen objects are skipped by them (files and
    # runs are closed by then; reference counting still frees what it frees).
    atexit.register(gc.freeze)
    try:
        with ExitStack() as stack:
            context = _open_stage(stage, params_path, inputs, outputs, stack)
            yield context
            if context.on_success is not None:
                context.on_success()
    except Exception as error:
        explained = known_error(error)
        if explained is None or os.environ.get(DEBUG_VARIABLE) == "1":
            raise
        code, what_to_do = explained
        if isinstance(error, config_module.ConfigError) and _restore_params_after_failed_experiment(params_path):
            what_to_do += f"; {params_path} is back as committed (`dvc exp run` had written the bad composition)"
        print(f"error: {error}\n  what to do: {what_to_do}", file=sys.stderr)
        raise SystemExit(code) from None


def _restore_params_after_failed_experiment(params_path: str | Path) -> bool:
    """Under ``dvc exp run`` in the workspace, put back the committed params file that DVC overwrote.

    DVC composes ``conf/`` (with the ``-S`` overrides) into ``params.yaml`` before it runs the stages, and leaves that
    file behind when a stage fails, so that a bad override would break every later ``dvc repro``. A config error
    means the experiment never started: nothing of it is worth keeping. Queued experiments run in a temporary copy
    and are left alone. Returns whether the file was restored.
    """
    if not os.environ.get("DVC_EXP_NAME") or project_root() != Path.cwd().resolve():
        return False
    committed = _git("show", f"HEAD:{Path(params_path).as_posix()}")
    if committed is None:
        return False
    path = Path(params_path)
    if path.read_text(encoding="utf-8").rstrip("\n") == committed:
        return False
    write_text_atomic(path, committed + "\n")
    return True


def _open_stage(
    stage: str, params_path: str | Path, inputs: Sequence[Path], outputs: Sequence[Path], stack: ExitStack
) -> StageContext:
    target_signatures.remember_in(signature_file())
    cfg = config_module.load(params_path)
    _, _, key = stage.partition("@")
    if key:
        try:
            config_module.check_name(key, f"stage {stage!r}: the entry")
        except ValueError as error:
            raise config_module.ConfigError(str(error)) from None
    root = project_root()
    check_outputs(outputs, root)
    for path in inputs:
        if not Path(path).exists():
            raise StageInputError(f"{path}: input of stage {stage!r} does not exist")
    plain = config_module.to_plain(cfg)
    context = StageContext(cfg, plain, root, data_locator(cfg, root))
    context.locator = dataclasses.replace(context.locator, on_located=context.record_dataset)
    if not cfg.tracking.enabled or not is_writer():  # under DDP, rank 0 alone has the stage's MLflow run
        return context
    uri = resolve_tracking_uri(cfg.tracking.uri, root)
    context.tags = provenance_tags(stage, cfg, root)
    started = time.perf_counter()
    # The run opens once the stage's inputs are read; its start is the stage's, so that MLflow's Duration is too.
    started_ms = int(time.time() * 1000)

    def open_run() -> StageRun:
        opened = stage_run(uri, cfg.tracking.experiment, run_name(stage), plain, context.tags, started_ms=started_ms)
        run = stack.enter_context(opened)
        log.info("MLflow run %s in %s", run.run_id, uri)
        return run

    def log_cost() -> None:
        # Cost of the stage, for MLflow only: timings are not reproducible, so they stay out of DVC metrics.
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        context.log_metrics({"stage_seconds": seconds, "peak_rss_mb": peak_mb})
        context.log_datasets_read()
        log.info("%s finished in %.1f s, peak memory %.0f MB", stage, seconds, peak_mb)

    context.open_run = open_run
    context.on_success = log_cost
    return context


def check_outputs(outputs: Sequence[Path], root: Path) -> None:
    """Refuse, before anything is written, an output that resolves outside the project (``..``, absolute, links)."""
    resolved_root = root.resolve()
    for path in outputs:
        target = (root / path).resolve() if not Path(path).is_absolute() else Path(path).resolve()
        if not target.is_relative_to(resolved_root):
            raise UnsafeOutputError(f"{path}: output resolves to {target}, outside the project {resolved_root}")
