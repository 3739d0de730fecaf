"""The fused word2vec training loop, compiled with numba.

One call trains a contiguous range of lines of a prepared corpus in place (Hogwild: several threads may run it
at once on the same V and U without locks, as word2vec.c and gensim do; collisions are rare and harmless for
sparse updates). It releases the GIL, so a Python thread per core gives real parallelism.

Everything that happens per token is in here, so that nothing crosses the Python boundary per word:
subsampling, the reduced window, noise draws, the dot products and the updates. The loops over the vector
dimension are plain ``for k in range(dim)`` loops that LLVM turns into fused SIMD code under ``fastmath``; for
dim 100 that beats a BLAS call, whose overhead is larger than the arithmetic.

Update semantics for one centre position (the maths is in :mod:`.reference`):

- skip-gram, ``window`` order: every context word in the (reduced) window is predicted from the
  centre word's v_c. The gradient for v_c is accumulated over the whole window and applied once at the end, and
  each output row is updated as soon as its prediction is scored. When no output row occurs twice in the window
  this is exactly one SGD step on J = sum_j F(o_j, v_c).
- skip-gram, ``pairwise`` order (``sg_pairwise``; word2vec.c's and gensim's, and the default): for each context
  word in turn, its own input vector v_o predicts the centre word (negative sampling: the centre plus that pair's
  noise words; hierarchical softmax: the centre's Huffman path), each output row is updated as it is scored, and
  v_o takes the pair's gradient at once, before the next pair. A position is then a sequence of SGD steps on
  F(c, v_{o_j}), one per pair, each taken from where the previous one left V and U; each is exact when the
  pair's own noise words do not repeat (a path never does), whatever repeats across pairs. Both orders make the
  same predictions in number (one per pair) and draw the same random numbers in the same order.
- CBOW: v_avg is the mean of the context vectors. With ``cbow_exact`` each context vector receives
  ``dJ/dv_avg / n``, the true gradient, so the step is exactly one SGD step on J = F(c, v_avg). Without it each
  context vector receives the unscaled ``dJ/dv_avg``, as word2vec.c and gensim (cbow_mean=1) do: the same SGD
  step, but with learning rate n * alpha on the context vectors.

Memory, not arithmetic, bounds the speed: each prediction reads a random row of U, far larger than the caches.
A position's predictions are therefore drawn first, and the rows of the next group (a context word's
predictions) are prefetched while the current group is computed, for writing, since every row read is then
updated (see :mod:`wordlab.embeddings.native.prefetch`).

Learning rate: linear from ``alpha_start`` to ``alpha_end`` across the raw tokens of the call, refreshed at
every sentence. Sigmoid: exact, with the score clamped to +-20 (sigma is then 1 or 0 in float32 anyway), or read
from word2vec.c's table as its C compiles (:mod:`.sigmoid_table`; ``SIGMOID_SKIP``: gensim's rule,
``SIGMOID_CLAMP``: word2vec.c's; see :class:`wordlab.embeddings.word2vec.config.SigmoidRule`). The reported loss
is the exact one under every rule.
"""

from __future__ import annotations

import math
import warnings
from collections import namedtuple

import numpy as np
from numba import njit, types
from numba.core.errors import NumbaIRAssumptionWarning
from numba.extending import overload

from wordlab.embeddings.native.prefetch import prefetch_row_for_write
from wordlab.embeddings.word2vec.sigmoid_table import MAX_EXP, TABLE_STEP

LOSS_NEGATIVE = 0
LOSS_HIERARCHICAL = 1
LOSS_SOFTMAX = 2

OUT_LOSS = 0  # output slots of train_lines' ``out`` array
OUT_WORDS = 1  # words kept after subsampling (the centre positions trained)
OUT_EXAMPLES = 2  # predictions made: (centre, context) pairs for skip-gram, centre words for CBOW
OUT_SIZE = 3

SIGMOID_EXACT = 0
SIGMOID_SKIP = 1  # gensim: the table, no step for a prediction scored past +-MAX_EXP
SIGMOID_CLAMP = 2  # word2vec.c: the table; past +-MAX_EXP sigma is 1 or 0 (negative sampling), no step (tree)

_MUL = np.uint64(25214903917)
_ADD = np.uint64(11)
_MASK48 = np.uint64((1 << 48) - 1)
_MASK32 = np.uint64(0xFFFFFFFF)
_SHIFT16 = np.uint64(16)
_SHIFT32 = np.uint64(32)
_MAX_SCORE = 20.0


