"""The numba kernel makes exactly the numpy reference's SGD steps, and its sampling follows word2vec's rules.

The exact-step tests replay the kernel's random stream in plain Python (word2vec.c's LCG, the reduced window
``b = r % window`` and the alias draws of noise words, as documented in the kernel and sampling modules), so the
expected result is built independently from :mod:`wordlab.embeddings.word2vec.reference`: one
``sgd_step(model(V, U, centre, contexts, objective), alpha)`` per centre position, in sentence order. A centre
position's step is the exact gradient step of its J when no output row occurs twice among its predictions (the
kernel updates output rows as it goes, as word2vec.c does), so the setups below avoid such repeats and assert it.
CBOW's word2vec.c update is the same step with learning rate n * alpha on the n context vectors. Skip-gram's
pairwise order is one step per (context, centre) pair instead (``reference.skipgram_pairwise_step``), exact when a
pair's own noise words do not repeat, so its tests can keep repeated words and full windows.

Under the table sigmoid rules (gensim's and word2vec.c's) the reference's step uses the same table and the same
rule past +-6 (``reference.update_sigmoid``); those tests start from larger vectors, so that scores fall on both
sides of +-6. The table itself is checked against values worked out by hand from word2vec.c's source.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from wordlab.embeddings.word2vec import kernel
from wordlab.embeddings.word2vec import reference as ref
from wordlab.embeddings.word2vec.huffman import build_huffman_tree
from wordlab.embeddings.word2vec.sampling import ALWAYS_KEEP, alias_table, mix_seed, subsample_thresholds
from wordlab.embeddings.word2vec.sigmoid_table import TABLE_STEP, sigmoid_table

MASK48 = (1 << 48) - 1
RULES = {"exact": kernel.SIGMOID_EXACT, "gensim": kernel.SIGMOID_SKIP, "word2vec": kernel.SIGMOID_CLAMP}
ALPHA = 0.05
DIM = 5


class Replay:
    """word2vec.c's generator, in Python: ``next = next * 25214903917 + 11 (mod 2^48)``, output bits 16..47."""

    def __init__(self, seed: int, noise: np.ndarray) -> None:
        self.state = seed & MASK48
        self.noise = noise

    def draw(self) -> int:
        self.state = (self.state * 25214903917 + 11) & MASK48
        return (self.state >> 16) & 0xFFFFFFFF

    def noise_word(self) -> int:
        column = (self.draw() * len(self.noise)) >> 32
        return column if self.draw() < int(self.noise[column, 0]) else int(self.noise[column, 1])

    def positions(self, sentence: list[int], window: int, negative: int, skipgram: bool, pairwise: bool = False):
        """Yield (centre, contexts, negatives of each prediction) in the order the kernel trains them."""
        for i, centre in enumerate(sentence):
            b = self.draw() % window
            lo, hi = max(0, i - window + b), min(len(sentence), i + window + 1 - b)
            contexts = [sentence[j] for j in range(lo, hi) if j != i]
            # what each prediction's noise words must differ from: pairwise, every pair predicts the centre
            targets = ([centre] * len(contexts) if pairwise else contexts) if skipgram else [centre][: len(contexts)]
            negatives = [[t for t in (self.noise_word() for _ in range(negative)) if t != word] for word in targets]
            yield centre, contexts, negatives


def _run_kernel(
    V, U, lines, *, skipgram, loss_kind, window, negative=0, noise=None, tree=None, seed=7, exact=True, pairwise=False,
    rule="exact",
):  # fmt: skip
    tokens = np.concatenate([np.asarray(line, dtype=np.int32) for line in lines])
    offsets = np.concatenate([[0], np.cumsum([len(line) for line in lines])]).astype(np.int64)
    points, codes, lengths = (tree.points, tree.codes, tree.lengths) if tree else (
        np.zeros((1, 1), np.int32), np.zeros((1, 1), np.int8), np.zeros(1, np.int32)
    )  # fmt: skip
    out = np.zeros(kernel.OUT_SIZE)
    kernel.train_lines(
        V, U, tokens, offsets, 0, len(lines), skipgram, pairwise, exact, RULES[rule],
        None if rule == "exact" else sigmoid_table(V.dtype),
        loss_kind, window, negative,
        np.full(len(V), ALWAYS_KEEP, np.uint64), noise if noise is not None else np.zeros((1, 2), np.uint32),
        points, codes, lengths, 10_000, ALPHA, ALPHA, np.uint64(seed), True, out,
    )  # fmt: skip
    return out


