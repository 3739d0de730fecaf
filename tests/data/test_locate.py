"""Finding, verifying and downloading dataset files, with a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from wordlab.data.locate import ChecksumMismatchError, DataLocator, MissingDataError
from wordlab.data.registry import DATASETS, Dataset

WORDSIM = DATASETS["wordsim353"]


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTP server on 127.0.0.1 serving a folder the test fills; yields (base URL, folder)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


def _served_wordsim(base_url: str) -> Dataset:
    pairs = WORDSIM.files["pairs"]
    return replace(WORDSIM, files={"pairs": replace(pairs, url=f"{base_url}/wordsim353.tsv")})


def test_found_in_data_dir_first(data_dir: Path, tmp_path: Path) -> None:
    locator = DataLocator(data_dir=data_dir, cache_dir=tmp_path / "cache", allow_download=False)
    assert locator.path("wordsim353", "pairs") == data_dir / "similarity" / "wordsim353.tsv"


def test_download_from_loopback_server_lands_in_cache(served: tuple[str, Path], data_dir: Path, tmp_path: Path) -> None:
    base_url, www = served
    shutil.copy(data_dir / "similarity" / "wordsim353.tsv", www / "wordsim353.tsv")
    cache = tmp_path / "cache"
    locator = DataLocator(data_dir=tmp_path / "empty", cache_dir=cache)
    path = locator.paths(_served_wordsim(base_url))["pairs"]
    assert path == cache / "similarity" / "wordsim353.tsv"
    assert path.read_bytes() == (data_dir / "similarity" / "wordsim353.tsv").read_bytes()
    # Second lookup: found in the cache, the server is not needed any more.
    www.joinpath("wordsim353.tsv").unlink()
    assert locator.paths(_served_wordsim(base_url))["pairs"] == path


def test_corrupted_download_is_refused_and_not_kept(served: tuple[str, Path], data_dir: Path, tmp_path: Path) -> None:
    base_url, www = served
    corrupted = bytearray((data_dir / "similarity" / "wordsim353.tsv").read_bytes())
    corrupted[200] ^= 0x01
    (www / "wordsim353.tsv").write_bytes(bytes(corrupted))
    cache = tmp_path / "cache"
    locator = DataLocator(data_dir=tmp_path / "empty", cache_dir=cache)
    with pytest.raises(ChecksumMismatchError, match=r"wordsim353\.tsv"):
        locator.paths(_served_wordsim(base_url))
    assert not list(cache.rglob("wordsim353.tsv"))


def test_file_with_wrong_hash_in_data_dir_is_refused(data_dir: Path, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror" / "similarity"
    mirror.mkdir(parents=True)
    text = (data_dir / "similarity" / "simlex999.txt").read_text(encoding="utf-8")
    (mirror / "simlex999.txt").write_text(text.replace("1.58", "1.59", 1), encoding="utf-8")
    locator = DataLocator(data_dir=tmp_path / "mirror", cache_dir=tmp_path / "cache", allow_download=False)
    with pytest.raises(ChecksumMismatchError, match=r"simlex999\.txt.*sha256"):
        locator.path("simlex999", "pairs")


def test_missing_files_give_one_error_naming_files_places_and_remedy(tmp_path: Path) -> None:
    locator = DataLocator(data_dir=tmp_path / "nowhere", cache_dir=tmp_path / "cache", allow_download=False)
    with pytest.raises(MissingDataError) as caught:
        locator.paths("wikitext2")
    message = str(caught.value)
    for relpath in (
        "wikitext-2/wiki.train.tokens",
        "wikitext-2/wiki.valid.tokens",
        "wikitext-2/wiki.test.tokens",
    ):
        assert relpath in message
    assert str(tmp_path / "nowhere") in message and str(tmp_path / "cache") in message
    assert "WORDLAB_DATA_DIR" in message
    assert "downloads are disabled" in message


def test_dataset_without_public_copy_says_so(tmp_path: Path) -> None:
    locator = DataLocator(data_dir=tmp_path / "nowhere", cache_dir=tmp_path / "cache", allow_download=True)
    with pytest.raises(MissingDataError, match="no public download"):
        locator.paths("enwiki17m")


def test_unreachable_server_is_reported_as_missing(tmp_path: Path) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    pairs = WORDSIM.files["pairs"]
    dataset = replace(WORDSIM, files={"pairs": replace(pairs, url="http://127.0.0.1:9/wordsim353.tsv")})
    locator = DataLocator(data_dir=tmp_path / "nowhere", cache_dir=tmp_path / "cache")
    with pytest.raises(MissingDataError, match=re.escape("download from http://127.0.0.1:9/wordsim353.tsv failed")):
        locator.paths(dataset)