# Inlining the table rules' selects into the caller's IR (what keeps the call free) trips a pedantic check of
# numba's SSA pass on their merged variables; the compiled code is checked against the reference by the tests.
warnings.filterwarnings("ignore", r".*variable '_sigma_for__locals__from_table", NumbaIRAssumptionWarning)


def _sigma(f, one, table, rule, tree, typed, compute_loss):
    """sigma of score f as the update uses it, the step's gate (1, or 0 for no step), and exp(-f) for the loss.

    Compiled per type of ``table`` (:func:`_sigma_for`): None (the exact rule) gives the exact sigmoid and nothing
    else, so that the default path is the code it was before the table rules existed; an array gives the table
    rules, ``rule`` choosing between them at run time.
    """
    raise NotImplementedError("compiled by numba only")


@overload(_sigma, inline="always")
def _sigma_for(f, one, table, rule, tree, typed, compute_loss):
    if isinstance(table, types.NoneType):

        def exact(f, one, table, rule, tree, typed, compute_loss):
            e = math.exp(-f)
            return one / (one + e), one, e

        return exact

    # Selects, not branches: the rules differ only past +-6, yet branching there cost a quarter of the speed (the
    # table read at the clamped score; word2vec.c's rule takes 1 or 0 outside, gensim's a zero gate from +-6 on).
    def from_table(f, one, table, rule, tree, typed, compute_loss):
        top, zero = typed[4], typed[6]
        sig = table[np.int64((min(max(f, -top), top) + top) * typed[5])]
        clamps = (rule == SIGMOID_CLAMP) & (not tree)
        sig = one if (f > top) & clamps else sig
        sig = zero if (f < -top) & clamps else sig
        gate = zero if ((f >= top) | (f <= -top)) & (not clamps) else one
        e = math.exp(-f) if compute_loss else one
        return sig, gate, e

    return from_table


@njit(nogil=True, fastmath=True, cache=True, inline="always")
def _predict(l1, neu1e, U, t, positive, alpha, one, clamp, tables, typed, compute_loss):
    """Score output row t against l1, add its gradient for l1 into neu1e, update row t; returns the loss."""
    dim = l1.shape[0]
    f = l1[0] * U[t, 0]
    for k in range(1, dim):
        f += l1[k] * U[t, k]
    if f > clamp:
        f = clamp
    elif f < -clamp:
        f = -clamp
    tree = tables.loss_kind == LOSS_HIERARCHICAL
    sig, gate, e = _sigma(f, one, tables.table, tables.sigmoid, tree, typed, compute_loss)
    g = ((one - sig) * alpha if positive else -sig * alpha) * gate
    for k in range(dim):
        neu1e[k] += g * U[t, k]
        U[t, k] += g * l1[k]
    if compute_loss:
        loss = math.log(one + e)  # -log sigma(f)
        if not positive:
            loss += f  # -log sigma(-f) = -log sigma(f) + f
        return np.float64(loss)
    return 0.0


@njit(nogil=True, fastmath=True, cache=True)
def _predict_softmax(l1, neu1e, U, target, alpha, scores, compute_loss):
    """Full softmax over every output row: all scores first (they share the normaliser), then the updates."""
    dim = l1.shape[0]
    n_rows = U.shape[0]
    top = -np.inf
    for w in range(n_rows):
        f = l1[0] * U[w, 0]
        for k in range(1, dim):
            f += l1[k] * U[w, k]
        scores[w] = f
        top = max(top, np.float64(f))
    total = 0.0
    for w in range(n_rows):
        total += math.exp(np.float64(scores[w]) - top)
    log_norm = top + math.log(total)
    loss = log_norm - np.float64(scores[target])
    for w in range(n_rows):
        p = math.exp(np.float64(scores[w]) - log_norm)
        gd = -p * alpha
        if w == target:
            gd += alpha
        scores[w] = gd  # the score is no longer needed: reuse its slot to get g in the vectors' dtype
        g = scores[w]
        for k in range(dim):
            neu1e[k] += g * U[w, k]
            U[w, k] += g * l1[k]
    return loss if compute_loss else 0.0


