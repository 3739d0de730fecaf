"""The registry against the mirror's own README (an independent record of files and hashes) and the files."""

from __future__ import annotations

import re
from pathlib import Path

from wordlab.data.locate import DataLocator, sha256_of
from wordlab.data.registry import DATASETS

_SHA = re.compile(r"\b[0-9a-f]{64}\b")


def _readme_rows(data_dir: Path) -> dict[str, str]:
    """relpath -> sha256, from the README table (a row's folder carries over to 'same folder' rows)."""
    rows: dict[str, str] = {}
    folder = ""
    for line in (data_dir / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        hashes = [cell for cell in cells if _SHA.fullmatch(cell)]
        if not hashes:
            continue
        paths = re.findall(r"`([\w.-]+/[\w.-]+)`", line)
        relpath = paths[0]
        folder = relpath.split("/")[0]
        rows[f"{folder}/{relpath.split('/')[1]}"] = hashes[0]
    return rows


def test_every_mirror_file_is_declared_with_the_published_hash(data_dir: Path) -> None:
    published = _readme_rows(data_dir)
    declared = {f.relpath: f.sha256 for ds in DATASETS.values() for f in ds.files.values()}
    assert declared == published


def test_every_declared_file_in_the_mirror_verifies(data_dir: Path, tmp_path: Path) -> None:
    locator = DataLocator(data_dir=data_dir, cache_dir=tmp_path, allow_download=False)
    for name, dataset in DATASETS.items():
        paths = locator.paths(name)
        assert set(paths) == set(dataset.files)
        for role, path in paths.items():
            assert sha256_of(path) == dataset.files[role].sha256
