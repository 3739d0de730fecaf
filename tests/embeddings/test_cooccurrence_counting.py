"""Co-occurrence counting against the textbook table, a brute-force count, and itself under sharding."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wordlab.embeddings.cooccurrence.counting import count_cooccurrences, make_plan, total_weight
from wordlab.embeddings.cooccurrence.shards import fixed_bytes, row_bytes


def encode(lines: list[list[str]], vocabulary: list[str]) -> tuple[np.ndarray, np.ndarray]:
    index = {word: i for i, word in enumerate(vocabulary)}
    tokens = np.array([index[word] for line in lines for word in line], dtype=np.int32)
    offsets = np.cumsum([0] + [len(line) for line in lines]).astype(np.int64)
    return tokens, offsets


def brute_force(lines: list[list[int]], vocab_size: int, window: int, harmonic: bool) -> np.ndarray:
    """The definition, one pair at a time: j within ``window`` words of i on the same line adds 1 (or 1/d)."""
    counts = [[0.0] * vocab_size for _ in range(vocab_size)]
    for line in lines:
        for p, centre in enumerate(line):
            for q, context in enumerate(line):
                d = abs(p - q)
                if 1 <= d <= window:
                    counts[centre][context] += 1.0 / d if harmonic else 1.0
    return np.array(counts)


def zipf_corpus(seed: int, n_lines: int, vocab_size: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 40, n_lines)
    ids = np.minimum(rng.zipf(1.3, int(lengths.sum())) - 1, vocab_size - 1).astype(np.int32)
    return ids, np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)


def test_textbook_table_window_1_plain_counts() -> None:
    vocabulary = ["I", "like", "enjoy", "deep", "learning", "NLP", "flying", "."]
    lines = [s.split() for s in ["I like deep learning .", "I like NLP .", "I enjoy flying ."]]
    tokens, offsets = encode(lines, vocabulary)
    expected = np.array(
        [
            [0, 2, 1, 0, 0, 0, 0, 0],
            [2, 0, 0, 1, 0, 1, 0, 0],
            [1, 0, 0, 0, 0, 0, 1, 0],
            [0, 1, 0, 0, 1, 0, 0, 0],
            [0, 0, 0, 1, 0, 0, 0, 1],
            [0, 1, 0, 0, 0, 0, 0, 1],
            [0, 0, 1, 0, 0, 0, 0, 1],
            [0, 0, 0, 0, 1, 1, 1, 0],
        ],
        dtype=np.float64,
    )
    matrix, stats = count_cooccurrences(tokens, offsets, len(vocabulary), window=1, weighting="plain")
    np.testing.assert_array_equal(matrix.toarray(), expected)
    assert stats.nonzeros == np.count_nonzero(expected)
    assert stats.total_weight == expected.sum()


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(st.lists(st.integers(0, 6), max_size=12), max_size=8),
    window=st.integers(1, 6),
    harmonic=st.booleans(),
)
def test_matches_brute_force(lines: list[list[int]], window: int, harmonic: bool) -> None:
    vocab_size = 7
    tokens = np.array([w for line in lines for w in line], dtype=np.int32)
    offsets = np.cumsum([0] + [len(line) for line in lines]).astype(np.int64)
    weighting = "harmonic" if harmonic else "plain"
    matrix, stats = count_cooccurrences(tokens, offsets, vocab_size, window=window, weighting=weighting)
    expected = brute_force(lines, vocab_size, window, harmonic)
    np.testing.assert_allclose(matrix.toarray(), expected, rtol=1e-12, atol=0)
    assert matrix.has_sorted_indices and np.all(matrix.data > 0)  # no explicit zeros
    assert stats.nonzeros == np.count_nonzero(expected)
    assert stats.total_weight == pytest.approx(expected.sum(), rel=1e-12)


def test_total_weight_from_line_lengths_matches_matrix_sum() -> None:
    tokens, offsets = zipf_corpus(1, 300, 400)
    matrix, stats = count_cooccurrences(tokens, offsets, 400, window=10)
    assert stats.total_weight == pytest.approx(matrix.sum(), rel=1e-12)
    assert stats.total_weight == pytest.approx(total_weight(offsets, 10, "harmonic"), rel=0)


def test_tiny_budget_shards_give_the_same_matrix_bit_for_bit() -> None:
    vocab_size = 400
    tokens, offsets = zipf_corpus(2, 400, vocab_size)
    one, one_stats = count_cooccurrences(tokens, offsets, vocab_size, window=5, memory_budget=1 << 30)
    plan = make_plan(tokens, offsets, vocab_size, window=5, weighting="harmonic", memory_budget=1 << 30, threads=2)
    # A budget that fits the fixed part and a quarter of the rows' bound forces several shards.
    budget = fixed_bytes(len(tokens), vocab_size, 2) + int(row_bytes(plan.record_counts).sum()) // 4
    sharded, sharded_stats = count_cooccurrences(tokens, offsets, vocab_size, window=5, memory_budget=budget, threads=2)
    assert one_stats.shards == 1
    assert sharded_stats.shards >= 3
    np.testing.assert_array_equal(sharded.indptr, one.indptr)
    np.testing.assert_array_equal(sharded.indices, one.indices)
    np.testing.assert_array_equal(sharded.data, one.data)


def test_thread_count_does_not_change_the_matrix() -> None:
    tokens, offsets = zipf_corpus(3, 300, 300)
    single, _ = count_cooccurrences(tokens, offsets, 300, window=8, threads=1)
    double, _ = count_cooccurrences(tokens, offsets, 300, window=8, threads=2)
    np.testing.assert_array_equal(single.indices, double.indices)
    np.testing.assert_array_equal(single.data, double.data)


def test_windows_stop_at_line_ends() -> None:
    # "a b" / "c d": with a window of 10, a and b never meet c or d.
    matrix, _ = count_cooccurrences(np.array([0, 1, 2, 3]), np.array([0, 2, 4]), 4, window=10, weighting="plain")
    assert matrix[0, 2] == matrix[1, 3] == matrix[0, 3] == 0
    assert matrix[0, 1] == matrix[2, 3] == 1


def test_a_word_repeated_in_its_window_counts_on_the_diagonal_both_ways() -> None:
    # Stanford cooccur (symmetric): the pair (x, x) at distance 2 adds 1/2 to X_xx from each side.
    matrix, _ = count_cooccurrences(np.array([0, 1, 0]), np.array([0, 3]), 2, window=2)
    assert matrix[0, 0] == pytest.approx(1.0)
    assert matrix[0, 1] == matrix[1, 0] == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("tokens", "offsets", "vocab_size", "kwargs", "message"),
    [
        ([0, 5], [0, 2], 3, {}, r"token ids must lie in \[0, 3\)"),
        ([0, -1], [0, 2], 3, {}, r"token ids must lie in"),
        ([0, 1], [0, 1], 3, {}, "end at the token count 2"),
        ([0, 1], [1, 2], 3, {}, "start at 0"),
        ([0, 1, 2], [0, 2, 1, 3], 3, {}, "non-decreasing"),
        ([0, 1], [0, 2], 3, {"window": 0}, "window must lie in"),
        ([0, 1], [0, 2], 3, {"weighting": "gaussian"}, "gaussian"),
        ([0, 1], [0, 2], 3, {"memory_budget": 64}, "memory_budget of 64 bytes is too small"),
    ],
)
def test_bad_input_is_refused_clearly(
    tokens: list[int], offsets: list[int], vocab_size: int, kwargs: dict, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        count_cooccurrences(np.array(tokens), np.array(offsets), vocab_size, **kwargs)
