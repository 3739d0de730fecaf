"""Stream raw text into the prepared-corpus format (see :mod:`wordlab.corpus.format`).

One tokenisation pass per split: each token gets a provisional id (order of first sight) that is streamed to a
temporary int32 file, so memory holds only the type table and a small buffer, never the corpus. The vocabulary is
then cut from the train split's counts (``np.bincount`` over the provisional ids), and a vectorised remap turns
provisional ids into final ids chunk by chunk. Time is linear in the corpus size: each token is touched once in
Python and once in numpy.
"""

from __future__ import annotations

import logging
import time
from array import array
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from wordlab.corpus.config import OovMode, VocabConfig
from wordlab.corpus.format import (
    OFFSET_DTYPE,
    TOKEN_DTYPE,
    VOCAB_FILE,
    lines_file,
    tokens_file,
    write_vocab,
)
from wordlab.corpus.tokenize import Tokenizer
from wordlab.data.errors import DataFormatError
from wordlab.io import atomic_directory

log = logging.getLogger(__name__)

_FLUSH_EVERY = 1 << 22  # provisional ids buffered before they go to disk (16 MB)
_REMAP_CHUNK = 1 << 22  # token ids remapped per block (16 MB of int32)


@dataclass(frozen=True)
class SplitStats:
    lines: int
    tokens: int  # tokens read, end-of-line tokens included
    types: int  # distinct token types read
    in_vocab: int  # tokens whose type is in the vocabulary
    coverage: float  # in_vocab / tokens
    written: int  # token ids written (OOV dropped or replaced by unk)


@dataclass(frozen=True)
class CorpusStats:
    vocab_size: int
    splits: dict[str, SplitStats]

    def as_dict(self) -> dict[str, object]:
        return {"vocab_size": self.vocab_size, "splits": {k: asdict(v) for k, v in self.splits.items()}}


@dataclass
class _RawSplit:
    ids_path: Path
    line_lengths: np.ndarray
    n_tokens: int


def read_lines(path: Path, max_lines: int | None = None, desc: str = "") -> Iterator[str]:
    """Lines of a UTF-8 file with a byte-based progress bar; bad encoding names the file and line."""
    total = path.stat().st_size
    with (
        open(path, "rb") as handle,
        tqdm(total=total, unit="B", unit_scale=True, desc=desc, leave=False) as bar,
    ):
        pending = 0
        for line_number, raw in enumerate(handle, start=1):
            if max_lines is not None and line_number > max_lines:
                break
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise DataFormatError(path, line_number, f"not valid UTF-8 ({error.reason})") from error
            pending += len(raw)
            if pending > 1 << 22:
                bar.update(pending)
                pending = 0
        bar.update(pending)


def _tokenise_split(
    path: Path, tokenizer: Tokenizer, types: dict[str, int], scratch: Path, max_lines: int | None, name: str
) -> _RawSplit:
    ids_path = scratch / f"{name}.raw"
    lengths = array("q")
    buffer = array("i")
    n_tokens = 0
    lookup = types.setdefault
    started = time.perf_counter()
    with open(ids_path, "wb") as sink:
        for line in read_lines(path, max_lines, desc=f"tokenising {name}"):
            tokens = tokenizer(line)
            buffer.extend([lookup(token, len(types)) for token in tokens])
            lengths.append(len(tokens))
            if len(buffer) >= _FLUSH_EVERY:
                n_tokens += len(buffer)
                buffer.tofile(sink)
                buffer = array("i")
        n_tokens += len(buffer)
        buffer.tofile(sink)
    seconds = time.perf_counter() - started
    log.info("%s: %d tokens in %.1f s (%.0f tokens/s)", name, n_tokens, seconds, n_tokens / max(seconds, 1e-9))
    return _RawSplit(ids_path, np.frombuffer(lengths, dtype=np.int64).copy(), n_tokens)


def _raw_chunks(raw: _RawSplit) -> Iterator[tuple[int, np.ndarray]]:
    """(start, ids) blocks of a split's provisional ids, read from disk a block at a time."""
    itemsize = np.dtype(np.int32).itemsize
    for start in range(0, raw.n_tokens, _REMAP_CHUNK):
        count = min(_REMAP_CHUNK, raw.n_tokens - start)
        yield start, np.fromfile(raw.ids_path, dtype=np.int32, count=count, offset=start * itemsize)


def _count(raw: _RawSplit, n_types: int) -> np.ndarray:
    counts = np.zeros(n_types, dtype=np.int64)
    for _, ids in _raw_chunks(raw):
        counts += np.bincount(ids, minlength=n_types)
    return counts


