"""The Huffman tree, the subsampling thresholds and the noise table, each against an independent construction."""

from __future__ import annotations

import heapq
import itertools

import numpy as np
import pytest

from wordlab.embeddings.word2vec import reference as ref
from wordlab.embeddings.word2vec.huffman import build_huffman_tree
from wordlab.embeddings.word2vec.sampling import (
    ALWAYS_KEEP,
    alias_probabilities,
    alias_table,
    mix_seed,
    noise_weights,
    subsample_thresholds,
)


def _zipf_counts(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    counts = np.maximum((1e5 / np.arange(1, n + 1) ** 1.1 * rng.uniform(0.8, 1.2, n)).astype(np.int64), 1)
    return np.sort(counts)[::-1]


@pytest.mark.parametrize("counts", [_zipf_counts(500), np.array([5, 5, 5, 5, 5, 5, 5]), np.array([9, 1])])
def test_huffman_paths_have_optimal_weighted_length(counts: np.ndarray) -> None:
    """sum(count * depth) of any optimal prefix code equals the sum of all merge weights of heap-based Huffman."""
    heap = [int(c) for c in counts]
    heapq.heapify(heap)
    optimal = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        optimal += merged
        heapq.heappush(heap, merged)
    tree = build_huffman_tree(counts)
    assert int((tree.lengths.astype(np.int64) * counts).sum()) == optimal


def test_huffman_codes_are_prefix_free_and_rooted() -> None:
    counts = _zipf_counts(300, seed=1)
    tree = build_huffman_tree(counts)
    codes = ["".join(map(str, tree.path(w)[1])) for w in range(len(counts))]
    assert len(set(codes)) == len(codes)
    ordered = sorted(codes)
    assert not any(b.startswith(a) for a, b in itertools.pairwise(ordered))
    assert np.all(tree.points[:, 0] == len(counts) - 2)  # every path starts at the root
    used = np.concatenate([tree.path(w)[0] for w in range(len(counts))])
    assert set(used.tolist()) == set(range(len(counts) - 1))  # every internal node owns one output row


def test_hierarchical_softmax_is_a_distribution() -> None:
    """With any output vectors, the path probabilities over all leaves sum to one."""
    counts = _zipf_counts(64, seed=2)
    tree = build_huffman_tree(counts)
    rng = np.random.default_rng(0)
    U, v = rng.normal(0, 1, (len(counts) - 1, 8)), rng.normal(0, 1, 8)
    total = sum(np.exp(-ref.hierarchical_softmax(v, U, *tree.path(w)).loss) for w in range(len(counts)))
    assert total == pytest.approx(1.0, abs=1e-12)


def test_huffman_tree_refuses_unsorted_counts() -> None:
    with pytest.raises(ValueError, match="descending"):
        build_huffman_tree(np.array([1, 5, 3]))


def test_subsampling_thresholds_match_gensim() -> None:
    """gensim computes the same keep probabilities independently (its ``sample_int`` scales by 2^32 - 1)."""
    from gensim.models import Word2Vec

    counts = _zipf_counts(2000, seed=3)
    words = [f"w{i}" for i in range(len(counts))]
    model = Word2Vec(sample=1e-3, min_count=1)
    model.build_vocab_from_freq(dict(zip(words, counts.tolist(), strict=True)))
    theirs = np.array([model.wv.get_vecattr(w, "sample_int") for w in words], dtype=np.float64) / (2**32 - 1)
    ours = np.minimum(subsample_thresholds(counts, 1e-3).astype(np.float64), 2**32) / 2**32
    assert (ours < 1).sum() > 10  # the check exercises the formula, not only the cap
    np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-9)


def test_sample_zero_keeps_everything() -> None:
    assert np.all(subsample_thresholds(np.array([10**9, 1]), 0.0) == ALWAYS_KEEP)


@pytest.mark.parametrize(
    "weights", [noise_weights(_zipf_counts(1000, seed=4)), np.array([0.0, 1.0, 0.0, 3.0]), np.ones(7)]
)
def test_alias_table_samples_the_weights(weights: np.ndarray) -> None:
    table = alias_table(weights)
    np.testing.assert_allclose(alias_probabilities(table), weights / weights.sum(), rtol=1e-7, atol=1e-12)


def test_mix_seed_is_deterministic_and_spread() -> None:
    seeds = {mix_seed(1, epoch, line) for epoch in range(5) for line in range(200)}
    assert len(seeds) == 1000
    assert mix_seed(1, 2, 3) == mix_seed(1, 2, 3) != mix_seed(1, 3, 2)
    assert all(0 <= s < 2**48 for s in seeds)
