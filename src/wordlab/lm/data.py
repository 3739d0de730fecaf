"""The language-modelling corpora as token-id streams, and the batches the models train on.

PTB and WikiText-2 come tokenised with ``<unk>`` already in place, so their vocabularies are closed: every word of
valid and test occurs in train. Each line becomes its words plus ``<eos>``, as PyTorch's ``word_language_model``
example reads them (empty lines of WikiText-2 included, as a lone ``<eos>``), so that token counts and perplexities
are comparable with it. A word of valid or test outside the training vocabulary is refused with its file and line:
on a closed-vocabulary corpus it means the wrong file, not a rare word.

Batches follow the example too: :func:`batchify` cuts the stream into ``batch`` parallel columns, and
:func:`bptt_chunks` walks down them ``bptt`` rows at a time, each chunk's targets the same rows shifted by one, so
that the hidden state at the end of one chunk is the right state at the start of the next.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from wordlab import ranks

EOS = "<eos>"


class CorpusError(ValueError):
    """A corpus file that does not fit the model's vocabulary: ``file:line: problem``."""


@dataclass(frozen=True)
class LMVocabulary:
    """The training words in order of first appearance (as the reference example's Dictionary numbers them)."""

    words: tuple[str, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {word: i for i, word in enumerate(self.words)})

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._index

    def id(self, word: str) -> int:
        return self._index[word]

    @property
    def eos(self) -> int:
        return self._index[EOS]


def _lines(path: Path, max_lines: int | None) -> Iterator[tuple[int, list[str]]]:
    with open(path, encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if max_lines is not None and number > max_lines:
                return
            yield number, [*line.split(), EOS]


def build_vocabulary(path: Path, max_lines: int | None = None) -> LMVocabulary:
    """Every word of the training file, ``<eos>`` included, numbered in order of first appearance."""
    seen: dict[str, None] = {}
    for _, words in _lines(Path(path), max_lines):
        seen.update(dict.fromkeys(words))
    return LMVocabulary(tuple(seen))


def read_sentences(path: Path, vocabulary: LMVocabulary, max_lines: int | None = None) -> list[np.ndarray]:
    """Each line of ``path`` as an int64 array of ids ending in ``<eos>``; CorpusError at an unknown word."""
    sentences: list[np.ndarray] = []
    index = vocabulary._index
    for number, words in _lines(Path(path), max_lines):
        try:
            sentences.append(np.fromiter((index[word] for word in words), dtype=np.int64, count=len(words)))
        except KeyError as error:
            raise CorpusError(
                f"{path}:{number}: word {error.args[0]!r} is not in the training vocabulary ({len(vocabulary)} "
                "words); this corpus's vocabulary is closed (<unk> already in place), so the file does not belong "
                "to it"
            ) from None
    return sentences


def read_stream(path: Path, vocabulary: LMVocabulary, max_lines: int | None = None) -> np.ndarray:
    """The whole file as one id stream (lines concatenated, each ending in ``<eos>``)."""
    sentences = read_sentences(path, vocabulary, max_lines)
    return np.concatenate(sentences) if sentences else np.zeros(0, dtype=np.int64)


def batchify(stream: np.ndarray, batch: int) -> torch.Tensor:
    """``stream`` as ``batch`` columns read top to bottom, (rows, batch); the remainder that fills no row dropped."""
    rows = len(stream) // batch
    if rows < 2:
        raise ValueError(f"a stream of {len(stream)} tokens is too short for {batch} columns of at least 2 rows")
    return torch.from_numpy(np.ascontiguousarray(stream[: rows * batch].reshape(batch, rows).T))


def bptt_chunks(rows: int, bptt: int) -> list[tuple[int, int]]:
    """(start, length) of each chunk: inputs rows ``start .. start+length-1``, targets one row further."""
    return [(start, min(bptt, rows - 1 - start)) for start in range(0, rows - 1, bptt)]


class StreamChunks(Dataset[tuple[torch.Tensor, torch.Tensor]]):
    """The chunks of a batchified stream, in order (a DataLoader with ``batch_size=None`` must not shuffle them:
    each chunk continues the last). With ``shard`` (training), a DDP rank reads its share of the columns
    (:func:`wordlab.ranks.shard`): each column is one stream, and its state stays with the rank that reads it."""

    def __init__(self, columns: torch.Tensor, bptt: int, *, shard: bool = False) -> None:
        self.columns = columns
        self.chunks = bptt_chunks(len(columns), bptt)
        self.shard = shard

    def __len__(self) -> int:
        return len(self.chunks)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        columns = self.columns[:, ranks.shard()] if self.shard else self.columns
        start, length = self.chunks[index]
        return columns[start : start + length], columns[start + 1 : start + 1 + length]


def predicted_tokens(columns: torch.Tensor) -> int:
    """The tokens a pass over the chunks predicts: every row but the first, in every column."""
    return (len(columns) - 1) * columns.shape[1]


def context_windows(stream: np.ndarray, context: int, pad: int) -> np.ndarray:
    """(len(stream), context) ids: row t holds the ``context`` tokens before token t (``pad``, the ``<eos>`` id,
    before the stream's start), for the fixed-window model, which predicts every token of the stream."""
    padded = np.concatenate([np.full(context, pad, dtype=np.int64), stream.astype(np.int64)])
    return np.lib.stride_tricks.sliding_window_view(padded, context)[: len(stream)].copy()


def windows_dataset(stream: np.ndarray, context: int, pad: int) -> torch.utils.data.TensorDataset:
    return torch.utils.data.TensorDataset(
        torch.from_numpy(context_windows(stream, context, pad)), torch.from_numpy(stream.astype(np.int64))
    )


def ids_of(words: Sequence[str], vocabulary: LMVocabulary, what: str) -> list[int]:
    """The ids of ``words``; a ValueError naming the first word outside the vocabulary (a generation seed)."""
    unknown = [word for word in words if word not in vocabulary]
    if unknown:
        raise ValueError(
            f"{what}: {unknown[0]!r} is not in the model's vocabulary of {len(vocabulary)} words "
            f"(PTB is lower-case, numbers are N, rare words are <unk>)"
        )
    return [vocabulary.id(word) for word in words]