def build_vocabulary(
    words: list[str], counts: np.ndarray, spec: VocabConfig
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Cut and sort the vocabulary; return (words, counts, provisional-to-final id map with -1 for OOV).

    Sorted by count, descending, ties broken by the word itself, so the same corpus always gives the same ids.
    The unknown token, when OOV words map to it, is an ordinary entry counting its own occurrences plus every
    replaced token, and takes the place that count gives it.
    """
    unk_id = words.index(spec.unk) if spec.unk in words else None
    candidates = [i for i in range(len(words)) if counts[i] >= spec.min_count and i != unk_id]
    candidates.sort(key=lambda i: (-int(counts[i]), words[i]))
    if spec.max_size is not None:
        candidates = candidates[: spec.max_size]
    entries = [(words[i], int(counts[i]), i) for i in candidates]
    if spec.oov is OovMode.unk:
        kept = np.zeros(len(words), dtype=bool)
        kept[candidates] = True
        unk_count = int(counts[~kept].sum())
        entries.append((spec.unk, unk_count, -1))
        entries.sort(key=lambda entry: (-entry[1], entry[0]))
    mapping = np.full(len(words), -1, dtype=np.int64)
    for final_id, (_, _, provisional) in enumerate(entries):
        if provisional >= 0:
            mapping[provisional] = final_id
    if spec.oov is OovMode.unk:
        unk_final = next(i for i, entry in enumerate(entries) if entry[2] == -1)
        mapping[mapping < 0] = unk_final
    return [e[0] for e in entries], np.asarray([e[1] for e in entries], dtype=np.int64), mapping


def _write_split(raw: _RawSplit, mapping: np.ndarray, split_counts: np.ndarray, out_dir: Path, name: str) -> int:
    """Remap provisional ids to final ids, dropping OOV tokens (mapped to -1), and rebuild the line offsets.

    The ``.npy`` file is streamed (header, then one block at a time) rather than memory-mapped, so memory stays
    constant whatever the corpus size.
    """
    offsets = np.zeros(len(raw.line_lengths) + 1, dtype=OFFSET_DTYPE)
    np.cumsum(raw.line_lengths, out=offsets[1:])
    written = int(split_counts[mapping >= 0].sum())
    new_offsets = np.empty_like(offsets)
    new_offsets[offsets >= raw.n_tokens] = written
    position = 0
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(TOKEN_DTYPE)), "fortran_order": False}
    with open(tokens_file(out_dir, name), "wb") as sink:
        np.lib.format.write_array_header_1_0(sink, {**header, "shape": (written,)})
        for start, ids in _raw_chunks(raw):
            chunk = mapping[ids]
            keep = chunk >= 0
            kept_before = np.concatenate([[0], np.cumsum(keep)])
            inside = (offsets >= start) & (offsets < start + len(ids))
            new_offsets[inside] = position + kept_before[offsets[inside] - start]
            chunk[keep].astype(TOKEN_DTYPE).tofile(sink)
            position += int(kept_before[-1])
    assert position == written
    np.save(lines_file(out_dir, name), new_offsets)
    return written


def prepare_corpus(
    sources: dict[str, Path],
    out_dir: Path,
    tokenizer: Tokenizer,
    vocab: VocabConfig,
    max_lines: int | None = None,
) -> CorpusStats:
    """Tokenise every split, cut the vocabulary from the first, and write the prepared corpus atomically."""
    if not sources:
        raise ValueError("no splits to prepare")
    types: dict[str, int] = {}
    with atomic_directory(out_dir) as staging:
        scratch = staging / ".scratch"
        scratch.mkdir()
        raws = {
            name: _tokenise_split(path, tokenizer, types, scratch, max_lines, name) for name, path in sources.items()
        }
        words = list(types)
        split_counts = {name: _count(raw, len(words)) for name, raw in raws.items()}
        counts = split_counts[next(iter(sources))]
        vocab_words, vocab_counts, mapping = build_vocabulary(words, counts, vocab)
        in_vocab_type = np.zeros(len(words), dtype=bool)
        vocab_set = set(vocab_words)
        in_vocab_type[[i for i, w in enumerate(words) if w in vocab_set]] = True
        write_vocab(staging / VOCAB_FILE, vocab_words, vocab_counts)
        stats: dict[str, SplitStats] = {}
        for name, raw in raws.items():
            in_vocab = int(split_counts[name][in_vocab_type].sum())
            written = _write_split(raw, mapping, split_counts[name], staging, name)
            stats[name] = SplitStats(
                lines=len(raw.line_lengths),
                tokens=raw.n_tokens,
                types=int((split_counts[name] > 0).sum()),
                in_vocab=in_vocab,
                coverage=in_vocab / raw.n_tokens if raw.n_tokens else 0.0,
                written=written,
            )
        for raw in raws.values():
            raw.ids_path.unlink()
        scratch.rmdir()
    return CorpusStats(vocab_size=len(vocab_words), splits=stats)
