"""Transition systems, their static oracles and Chen & Manning's 48 features, compiled with numba.

A parser state over a sentence of ``n`` words (1..n, 0 the artificial root) is a stack, a buffer pointer and the
arcs built so far. The arrays live in one :class:`States` batch, one row per sentence, so that the oracle (over
the whole training set, once) and the greedy parser (over many sentences at a time) run the same compiled code:
nothing here loops in Python per word or per feature.

Systems (``ARC_STANDARD`` and ``ARC_EAGER``), with L labels:

- arc-standard (Nivre 2004, as Chen & Manning 2014 use it): SHIFT; LEFT-ARC(l) makes s1 the head of s2 and pops
  s2; RIGHT-ARC(l) makes s2 the head of s1 and pops s1. Transition ids: 0 SHIFT, 1..L LEFT(l), L+1..2L RIGHT(l).
  The static oracle prefers LEFT, then RIGHT once s1 has all its gold dependents, else SHIFT.
- arc-eager (Nivre 2003): SHIFT; REDUCE pops s1 (which has a head); LEFT-ARC(l) makes b1 the head of s1 and pops
  it; RIGHT-ARC(l) makes s1 the head of b1 and pushes b1. Ids: 0 SHIFT, 1 REDUCE, 2..L+1 LEFT(l), L+2..2L+1
  RIGHT(l). The oracle: LEFT, RIGHT, REDUCE once s1 has its head and all its gold dependents, else SHIFT.

Both keep the root word single: RIGHT-ARC from the root (arc-standard) only when the buffer is empty, from the
root (arc-eager) only while the root has no dependent. A projective tree is reproduced exactly by either oracle.

Features (Chen & Manning 2014, section 3.1), as token positions (-1 none, 0 the root) in this order:
s1 s2 s3 b1 b2 b3, lc1(s1) rc1(s1) lc2(s1) rc2(s1) lc1(s2) rc1(s2) lc2(s2) rc2(s2), lc1(lc1(s1)) rc1(rc1(s1))
lc1(lc1(s2)) rc1(rc1(s2)). Words and POS are read at all 18; labels at the last 12 (the children). When the
extractors are handed rows of 66 ids rather than 48, the FEATS values of the same 18 tokens follow the labels:
UDPipe 1's parser reads the treebank's morphological features, and this lets wordlab's read the same columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

ARC_STANDARD = 0
ARC_EAGER = 1
SHIFT = 0
NONE = -1  # no token at a feature position
N_POSITIONS = 18
N_CHILD_POSITIONS = 12
N_FEATURES = 2 * N_POSITIONS + N_CHILD_POSITIONS  # 18 words, 18 POS, 12 labels
N_FEATURES_WITH_FEATS = N_FEATURES + N_POSITIONS  # and the 18 tokens' FEATS values
# Special ids shared by the word, POS and label tables: no token, an unseen value, the root token.
NULL_ID, UNK_ID, ROOT_ID = 0, 1, 2


def n_transitions(system: int, n_labels: int) -> int:
    return 2 * n_labels + (1 if system == ARC_STANDARD else 2)


@dataclass
class States:
    """The parser states of a batch of sentences; row b holds sentence b, token 0 being the root."""

    stack: np.ndarray  # (B, max_len + 1) token positions, bottom first
    depth: np.ndarray  # (B,) stack sizes
    next_word: np.ndarray  # (B,) the buffer's front: a token position, n + 1 when empty
    length: np.ndarray  # (B,) words per sentence
    heads: np.ndarray  # (B, max_len + 1) -1 until attached
    labels: np.ndarray  # (B, max_len + 1) label index, -1 until attached
    children: np.ndarray  # (B, max_len + 1, 4): lc1, lc2, rc1, rc2 (-1 when none)

    @classmethod
    def start(cls, lengths: np.ndarray) -> States:
        lengths = np.asarray(lengths, dtype=np.int64)
        batch, width = len(lengths), int(lengths.max(initial=0)) + 1
        stack = np.zeros((batch, width + 1), np.int64)  # the root at the bottom
        return cls(
            stack=stack,
            depth=np.ones(batch, np.int64),
            next_word=np.ones(batch, np.int64),
            length=lengths.copy(),
            heads=np.full((batch, width), -1, np.int64),
            labels=np.full((batch, width), -1, np.int64),
            children=np.full((batch, width, 4), -1, np.int64),
        )

    def arrays(self) -> tuple[np.ndarray, ...]:
        return self.stack, self.depth, self.next_word, self.length, self.heads, self.labels, self.children


@njit(cache=True, nogil=True)
def _add_arc(heads, labels, children, b, head, dep, label):
    heads[b, dep] = head
    labels[b, dep] = label
    if dep < head:
        lc1, lc2 = children[b, head, 0], children[b, head, 1]
        if lc1 == -1 or dep < lc1:
            children[b, head, 1] = lc1
            children[b, head, 0] = dep
        elif lc2 == -1 or dep < lc2:
            children[b, head, 1] = dep
    else:
        rc1, rc2 = children[b, head, 2], children[b, head, 3]
        if rc1 == -1 or dep > rc1:
            children[b, head, 3] = rc1
            children[b, head, 2] = dep
        elif rc2 == -1 or dep > rc2:
            children[b, head, 3] = dep


@njit(cache=True, nogil=True)
def is_terminal(system, stack, depth, next_word, length, b):
    if next_word[b] <= length[b]:
        return False
    return system == ARC_EAGER or depth[b] == 1


@njit(cache=True, nogil=True)
def legal(system, n_labels, stack, depth, next_word, length, heads, children, b, kind):
    """Whether a transition of ``kind`` (0 shift, 1 left, 2 right, 3 reduce) may be taken in state b."""
    has_buffer = next_word[b] <= length[b]
    d = depth[b]
    if system == ARC_STANDARD:
        if kind == 0:
            return has_buffer
        if kind == 1:
            return d >= 3  # s2 is a word, not the root
        if kind == 2:
            return d >= 3 or (d == 2 and not has_buffer)
        return False
    s1 = stack[b, d - 1]
    if kind == 0:
        return has_buffer
    if kind == 1:
        return has_buffer and s1 != 0 and heads[b, s1] == -1
    if kind == 2:
        if not has_buffer:
            return False
        if s1 == 0:
            return children[b, 0, 2] == -1  # one root word
        return True
    return s1 != 0 and heads[b, s1] != -1


@njit(cache=True, nogil=True)
def transition_kind(system, n_labels, t):
    """(kind, label) of transition id t: kind 0 shift, 1 left, 2 right, 3 reduce."""
    if t == 0:
        return 0, -1
    if system == ARC_STANDARD:
        if t <= n_labels:
            return 1, t - 1
        return 2, t - 1 - n_labels
    if t == 1:
        return 3, -1
    if t <= n_labels + 1:
        return 1, t - 2
    return 2, t - 2 - n_labels


@njit(cache=True, nogil=True)
def transition_id(system, n_labels, kind, label):
    if kind == 0:
        return 0
    if system == ARC_STANDARD:
        return 1 + label if kind == 1 else 1 + n_labels + label
    if kind == 3:
        return 1
    return 2 + label if kind == 1 else 2 + n_labels + label


@njit(cache=True, nogil=True)
def apply(system, n_labels, stack, depth, next_word, heads, labels, children, b, t):
    kind, label = transition_kind(system, n_labels, t)
    d = depth[b]
    if kind == 0:
        stack[b, d] = next_word[b]
        depth[b] = d + 1
        next_word[b] += 1
    elif system == ARC_STANDARD:
        s1, s2 = stack[b, d - 1], stack[b, d - 2]
        if kind == 1:
            _add_arc(heads, labels, children, b, s1, s2, label)
            stack[b, d - 2] = s1
        else:
            _add_arc(heads, labels, children, b, s2, s1, label)
        depth[b] = d - 1
    else:
        s1, b1 = stack[b, d - 1], next_word[b]
        if kind == 3:
            depth[b] = d - 1
        elif kind == 1:
            _add_arc(heads, labels, children, b, b1, s1, label)
            depth[b] = d - 1
        else:
            _add_arc(heads, labels, children, b, s1, b1, label)
            stack[b, d] = b1
            depth[b] = d + 1
            next_word[b] += 1


@njit(cache=True, nogil=True)
def _complete(gold_heads, start, n, heads, b, token):
    """Whether every gold dependent of ``token`` is attached (``gold_heads`` of the sentence from ``start``)."""
    for k in range(1, n + 1):  # noqa: SIM110 (a plain loop: numba compiles it, not a generator)
        if gold_heads[start + k - 1] == token and heads[b, k] == -1:
            return False
    return True


@njit(cache=True, nogil=True)
def oracle(system, n_labels, stack, depth, next_word, length, heads, children, gold_heads, gold_labels, start, b):
    """The static oracle's transition in state b; ``gold_*[start + k - 1]`` describe word k of the sentence."""
    n = length[b]
    d = depth[b]
    if system == ARC_STANDARD:
        if d >= 3:
            s1, s2 = stack[b, d - 1], stack[b, d - 2]
            if gold_heads[start + s2 - 1] == s1:
                return transition_id(system, n_labels, 1, gold_labels[start + s2 - 1])
        if d >= 2:
            s1, s2 = stack[b, d - 1], stack[b, d - 2]
            complete = s1 != 0 and gold_heads[start + s1 - 1] == s2 and _complete(gold_heads, start, n, heads, b, s1)
            if complete and legal(system, n_labels, stack, depth, next_word, length, heads, children, b, 2):
                return transition_id(system, n_labels, 2, gold_labels[start + s1 - 1])
        return SHIFT
    s1 = stack[b, d - 1]
    b1 = next_word[b]
    if b1 <= n:
        if s1 != 0 and gold_heads[start + s1 - 1] == b1:
            return transition_id(system, n_labels, 1, gold_labels[start + s1 - 1])
        if gold_heads[start + b1 - 1] == s1:
            return transition_id(system, n_labels, 2, gold_labels[start + b1 - 1])
    if s1 != 0 and heads[b, s1] != -1 and _complete(gold_heads, start, n, heads, b, s1):
        return 1  # REDUCE
    return SHIFT


