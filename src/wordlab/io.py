"""Atomic file output, and reading JSON-lines results with errors that name the line.

A stage that dies half-way must never leave a file that looks finished: DVC would cache it and the next stage
would read it. Everything wordlab writes goes to a temporary name beside the target and is renamed into place
only once complete (rename is atomic on one filesystem).

Under DDP every process runs the stage script (:mod:`wordlab.ranks`); only rank 0's files are renamed into place.
The other ranks write theirs to the temporary name and drop it, so that each output is written once, by one process.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wordlab.ranks import is_writer


def _default_mode(directory: bool) -> int:
    """Permissions a normally created file or directory would get (mkstemp/mkdtemp use 0600/0700)."""
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 if directory else 0o666) & ~umask


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, _default_mode(directory=False))
    try:
        yield tmp
        if is_writer():
            os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_directory(target: str | Path) -> Iterator[Path]:
    """Yield an empty temporary directory that replaces ``target`` as a whole if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    os.chmod(tmp, _default_mode(directory=True))
    try:
        yield tmp
        if not is_writer():
            return
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_text_atomic(target: str | Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json_atomic(target: str | Path, payload: Any) -> None:
    write_text_atomic(target, json.dumps(payload, indent=2, sort_keys=True) + "\n")


def sha256_of(path: str | Path, block_size: int = 1 << 20) -> str:
    """The file's sha256, read in blocks (datasets are checked against the registry with it, runs keyed by it)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(block_size):
            digest.update(block)
    return digest.hexdigest()


def read_json_lines(path: str | Path) -> Iterator[tuple[int, Any]]:
    """(line number, record) for each non-blank line of a JSON-lines results file; a line that is not JSON raises
    ValueError naming the file and the line, so a hand-edited results file is easy to mend."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not a JSON line ({error.msg})") from None
