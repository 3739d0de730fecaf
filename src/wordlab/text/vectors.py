"""A minimal word-vectors store (words + float32 matrix) and the word2vec text and binary file formats.

Why wordlab writes the formats itself rather than through gensim: gensim is only a dev/bench extra, not a runtime
dependency, and the formats are a few lines each. Writing them here also lets every file go through
:func:`wordlab.io.atomic_path` (a killed stage never leaves a half-written ``vectors.bin`` that DVC would cache)
and fixes the text precision. The tests check that gensim's ``KeyedVectors.load_word2vec_format`` reads both.

Formats (as word2vec.c writes them):

- text: a header ``"<count> <dim>"``, then one line per word: the word and its ``dim`` values, space-separated.
  Values are written with ``precision`` significant digits: 6 by default (about word2vec.c's 6 decimals, and
  files a third smaller); 9 round-trips float32 exactly. The binary format is always exact.
- binary: the same header line, then per word the UTF-8 word, a space, ``dim`` little-endian float32 values and
  a newline. Readers skip the newline (gensim omits it; both forms are read here).

Words must be non-empty and contain no whitespace: both formats are whitespace-delimited.

Reading trusts nothing in the file. The header is a claim: before anything is allocated it is checked against
the file's size (every word takes at least ``dim*4 + 2`` bytes in binary, ``2*dim + 1`` in text), so a file that
announces 10^9 words is refused at once instead of reserving a terabyte. Rows are then read one at a time (text
line by line, binary through a read-only memory map), so memory follows the data actually present. Every
refusal is a :class:`~wordlab.data.errors.DataFormatError` naming the file and line; binary rows have no lines
worth the name, so their messages give the word's index and byte offset (the line is the physical one, newline
bytes before the offset plus one, for tools that open a file at a line).
"""

from __future__ import annotations

import mmap
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from wordlab.data.errors import DataFormatError
from wordlab.data.readers.lines import decode_line
from wordlab.io import atomic_path

_FLOAT_LE = np.dtype("<f4")
_WHITESPACE = frozenset(" \t\n\r\v\f")
_WHITESPACE_BYTES = frozenset(b" \t\n\r\v\f")
# "<count> <dim>\n" takes a few dozen bytes: a first line longer than this is no header, and reading on in search
# of its end would mean reading a whole headerless file.
_HEADER_LIMIT = 1024
_HEADER = re.compile(rb"\s*([0-9]+)\s+([0-9]+)\s*")
# Rows checked for non-finite values at a time: the check's boolean temporary stays small for any matrix.
_FINITE_CHECK_ROWS = 1 << 16