def feature_width(with_feats: bool) -> int:
    return N_FEATURES_WITH_FEATS if with_feats else N_FEATURES


@njit(cache=True, nogil=True)
def _token_ids(words, pos, feats, start, position, out, col):
    with_feats = len(out) > N_FEATURES
    if position == NONE:
        out[col] = NULL_ID
        out[col + N_POSITIONS] = NULL_ID
        if with_feats:
            out[N_FEATURES + col] = NULL_ID
    elif position == 0:
        out[col] = ROOT_ID
        out[col + N_POSITIONS] = ROOT_ID
        if with_feats:
            out[N_FEATURES + col] = ROOT_ID
    else:
        out[col] = words[start + position - 1]
        out[col + N_POSITIONS] = pos[start + position - 1]
        if with_feats:
            out[N_FEATURES + col] = feats[start + position - 1]


@njit(cache=True, nogil=True)
def features(stack, depth, next_word, length, labels, children, words, pos, feats, start, b, label_offset, out):
    """Chen & Manning's 48 ids for state b into ``out``: words, POS (of the sentence from ``start``), labels;
    and the FEATS ids when ``out`` has room for them (66).

    Labels are stored as ``label_offset + label`` (the label table's first rows are the special ids)."""
    d = depth[b]
    positions = np.empty(N_POSITIONS, np.int64)
    for i in range(3):
        positions[i] = stack[b, d - 1 - i] if d - 1 - i >= 0 else NONE
        w = next_word[b] + i
        positions[3 + i] = w if w <= length[b] else NONE
    for i in range(2):
        s = positions[i]
        base = 6 + 4 * i
        if s == NONE:
            for k in range(4):
                positions[base + k] = NONE
            positions[14 + 2 * i] = NONE
            positions[15 + 2 * i] = NONE
            continue
        lc1, lc2, rc1, rc2 = children[b, s, 0], children[b, s, 1], children[b, s, 2], children[b, s, 3]
        positions[base] = lc1
        positions[base + 1] = rc1
        positions[base + 2] = lc2
        positions[base + 3] = rc2
        positions[14 + 2 * i] = children[b, lc1, 0] if lc1 != NONE else NONE
        positions[15 + 2 * i] = children[b, rc1, 2] if rc1 != NONE else NONE
    for col in range(N_POSITIONS):
        _token_ids(words, pos, feats, start, positions[col], out, col)
    for k in range(N_CHILD_POSITIONS):
        p = positions[6 + k]
        out[2 * N_POSITIONS + k] = NULL_ID if p == NONE else label_offset + labels[b, p]


