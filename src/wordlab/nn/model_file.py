"""Trained models as files a user applies: one ``torch.save`` payload that names its kind and format version.

Every task writes a self-contained file (weights, vocabulary, whatever rebuilds the network) and has a command
that applies it. A user who hands one task's file to another task's command, or a file of an older format, must
get one sentence saying what the file is and what was expected, not a ``KeyError`` from deep inside a loader:
so every file carries its ``kind`` and ``version`` and is checked against both before anything else is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from wordlab.io import atomic_path


def save_model_file(path: Path, kind: str, version: int, payload: dict[str, Any]) -> None:
    """Write ``payload`` with its kind and version, atomically (a reader never sees half a model)."""
    with atomic_path(Path(path)) as tmp:
        torch.save({"kind": kind, "version": version, **payload}, tmp)


def load_model_file(path: Path, kind: str, version: int, *, weights_only: bool = False) -> dict[str, Any]:
    """The payload at ``path``; ValueError naming the file when it is not a ``kind`` file of this version.

    ``weights_only`` files hold tensors, strings and numbers only (no pickled objects), the safer format; the
    older files of the tasks pickle plain tuples and dicts, which need it False.
    """
    path = Path(path)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=weights_only)
    except FileNotFoundError:
        raise
    except Exception as error:  # torch raises several kinds for a file that is not a checkpoint at all
        raise ValueError(f"{path}: not a {kind} file ({type(error).__name__}: {error})") from None
    found = payload.get("kind") if isinstance(payload, dict) else None
    if found != kind:
        what = f"a {found} file" if found else "a file that names no wordlab kind (an older wordlab's, or another's)"
        raise ValueError(f"{path}: {what}, where a {kind} file was expected")
    if payload.get("version") != version:
        raise ValueError(
            f"{path}: a {kind} file of format {payload.get('version')}, this wordlab reads format {version} "
            "(retrain with `dvc repro`)"
        )
    return payload
