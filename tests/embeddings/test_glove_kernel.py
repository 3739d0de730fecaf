"""The numba GloVe kernel against the numpy specification of glove.c's step, and its Hogwild split."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
import scipy.sparse as sp

from wordlab.embeddings.glove import reference as reference
from wordlab.embeddings.glove.config import GloveConfig
from wordlab.embeddings.glove.pairs import GlovePairs
from wordlab.embeddings.glove.state import GloveState
from wordlab.embeddings.glove.training import initial_state, plan_chunks, train_chunk

PARAMS = ("W", "W_ctx", "b", "b_ctx")


def random_state(vocab_size: int, dim: int, dtype: type, seed: int) -> GloveState:
    rng = np.random.default_rng(seed)
    state = GloveState.initialize(vocab_size, dim, seed=seed, dtype=dtype)
    for name in PARAMS:  # larger than glove.c's start, so that steps are not all tiny
        getattr(state, name)[...] = rng.normal(0, 0.5, getattr(state, name).shape)
    for name in ("gradsq_W", "gradsq_W_ctx", "gradsq_b", "gradsq_b_ctx"):
        getattr(state, name)[...] = rng.uniform(1.0, 3.0, getattr(state, name).shape)
    return state


def replay_reference(state: GloveState, rows, cols, vals, config: GloveConfig) -> tuple[GloveState, float]:
    """glove.c's step, one nonzero after another, on a float64 copy of the state."""
    params = {name: getattr(state, name).astype(np.float64) for name in PARAMS}
    gradsq = {name: getattr(state, f"gradsq_{name}").astype(np.float64) for name in PARAMS}
    total = 0.0
    for i, j, x in zip(rows, cols, vals, strict=True):
        total += reference.adagrad_step(
            params,
            gradsq,
            int(i),
            int(j),
            float(x),
            objective=config.objective,
            x_max=config.x_max,
            alpha=config.alpha,
            learning_rate=config.learning_rate,
            bias_learning_rate=config.bias_learning_rate,
            grad_clip=config.grad_clip,
        )
    arrays = {**params, **{f"gradsq_{name}": value for name, value in gradsq.items()}}
    return GloveState(**arrays, epochs=state.epochs), total


def assert_states_close(actual: GloveState, expected: GloveState, rtol: float) -> None:
    for name, value in expected.arrays().items():
        np.testing.assert_allclose(getattr(actual, name), value, rtol=rtol, atol=rtol * 1e-2, err_msg=name)


# The records carry log X and the weight in float32 (16 bytes a nonzero), hence 1e-5 even for float64 state.
@pytest.mark.parametrize(
    ("kind", "dtype", "rtol"),
    [("weighted", np.float64, 1e-5), ("plain", np.float64, 1e-5), ("weighted", np.float32, 1e-4)],
)
def test_kernel_steps_match_the_numpy_adagrad_steps(kind: str, dtype: type, rtol: float) -> None:
    rng = np.random.default_rng(3)
    vocab_size, dim, n = 7, 5, 40
    rows, cols = rng.integers(0, vocab_size, n), rng.integers(0, vocab_size, n)
    rows[:4] = cols[:4] = 3  # the same word as row and column, and the same pair back to back
    vals = rng.uniform(0.5, 40.0, n)
    vals[5] = 4000.0  # weight X_ij in the plain objective: its steps hit the gradient clip
    config = GloveConfig(
        dim=dim, x_max=10.0, objective=kind, threads=1, learning_rate=0.1, grad_clip=5.0, bias_learning_rate=0.7
    )
    start = random_state(vocab_size, dim, dtype, seed=4)
    expected, expected_loss = replay_reference(start, rows, cols, vals, config)
    state = start.copy()
    pairs = GlovePairs.from_coo(rows, cols, vals, objective=kind, x_max=config.x_max, alpha=config.alpha)
    result = train_chunk(state, pairs, 0, n, config)
    assert result.pairs == n and result.skipped == 0
    assert result.loss == pytest.approx(expected_loss, rel=rtol)
    assert_states_close(state, expected, rtol)
    if kind == "plain":  # the biases take no part in the plain objective
        np.testing.assert_array_equal(state.b, start.b)
        np.testing.assert_array_equal(state.gradsq_b_ctx, start.gradsq_b_ctx)