@njit(cache=True, nogil=True)
def oracle_examples(system, n_labels, words, pos, feats, gold_heads, gold_labels, offsets, label_offset, width):
    """Every (features, transition) pair the oracle visits over a treebank, in order, and the parsed arcs.

    ``offsets[i]:offsets[i + 1]`` are sentence i's words in the flat arrays; ``width`` is 48, or 66 with the
    FEATS ids (``feats``; unread otherwise). Returns (features (N, width),
    transitions (N,), heads and labels the oracle produced per word, flat): the caller checks the tree came back.
    """
    n_sentences = len(offsets) - 1
    total_words = offsets[-1]
    n_examples = 2 * total_words  # both systems take at most 2n transitions
    examples = np.empty((n_examples, width), np.int32)
    moves = np.empty(n_examples, np.int32)
    out_heads = np.full(total_words, -1, np.int64)
    out_labels = np.full(total_words, -1, np.int64)
    row = 0
    max_len = 0
    for i in range(n_sentences):
        max_len = max(max_len, offsets[i + 1] - offsets[i])
    stack = np.zeros((1, max_len + 2), np.int64)
    depth = np.ones(1, np.int64)
    next_word = np.ones(1, np.int64)
    length = np.zeros(1, np.int64)
    heads = np.full((1, max_len + 1), -1, np.int64)
    labels = np.full((1, max_len + 1), -1, np.int64)
    children = np.full((1, max_len + 1, 4), -1, np.int64)
    line = np.empty(width, np.int64)
    for i in range(n_sentences):
        start = offsets[i]
        n = offsets[i + 1] - start
        stack[0, 0] = 0
        depth[0] = 1
        next_word[0] = 1
        length[0] = n
        heads[0, : n + 1] = -1
        labels[0, : n + 1] = -1
        children[0, : n + 1, :] = -1
        steps = 0
        while not is_terminal(system, stack, depth, next_word, length, 0) and steps < 2 * n + 1:
            t = oracle(
                system, n_labels, stack, depth, next_word, length, heads, children, gold_heads, gold_labels, start, 0
            )
            kind, _ = transition_kind(system, n_labels, t)
            if not legal(system, n_labels, stack, depth, next_word, length, heads, children, 0, kind):
                break  # a non-projective tree: the caller sees the arcs that did not come back
            features(stack, depth, next_word, length, labels, children, words, pos, feats, start, 0, label_offset, line)
            examples[row, :] = line
            moves[row] = t
            row += 1
            apply(system, n_labels, stack, depth, next_word, heads, labels, children, 0, t)
            steps += 1
        for k in range(1, n + 1):
            out_heads[start + k - 1] = heads[0, k]
            out_labels[start + k - 1] = labels[0, k]
    return examples[:row], moves[:row], out_heads, out_labels