@dataclass(frozen=True)
class Vectors:
    """Words and their vectors, row i belonging to ``words[i]``."""

    words: list[str]
    matrix: np.ndarray  # (len(words), dim) float32

    def __post_init__(self) -> None:
        matrix = np.ascontiguousarray(self.matrix, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != len(self.words):
            raise ValueError(f"matrix of shape {matrix.shape} does not hold one row per word ({len(self.words)})")
        object.__setattr__(self, "matrix", matrix)

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    def __len__(self) -> int:
        return len(self.words)

    def index(self) -> dict[str, int]:
        return {word: i for i, word in enumerate(self.words)}

    def save_word2vec_format(self, path: str | Path, *, binary: bool, precision: int = 6) -> None:
        """Write the word2vec text or binary format atomically (temporary file beside ``path``, then rename)."""
        for word in self.words:
            if not word or _WHITESPACE.intersection(word):
                raise ValueError(f"word {word!r} is empty or contains whitespace: the format cannot hold it")
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            handle.write(f"{len(self)} {self.dim}\n".encode())
            if binary:
                rows = self.matrix.astype(_FLOAT_LE, copy=False)
                for word, row in zip(self.words, rows, strict=True):
                    handle.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
            else:
                fmt = " ".join([f"%.{precision}g"] * self.dim)
                for word, row in zip(self.words, self.matrix.astype(np.float64), strict=True):
                    handle.write(f"{word} {fmt % tuple(row)}\n".encode())

    @classmethod
    def load_word2vec_format(cls, path: str | Path, *, binary: bool) -> Vectors:
        """Read either format; anything that breaks it (see the module notes) is a DataFormatError."""
        path = Path(path)
        with open(path, "rb") as handle:
            count, dim = _read_header(path, handle, binary)
            if binary:
                with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                    return _read_binary(path, data, handle.tell(), count, dim)
            return _read_text(path, handle, count, dim)

    def save_npy(self, path: str | Path) -> None:
        save_matrix(path, self.matrix)


def save_matrix(path: str | Path, matrix: np.ndarray) -> None:
    """A parameter matrix (e.g. word2vec's V or U) as ``.npy``, atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.save(handle, np.asarray(matrix))


def _read_header(path: Path, handle: BinaryIO, binary: bool) -> tuple[int, int]:
    """``(count, dim)`` from the first line, refused unless the rest of the file is large enough to hold them."""
    size = os.fstat(handle.fileno()).st_size
    if size == 0:
        raise DataFormatError(path, 1, "empty file: expected a '<count> <dim>' header line, then the vectors")
    line = handle.readline(_HEADER_LIMIT)
    if not line.endswith(b"\n"):
        where = f"none in its first {_HEADER_LIMIT} bytes" if len(line) == _HEADER_LIMIT else "the file ends first"
        raise DataFormatError(path, 1, f"malformed header: expected a '<count> <dim>' line and a newline, {where}")
    shown = line.decode("utf-8", "backslashreplace").strip()
    match = _HEADER.fullmatch(line)
    if match is None:
        raise DataFormatError(path, 1, f"malformed header {shown!r}: expected '<count> <dim>', two whole numbers")
    count, dim = int(match[1]), int(match[2])
    if dim == 0:
        raise DataFormatError(path, 1, f"malformed header {shown!r}: the dimension must be at least 1")
    if binary:
        per_word, layout = dim * _FLOAT_LE.itemsize + 2, f"a word, a space and {dim} float32 values"
    else:
        per_word, layout = 2 * dim + 1, f"a word and {dim} space-separated values"
    available = size - len(line)
    if count * per_word > available:
        raise DataFormatError(
            path,
            1,
            f"header announces {_words(count)} of dimension {dim}, which take at least {count * per_word} bytes "
            f"({layout} take at least {per_word} each), but the file has {available} bytes after the header: "
            "the header is wrong or the file is truncated",
        )
    return count, dim


def _read_text(path: Path, handle: BinaryIO, count: int, dim: int) -> Vectors:
    words: list[str] = []
    matrix = np.empty((count, dim), dtype=np.float32)
    line_number = 1
    for line_number, raw in enumerate(handle, start=2):
        line = decode_line(path, line_number, raw).rstrip()
        if not line:
            continue
        if len(words) == count:
            raise DataFormatError(path, line_number, f"header announces {_words(count)}, and here is one more")
        parts = line.split(" ")
        if len(parts) != dim + 1:
            raise DataFormatError(
                path,
                line_number,
                f"expected a word and {dim} values separated by single spaces, found {len(parts) - 1} values",
            )
        word = parts[0]
        if not word:
            raise DataFormatError(path, line_number, "the line starts with a space: the word is empty")
        try:
            values = np.asarray(parts[1:], dtype=np.float64)
        except ValueError:
            raise DataFormatError(path, line_number, _not_a_number(word, parts[1:])) from None
        row = matrix[len(words)]
        with np.errstate(over="ignore"):  # a value beyond float32's range becomes inf, refused just below
            row[:] = values
        if not np.isfinite(row).all():
            j = int(np.flatnonzero(~np.isfinite(row))[0])
            overflow = " as a float32" if np.isfinite(values[j]) else ""
            raise DataFormatError(
                path, line_number, f"value {j + 1} of {word!r} ({parts[j + 1]!r}) is not finite{overflow}"
            )
        words.append(word)
    if len(words) < count:
        raise DataFormatError(
            path, line_number, f"the file ends after {len(words)} of the {_words(count)} its header announces"
        )
    return Vectors(words, matrix)


def _not_a_number(word: str, values: list[str]) -> str:
    for j, value in enumerate(values, start=1):
        try:
            np.float64(value)
        except ValueError:
            return f"value {j} of {word!r} ({value!r}) is not a number"
    return f"the values of {word!r} are not numbers"


def _read_binary(path: Path, data: mmap.mmap, position: int, count: int, dim: int) -> Vectors:
    words: list[str] = []
    matrix = np.empty((count, dim), dtype=np.float32)
    offsets = np.empty(count, dtype=np.int64)  # where each vector starts, for the finiteness report
    width = dim * _FLOAT_LE.itemsize
    size = len(data)
    for i in range(count):
        while position < size and data[position] == 0x0A:  # the newline word2vec.c writes after a vector
            position += 1
        space = data.find(b" ", position)
        if space < 0:
            raise DataFormatError(
                path, _line_at(data, position), f"word {i} at byte {position}: the file ends inside the word"
            )
        raw = data[position:space]
        if not raw:
            raise DataFormatError(path, _line_at(data, position), f"word {i} at byte {position} is empty")
        try:
            word = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            bad = " ".join(f"0x{byte:02x}" for byte in raw[error.start : error.end])
            raise DataFormatError(
                path,
                _line_at(data, position),
                f"word {i} at byte {position} is not UTF-8: {bad} at byte {position + error.start} ({error.reason})",
            ) from None
        start = space + 1
        body = data[start : start + width]
        if len(body) != width:
            raise DataFormatError(
                path,
                _line_at(data, start),
                f"word {i} ({_shown(word)}) at byte {position}: the file ends inside its vector, which starts at "
                f"byte {start} ({len(body)} of its {width} bytes are there)",
            )
        matrix[i] = np.frombuffer(body, dtype=_FLOAT_LE)
        offsets[i] = start
        words.append(word)
        position = start + width
    while position < size and data[position] in _WHITESPACE_BYTES:
        position += 1
    if position < size:
        raise DataFormatError(
            path,
            _line_at(data, position),
            f"header announces {_words(count)}, but the data goes on at byte {position}: the header is wrong",
        )
    for block in range(0, count, _FINITE_CHECK_ROWS):
        finite = np.isfinite(matrix[block : block + _FINITE_CHECK_ROWS]).all(axis=1)
        if not finite.all():
            i = block + int(np.flatnonzero(~finite)[0])
            j = int(np.flatnonzero(~np.isfinite(matrix[i]))[0])
            word_at = int(offsets[i]) - len(words[i].encode("utf-8")) - 1
            raise DataFormatError(
                path,
                _line_at(data, word_at),
                f"word {i} ({_shown(words[i])}) at byte {word_at}: value {j + 1} of its vector, which starts at "
                f"byte {offsets[i]}, is not finite ({matrix[i, j]})",
            )
    return Vectors(words, matrix)


def _line_at(data: mmap.mmap, offset: int) -> int:
    """The physical line holding byte ``offset`` (newlines before it, plus one), counted a block at a time."""
    block = 1 << 24
    return 1 + sum(data[start : min(offset, start + block)].count(b"\n") for start in range(0, offset, block))


def _shown(word: str) -> str:
    return repr(word) if len(word) <= 40 else repr(word[:40]) + "..."


def _words(count: int) -> str:
    return f"{count} word" if count == 1 else f"{count} words"