def test_a_chunk_is_exactly_the_steps_of_its_slice() -> None:
    rng = np.random.default_rng(5)
    n = 60
    rows, cols, vals = rng.integers(0, 9, n), rng.integers(0, 9, n), rng.uniform(1, 20, n)
    config = GloveConfig(dim=3, threads=1, dtype="float64")
    pairs = GlovePairs.from_coo(rows, cols, vals, x_max=config.x_max)
    whole, pieces = initial_state(config, 9), initial_state(config, 9)
    train_chunk(whole, pairs, 0, n, config)
    bounds = plan_chunks(n, 17)
    assert bounds[0] == 0 and bounds[-1] == n and np.all(np.diff(bounds) <= 17) and len(bounds) == 5
    for start, stop in pairwise(bounds):
        train_chunk(pieces, pairs, int(start), int(stop), config)
    assert_states_close(pieces, whole, rtol=0)


def test_hogwild_threads_on_disjoint_words_equal_sequential_steps() -> None:
    # Each thread takes one contiguous half; when the halves share no word, there is nothing to race on.
    rng = np.random.default_rng(6)
    half = 3000
    rows = np.concatenate([rng.integers(0, 10, half), rng.integers(10, 20, half)])
    cols = np.concatenate([rng.integers(0, 10, half), rng.integers(10, 20, half)])
    vals = rng.uniform(0.5, 30.0, 2 * half)
    pairs = GlovePairs.from_coo(rows, cols, vals)
    sequential, parallel = (GloveConfig(dim=8, threads=t, dtype="float64") for t in (1, 2))
    one, two = initial_state(sequential, 20), initial_state(sequential, 20)
    r1 = train_chunk(one, pairs, 0, len(pairs), sequential)
    r2 = train_chunk(two, pairs, 0, len(pairs), parallel)
    assert r2.loss == pytest.approx(r1.loss, rel=1e-12)
    assert_states_close(two, one, rtol=1e-12)


def test_a_non_finite_residual_skips_the_step_as_glove_c_does() -> None:
    config = GloveConfig(dim=2, threads=1, dtype="float64")
    state = initial_state(config, 3)
    state.W[1, 0] = np.inf
    before = state.copy()
    pairs = GlovePairs.from_coo(np.array([1, 0]), np.array([2, 2]), np.array([3.0, 3.0]))
    result = train_chunk(state, pairs, 0, 2, config)
    assert result.skipped == 1
    np.testing.assert_array_equal(state.W[1], before.W[1])
    assert not np.array_equal(state.W[0], before.W[0])  # the finite one still stepped


def test_ids_beyond_the_state_are_refused() -> None:
    config = GloveConfig(dim=2, threads=1)
    pairs = GlovePairs.from_coo(np.array([0, 5]), np.array([1, 1]), np.array([2.0, 2.0]))
    with pytest.raises(ValueError, match="word id 5 but the state has 4 words"):
        train_chunk(initial_state(config, 4), pairs, 0, 2, config)
    with pytest.raises(ValueError, match="outside the 2 nonzeros"):
        train_chunk(initial_state(config, 6), pairs, 1, 3, config)


@pytest.mark.parametrize("kind", ["weighted", "plain"])
def test_records_from_a_csr_matrix_match_those_from_its_triplets(kind: str) -> None:
    rng = np.random.default_rng(7)
    dense = np.where(rng.random((30, 30)) < 0.2, rng.uniform(0.1, 50.0, (30, 30)), 0.0)
    matrix = sp.csr_array(dense)
    from_csr = GlovePairs.from_matrix(matrix, objective=kind, x_max=10.0)
    rows, cols = np.nonzero(dense)
    expected = GlovePairs.from_coo(rows, cols, dense[rows, cols], objective=kind, x_max=10.0)
    np.testing.assert_array_equal(from_csr.rows, expected.rows)  # row-major order, like np.nonzero
    np.testing.assert_array_equal(from_csr.cols, expected.cols)
    np.testing.assert_allclose(from_csr.log_x, np.log(dense[rows, cols]), rtol=1e-6)
    np.testing.assert_allclose(from_csr.weight, expected.weight, rtol=1e-6)
    assert from_csr.max_id == max(rows.max(), cols.max())
