"""The argument names of a Hydra ``_target_`` callable, remembered on disk from one stage process to the next.

Checking an optimiser node's keys at start-up means reading ``torch.optim.SGD``'s signature, and importing torch
for it costs 2-3 s in every stage, though most stages before the task models (corpus, counting, embeddings,
intrinsic evaluation, the n-gram model, the report) never use torch. What a callable takes is fixed by the
installed version of its distribution, so a stage records it once per version in a small JSON file and later
stages read it back; a target not recorded, or recorded for another version, is imported and read as before. The
file only saves time: deleting it, or a damaged one, changes no result.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TargetSignature:
    parameters: frozenset[str]
    takes_any_keyword: bool  # a **kwargs parameter: every key is an argument


_memory_file: Path | None = None


def remember_in(path: Path | None) -> None:
    """Record and read signatures in ``path`` from now on in this process (None: import every target)."""
    global _memory_file
    _memory_file = path


def signature_of(target: str) -> TargetSignature:
    """The parameters of the callable at dotted path ``target``; raises ImportError, AttributeError or ValueError
    when there is none."""
    module_name, _, attribute = target.rpartition(".")
    version = _distribution_version(module_name)
    remembered = _read() if _memory_file is not None and version is not None else {}
    entry = remembered.get(target)
    if entry is not None and entry.get("version") == version:
        return TargetSignature(frozenset(entry["parameters"]), bool(entry["takes_any_keyword"]))
    function = getattr(importlib.import_module(module_name), attribute)
    parameters = inspect.signature(function).parameters
    signature = TargetSignature(
        frozenset(parameters), any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    )
    if _memory_file is not None and version is not None:
        remembered[target] = {
            "version": version,
            "parameters": sorted(signature.parameters),
            "takes_any_keyword": signature.takes_any_keyword,
        }
        _write(remembered)
    return signature


def _distribution_version(module_name: str) -> str | None:
    """The installed version of the distribution named like the module's top package (None: not one we can tell)."""
    try:
        return importlib.metadata.version(module_name.partition(".")[0])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return None


def _write(remembered: dict[str, dict]) -> None:
    """Replace the file in one step (a temporary file renamed), so that a stage reading it never sees half of it.
    Written here rather than with :mod:`wordlab.io`, which is this module's sibling in the bottom layer."""
    assert _memory_file is not None
    try:
        _memory_file.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=_memory_file.parent, prefix=".signatures-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(remembered, out, indent=1, sort_keys=True)
        os.replace(temporary, _memory_file)
    except OSError:
        pass  # a read-only cache folder: the next stage imports the target again


def _read() -> dict[str, dict]:
    assert _memory_file is not None
    try:
        loaded = json.loads(_memory_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}