# What the kernel reads per prediction (noise alias table, Huffman paths) and its per-call work buffers.
Tables = namedtuple(
    "Tables", ["loss_kind", "negative", "noise", "points", "codes", "lengths", "cbow_exact", "sigmoid", "table"]
)
Scratch = namedtuple("Scratch", ["l1", "neu1e", "scores", "targets", "positive", "group", "typed"])


@njit(nogil=True, fastmath=True, cache=True, inline="always")
def _draw_targets(word, tables, targets, positive, n, state):
    """Append the predictions that train ``word`` to targets/positive from slot n; returns (new n, RNG state).

    Negative sampling: the word itself, then ``negative`` noise words (a draw equal to the word is skipped, as
    in word2vec.c). Hierarchical softmax: the Huffman nodes on the word's path.
    """
    if tables.loss_kind == LOSS_NEGATIVE:
        targets[n] = word
        positive[n] = True
        n += 1
        noise = tables.noise
        n_noise = np.uint64(noise.shape[0])
        for _ in range(tables.negative):
            state = (state * _MUL + _ADD) & _MASK48
            column = np.int64((((state >> _SHIFT16) & _MASK32) * n_noise) >> _SHIFT32)
            state = (state * _MUL + _ADD) & _MASK48
            keep = ((state >> _SHIFT16) & _MASK32) < np.uint64(noise[column, 0])
            t = column if keep else np.int64(noise[column, 1])
            if t != word:
                targets[n] = t
                positive[n] = False
                n += 1
    else:
        for d in range(tables.lengths[word]):
            targets[n] = tables.points[word, d]
            positive[n] = tables.codes[word, d] == 0
            n += 1
    return n, state


@njit(nogil=True, fastmath=True, cache=True, inline="always")
def _predict_group(U, tables, scratch, start, end, alpha, compute_loss):
    loss = 0.0
    one, clamp = scratch.typed[0], scratch.typed[1]
    for n in range(start, end):
        loss += _predict(
            scratch.l1, scratch.neu1e, U, scratch.targets[n], scratch.positive[n], alpha, one, clamp, tables,
            scratch.typed, compute_loss,
        )  # fmt: skip
    return loss


@njit(nogil=True, fastmath=True, cache=True, inline="always")
def _prefetch_group(U, targets, start, end):
    # prefetch_row_for_write is a numba @intrinsic: numba supplies its typing context, which mypy sees as a
    # missing argument
    for n in range(start, end):
        prefetch_row_for_write(U, targets[n])  # type: ignore[call-arg]


@njit(nogil=True, fastmath=True, cache=True, inline="always")
def _skipgram_position(V, U, sentence, i, lo, hi, tables, scratch, alpha, state, compute_loss):
    """Predict every context word of centre i from v_c; v_c takes the window's summed gradient at the end.

    Returns (loss, predictions, RNG state)."""
    l1, neu1e, targets, group = scratch.l1, scratch.neu1e, scratch.targets, scratch.group
    centre = sentence[i]
    for k in range(l1.shape[0]):
        l1[k] = V[centre, k]
        neu1e[k] = 0
    loss = 0.0
    n_groups = 0
    if tables.loss_kind == LOSS_SOFTMAX:
        for j in range(lo, hi):
            if j != i:
                loss += _predict_softmax(l1, neu1e, U, sentence[j], alpha, scratch.scores, compute_loss)
                n_groups += 1
    else:
        n_targets = 0
        for j in range(lo, hi):
            if j != i:
                group[n_groups] = n_targets
                n_groups += 1
                n_targets, state = _draw_targets(sentence[j], tables, targets, scratch.positive, n_targets, state)
        group[n_groups] = n_targets
        if n_groups > 0:
            _prefetch_group(U, targets, group[0], group[1])
        for g in range(n_groups):
            if g + 1 < n_groups:
                _prefetch_group(U, targets, group[g + 1], group[g + 2])
            loss += _predict_group(U, tables, scratch, group[g], group[g + 1], alpha, compute_loss)
    for k in range(l1.shape[0]):
        V[centre, k] += neu1e[k]
    return loss, n_groups, state


