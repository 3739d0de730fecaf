"""The co-occurrence stage: files scipy reads, identical for any sharding, never half-written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from wordlab.corpus.format import write_vocab
from wordlab.embeddings.cooccurrence import build
from wordlab.embeddings.cooccurrence.build import write_cooccurrences
from wordlab.embeddings.cooccurrence.config import CooccurrenceConfig
from wordlab.embeddings.cooccurrence.counting import count_cooccurrences, make_plan
from wordlab.embeddings.cooccurrence.shards import fixed_bytes, row_bytes
from wordlab.embeddings.cooccurrence.store import load_cooccurrences

VOCAB = 300


def prepared_corpus(directory: Path, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 30, 250)
    tokens = np.minimum(rng.zipf(1.3, int(lengths.sum())) - 1, VOCAB - 1).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    directory.mkdir(parents=True, exist_ok=True)
    np.save(directory / "train.npy", tokens)
    np.save(directory / "train.lines.npy", offsets)
    counts = np.bincount(tokens, minlength=VOCAB)
    write_vocab(directory / "vocab.tsv", [f"w{i}" for i in range(VOCAB)], counts)
    return tokens, offsets


def sharding_budget(tokens: np.ndarray, offsets: np.ndarray, window: int) -> int:
    plan = make_plan(tokens, offsets, VOCAB, window=window, weighting="harmonic", memory_budget=1 << 30, threads=2)
    return fixed_bytes(len(tokens), VOCAB, 2) + int(row_bytes(plan.record_counts).sum()) // 4


def test_written_matrix_and_stats_match_the_in_memory_count(tmp_path: Path) -> None:
    tokens, offsets = prepared_corpus(tmp_path / "corpus")
    stats = write_cooccurrences(
        tmp_path / "corpus", tmp_path / "X.npz", tmp_path / "stats.json", CooccurrenceConfig(window=4)
    )
    expected, expected_stats = count_cooccurrences(tokens, offsets, VOCAB, window=4)
    written = sp.load_npz(tmp_path / "X.npz")  # plain scipy reads it
    assert written.format == "csr" and written.dtype == np.float64 and written.shape == (VOCAB, VOCAB)
    np.testing.assert_array_equal(written.toarray(), expected.toarray())
    assert stats == expected_stats
    recorded = json.loads((tmp_path / "stats.json").read_text())
    assert recorded["nonzeros"] == expected.nnz
    assert recorded["total_weight"] == pytest.approx(expected.sum(), rel=1e-12)
    assert recorded["vocab_size"] == VOCAB and recorded["tokens"] == len(tokens) and recorded["lines"] == 250


def test_sharded_stage_writes_a_byte_identical_file(tmp_path: Path) -> None:
    tokens, offsets = prepared_corpus(tmp_path / "corpus")
    whole = write_cooccurrences(tmp_path / "corpus", tmp_path / "one.npz", config=CooccurrenceConfig(window=6))
    sharded = write_cooccurrences(
        tmp_path / "corpus",
        tmp_path / "many.npz",
        config=CooccurrenceConfig(window=6, memory_budget=sharding_budget(tokens, offsets, 6), threads=2),
    )
    assert whole.shards == 1 and sharded.shards >= 3
    assert (tmp_path / "one.npz").read_bytes() == (tmp_path / "many.npz").read_bytes()
    assert load_cooccurrences(tmp_path / "many.npz").nnz == whole.nonzeros
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "many.npz", "one.npz"]  # spills removed


def test_a_count_that_fails_half_way_leaves_the_previous_output_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens, offsets = prepared_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    write_cooccurrences(tmp_path / "corpus", out / "X.npz", out / "stats.json")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    calls = []
    count_shard = build.count_shard

    def failing_shard(*args: object) -> object:
        calls.append(args)
        if len(calls) == 2:
            raise MemoryError("simulated failure in the second shard")
        return count_shard(*args)

    monkeypatch.setattr(build, "count_shard", failing_shard)
    config = CooccurrenceConfig(window=6, memory_budget=sharding_budget(tokens, offsets, 6), threads=2)
    with pytest.raises(MemoryError, match="second shard"):
        write_cooccurrences(tmp_path / "corpus", out / "X.npz", out / "stats.json", config)
    assert len(calls) == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no partial file, no leftover spills


def test_loading_refuses_a_matrix_that_is_not_square_csr(tmp_path: Path) -> None:
    sp.save_npz(tmp_path / "coo.npz", sp.coo_array(np.ones((2, 3))))
    with pytest.raises(ValueError, match="square CSR"):
        load_cooccurrences(tmp_path / "coo.npz")
