"""The co-occurrence stage: a prepared corpus in, ``X`` as a ``.npz`` and its statistics as JSON out.

With one shard the matrix goes straight from memory into the file. With several, each shard's columns and
values are appended to two spill files beside the target (Stanford's cooccur does the same with its overflow
files) and released, so the counting never holds more than one shard; the spills are then streamed into the
``.npz``. Shards are row ranges, so this "merge" is a concatenation: nothing is re-sorted or re-summed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from wordlab.corpus.format import PreparedCorpus
from wordlab.embeddings.cooccurrence.config import CooccurrenceConfig
from wordlab.embeddings.cooccurrence.counting import (
    CooccurrenceStats,
    count_shard,
    indptr_from_counts,
    make_plan,
    stats_for,
)
from wordlab.embeddings.cooccurrence.store import save_csr_npz, spilled
from wordlab.embeddings.native.threads import numba_threads
from wordlab.io import write_json_atomic


def write_cooccurrences(
    corpus_dir: str | Path,
    matrix_path: str | Path,
    stats_path: str | Path | None = None,
    config: CooccurrenceConfig | None = None,
) -> CooccurrenceStats:
    """Count X over one split of a prepared corpus; write it (CSR ``.npz``) and its stats (JSON) atomically."""
    config = config or CooccurrenceConfig()
    corpus = PreparedCorpus.load(corpus_dir)
    matrix_path = Path(matrix_path)
    matrix_path.parent.mkdir(parents=True, exist_ok=True)
    tokens, offsets = corpus.tokens(config.split), corpus.line_offsets(config.split)
    vocab_size = corpus.vocab_size
    shape = (vocab_size, vocab_size)
    with numba_threads(config.threads) as threads:
        plan = make_plan(
            tokens,
            offsets,
            vocab_size,
            window=config.window,
            weighting=config.weighting,
            memory_budget=config.memory_budget,
            threads=threads,
        )
        nnz_per_row = np.zeros(vocab_size, dtype=np.int64)
        if len(plan.shards) == 1:
            piece = count_shard(plan, *plan.shards[0])
            nnz_per_row[:] = np.diff(piece.indptr)
            save_csr_npz(matrix_path, shape, indptr_from_counts(nnz_per_row), [piece.indices], [piece.data])
            del piece
        else:
            with (
                tempfile.TemporaryDirectory(dir=matrix_path.parent, prefix=f".{matrix_path.name}.") as spill_dir,
                open(Path(spill_dir) / "indices.bin", "w+b") as index_spill,
                open(Path(spill_dir) / "data.bin", "w+b") as data_spill,
            ):
                for lo, hi in plan.shards:
                    piece = count_shard(plan, lo, hi)
                    nnz_per_row[lo:hi] = np.diff(piece.indptr)
                    piece.indices.tofile(index_spill)
                    piece.data.tofile(data_spill)
                    del piece
                index_spill.flush()
                data_spill.flush()
                save_csr_npz(
                    matrix_path, shape, indptr_from_counts(nnz_per_row), spilled(index_spill), spilled(data_spill)
                )
    stats = stats_for(plan, int(nnz_per_row.sum()), config.memory_budget)
    if stats_path is not None:
        write_json_atomic(stats_path, stats.to_dict())
    return stats