@njit(cache=True, nogil=True)
def batch_features(
    stack, depth, next_word, length, labels, children, words, pos, feats, starts, active, label_offset, width
):
    """Features (len(active), width) of the states ``active`` (rows of the batch); ``starts[b]`` is sentence b's
    first word in the flat ``words``/``pos``/``feats``."""
    out = np.empty((len(active), width), np.int64)
    for i in range(len(active)):
        b = active[i]
        features(
            stack, depth, next_word, length, labels, children, words, pos, feats, starts[b], b, label_offset, out[i]
        )
    return out


@njit(cache=True, nogil=True)
def step_best(system, n_labels, stack, depth, next_word, length, heads, labels, children, scores, active):
    """Apply, in each state of ``active``, its highest-scoring legal transition (scores row i for active[i])."""
    n_moves = scores.shape[1]
    for i in range(len(active)):
        b = active[i]
        best = -1
        best_score = -np.inf
        for t in range(n_moves):
            if scores[i, t] <= best_score:
                continue
            kind, _ = transition_kind(system, n_labels, t)
            if legal(system, n_labels, stack, depth, next_word, length, heads, children, b, kind):
                best = t
                best_score = scores[i, t]
        if best >= 0:
            apply(system, n_labels, stack, depth, next_word, heads, labels, children, b, best)
        else:  # no legal move left (cannot happen in a well-formed state): finish by emptying the buffer
            next_word[b] = length[b] + 1
            depth[b] = 1


@njit(cache=True, nogil=True)
def still_parsing(system, stack, depth, next_word, length, active):
    keep = np.zeros(len(active), np.bool_)
    for i in range(len(active)):
        keep[i] = not is_terminal(system, stack, depth, next_word, length, active[i])
    return active[keep]
