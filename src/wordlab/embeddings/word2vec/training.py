"""The Python face of the word2vec kernel: configuration, model state, chunked training, checkpoints.

A run is a sequence of chunks (ranges of lines). ``train_chunk`` is the unit a LightningModule calls once per
step; it is given the learning rates at the chunk's first and last token, so the linear decay runs across the
whole run however it is cut, and a seed, so the randomness of a chunk depends only on the run's seed and where
the chunk lies in the run (:func:`chunk_seed`). A checkpoint therefore needs only (V, U, counts, config,
progress): resuming replays exactly the chunks that were not trained.

Inside a chunk the lines are cut into blocks of about ``block_words`` tokens that worker threads take in order
from a shared counter (dynamic scheduling, like gensim's job queue, so a descheduled thread does not hold up the
other). Each block has its own generator, seeded from the chunk seed and the block's index, and its own slice of
the chunk's learning-rate ramp; with ``threads=1`` a run is bit-for-bit reproducible.

The lines are first rearranged so that ``streams`` parts of the corpus are read side by side
(:func:`stream_blocks`), as word2vec.c's threads and gensim's ``corpus_file`` workers each read their own part of
the file. With the corpus in its own order, 2 threads took neighbouring blocks of one place, and skip-gram scored
below gensim's 2 workers on the analogies (issue #14; the README's benchmark notes give the figures).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from wordlab.embeddings.word2vec import kernel
from wordlab.embeddings.word2vec.config import (
    Architecture,
    CbowUpdate,
    InitialVectors,
    RateSchedule,
    SigmoidRule,
    SkipgramUpdate,
    Word2VecConfig,
    Word2VecLoss,
)
from wordlab.embeddings.word2vec.huffman import build_huffman_tree
from wordlab.embeddings.word2vec.sampling import alias_table, mix_seed, noise_weights, subsample_thresholds
from wordlab.embeddings.word2vec.sigmoid_table import sigmoid_table
from wordlab.io import atomic_path

_LOSS_KIND = {
    Word2VecLoss.negative_sampling: kernel.LOSS_NEGATIVE,
    Word2VecLoss.hierarchical_softmax: kernel.LOSS_HIERARCHICAL,
    Word2VecLoss.softmax: kernel.LOSS_SOFTMAX,
}
_SIGMOID_RULE = {
    SigmoidRule.exact: kernel.SIGMOID_EXACT,
    SigmoidRule.gensim: kernel.SIGMOID_SKIP,
    SigmoidRule.word2vec: kernel.SIGMOID_CLAMP,
}


@dataclass(frozen=True)
class SamplingTables:
    """Everything the kernel looks up per token, derived from the counts and the config alone."""

    sample_thresholds: np.ndarray
    noise: np.ndarray
    points: np.ndarray
    codes: np.ndarray
    lengths: np.ndarray
    sigmoid: np.ndarray | None  # word2vec.c's sigma table in the vectors' dtype under the table rules, else None

    @classmethod
    def build(cls, counts: np.ndarray, config: Word2VecConfig) -> SamplingTables:
        noise = np.zeros((1, 2), np.uint32)
        points, codes, lengths = np.zeros((1, 1), np.int32), np.zeros((1, 1), np.int8), np.zeros(1, np.int32)
        if config.loss is Word2VecLoss.negative_sampling:
            noise = alias_table(noise_weights(counts, config.noise_power))
        elif config.loss is Word2VecLoss.hierarchical_softmax:
            tree = build_huffman_tree(counts)
            points, codes, lengths = tree.points, tree.codes, tree.lengths
        sigmoid = None if config.sigmoid_rule is SigmoidRule.exact else sigmoid_table(np.dtype(config.dtype))
        return cls(subsample_thresholds(counts, config.sample), noise, points, codes, lengths, sigmoid)


@dataclass
class Word2VecState:
    """The trained parameters and their lookup tables. ``V`` are the word vectors users keep."""

    config: Word2VecConfig
    counts: np.ndarray
    V: np.ndarray  # (vocab, dim) input vectors
    U: np.ndarray  # (vocab, dim) output vectors, or (vocab - 1, dim) Huffman-node vectors
    tables: SamplingTables = field(repr=False)

    @classmethod
    def create(cls, counts: np.ndarray, config: Word2VecConfig) -> Word2VecState:
        """V uniform in (-0.5/dim, 0.5/dim) (word2vec.c) or (-1/dim, 1/dim) (gensim 4), U zeros."""
        counts = np.asarray(counts, dtype=np.int64)
        rng = np.random.default_rng(config.seed)
        shape = (len(counts), config.dim)
        if config.initial_vectors is InitialVectors.gensim:  # gensim's prep_vectors: its draws and float32 steps
            V = ((rng.random(shape, dtype=np.float32) * 2.0 - 1.0) / config.dim).astype(config.dtype)
        else:
            V = ((rng.random(shape) - 0.5) / config.dim).astype(config.dtype)
        n_out = len(counts) - 1 if config.loss is Word2VecLoss.hierarchical_softmax else len(counts)
        U = np.zeros((n_out, config.dim), dtype=config.dtype)
        return cls(config, counts, V, U, SamplingTables.build(counts, config))


@dataclass(frozen=True)
class ChunkResult:
    loss_sum: float  # summed over predictions (0 when config.compute_loss is off)
    words_trained: int  # centre positions trained (tokens kept by subsampling)
    examples: int  # predictions: (centre, context) pairs for skip-gram, centre words for CBOW
    raw_words: int  # corpus tokens of the chunk, what throughput is counted in (as gensim's raw words)
    seconds: float

    @property
    def mean_loss(self) -> float:
        return self.loss_sum / max(self.examples, 1)


def chunk_seed(run_seed: int, epoch: int, start_line: int) -> int:
    """The seed of the chunk that starts at ``start_line`` in ``epoch``: independent of how the run is cut."""
    return mix_seed(run_seed, epoch, start_line)


def alpha_at(config: Word2VecConfig, epoch: int, epoch_words_done: int, epoch_words: int) -> float:
    """The rate after ``epoch_words_done`` of ``epoch``'s words, floored at ``alpha * min_alpha_ratio``.

    ``run``: linear over the run (word2vec.c). ``stream``: each stream's progress counts as its share of the epoch
    over the whole epoch, as each of gensim's ``corpus_file`` workers counts its part of the file.
    """
    alpha = config.learning_rate
    if config.rate_schedule is RateSchedule.stream:
        done = epoch + epoch_words_done / max(epoch_words, 1) / config.stream_count
        return alpha * max(1.0 - done / config.epochs, config.min_alpha_ratio)
    words_done = epoch * epoch_words + epoch_words_done
    return alpha * max(1.0 - words_done / max(epoch_words * config.epochs, 1), config.min_alpha_ratio)


def chunk_alphas(config: Word2VecConfig, offsets: np.ndarray, epoch: int, start: int, end: int) -> tuple[float, float]:
    """The rates at the first and the last token of lines [start, end) of ``epoch`` (``offsets`` in reading order)."""
    epoch_words = int(offsets[-1] - offsets[0])
    before, after = int(offsets[start] - offsets[0]), int(offsets[end] - offsets[0])
    return alpha_at(config, epoch, before, epoch_words), alpha_at(config, epoch, after, epoch_words)


def train_chunk(
    state: Word2VecState,
    tokens: np.ndarray,
    line_offsets: np.ndarray,
    start_line: int,
    end_line: int,
    alpha_start: float,
    alpha_end: float,
    seed: int,
) -> ChunkResult:
    """Train lines [start_line, end_line) in place, the rate going linearly from alpha_start to alpha_end."""
    config = state.config
    tokens = np.ascontiguousarray(tokens, dtype=np.int32)
    offsets = np.ascontiguousarray(line_offsets, dtype=np.int64)
    if not 0 <= start_line <= end_line < len(offsets):
        raise ValueError(f"lines [{start_line}, {end_line}) outside the corpus's {len(offsets) - 1} lines")
    began = time.perf_counter()
    bounds = _block_bounds(offsets, start_line, end_line, config.block_words)
    first, span = int(offsets[start_line]), max(int(offsets[end_line] - offsets[start_line]), 1)
    ramp = alpha_start + (alpha_end - alpha_start) * (offsets[bounds] - first) / span
    tallies = np.zeros((len(bounds) - 1, kernel.OUT_SIZE), dtype=np.float64)
    tables = state.tables

    def run_block(block: int) -> None:
        kernel.train_lines(
            state.V, state.U, tokens, offsets, int(bounds[block]), int(bounds[block + 1]),
            config.architecture is Architecture.skipgram, config.sg_update is SkipgramUpdate.pairwise,
            config.cbow_update is CbowUpdate.gradient, _SIGMOID_RULE[config.sigmoid_rule], tables.sigmoid,
            _LOSS_KIND[config.loss], config.window, config.negatives,
            tables.sample_thresholds, tables.noise, tables.points, tables.codes, tables.lengths,
            config.max_sentence_len, float(ramp[block]), float(ramp[block + 1]),
            np.uint64(mix_seed(seed, block)), config.compute_loss, tallies[block],
        )  # fmt: skip

    _run_in_threads(run_block, len(bounds) - 1, config.threads)
    total = tallies.sum(axis=0)
    return ChunkResult(
        loss_sum=float(total[kernel.OUT_LOSS]),
        words_trained=int(total[kernel.OUT_WORDS]),
        examples=int(total[kernel.OUT_EXAMPLES]),
        raw_words=int(offsets[end_line] - offsets[start_line]),
        seconds=time.perf_counter() - began,
    )


def _block_bounds(offsets: np.ndarray, start_line: int, end_line: int, block_words: int) -> np.ndarray:
    """Line indices cutting [start_line, end_line) into runs of about ``block_words`` tokens."""
    first, last = int(offsets[start_line]), int(offsets[end_line])
    targets = np.arange(first, last, max(block_words, 1), dtype=np.int64)[1:]
    cuts = start_line + np.searchsorted(offsets[start_line : end_line + 1], targets, side="left")
    return np.unique(np.concatenate([[start_line], cuts, [end_line]])).astype(np.int64)


def _run_in_threads(work: Callable[[int], None], n_items: int, n_threads: int) -> None:
    """Run ``work(i)`` for every i in order of a shared counter; the kernel releases the GIL, so threads overlap."""
    counter = itertools.count()
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker() -> None:
        while not errors:
            with lock:
                item = next(counter)
            if item >= n_items:
                return
            try:
                work(item)
            except BaseException as error:
                errors.append(error)
                return

    n_threads = min(n_threads, n_items)
    if n_threads <= 1:
        worker()
    else:
        threads = [threading.Thread(target=worker, name=f"word2vec-{i}", daemon=True) for i in range(n_threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]


@dataclass
class Progress:
    """Where a run stands: the next line to train in ``epoch``, and the raw words trained so far."""

    epoch: int = 0
    line: int = 0
    words_done: int = 0

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


def plan_chunks(line_offsets: np.ndarray, chunk_words: int) -> np.ndarray:
    """Line boundaries cutting an epoch into chunks of about ``chunk_words`` tokens (first 0, last n_lines)."""
    return _block_bounds(np.asarray(line_offsets, dtype=np.int64), 0, len(line_offsets) - 1, chunk_words)


def stream_blocks(line_offsets: np.ndarray, streams: int, block_words: int) -> np.ndarray:
    """The (start line, end line) runs of the corpus in the order training reads them.

    The corpus is cut into ``streams`` contiguous parts of about equal words, each part into runs of about
    ``block_words`` tokens, and the parts are read side by side, a run of each in turn (A0 B0 A1 B1 ...). That is
    how gensim's ``corpus_file`` mode meets the corpus: each of its workers reads its own part of the file, so at
    any moment the model learns from several distant places. One stream is the corpus in its own order.
    """
    offsets = np.asarray(line_offsets, dtype=np.int64)
    n_lines = len(offsets) - 1
    targets = offsets[0] + (offsets[-1] - offsets[0]) * np.arange(1, streams) / streams
    cuts = np.searchsorted(offsets, targets, side="left")
    edges = np.unique(np.concatenate([[0], cuts, [n_lines]])).astype(np.int64)
    parts = [
        _block_bounds(offsets, int(a), int(b), block_words) for a, b in itertools.pairwise(edges.tolist()) if b > a
    ]
    runs: list[tuple[int, int]] = []
    for i in range(max((len(part) - 1 for part in parts), default=0)):
        runs.extend((int(part[i]), int(part[i + 1])) for part in parts if i + 1 < len(part))
    return np.array(runs, dtype=np.int64).reshape(-1, 2)


def in_stream_order(
    tokens: np.ndarray, line_offsets: np.ndarray, config: Word2VecConfig
) -> tuple[np.ndarray, np.ndarray]:
    """The corpus rearranged in :func:`stream_blocks`' order (a copy; the same arrays with one stream).

    Every line once, each whole, so the vocabulary, the counts and a line's windows are unchanged; only the order
    of the lines is. The rearrangement depends on the corpus and the config alone, so a checkpoint's line numbers
    mean the same lines when a run resumes.
    """
    offsets = np.ascontiguousarray(line_offsets, dtype=np.int64)
    tokens = np.ascontiguousarray(tokens, dtype=np.int32)
    if config.stream_count == 1 or len(offsets) < 2:
        return tokens, offsets
    runs = stream_blocks(offsets, config.stream_count, config.block_words)
    pieces = [tokens[offsets[a] : offsets[b]] for a, b in runs.tolist()]
    lengths = [np.diff(offsets[a : b + 1]) for a, b in runs.tolist()]
    new_offsets = np.concatenate([[0], np.cumsum(np.concatenate(lengths))]).astype(np.int64)
    return np.ascontiguousarray(np.concatenate(pieces), dtype=np.int32), new_offsets


def train(
    state: Word2VecState,
    tokens: np.ndarray,
    line_offsets: np.ndarray,
    progress: Progress | None = None,
    chunk_words: int = 1_000_000,
    on_chunk: Callable[[Progress, ChunkResult], bool | None] | None = None,
) -> Progress:
    """Train the whole run (or its remainder after ``progress``); ``on_chunk`` returning False stops early.

    This is the loop a LightningModule would run one chunk per step; the benchmark and the tests use it. The corpus
    is read in :func:`in_stream_order`, so ``progress.line`` counts lines in that order.
    """
    config = state.config
    tokens, offsets = in_stream_order(tokens, line_offsets, config)
    progress = dataclasses.replace(progress) if progress is not None else Progress()
    bounds = plan_chunks(offsets, chunk_words)
    while progress.epoch < config.epochs:
        for start, end in itertools.pairwise(bounds):
            if end <= progress.line:
                continue
            start = max(int(start), progress.line)
            words = int(offsets[end] - offsets[start])
            alpha, end_alpha = chunk_alphas(config, offsets, progress.epoch, start, int(end))
            seed = chunk_seed(config.seed, progress.epoch, start)
            result = train_chunk(state, tokens, offsets, start, int(end), alpha, end_alpha, seed)
            progress.line = int(end)
            progress.words_done += words
            if on_chunk is not None and on_chunk(progress, result) is False:
                return progress
        progress.epoch += 1
        progress.line = 0
    return progress


def save_checkpoint(path: str | Path, state: Word2VecState, progress: Progress) -> None:
    """V, U, counts, config and progress in one .npz, written atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(
            handle,
            V=state.V,
            U=state.U,
            counts=state.counts,
            config=np.array(json.dumps(dataclasses.asdict(state.config))),
            progress=np.array(json.dumps(progress.as_dict())),
        )


def load_checkpoint(path: str | Path) -> tuple[Word2VecState, Progress]:
    with np.load(path) as data:
        config = Word2VecConfig(**json.loads(str(data["config"])))
        counts = data["counts"]
        state = Word2VecState(config, counts, data["V"].copy(), data["U"].copy(), SamplingTables.build(counts, config))
        progress = Progress(**json.loads(str(data["progress"])))
    return state, progress