@njit(nogil=True, fastmath=True, cache=True, inline="always")
def _skipgram_pairwise_position(V, U, sentence, i, lo, hi, tables, scratch, alpha, state, compute_loss):
    """Each context word's v_o predicts centre i in turn and takes its step at once (word2vec.c's order).

    The noise words of every pair are drawn before any is scored, so the next pair's rows can be prefetched
    while the current one is computed; scoring draws nothing, so the stream is the one an interleaved loop
    would use. Hierarchical softmax walks the centre's path for every pair: it is copied once.

    Returns (loss, predictions, RNG state)."""
    l1, neu1e, targets, group = scratch.l1, scratch.neu1e, scratch.targets, scratch.group
    dim = l1.shape[0]
    centre = sentence[i]
    per_pair = tables.loss_kind == LOSS_NEGATIVE  # else one shared group: the path (or nothing for softmax)
    n_pairs = hi - lo - 1
    n_targets = 0
    group[0] = 0
    if per_pair:
        g = 0
        for j in range(lo, hi):
            if j != i:
                group[g] = n_targets
                g += 1
                n_targets, state = _draw_targets(centre, tables, targets, scratch.positive, n_targets, state)
        group[g] = n_targets
    elif tables.loss_kind == LOSS_HIERARCHICAL:
        n_targets, state = _draw_targets(centre, tables, targets, scratch.positive, 0, state)
        group[1] = n_targets
    if n_pairs > 0 and tables.loss_kind != LOSS_SOFTMAX:
        _prefetch_group(U, targets, group[0], group[1])
    loss = 0.0
    g = 0
    for j in range(lo, hi):
        if j == i:
            continue
        context = sentence[j]
        for k in range(dim):
            l1[k] = V[context, k]
            neu1e[k] = 0
        if tables.loss_kind == LOSS_SOFTMAX:
            loss += _predict_softmax(l1, neu1e, U, centre, alpha, scratch.scores, compute_loss)
        elif per_pair:
            if g + 1 < n_pairs:
                _prefetch_group(U, targets, group[g + 1], group[g + 2])
            loss += _predict_group(U, tables, scratch, group[g], group[g + 1], alpha, compute_loss)
        else:
            loss += _predict_group(U, tables, scratch, 0, n_targets, alpha, compute_loss)
        for k in range(dim):
            V[context, k] += neu1e[k]
        g += 1
    return loss, n_pairs, state


@njit(nogil=True, fastmath=True, cache=True, inline="always")
def _cbow_position(V, U, sentence, i, lo, hi, tables, scratch, alpha, state, compute_loss):
    """Predict centre i from the mean of its context vectors, then update them (see the module docstring).

    Returns (loss, predictions, RNG state)."""
    l1, neu1e, typed = scratch.l1, scratch.neu1e, scratch.typed
    dim = l1.shape[0]
    n_context = hi - lo - 1
    if n_context == 0:
        return 0.0, 0, state
    centre = sentence[i]
    n_targets = 0
    if tables.loss_kind != LOSS_SOFTMAX:
        n_targets, state = _draw_targets(centre, tables, scratch.targets, scratch.positive, 0, state)
        _prefetch_group(U, scratch.targets, 0, n_targets)  # in flight while the context vectors are summed
    for k in range(dim):
        l1[k] = 0
        neu1e[k] = 0
    for j in range(lo, hi):
        if j != i:
            c = sentence[j]
            for k in range(dim):
                l1[k] += V[c, k]
    typed[3] = n_context
    inv = typed[0] / typed[3]
    for k in range(dim):
        l1[k] *= inv
    if tables.loss_kind == LOSS_SOFTMAX:
        loss = _predict_softmax(l1, neu1e, U, centre, alpha, scratch.scores, compute_loss)
    else:
        loss = _predict_group(U, tables, scratch, 0, n_targets, alpha, compute_loss)
    if tables.cbow_exact:
        for k in range(dim):
            neu1e[k] *= inv
    for j in range(lo, hi):
        if j != i:
            c = sentence[j]
            for k in range(dim):
                V[c, k] += neu1e[k]
    return loss, 1, state


@njit(nogil=True, fastmath=True, cache=True, inline="always")
def _subsample(tokens, start, end, sample_thresholds, sentence, state):
    """Copy the tokens that survive subsampling into ``sentence``; returns (their number, RNG state)."""
    n = 0
    for p in range(start, end):
        w = tokens[p]
        threshold = sample_thresholds[w]
        if threshold <= _MASK32:  # words that are always kept cost no draw
            state = (state * _MUL + _ADD) & _MASK48
            if ((state >> _SHIFT16) & _MASK32) >= threshold:
                continue
        sentence[n] = w
        n += 1
    return n, state


