"""Whole runs: planted structure is learnt, runs are seed-deterministic, and a resumed run ends where an
uninterrupted one would."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pytest

from wordlab.embeddings.word2vec.config import Word2VecConfig
from wordlab.embeddings.word2vec.training import (
    Progress,
    Word2VecState,
    alpha_at,
    in_stream_order,
    load_checkpoint,
    plan_chunks,
    save_checkpoint,
    stream_blocks,
    train,
    train_chunk,
)

GROUP = 12  # words 0..11 form group A, 12..23 group B


def _planted_corpus(n_lines: int = 1500, length: int = 10, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Sentences drawn from one group each: a word's only co-occurring words are those of its own group."""
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 2, n_lines)
    lines = rng.integers(0, GROUP, (n_lines, length)) + GROUP * groups[:, None]
    counts = np.bincount(lines.reshape(-1), minlength=2 * GROUP)
    order = np.argsort(-counts, kind="stable")  # ids by descending count, as a prepared vocabulary
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    tokens = rank[lines.reshape(-1)].astype(np.int32)
    offsets = np.arange(0, tokens.size + 1, length, dtype=np.int64)
    group_of_id = (order >= GROUP).astype(int)
    return tokens, offsets, counts[order], group_of_id


def _nearest_same_group(V: np.ndarray, group_of_id: np.ndarray) -> float:
    unit = V / np.linalg.norm(V, axis=1, keepdims=True)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -np.inf)
    return float(np.mean(group_of_id[similarity.argmax(axis=1)] == group_of_id))


@pytest.mark.parametrize(
    ("architecture", "loss", "threads", "cbow_update", "sg_update"),
    [
        ("skipgram", "negative_sampling", 1, "word2vec", "window"),
        ("skipgram", "negative_sampling", 1, "word2vec", "pairwise"),
        ("cbow", "negative_sampling", 2, "word2vec", "window"),
        ("cbow", "negative_sampling", 1, "gradient", "window"),
        ("skipgram", "hierarchical_softmax", 2, "word2vec", "window"),
        ("skipgram", "hierarchical_softmax", 2, "word2vec", "pairwise"),
        ("cbow", "hierarchical_softmax", 1, "word2vec", "window"),
        ("skipgram", "softmax", 1, "word2vec", "window"),
    ],
)
def test_planted_neighbours_are_nearest(
    architecture: str, loss: str, threads: int, cbow_update: str, sg_update: str
) -> None:
    tokens, offsets, counts, group_of_id = _planted_corpus()
    config = Word2VecConfig(
        dim=16, window=3, architecture=architecture, loss=loss, cbow_update=cbow_update, sg_update=sg_update,
        sample=0.0, epochs=3, threads=threads, block_words=2000,
    )  # fmt: skip
    state = Word2VecState.create(counts, config)
    assert _nearest_same_group(state.V, group_of_id) < 0.9  # random vectors do not already pass
    losses: list[float] = []
    train(state, tokens, offsets, chunk_words=3000, on_chunk=lambda p, r: losses.append(r.mean_loss))
    assert _nearest_same_group(state.V, group_of_id) == 1.0
    assert np.mean(losses[-3:]) < np.mean(losses[:3])


def test_initialisation_is_word2vecs() -> None:
    config = Word2VecConfig(dim=50, init="word2vec")
    state = Word2VecState.create(np.arange(300, 0, -1), config)
    assert state.V.dtype == np.float32 and state.V.shape == (300, 50)
    assert np.abs(state.V).max() <= 0.5 / 50 and np.abs(state.V).max() > 0.45 / 50
    assert not state.U.any()
    hs = Word2VecState.create(np.arange(300, 0, -1), dataclasses.replace(config, loss="hierarchical_softmax"))
    assert hs.U.shape == (299, 50)


def test_runs_are_reproducible_with_one_thread() -> None:
    tokens, offsets, counts, _ = _planted_corpus(400)
    config = Word2VecConfig(dim=8, window=4, epochs=2, threads=1, sample=1e-2, block_words=700)
    first, second = Word2VecState.create(counts, config), Word2VecState.create(counts, config)
    train(first, tokens, offsets, chunk_words=1000)
    train(second, tokens, offsets, chunk_words=1000)
    np.testing.assert_array_equal(first.V, second.V)
    np.testing.assert_array_equal(first.U, second.U)
    other = Word2VecState.create(counts, dataclasses.replace(config, seed=2))
    train(other, tokens, offsets, chunk_words=1000)
    assert not np.array_equal(first.V, other.V)


