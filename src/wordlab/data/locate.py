"""Find a dataset's files, verify them, and fetch what is missing.

Order of search for each file: the data directory (an offline mirror, the normal case), then a local download
cache. A file absent from both is downloaded into the cache through ``pooch`` when the dataset has a public URL and
downloads are allowed: pooch checks the hash of what it fetched before it keeps it, so a corrupted or tampered
download never lands. A file found anywhere is hashed and refused if its sha256 differs from the registry's.

A download that fails leaves the cache as it found it (no empty folder that suggests a half-made cache) and is
reported in one error naming the file, the places searched, the URL and a one-line reason, with the way to provide
the file offline: most failures are a machine without network, where the cure is a copy, not a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pooch

from wordlab.data.registry import DataFile, Dataset, get_dataset
from wordlab.io import sha256_of

log = logging.getLogger(__name__)

_REASON_LENGTH = 300


class MissingDataError(FileNotFoundError):
    """One or more files of a dataset could not be found or fetched."""


class ChecksumMismatchError(ValueError):
    """A file's sha256 differs from the one the registry pins."""


def verify(path: Path, expected_sha256: str) -> Path:
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise ChecksumMismatchError(
            f"{path}: sha256 is {actual}, but the registry pins {expected_sha256}. The file is corrupted or a "
            "different version; wordlab refuses to use it. Replace it with the published file."
        )
    return path