def _initial(vocab: int, n_out: int, seed: int = 0, scale: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(0, scale, (vocab, DIM)), rng.normal(0, scale, (n_out, DIM))


def _scale(rule: str) -> float:
    """Vectors large enough that the table rules meet scores on both sides of +-6 (see _assert_both_sides)."""
    return 0.5 if rule == "exact" else 1.3


def _assert_both_sides(rule: str, V: np.ndarray, U: np.ndarray, rows: list[int]) -> None:
    if rule != "exact":
        scores = np.abs(V[rows] @ U.T)
        # below the kernel's +-20 clamp of the loss, which the reference's exact loss does not have
        assert (scores > 6).any() and (scores < 6).any() and scores.max() < 20


def _distinct_rows(rows: list[int]) -> bool:
    return len(rows) == len(set(rows))


def _word2vec_update(grad: ref.ModelGrad, n_context: int) -> ref.ModelGrad:
    """word2vec.c's CBOW step: the context vectors move n times as far as their true gradient says."""
    return dataclasses.replace(grad, dV=grad.dV * n_context)


@pytest.mark.parametrize(
    ("architecture", "exact", "rule"),
    [("skipgram", True, "exact"), ("cbow", True, "exact"), ("cbow", False, "exact"), ("skipgram", True, "gensim"),
     ("cbow", False, "word2vec")],
)  # fmt: skip
def test_negative_sampling_steps_equal_reference(architecture: str, exact: bool, rule: str) -> None:
    skipgram = architecture == "skipgram"
    vocab, window, negative = 400, 2, 3
    noise = alias_table(np.random.default_rng(1).uniform(0.5, 2.0, vocab))
    sentence = [11, 12, 13, 14, 15, 16]
    model = ref.skipgram if skipgram else ref.cbow
    for seed in range(50):  # the first seed whose predictions never share an output row within a position
        plan = list(Replay(seed, noise).positions(sentence, window, negative, skipgram))
        if all(_distinct_rows([*(ctx if skipgram else [c]), *(t for n in negs for t in n)]) for c, ctx, negs in plan):
            break
    else:
        pytest.fail("no collision-free seed found")
    assert any(len(ctx) > 2 for _, ctx, _ in plan)  # some windows were not reduced to one word per side
    V, U = _initial(vocab, vocab, scale=_scale(rule))
    _assert_both_sides(rule, V, U, sentence)
    V_expected, U_expected = V.copy(), U.copy()
    for centre, contexts, negatives in plan:
        grad = model(V_expected, U_expected, centre, contexts, ref.negative_sampling_objective(negatives, rule))
        ref.sgd_step(V_expected, U_expected, grad if exact else _word2vec_update(grad, len(contexts)), ALPHA)
    _run_kernel(V, U, [sentence], skipgram=skipgram, loss_kind=kernel.LOSS_NEGATIVE, window=window,
                negative=negative, noise=noise, seed=seed, exact=exact, rule=rule)  # fmt: skip
    np.testing.assert_allclose(V, V_expected, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(U, U_expected, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("loss", ["hierarchical", "softmax"])
@pytest.mark.parametrize("architecture", ["skipgram", "cbow"])
def test_tree_and_softmax_steps_equal_reference(architecture: str, loss: str) -> None:
    """Every prediction of these losses shares output rows, so each position must make a single prediction:
    two-word sentences for skip-gram (one context each), any sentence for CBOW."""
    skipgram = architecture == "skipgram"
    counts = np.array([50, 30, 30, 20, 12, 9, 8, 4, 3, 1])
    tree = build_huffman_tree(counts) if loss == "hierarchical" else None
    V, U = _initial(len(counts), len(counts) - 1 if tree else len(counts), seed=2)
    lines = [[3, 7], [0, 5], [9, 9]] if skipgram else [[3, 7, 1, 1, 8], [0, 5, 2]]
    objective = ref.hierarchical_softmax_objective(tree) if tree else ref.softmax_objective()
    model = ref.skipgram if skipgram else ref.cbow
    V_expected, U_expected = V.copy(), U.copy()
    n_predictions = 0
    for line in lines:
        for centre, contexts, _ in Replay(7, np.zeros((1, 2), np.uint32)).positions(line, 1, 0, skipgram):
            if contexts:
                ref.sgd_step(V_expected, U_expected, model(V_expected, U_expected, centre, contexts, objective), ALPHA)
                n_predictions += len(contexts) if skipgram else 1
    loss_kind = kernel.LOSS_HIERARCHICAL if tree else kernel.LOSS_SOFTMAX
    out = _run_kernel(V, U, lines, skipgram=skipgram, loss_kind=loss_kind, window=1, tree=tree)
    assert out[kernel.OUT_EXAMPLES] == n_predictions
    np.testing.assert_allclose(V, V_expected, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(U, U_expected, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("rule", ["exact", "gensim", "word2vec"])
def test_pairwise_negative_sampling_steps_equal_reference(rule: str) -> None:
    """word2vec.c's order on a sentence with repeats (a context word twice in a window, the centre among its own
    context): only each pair's own output rows must be distinct, the pairs are replayed one step after another."""
    vocab, window, negative = 400, 3, 3
    noise = alias_table(np.random.default_rng(1).uniform(0.5, 2.0, vocab))
    sentence = [11, 12, 13, 12, 14, 11, 15, 11, 16]
    for seed in range(50):  # the first seed whose pairs each score distinct output rows, with a window of 5+
        plan = list(Replay(seed, noise).positions(sentence, window, negative, True, pairwise=True))
        if all(_distinct_rows([c, *n]) for c, _, negs in plan for n in negs) and any(len(x) > 4 for _, x, _ in plan):
            break
    else:
        pytest.fail("no collision-free seed found")
    assert any(len(set(ctx)) < len(ctx) for _, ctx, _ in plan)  # a context word repeats within a window
    assert any(centre in ctx for centre, ctx, _ in plan)  # and a centre word is among its own context words
    V, U = _initial(vocab, vocab, scale=_scale(rule))
    _assert_both_sides(rule, V, U, sentence)
    V_expected, U_expected = V.copy(), U.copy()
    loss = 0.0
    for centre, contexts, negatives in plan:
        objective = ref.negative_sampling_objective(negatives, rule)
        loss += ref.skipgram_pairwise_step(V_expected, U_expected, centre, contexts, objective, ALPHA)
    out = _run_kernel(V, U, [sentence], skipgram=True, loss_kind=kernel.LOSS_NEGATIVE, window=window,
                      negative=negative, noise=noise, seed=seed, pairwise=True, rule=rule)  # fmt: skip
    assert out[kernel.OUT_EXAMPLES] == sum(len(ctx) for _, ctx, _ in plan)
    assert out[kernel.OUT_LOSS] == pytest.approx(loss, rel=1e-10)
    np.testing.assert_allclose(V, V_expected, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(U, U_expected, rtol=1e-10, atol=1e-13)
    window_order = _initial(vocab, vocab, scale=_scale(rule))
    _run_kernel(*window_order, [sentence], skipgram=True, loss_kind=kernel.LOSS_NEGATIVE, window=window,
                negative=negative, noise=noise, seed=seed, rule=rule)  # fmt: skip
    assert not np.allclose(window_order[0], V)  # the option changes the update, not only its bookkeeping
    other_rule = _initial(vocab, vocab, scale=_scale(rule))
    _run_kernel(*other_rule, [sentence], skipgram=True, loss_kind=kernel.LOSS_NEGATIVE, window=window,
                negative=negative, noise=noise, seed=seed, pairwise=True,
                rule="gensim" if rule == "word2vec" else "word2vec")  # fmt: skip
    assert not np.allclose(other_rule[0], V)  # each rule makes its own steps


@pytest.mark.parametrize(
    ("loss", "rule"), [("hierarchical", "exact"), ("softmax", "exact"), ("hierarchical", "word2vec")]
)
def test_pairwise_tree_and_softmax_steps_equal_reference(loss: str, rule: str) -> None:
    """Each pair is one exact step whatever the window holds (a Huffman path never repeats a node), so unlike the
    window order these run full windows over sentences with repeated words."""
    counts = np.array([50, 30, 30, 20, 12, 9, 8, 4, 3, 1])
    tree = build_huffman_tree(counts) if loss == "hierarchical" else None
    V, U = _initial(len(counts), len(counts) - 1 if tree else len(counts), seed=2, scale=_scale(rule))
    _assert_both_sides(rule, V, U, list(range(len(counts))))
    lines = [[3, 7, 1, 1, 8, 3], [0, 5], [9, 9, 2]]
    objective = ref.hierarchical_softmax_objective(tree, rule) if tree else ref.softmax_objective()
    V_expected, U_expected = V.copy(), U.copy()
    n_pairs, expected_loss = 0, 0.0
    replay = Replay(7, np.zeros((1, 2), np.uint32))  # one stream across the lines, as the kernel's
    for line in lines:
        for centre, contexts, _ in replay.positions(line, 2, 0, True, pairwise=True):
            expected_loss += ref.skipgram_pairwise_step(V_expected, U_expected, centre, contexts, objective, ALPHA)
            n_pairs += len(contexts)
    loss_kind = kernel.LOSS_HIERARCHICAL if tree else kernel.LOSS_SOFTMAX
    out = _run_kernel(V, U, lines, skipgram=True, loss_kind=loss_kind, window=2, tree=tree, pairwise=True, rule=rule)
    assert out[kernel.OUT_EXAMPLES] == n_pairs
    assert out[kernel.OUT_LOSS] == pytest.approx(expected_loss, rel=1e-10)
    np.testing.assert_allclose(V, V_expected, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(U, U_expected, rtol=1e-10, atol=1e-13)


def test_reported_loss_is_the_reference_loss() -> None:
    counts = np.array([50, 30, 30, 20, 12, 9, 8, 4, 3, 1])
    tree = build_huffman_tree(counts)
    V, U = _initial(len(counts), len(counts) - 1, seed=3)
    V0, U0 = V.copy(), U.copy()
    out = _run_kernel(V, U, [[4, 2, 6]], skipgram=False, loss_kind=kernel.LOSS_HIERARCHICAL, window=1, tree=tree)
    expected = 0.0
    for centre, contexts, _ in Replay(7, np.zeros((1, 2), np.uint32)).positions([4, 2, 6], 1, 0, False):
        grad = ref.cbow(V0, U0, centre, contexts, ref.hierarchical_softmax_objective(tree))
        expected += grad.loss
        ref.sgd_step(V0, U0, grad, ALPHA)
    assert out[kernel.OUT_LOSS] == pytest.approx(expected, rel=1e-10)


def test_reduced_window_draws_b_uniformly_below_window() -> None:
    """Expected skip-gram pairs when each position's reach is window - b, b uniform in [0, window)."""
    window, length, n_lines = 4, 30, 3000
    rng = np.random.default_rng(5)
    lines = [rng.integers(0, 50, length).tolist() for _ in range(n_lines)]
    V, U = _initial(50, 50)
    out = _run_kernel(V.astype(np.float32), U.astype(np.float32) * 0, lines, skipgram=True,
                      loss_kind=kernel.LOSS_NEGATIVE, window=window, negative=1,
                      noise=alias_table(np.ones(50)))  # fmt: skip
    reaches = np.arange(1, window + 1)
    per_line = sum(np.mean(np.minimum(i, reaches) + np.minimum(length - 1 - i, reaches)) for i in range(length))
    expected = per_line * n_lines
    assert out[kernel.OUT_EXAMPLES] == pytest.approx(expected, rel=0.004)  # ~6 standard deviations
    wrong = sum(np.mean(np.minimum(i, reaches + 1) + np.minimum(length - 1 - i, reaches + 1)) for i in range(length))
    assert abs(out[kernel.OUT_EXAMPLES] - wrong * n_lines) > 0.05 * expected


def test_subsampling_keeps_words_with_word2vecs_probability() -> None:
    rng = np.random.default_rng(6)
    probabilities = np.array([0.4, 0.25, 0.15, 0.1, 0.05, 0.03, 0.02])
    tokens = rng.choice(len(probabilities), size=200_000, p=probabilities)
    counts = np.bincount(tokens, minlength=len(probabilities))
    sample = 0.05
    f = counts / counts.sum()
    keep = np.minimum((np.sqrt(f / sample) + 1) * sample / f, 1.0)  # word2vec's formula, in frequencies
    lines = tokens.reshape(-1, 40)
    offsets = np.arange(0, len(tokens) + 1, 40, dtype=np.int64)
    V, U = _initial(len(counts), len(counts))
    out = np.zeros(kernel.OUT_SIZE)
    kernel.train_lines(
        V.astype(np.float32), U.astype(np.float32), lines.reshape(-1).astype(np.int32), offsets, 0, len(lines),
        True, False, True, kernel.SIGMOID_EXACT, None, kernel.LOSS_NEGATIVE, 2, 1,
        subsample_thresholds(counts, sample),
        alias_table(np.ones(len(counts))),
        np.zeros((1, 1), np.int32), np.zeros((1, 1), np.int8), np.zeros(1, np.int32), 10_000, 0.01, 0.01,
        np.uint64(mix_seed(3)), False, out,
    )  # fmt: skip
    expected = float((counts * keep).sum())
    sd = float(np.sqrt((counts * keep * (1 - keep)).sum()))
    assert keep.min() < 0.5
    assert abs(out[kernel.OUT_WORDS] - expected) < 5 * sd


def test_sigmoid_table_is_word2vecs_as_compiled() -> None:
    """expTable[i] = sigma((i / 1000 * 2 - 1) * 6) and the index step (int)(1000 / 6 / 2) = 83 in C, so a score of
    0 reads entry 6 * 83 = 498, sigma(-0.024) = 0.4940, not 0.5."""
    table = sigmoid_table()
    assert table.dtype == np.float32 and len(table) == 1000
    for i, x in ((0, -6.0), (498, -0.024), (999, 5.988)):
        assert table[i] == pytest.approx(1 / (1 + np.exp(-x)), abs=1e-7)
    assert TABLE_STEP == 83
    assert ref.update_sigmoid(0.0, "gensim") == pytest.approx(0.49400, abs=1e-5)
    assert np.isnan(ref.update_sigmoid(6.0, "gensim")) and ref.update_sigmoid(6.5, "word2vec") == 1.0


@pytest.mark.parametrize(("rule", "moves"), [("exact", True), ("gensim", False), ("word2vec", True)])
def test_a_noise_word_scored_past_six(rule: str, moves: bool) -> None:
    """One pair whose only noise word scores 7: gensim takes no step for it, word2vec.c takes sigma = 1, so its
    output row moves by -alpha v (the exact sigmoid: by -alpha sigma(7) v)."""
    noise_word, centre, context = 3, 1, 2
    V, U = np.zeros((4, DIM)), np.zeros((4, DIM))
    V[context, 0] = 1.0
    U[noise_word, 0] = 7.0
    noise = alias_table(np.array([0.0, 0.0, 0.0, 1.0]))  # every draw is word 3
    before = U[noise_word].copy()
    _run_kernel(V, U, [[centre, context]], skipgram=True, loss_kind=kernel.LOSS_NEGATIVE, window=1, negative=1,
                noise=noise, pairwise=True, rule=rule)  # fmt: skip
    sigma = {"exact": 1 / (1 + np.exp(-7.0)), "gensim": 0.0, "word2vec": 1.0}[rule]
    np.testing.assert_allclose(U[noise_word] - before, -ALPHA * sigma * np.eye(DIM)[0], atol=1e-12)
    assert (U[noise_word] != before).any() == moves
