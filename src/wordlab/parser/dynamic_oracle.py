"""Dynamic oracles: the cost of every transition in any parser state, not only in the states of the gold path.

A parser trained by the static oracle only ever sees the states its gold moves lead to; at parse time its first
mistake takes it to states it never learnt from. A dynamic oracle (Goldberg & Nivre 2012) says, in any state,
how many more errors the best tree still reachable will have after each transition: its cost. Training then
follows the network's own moves and teaches, in each state reached, the best-scoring transition of least cost.
UDPipe 1's parser trains this way by default (``transition_oracle=dynamic``).

The cost of transition t in state c is ``loss(t(c)) + arc(t) - loss(c)``: ``loss`` the fewest errors of any tree
reachable from a state, ``arc(t)`` 1 when t builds a wrong arc, or the right arc with the wrong label.

- arc-eager is arc-decomposable: the cost counts the gold arcs t makes unreachable (Goldberg & Nivre 2013,
  section 5.1), each gold arc reachable while its dependent has no head and its two ends are not both on the
  stack.
- arc-standard is not: ``loss`` comes from Goldberg, Sartorio & Satta (2014)'s dynamic programme over the stack
  and the *right stack* (the buffer words that must attach to something left of the buffer: a gold head or
  dependent before it, or a dependent already in the right stack), run for the state after each kind of move.
  The programme grows a span from the stack's top, leftwards one stack word at a time and rightwards one block
  of right-stack words at a time (a subtree of them: buffer words can still combine among themselves before
  they meet the stack, which growing by single words, as UDPipe 1 does, misses), each new word or block
  attached to or over the span's head; the whole stack and right stack under the root is the best reachable
  tree. The root's single word is not modelled in the programme, only in which moves are legal; the test
  finds the costs equal to an exhaustive search's in every state it draws.

Costs of illegal transitions are :data:`ILLEGAL`. Everything is compiled with numba, per state, so that the
exploration pass (:mod:`.exploration`) costs a few seconds per epoch of EWT.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wordlab.parser.transitions import ARC_EAGER, ARC_STANDARD, legal, transition_id

ILLEGAL = 1 << 30


@njit(cache=True, nogil=True)
def _right_stack(buffer_start, n, gold_heads, start, marked, out):
    """The buffer words that must attach left of the buffer, in order, into ``out``; returns how many.

    A word is one when its gold head is left of the buffer, or a gold dependent of it is left of the buffer or
    already in the right stack (so a word's dependents to its left decide it; ``marked`` is scratch, n + 2)."""
    marked[: n + 2] = False
    for c in range(1, min(buffer_start, n + 1)):
        h = gold_heads[start + c - 1]
        if h >= buffer_start:
            marked[h] = True
    count = 0
    for w in range(buffer_start, n + 1):
        h = gold_heads[start + w - 1]
        if h < buffer_start or marked[w]:
            out[count] = w
            count += 1
            if h > w:
                marked[h] = True
    return count


@njit(cache=True, nogil=True)
def _right_blocks(right, n_right, gold_heads, start):
    """blocks[p, q, k]: the fewest wrong heads among right-stack words p..q (but k) in one projective tree headed
    by word k. Buffer words may still combine freely, so the right stack's words can form subtrees among
    themselves before joining the stack (Eisner-style, over the right stack alone)."""
    blocks = np.full((n_right, n_right, n_right), ILLEGAL, np.int64)
    left = np.zeros((n_right, n_right), np.int64)  # left[p, k]: words p..k-1 all under word k
    right_of = np.zeros((n_right, n_right), np.int64)  # right_of[k, q]: words k+1..q all under word k
    for size in range(n_right):
        for p in range(n_right - size):
            q = p + size
            if size > 0:
                best_left = ILLEGAL  # p..q-1 under q: a leftmost subtree p..m headed by c, the rest under q
                best_right = ILLEGAL  # p+1..q under p: a rightmost subtree m..q headed by c, the rest under p
                for m in range(p, q):
                    for c in range(p, m + 1):
                        cost = blocks[p, m, c] + (gold_heads[start + right[c] - 1] != right[q]) + left[m + 1, q]
                        best_left = min(best_left, cost)
                for m in range(p + 1, q + 1):
                    for c in range(m, q + 1):
                        cost = right_of[p, m - 1] + blocks[m, q, c] + (gold_heads[start + right[c] - 1] != right[p])
                        best_right = min(best_right, cost)
                left[p, q], right_of[p, q] = best_left, best_right
            for k in range(p, q + 1):
                blocks[p, q, k] = left[p, k] + right_of[k, q]
    return blocks


@njit(cache=True, nogil=True)
def _best_loss(sequence, n_stack, n_right, gold_heads, start):
    """Fewest wrong heads of any tree over ``sequence`` (the stack bottom to top, then the right stack) that the
    arc-standard system can still build: Goldberg, Sartorio & Satta (2014)'s table T[i, j, h], the cost of the
    span of the stack's top i + 1 words and the right stack's first j words as one tree headed by its h-th word.
    A span grows by the next stack word or by the next block of right-stack words (one subtree of them)."""
    width = n_stack + n_right
    right = sequence[n_stack:width]
    blocks = _right_blocks(right, n_right, gold_heads, start)
    table = np.full((n_stack, n_right + 1, width), ILLEGAL, np.int64)
    table[0, 0, 0] = 0
    for size in range(width - 1):  # spans of size + 1 words, each grown by one stack word or a block
        for i in range(max(0, size - n_right), min(size, n_stack - 1) + 1):
            j = size - i
            first = n_stack - 1 - i  # the span's leftmost word in ``sequence``
            for h in range(size + 1):
                cost = table[i, j, h]
                if cost >= ILLEGAL:
                    continue
                head = sequence[first + h]
                if i + 1 < n_stack:  # the next stack word, to the left
                    new = sequence[first - 1]
                    if new != 0:  # under the span's head (the root is never a dependent)
                        grown = cost + (gold_heads[start + new - 1] != head)
                        if grown < table[i + 1, j, h + 1]:
                            table[i + 1, j, h + 1] = grown
                    if head != 0:  # over it
                        grown = cost + (gold_heads[start + head - 1] != new)
                        if grown < table[i + 1, j, 0]:
                            table[i + 1, j, 0] = grown
                for q in range(j, n_right):  # right-stack words j..q as one subtree headed by word k
                    for k in range(j, q + 1):
                        inside = cost + blocks[j, q, k]
                        new = right[k]
                        grown = inside + (gold_heads[start + new - 1] != head)
                        if grown < table[i, q + 1, h]:
                            table[i, q + 1, h] = grown
                        if head != 0:
                            grown = inside + (gold_heads[start + head - 1] != new)
                            if grown < table[i, q + 1, i + 1 + k]:
                                table[i, q + 1, i + 1 + k] = grown
    return table[n_stack - 1, n_right, 0]


@njit(cache=True, nogil=True)
def _arc_standard_loss(stack_words, n_stack, buffer_start, n, gold_heads, start, sequence, marked):
    sequence[:n_stack] = stack_words[:n_stack]
    n_right = _right_stack(buffer_start, n, gold_heads, start, marked, sequence[n_stack:])
    return _best_loss(sequence, n_stack, n_right, gold_heads, start)


@njit(cache=True, nogil=True)
def _arc_standard_costs(n_labels, stack, depth, next_word, length, heads, children, gold_heads, gold_labels, start, b,
                        out):  # fmt: skip
    n, d, front = length[b], depth[b], next_word[b]
    sequence = np.empty(2 * n + 3, np.int64)
    marked = np.zeros(n + 2, np.bool_)
    words = np.empty(d + 1, np.int64)
    words[:d] = stack[b, :d]
    now = _arc_standard_loss(words, d, front, n, gold_heads, start, sequence, marked)
    if legal(ARC_STANDARD, n_labels, stack, depth, next_word, length, heads, children, b, 0):
        words[d] = front
        out[0] = _arc_standard_loss(words, d + 1, front + 1, n, gold_heads, start, sequence, marked) - now
    if d < 2:
        return
    s1, s2 = stack[b, d - 1], stack[b, d - 2]
    for kind in (1, 2):
        if not legal(ARC_STANDARD, n_labels, stack, depth, next_word, length, heads, children, b, kind):
            continue
        head, dependent = (s1, s2) if kind == 1 else (s2, s1)
        words[d - 2] = head  # the dependent leaves the stack; the head stays where the pair was
        after = _arc_standard_loss(words, d - 1, front, n, gold_heads, start, sequence, marked)
        words[d - 2] = s2
        right_head = gold_heads[start + dependent - 1] == head
        arc_cost = after - now + (0 if right_head else 1)
        gold_label = gold_labels[start + dependent - 1]
        for label in range(n_labels):
            out[transition_id(ARC_STANDARD, n_labels, kind, label)] = arc_cost + (right_head and label != gold_label)


@njit(cache=True, nogil=True)
def _arc_eager_costs(n_labels, stack, depth, next_word, length, heads, children, gold_heads, gold_labels, start, b,
                     out):  # fmt: skip
    """Goldberg & Nivre (2013)'s arc-eager costs: the gold arcs each move makes unreachable."""
    n, d, front = length[b], depth[b], next_word[b]
    system = ARC_EAGER
    on_stack = np.zeros(n + 2, np.bool_)  # where a headless word's gold head can still be reached from
    for k in range(d):
        on_stack[stack[b, k]] = True
    on_stack[0] = children[b, 0, 2] == -1  # the root takes one word: once it has it, no other reaches it
    s1 = stack[b, d - 1]
    has_buffer = front <= n
    # gold dependents of s1 in the buffer (all headless), and headless stack words whose gold head is the front
    s1_in_buffer = 0
    stack_under_front = 0
    if has_buffer:
        for k in range(front, n + 1):
            if gold_heads[start + k - 1] == s1:
                s1_in_buffer += 1
        for k in range(d):
            w = stack[b, k]
            if w != 0 and heads[b, w] == -1 and gold_heads[start + w - 1] == front:
                stack_under_front += 1
    if legal(system, n_labels, stack, depth, next_word, length, heads, children, b, 0):  # SHIFT
        out[0] = stack_under_front + on_stack[gold_heads[start + front - 1]]
    if legal(system, n_labels, stack, depth, next_word, length, heads, children, b, 3):  # REDUCE
        out[1] = s1_in_buffer
    if legal(system, n_labels, stack, depth, next_word, length, heads, children, b, 1):  # LEFT: front -> s1
        s1_head = gold_heads[start + s1 - 1]
        lost = s1_in_buffer + (s1_head > front)
        gold_label = gold_labels[start + s1 - 1]
        for label in range(n_labels):
            out[transition_id(system, n_labels, 1, label)] = lost + (s1_head == front and label != gold_label)
    if legal(system, n_labels, stack, depth, next_word, length, heads, children, b, 2):  # RIGHT: s1 -> front
        front_head = gold_heads[start + front - 1]
        lost = stack_under_front + (front_head != s1 and (on_stack[front_head] or front_head > front))
        if s1 == 0:  # the root takes one word: the buffer's other gold root words lose it
            for k in range(front + 1, n + 1):
                if gold_heads[start + k - 1] == 0:
                    lost += 1
        gold_label = gold_labels[start + front - 1]
        for label in range(n_labels):
            out[transition_id(system, n_labels, 2, label)] = lost + (front_head == s1 and label != gold_label)


@njit(cache=True, nogil=True)
def transition_costs(system, n_labels, stack, depth, next_word, length, heads, children, gold_heads, gold_labels,
                     start, b, out):  # fmt: skip
    """Every transition's cost in state b into ``out`` (:data:`ILLEGAL` for the illegal ones); the gold tree is
    ``gold_*[start + k - 1]`` for word k, projective."""
    out[:] = ILLEGAL
    if system == ARC_STANDARD:
        _arc_standard_costs(n_labels, stack, depth, next_word, length, heads, children, gold_heads, gold_labels,
                            start, b, out)  # fmt: skip
    else:
        _arc_eager_costs(n_labels, stack, depth, next_word, length, heads, children, gold_heads, gold_labels, start,
                         b, out)  # fmt: skip