@dataclass(frozen=True)
class DataLocator:
    """Where wordlab looks for data: ``data_dir`` first, then ``cache_dir`` (filled by downloads)."""

    data_dir: Path | None
    cache_dir: Path
    allow_download: bool = True
    # Told of every dataset's files once located and verified: the stage logs them as its MLflow inputs.
    on_located: Callable[[Dataset, dict[str, Path]], None] | None = field(default=None, compare=False)

    def path(self, dataset: str, role: str) -> Path:
        return self.paths(dataset, [role])[role]

    def paths(self, dataset: str | Dataset, roles: list[str] | None = None) -> dict[str, Path]:
        """Verified paths of the requested files (all by default); one error lists every file missing."""
        spec = get_dataset(dataset) if isinstance(dataset, str) else dataset
        wanted = roles if roles is not None else list(spec.files)
        unknown = [role for role in wanted if role not in spec.files]
        if unknown:
            raise KeyError(f"dataset {spec.name!r} has no file {unknown}; it has {sorted(spec.files)}")
        found: dict[str, Path] = {}
        problems: list[tuple[DataFile, str]] = []
        for role in wanted:
            data_file = spec.files[role]
            path = self._find_local(data_file)
            if path is None:
                path, problem = self._download(spec, data_file)
                if problem:
                    problems.append((data_file, problem))
                    continue
            assert path is not None
            found[role] = verify(path, data_file.sha256)
        if problems:
            raise MissingDataError(self._missing_message(spec, problems)) from None
        if self.on_located is not None:
            self.on_located(spec, found)
        return found

    def _find_local(self, data_file: DataFile) -> Path | None:
        for root in (self.data_dir, self.cache_dir):
            if root is not None and (root / data_file.relpath).is_file():
                return root / data_file.relpath
        return None

    def _download(self, spec: Dataset, data_file: DataFile) -> tuple[Path | None, str | None]:
        if data_file.url is None:
            return None, f"{data_file.relpath} (no public download exists for this file)"
        if not self.allow_download:
            return None, f"{data_file.relpath} (downloads are disabled; public copy: {data_file.url})"
        target = self.cache_dir / data_file.relpath
        # Folders the download may create, to take back if it fails: pooch makes its folder before fetching.
        created = _absent_folders(target.parent)
        if data_file.archive_member is not None:
            created += _absent_folders(self.cache_dir / "archives")
        log.info("downloading %s from %s", data_file.relpath, data_file.url)
        try:
            return self._fetch(data_file, target), None
        except OSError as error:  # requests' errors are OSErrors: no network, DNS, refused, HTTP status, timeout
            problem = f"{data_file.relpath} (download from {data_file.url} failed: {failure_reason(error)})"
        except ValueError as error:  # pooch's hash mismatch: the download was deleted, nothing kept
            _remove_empty(created)
            raise ChecksumMismatchError(f"download of {data_file.url} refused: {error}") from error
        except Exception as error:  # other protocols' errors, a broken archive: reported with the rest
            problem = f"{data_file.relpath} (download from {data_file.url} failed: {failure_reason(error)})"
        except BaseException:
            _remove_empty(created)
            raise
        _remove_empty(created)
        return None, problem

    def _fetch(self, data_file: DataFile, target: Path) -> Path:
        assert data_file.url is not None
        if data_file.archive_member is None:
            fetched = pooch.retrieve(
                data_file.url,
                known_hash=f"sha256:{data_file.sha256}",
                fname=target.name,
                path=target.parent,
                progressbar=False,
            )
            return Path(fetched)
        archive = pooch.retrieve(
            data_file.url,
            known_hash=f"sha256:{data_file.archive_sha256}" if data_file.archive_sha256 else None,
            fname=Path(data_file.url).name,
            path=self.cache_dir / "archives",
            progressbar=False,
        )
        return self._extract(Path(archive), data_file.archive_member, target)

    @staticmethod
    def _extract(archive: Path, member: str, target: Path) -> Path:
        import zipfile

        from wordlab.io import atomic_path

        with zipfile.ZipFile(archive) as bundle, atomic_path(target) as tmp:
            tmp.write_bytes(bundle.read(member))
        return target

    def _missing_message(self, spec: Dataset, problems: list[tuple[DataFile, str]]) -> str:
        looked = [str(p) for p in (self.data_dir, self.cache_dir) if p is not None]
        lines = [f"dataset {spec.name!r} ({spec.title}): {len(problems)} file(s) missing:"]
        lines += [f"  - {problem}" for _, problem in problems]
        lines.append(f"wordlab looked in: {', '.join(looked)}")
        if self.data_dir is not None:
            lines.append(
                "To provide them offline, put each file under the data directory at its relative path "
                "(or point WORDLAB_DATA_DIR=/path/to/data or the config key data.dir at a mirror holding them):"
            )
            lines += [f"    {self.data_dir / data_file.relpath}" for data_file, _ in problems]
        else:
            lines.append(
                "To provide them offline, set WORDLAB_DATA_DIR=/path/to/data (or the config key data.dir) to a "
                "folder holding each file at its relative path:"
            )
            lines += [f"    {data_file.relpath}" for data_file, _ in problems]
        if not self.allow_download:
            lines.append("Or allow downloads (data.allow_download=true) where a public copy exists.")
        return "\n".join(lines)


def failure_reason(error: BaseException) -> str:
    """``Type: first line`` of a failed download, naming the system's own error where a library wrapped it.

    requests wraps urllib3, which wraps the socket error; only the innermost says what happened ("Connection
    refused", "Name or service not known"), and the wrappers' text carries object addresses and retry counts.
    """
    root = error
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, OSError) and type(cause).__module__ in {"builtins", "socket", "ssl"}:
            root = cause
        cause = cause.__cause__ or cause.__context__
    lines = str(root).strip().splitlines() or [""]
    text = f"{type(error).__name__}: {lines[0]}" if lines[0] else type(error).__name__
    return text if len(text) <= _REASON_LENGTH else text[: _REASON_LENGTH - 3] + "..."


def _absent_folders(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that do not exist yet, deepest first."""
    absent: list[Path] = []
    while not folder.exists() and folder != folder.parent:
        absent.append(folder)
        folder = folder.parent
    return absent


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders a failed download created, deepest first; one that holds anything stays."""
    for folder in sorted(set(folders), key=lambda path: len(path.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:  # not empty (another process uses it) or already gone
            continue
