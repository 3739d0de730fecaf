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
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wordlab.io import atomic_path

_FLOAT_LE = np.dtype("<f4")
_WHITESPACE = frozenset(" \t\n\r\v\f")


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
        data = Path(path).read_bytes()
        header_end = data.index(b"\n")
        count, dim = (int(x) for x in data[:header_end].split())
        read = _read_binary if binary else _read_text
        return read(data, header_end + 1, count, dim)

    def save_npy(self, path: str | Path) -> None:
        save_matrix(path, self.matrix)


def save_matrix(path: str | Path, matrix: np.ndarray) -> None:
    """A parameter matrix (e.g. word2vec's V or U) as ``.npy``, atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.save(handle, np.asarray(matrix))


def _read_text(data: bytes, start: int, count: int, dim: int) -> Vectors:
    words: list[str] = []
    matrix = np.empty((count, dim), dtype=np.float32)
    lines = data[start:].decode("utf-8").splitlines()
    lines = [line for line in lines if line.strip()]
    if len(lines) != count:
        raise ValueError(f"header announces {count} words, the file holds {len(lines)}")
    for i, line in enumerate(lines):
        parts = line.rstrip().split(" ")
        if len(parts) != dim + 1:
            raise ValueError(f"line {i + 2}: expected a word and {dim} values, found {len(parts)} fields")
        words.append(parts[0])
        matrix[i] = np.asarray(parts[1:], dtype=np.float64)
    return Vectors(words, matrix)


def _read_binary(data: bytes, position: int, count: int, dim: int) -> Vectors:
    words: list[str] = []
    matrix = np.empty((count, dim), dtype=np.float32)
    width = dim * _FLOAT_LE.itemsize
    for i in range(count):
        while data[position : position + 1] == b"\n":
            position += 1
        space = data.index(b" ", position)
        words.append(data[position:space].decode("utf-8"))
        body = data[space + 1 : space + 1 + width]
        if len(body) != width:
            raise ValueError(f"word {i} ({words[-1]!r}): the file ends inside its vector")
        matrix[i] = np.frombuffer(body, dtype=_FLOAT_LE)
        position = space + 1 + width
    return Vectors(words, matrix)