@njit(nogil=True, fastmath=True, cache=True)
def train_lines(
    V,
    U,
    tokens,
    offsets,
    line_start,
    line_end,
    skipgram,
    sg_pairwise,
    cbow_exact,
    sigmoid,
    sigmoid_values,
    loss_kind,
    window,
    negative,
    sample_thresholds,
    noise,
    points,
    codes,
    lengths,
    max_sentence_len,
    alpha_start,
    alpha_end,
    seed,
    compute_loss,
    out,
):
    """Train on lines [line_start, line_end) of ``tokens``/``offsets`` in place; tallies go to ``out``.

    Lines longer than ``max_sentence_len`` tokens are cut into pieces of that many raw tokens (as gensim's
    LineSentence does), and the window never crosses a piece or a line. Per position the reduced window is
    drawn first (``b = r % window``), then the position's noise words, prediction by prediction. ``sg_pairwise``
    picks skip-gram's pairwise order over the window order (see the module docstring); CBOW ignores it.
    ``sigmoid`` is a ``SIGMOID_*`` rule; the table rules read ``sigmoid_values`` (:func:`.sigmoid_table.sigmoid_table`
    in V's dtype), which is None for the exact rule (it compiles a kernel of its own, see :func:`_sigma`).
    """
    dim = V.shape[1]
    per_word = max(negative + 1, points.shape[1])
    scratch = Scratch(
        np.empty(dim, V.dtype),
        np.empty(dim, V.dtype),
        np.empty(U.shape[0] if loss_kind == LOSS_SOFTMAX else 1, V.dtype),
        np.empty(2 * window * per_word, np.int64),
        np.empty(2 * window * per_word, np.bool_),
        np.empty(2 * window + 1, np.int64),
        # constants in the vectors' dtype: 1, the score clamp, alpha, 1/n for CBOW, the table's range and step, 0
        np.empty(7, V.dtype),
    )
    scratch.typed[0] = 1.0
    scratch.typed[1] = _MAX_SCORE
    scratch.typed[4] = MAX_EXP
    scratch.typed[5] = TABLE_STEP
    scratch.typed[6] = 0.0
    tables = Tables(loss_kind, negative, noise, points, codes, lengths, cbow_exact, sigmoid, sigmoid_values)
    sentence = np.empty(max_sentence_len, np.int64)
    state = np.uint64(seed) & _MASK48
    uwindow = np.uint64(window)
    first = offsets[line_start]
    span = max(offsets[line_end] - first, 1)
    loss = 0.0
    n_words = 0
    n_examples = 0
    for line in range(line_start, line_end):
        for piece in range(offsets[line], offsets[line + 1], max_sentence_len):
            scratch.typed[2] = alpha_start + (alpha_end - alpha_start) * ((piece - first) / span)
            alpha = scratch.typed[2]
            piece_end = min(piece + max_sentence_len, offsets[line + 1])
            n, state = _subsample(tokens, piece, piece_end, sample_thresholds, sentence, state)
            n_words += n
            for i in range(n):
                state = (state * _MUL + _ADD) & _MASK48
                b = np.int64(((state >> _SHIFT16) & _MASK32) % uwindow)
                lo = max(0, i - window + b)
                hi = min(n, i + window + 1 - b)
                if skipgram and not sg_pairwise:
                    if i + 1 < n:
                        prefetch_row_for_write(V, sentence[i + 1])  # type: ignore[call-arg]  # the next centre's input vector
                    part, made, state = _skipgram_position(
                        V, U, sentence, i, lo, hi, tables, scratch, alpha, state, compute_loss
                    )
                else:
                    # CBOW and pairwise skip-gram read the context words' input vectors: prefetch the one the
                    # window reaches next
                    if i + window + 1 < n:
                        prefetch_row_for_write(V, sentence[i + window + 1])  # type: ignore[call-arg]
                    if skipgram:
                        part, made, state = _skipgram_pairwise_position(
                            V, U, sentence, i, lo, hi, tables, scratch, alpha, state, compute_loss
                        )
                    else:
                        part, made, state = _cbow_position(
                            V, U, sentence, i, lo, hi, tables, scratch, alpha, state, compute_loss
                        )
                loss += part
                n_examples += made
    out[OUT_LOSS] += loss
    out[OUT_WORDS] += n_words
    out[OUT_EXAMPLES] += n_examples
