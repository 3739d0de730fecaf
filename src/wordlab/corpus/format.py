"""The prepared-corpus format that every training stage reads.

A prepared corpus is a directory, in the spirit of nanoGPT's ``train.bin``: compact, memory-mappable, and readable
without wordlab.

- ``vocab.tsv``: header ``word<TAB>count``, then one row per word, sorted by count (descending, ties by word).
  A word's id is its row index (0-based, header excluded).
- ``{split}.npy``: the split's token ids, int32, one entry per token, in corpus order.
- ``{split}.lines.npy``: int64 offsets into ``{split}.npy`` of the start of each input line, plus the total
  length at the end (so line ``i`` is ``tokens[offsets[i]:offsets[i + 1]]``). word2vec and GloVe use lines as
  sentence boundaries; language models ignore them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

VOCAB_FILE = "vocab.tsv"
TOKEN_DTYPE = np.int32
OFFSET_DTYPE = np.int64


def tokens_file(directory: Path, split: str) -> Path:
    return Path(directory) / f"{split}.npy"


def lines_file(directory: Path, split: str) -> Path:
    return Path(directory) / f"{split}.lines.npy"


@dataclass(frozen=True)
class PreparedCorpus:
    directory: Path
    words: list[str]
    counts: np.ndarray

    @classmethod
    def load(cls, directory: str | Path) -> PreparedCorpus:
        directory = Path(directory)
        words, counts = read_vocab(directory / VOCAB_FILE)
        return cls(directory=directory, words=words, counts=counts)

    @property
    def vocab_size(self) -> int:
        return len(self.words)

    @property
    def index(self) -> dict[str, int]:
        return {word: i for i, word in enumerate(self.words)}

    def splits(self) -> list[str]:
        return sorted(p.name[: -len(".npy")] for p in self.directory.glob("*.npy") if ".lines." not in p.name)

    def tokens(self, split: str = "train") -> np.ndarray:
        """The split's token ids, memory-mapped (nothing is read until used)."""
        return np.load(tokens_file(self.directory, split), mmap_mode="r")

    def line_offsets(self, split: str = "train") -> np.ndarray:
        return np.load(lines_file(self.directory, split), mmap_mode="r")


def read_vocab(path: Path) -> tuple[list[str], np.ndarray]:
    words: list[str] = []
    counts: list[int] = []
    with open(path, encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n")
        if header != "word\tcount":
            raise ValueError(f"{path}:1: expected header 'word<TAB>count', found {header!r}")
        for line_number, line in enumerate(handle, start=2):
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 2 or not parts[1].isdigit():
                raise ValueError(f"{path}:{line_number}: expected 'word<TAB>count', found {line.rstrip()!r}")
            words.append(parts[0])
            counts.append(int(parts[1]))
    return words, np.asarray(counts, dtype=np.int64)


def write_vocab(path: Path, words: list[str], counts: np.ndarray) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("word\tcount\n")
        for word, count in zip(words, counts, strict=True):
            handle.write(f"{word}\t{int(count)}\n")