def test_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path: Path) -> None:
    tokens, offsets, counts, _ = _planted_corpus(400)
    config = Word2VecConfig(dim=8, window=4, epochs=3, threads=1, sample=1e-2, block_words=700)
    whole = Word2VecState.create(counts, config)
    train(whole, tokens, offsets, chunk_words=1000)

    interrupted = Word2VecState.create(counts, config)
    chunks_seen: list[int] = []
    stop_after = len(plan_chunks(offsets, 1000)) + 1  # part-way through the second epoch
    progress = train(
        interrupted, tokens, offsets, chunk_words=1000,
        on_chunk=lambda p, r: chunks_seen.append(1) or len(chunks_seen) < stop_after,
    )  # fmt: skip
    assert progress.epoch == 1 and 0 < progress.line < len(offsets) - 1
    save_checkpoint(tmp_path / "w2v.npz", interrupted, progress)
    del interrupted

    restored, restored_progress = load_checkpoint(tmp_path / "w2v.npz")
    assert restored_progress == progress and restored.config == config
    final = train(restored, tokens, offsets, progress=restored_progress, chunk_words=1000)
    assert final == Progress(epoch=3, line=0, words_done=3 * int(offsets[-1]))
    np.testing.assert_array_equal(restored.V, whole.V)
    np.testing.assert_array_equal(restored.U, whole.U)


def test_long_lines_are_cut_like_separate_sentences() -> None:
    """A 25-token line with max_sentence_len 10 trains as the lines [10, 10, 5] (windows never cross a cut)."""
    rng = np.random.default_rng(3)
    tokens = rng.integers(0, 20, 25).astype(np.int32)
    counts = np.sort(np.bincount(tokens, minlength=20) + 1)[::-1]
    config = Word2VecConfig(dim=6, window=5, sample=0.0, threads=1, max_sentence_len=10, loss="hierarchical_softmax")
    long_line, cut = Word2VecState.create(counts, config), Word2VecState.create(counts, config)
    a = train_chunk(long_line, tokens, np.array([0, 25]), 0, 1, 0.05, 0.01, seed=9)
    b = train_chunk(cut, tokens, np.array([0, 10, 20, 25]), 0, 3, 0.05, 0.01, seed=9)
    assert a.examples == b.examples and a.loss_sum == b.loss_sum
    np.testing.assert_array_equal(long_line.V, cut.V)
    np.testing.assert_array_equal(long_line.U, cut.U)


def test_two_streams_read_the_corpus_halves_side_by_side() -> None:
    """Worked by hand: lines of 3, 1, 2, 3 | 2, 2, 1, 2 tokens. The halves split at the first line boundary at or
    past the middle word (8 of 16: after line 3, 9 tokens), each half is cut into ~4-token runs ([0, 2), [2, 4) and
    [4, 6), [6, 8)), and the runs alternate between the halves."""
    offsets = np.cumsum([0, 3, 1, 2, 3, 2, 2, 1, 2])
    np.testing.assert_array_equal(stream_blocks(offsets, 2, 4), [[0, 2], [4, 6], [2, 4], [6, 8]])
    tokens = np.arange(16, dtype=np.int32)
    config = Word2VecConfig(streams=2, block_words=4)
    reordered, new_offsets = in_stream_order(tokens, offsets, config)
    lines = [tokens[offsets[i] : offsets[i + 1]].tolist() for i in (0, 1, 4, 5, 2, 3, 6, 7)]
    assert [reordered[a:b].tolist() for a, b in itertools.pairwise(new_offsets)] == lines
    same, same_offsets = in_stream_order(tokens, offsets, dataclasses.replace(config, streams=1))
    np.testing.assert_array_equal(same, tokens)
    np.testing.assert_array_equal(same_offsets, offsets)
    runs = stream_blocks(offsets, 3, 2)  # three parts of unequal run counts: every line still read once
    assert sorted(line for a, b in runs.tolist() for line in range(a, b)) == list(range(8))


def test_streams_change_only_the_order_of_the_lines() -> None:
    """Training with two streams is training the corpus reordered by hand (the halves' runs alternating), bit for
    bit with one thread: the option reorders lines and touches nothing else."""
    tokens, offsets, counts, _ = _planted_corpus(60)  # 600 tokens; halves of 30 lines, runs of 10 lines
    # the rate as one stream has it (the default stream schedule follows the number of streams)
    config = Word2VecConfig(
        dim=8, window=4, epochs=2, threads=1, sample=1e-2, block_words=100, streams=2, schedule="run"
    )
    order = [line for i in range(3) for start in (10 * i, 30 + 10 * i) for line in range(start, start + 10)]
    by_hand = np.concatenate([tokens[offsets[i] : offsets[i + 1]] for i in order])
    streamed = Word2VecState.create(counts, config)
    train(streamed, tokens, offsets, chunk_words=250)
    plain = Word2VecState.create(counts, dataclasses.replace(config, streams=1))
    train(plain, by_hand, offsets, chunk_words=250)  # every line has 10 tokens, so the offsets are the same
    np.testing.assert_array_equal(streamed.V, plain.V)
    np.testing.assert_array_equal(streamed.U, plain.U)
    unordered = Word2VecState.create(counts, dataclasses.replace(config, streams=1))
    train(unordered, tokens, offsets, chunk_words=250)
    assert not np.array_equal(unordered.V, streamed.V)


