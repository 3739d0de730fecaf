"""GloVe training end to end: planted neighbours come out nearest, resuming is exact, shuffles are uniform."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from wordlab.embeddings.cooccurrence.counting import count_cooccurrences
from wordlab.embeddings.glove.config import GloveConfig
from wordlab.embeddings.glove.pairs import GlovePairs
from wordlab.embeddings.glove.shuffle import shuffle_records
from wordlab.embeddings.glove.state import GloveState
from wordlab.embeddings.glove.training import epoch_pairs, initial_state, train, train_epoch, training_pairs

GROUPS, GROUP_SIZE, SHARED = 6, 6, 4


def planted_corpus(seed: int = 0) -> tuple[np.ndarray, np.ndarray, int]:
    """Lines drawn mostly from one group of words, plus stray words of any group and a few words that every
    line uses (like "the", "of"): words of a group co-occur often, others rarely."""
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(900):
        group = rng.integers(GROUPS)
        words = SHARED + group * GROUP_SIZE + rng.integers(0, GROUP_SIZE, 10)
        strays = SHARED + rng.integers(0, GROUPS * GROUP_SIZE, 3)
        shared = rng.integers(0, SHARED, 5)
        line = np.concatenate([words, strays, shared])
        rng.shuffle(line)
        lines.append(line)
    tokens = np.concatenate(lines).astype(np.int32)
    offsets = np.arange(0, len(tokens) + 1, 18, dtype=np.int64)
    return tokens, offsets, SHARED + GROUPS * GROUP_SIZE


def test_planted_neighbours_come_out_nearest() -> None:
    tokens, offsets, vocab_size = planted_corpus()
    matrix, _ = count_cooccurrences(tokens, offsets, vocab_size, window=5)
    config = GloveConfig(dim=12, epochs=25, x_max=10.0, threads=1, seed=3)
    state = initial_state(config, vocab_size)
    history = train(state, training_pairs(config, matrix), config)
    assert history[-1].mean_loss < 0.5 * history[0].mean_loss
    vectors = state.vectors()
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cosine = unit @ unit.T
    np.fill_diagonal(cosine, -np.inf)
    cosine[:, :SHARED] = -np.inf  # neighbours among the group words
    group = (np.arange(vocab_size) - SHARED) // GROUP_SIZE
    nearest = cosine.argmax(axis=1)
    planted = np.arange(SHARED, vocab_size)
    np.testing.assert_array_equal(group[nearest[planted]], group[planted])


def test_resuming_from_a_checkpoint_reproduces_an_uninterrupted_run(tmp_path: Path) -> None:
    tokens, offsets, vocab_size = planted_corpus(seed=1)
    matrix, _ = count_cooccurrences(tokens, offsets, vocab_size, window=4)
    config = GloveConfig(dim=6, epochs=4, threads=1, dtype="float64", seed=11)
    pairs = training_pairs(config, matrix)
    straight = initial_state(config, vocab_size)
    train(straight, pairs, config)

    interrupted = initial_state(config, vocab_size)
    halfway = replace(config, epochs=2)
    train(interrupted, pairs, halfway, checkpoint=tmp_path / "glove.npz")
    resumed = GloveState.load(tmp_path / "glove.npz")
    assert resumed.epochs == 2
    train(resumed, pairs, config, checkpoint=tmp_path / "glove.npz")
    assert resumed.epochs == straight.epochs == 4
    for name, value in straight.arrays().items():
        np.testing.assert_array_equal(getattr(resumed, name), value, err_msg=name)


def test_each_epoch_sees_a_different_permutation_of_the_same_nonzeros() -> None:
    rng = np.random.default_rng(2)
    pairs = GlovePairs.from_coo(rng.integers(0, 50, 5000), rng.integers(0, 50, 5000), rng.uniform(1, 9, 5000))
    config = GloveConfig(seed=5)
    first, again, second = (epoch_pairs(pairs, config, e) for e in (0, 0, 1))
    key = lambda p: np.sort(p.records.view(np.int64).ravel())  # noqa: E731
    np.testing.assert_array_equal(key(first), key(pairs))
    np.testing.assert_array_equal(first.records, again.records)
    assert not np.array_equal(first.records, second.records)


def test_bucketed_shuffle_is_uniform() -> None:
    # 64 records dealt into 8 buckets, then shuffled within them: over many seeds every record must land in
    # every position equally often (chi-square on the 64 x 64 table of counts).
    n, seeds = 64, 600
    source = np.arange(n).astype(np.complex128)  # the dtype records travel as (one compiled specialisation)
    target = np.empty_like(source)
    positions = np.zeros((n, n), dtype=np.int64)
    for seed in range(seeds):
        shuffle_records(source, target, seed, 8)
        positions[target.real.astype(np.int64), np.arange(n)] += 1
    assert np.all(positions.sum(axis=0) == seeds)  # a permutation every time
    expected = seeds / n
    chi2 = ((positions - expected) ** 2 / expected).sum()
    assert stats.chi2.sf(chi2, df=(n - 1) ** 2) > 1e-4


def test_state_round_trips_and_publishes_u_plus_v(tmp_path: Path) -> None:
    state = GloveState.initialize(5, 3, seed=1)
    state.epochs = 7
    state.save(tmp_path / "s.npz")
    loaded = GloveState.load(tmp_path / "s.npz")
    assert loaded.epochs == 7
    for name, value in state.arrays().items():
        np.testing.assert_array_equal(getattr(loaded, name), value)
    np.testing.assert_array_equal(loaded.vectors("sum"), state.W + state.W_ctx)
    np.testing.assert_array_equal(loaded.vectors("word"), state.W)
    assert [p.name for p in tmp_path.iterdir()] == ["s.npz"]


def test_train_epoch_counts_epochs_and_reports_throughput() -> None:
    pairs = GlovePairs.from_coo(np.array([0, 1, 2]), np.array([1, 2, 0]), np.array([1.0, 2.0, 3.0]))
    config = GloveConfig(dim=2, threads=1)
    state = initial_state(config, 3)
    result = train_epoch(state, pairs, config)
    assert state.epochs == 1 and result.pairs == 3 and result.pairs_per_second > 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dim": 0}, "dim must be positive"),
        ({"x_max": 0.0}, "x_max must be a positive number"),
        ({"learning_rate": float("nan")}, "learning_rate must be a positive number"),
        ({"alpha": -1.0}, "alpha must be non-negative"),
        ({"objective": "cosine"}, "cosine"),
        ({"dtype": "float16"}, "dtype must be float32 or float64"),
        ({"threads": 0}, "threads must be positive"),
    ],
)
def test_bad_config_is_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GloveConfig(**kwargs)


def test_bad_nonzeros_and_checkpoints_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="finite and positive"):
        GlovePairs.from_coo(np.array([0]), np.array([1]), np.array([0.0]))
    with pytest.raises(ValueError, match="one length"):
        GlovePairs.from_coo(np.array([0, 1]), np.array([1]), np.array([1.0]))
    np.savez(tmp_path / "other.npz", W=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="not a GloVe checkpoint"):
        GloveState.load(tmp_path / "other.npz")
