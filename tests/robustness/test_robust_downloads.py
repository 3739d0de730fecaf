"""A download that cannot happen ends in one readable error and leaves the cache as it was.

Every server here listens on 127.0.0.1; nothing else is ever contacted.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from wordlab.data.locate import DataLocator, MissingDataError, failure_reason
from wordlab.data.registry import DATASETS, Dataset

WORDSIM = DATASETS["wordsim353"]
RELPATH = WORDSIM.files["pairs"].relpath  # similarity/wordsim353.tsv


@dataclass
class Server:
    url: str
    root: Path
    requests: list[str]


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[Server]:
    """A loopback HTTP server over a folder the test fills (404 for anything absent); it counts requests."""
    root = tmp_path / "www"
    root.mkdir()
    seen: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", root, seen)
    finally:
        httpd.shutdown()
        httpd.server_close()


def _closed_port() -> int:
    """A loopback port nothing listens on: bound, never listened on, released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wordsim_at(url: str, archive_member: str | None = None) -> Dataset:
    pairs = WORDSIM.files["pairs"]
    return replace(WORDSIM, files={"pairs": replace(pairs, url=url, archive_member=archive_member)})


def _assert_empty(cache: Path) -> None:
    leftovers = sorted(str(p.relative_to(cache)) for p in cache.rglob("*")) if cache.exists() else []
    assert leftovers == [], f"a failed download left {leftovers} in {cache}"


def _assert_clean_error(error: MissingDataError, url: str, data_dir: Path) -> str:
    message = str(error)
    assert RELPATH in message
    assert url in message
    # How to provide the file without a network: where to put it, or where to point the data directory.
    assert str(data_dir / RELPATH) in message
    assert "WORDLAB_DATA_DIR" in message
    # One line of reason, not the download library's internals.
    for noise in ("Traceback", "urllib3", "HTTPConnectionPool", "object at 0x", "Max retries"):
        assert noise not in message, message
    # No chained traceback from the download library under the error.
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
    return message


def test_http_404_gives_one_clean_error_and_leaves_no_folder(server: Server, tmp_path: Path) -> None:
    url = f"{server.url}/wordsim353.tsv"
    cache, data_dir = tmp_path / "cache", tmp_path / "data"
    locator = DataLocator(data_dir=data_dir, cache_dir=cache)
    with pytest.raises(MissingDataError) as caught:
        locator.paths(_wordsim_at(url))
    message = _assert_clean_error(caught.value, url, data_dir)
    assert "HTTPError" in message and "404" in message
    assert server.requests == ["/wordsim353.tsv"]
    _assert_empty(cache)


def test_closed_port_gives_one_clean_error_and_leaves_no_folder(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/wordsim353.tsv"
    cache, data_dir = tmp_path / "cache", tmp_path / "data"
    locator = DataLocator(data_dir=data_dir, cache_dir=cache)
    with pytest.raises(MissingDataError) as caught:
        locator.paths(_wordsim_at(url))
    message = _assert_clean_error(caught.value, url, data_dir)
    assert "Connection refused" in message
    _assert_empty(cache)


def test_failed_archive_download_leaves_no_folder(server: Server, tmp_path: Path) -> None:
    url = f"{server.url}/bundle.zip"
    cache, data_dir = tmp_path / "cache", tmp_path / "data"
    locator = DataLocator(data_dir=data_dir, cache_dir=cache)
    with pytest.raises(MissingDataError) as caught:
        locator.paths(_wordsim_at(url, archive_member="wordsim353.tsv"))
    _assert_clean_error(caught.value, url, data_dir)
    _assert_empty(cache)


def test_failed_download_keeps_what_the_cache_already_held(server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    kept = cache / "similarity" / "other.txt"
    kept.parent.mkdir(parents=True)
    kept.write_text("kept")
    locator = DataLocator(data_dir=None, cache_dir=cache)
    with pytest.raises(MissingDataError, match="WORDLAB_DATA_DIR"):
        locator.paths(_wordsim_at(f"{server.url}/wordsim353.tsv"))
    assert sorted(p.relative_to(cache).as_posix() for p in cache.rglob("*")) == ["similarity", "similarity/other.txt"]


def test_downloads_off_never_touch_the_network(
    server: Server, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server holds the genuine file: any attempt to fetch it would succeed and the error would not come.
    shutil.copy(data_dir / RELPATH, server.root / "wordsim353.tsv")
    connections: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        connections.append(args)
        raise OSError("the test forbids connections")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    url = f"{server.url}/wordsim353.tsv"
    cache, mirror = tmp_path / "cache", tmp_path / "data"
    locator = DataLocator(data_dir=mirror, cache_dir=cache, allow_download=False)
    with pytest.raises(MissingDataError) as caught:
        locator.paths(_wordsim_at(url))
    assert connections == [] and server.requests == []
    message = _assert_clean_error(caught.value, url, mirror)
    assert "downloads are disabled" in message
    _assert_empty(cache)


def test_name_resolution_failure_is_told_in_the_systems_words() -> None:
    # The chain requests and urllib3 build around a DNS failure, built here without asking any resolver.
    import requests
    import urllib3

    try:
        try:
            try:
                raise socket.gaierror(-2, "Name or service not known")
            except socket.gaierror as lookup:
                raise urllib3.exceptions.MaxRetryError(None, "/wordsim353.tsv", lookup) from lookup
        except urllib3.exceptions.MaxRetryError as retries:
            raise requests.ConnectionError(retries)  # noqa: B904 - requests chains implicitly, as here
    except requests.ConnectionError as error:
        assert failure_reason(error) == "ConnectionError: [Errno -2] Name or service not known"