def test_learning_rate_decays_linearly_to_its_floor() -> None:
    config = Word2VecConfig(alpha=0.05, epochs=4, schedule="run")
    assert alpha_at(config, 0, 0, 1000) == 0.05
    assert alpha_at(config, 1, 250, 1000) == pytest.approx(0.05 * (1 - 1.25 / 4))
    assert alpha_at(config, 3, 1000, 1000) == pytest.approx(0.05 * 1e-4)
    assert Word2VecConfig(architecture="cbow").learning_rate > Word2VecConfig().learning_rate == 0.025
    assert Word2VecConfig().stream_count == 2 and Word2VecConfig(architecture="cbow").stream_count == 1


def _gensim_corpus_file_rate(start: float, end: float, epoch: int, epochs: int, worker_share: float) -> float:
    """gensim 4.4's ``get_next_alpha`` (word2vec_corpusfile.pyx), restated: a worker's progress is the part of the
    whole corpus it has read in this epoch."""
    progress = (epoch + worker_share) / epochs
    return max(end, start - (start - end) * progress)


@pytest.mark.parametrize("streams", [1, 2, 3])
def test_stream_schedule_is_gensims_corpus_file_rate(streams: int) -> None:
    # with the streams read side by side, a stream at fraction f of its part has read f/streams of the corpus, as
    # one of gensim's `streams` workers at fraction f of its part of the file
    config = Word2VecConfig(alpha=0.025, epochs=5, schedule="stream", streams=streams)
    linear = dataclasses.replace(config, schedule="run")
    for epoch in range(5):
        for done in (0, 1, 250, 999, 1000):
            ours = alpha_at(config, epoch, done, 1000)
            theirs = _gensim_corpus_file_rate(0.025, 0.025 * 1e-4, epoch, 5, done / 1000 / streams)
            assert ours == pytest.approx(theirs, abs=3e-6)  # gensim decays to min_alpha, we to alpha * ratio
            if streams == 1:
                assert ours == pytest.approx(alpha_at(linear, epoch, done, 1000), rel=1e-12)
    if streams > 1:  # a sawtooth: the end of an epoch above the start of the next, the run ending above the floor
        assert alpha_at(config, 0, 1000, 1000) > alpha_at(config, 1, 0, 1000)
        assert alpha_at(config, 4, 1000, 1000) == pytest.approx(0.025 * (1 - (4 + 1 / streams) / 5))
    # per architecture unless set: skip-gram gensim's corpus_file rate, CBOW word2vec.c's
    assert Word2VecConfig().rate_schedule == "stream" and Word2VecConfig(architecture="cbow").rate_schedule == "run"
    assert Word2VecConfig(schedule="run").rate_schedule == "run"


def test_gensim_starting_vectors_are_gensims_own_draws() -> None:
    from gensim.models.keyedvectors import prep_vectors

    counts = np.array([9, 7, 5, 3, 1])
    ours = Word2VecState.create(counts, Word2VecConfig(dim=8, seed=7, init="gensim")).V
    np.testing.assert_array_equal(ours, prep_vectors((5, 8), seed=7))
    assert np.abs(ours).max() < 1 / 8 and np.abs(ours).max() > 0.5 / 8
    assert Word2VecConfig().initial_vectors == "gensim"
    assert Word2VecConfig(architecture="cbow").initial_vectors == Word2VecConfig(init="word2vec").initial_vectors
    assert Word2VecConfig(architecture="cbow").initial_vectors == "word2vec"
    assert Word2VecConfig().sigmoid_rule == "gensim" and Word2VecConfig(architecture="cbow").sigmoid_rule == "exact"
    with pytest.raises(ValueError, match="sigmoid must be one of"):
        Word2VecConfig(sigmoid="tanh")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="init must be one of"):
        Word2VecConfig(init="glorot")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="schedule must be one of"):
        Word2VecConfig(schedule="cosine")  # type: ignore[arg-type]


def test_chunk_tallies_and_validation() -> None:
    tokens, offsets, counts, _ = _planted_corpus(50)
    state = Word2VecState.create(counts, Word2VecConfig(dim=4, window=2, sample=0.0, threads=2, block_words=100))
    result = train_chunk(state, tokens, offsets, 10, 30, 0.02, 0.02, seed=1)
    assert result.raw_words == result.words_trained == int(offsets[30] - offsets[10])
    assert result.examples > result.words_trained and result.mean_loss > 0
    with pytest.raises(ValueError, match="outside"):
        train_chunk(state, tokens, offsets, 10, len(offsets), 0.02, 0.02, seed=1)
    with pytest.raises(ValueError, match="architecture"):
        Word2VecConfig(architecture="glove")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sg_update must be one of"):
        Word2VecConfig(sg_update="gensim")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="streams must be positive"):
        Word2VecConfig(streams=0)
