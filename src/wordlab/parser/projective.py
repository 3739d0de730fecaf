"""Projectivity and pseudo-projective parsing (Nivre & Nilsson 2005, the "Head" encoding).

A transition parser of the arc-standard or arc-eager kind builds projective trees only. Rather than drop the
training sentences whose trees cross (what the parser calls "declaring defeat"), pseudo-projective parsing lifts
each crossing arc to the grandparent until the tree is projective, and records the lift in the lifted word's
label: ``d|h`` says "my relation is d, and my true head is a descendant of my current head whose relation is h".
After parsing, :func:`deprojectivize` searches, breadth-first and left to right, under each ``d|h`` word's head
for a word labelled h (not inside the lifted word's own subtree) and re-attaches it there.

Trees are lists indexed by word (``heads[k - 1]`` is word k's head, 0 the root), as the parser's flat arrays.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

LIFT_SEPARATOR = "|"  # never part of a UD relation (those use ":" for subtypes)


def _dominates(heads: Sequence[int], ancestor: int, word: int) -> bool:
    """Whether ``ancestor`` is on the head path of ``word`` (a word dominates itself; the root dominates all)."""
    node = word
    steps = 0
    while node != ancestor:
        if node == 0 or steps > len(heads):
            return False
        node = heads[node - 1]
        steps += 1
    return True


def is_projective_arc(heads: Sequence[int], dep: int) -> bool:
    """The arc into ``dep`` is projective when its head dominates every word strictly between the two."""
    head = heads[dep - 1]
    low, high = min(head, dep), max(head, dep)
    return all(_dominates(heads, head, k) for k in range(low + 1, high))


def nonprojective_arcs(heads: Sequence[int]) -> list[int]:
    """The dependents whose incoming arc is not projective."""
    return [dep for dep in range(1, len(heads) + 1) if not is_projective_arc(heads, dep)]


def is_projective(heads: Sequence[int]) -> bool:
    return not nonprojective_arcs(heads)


@dataclass(frozen=True)
class Lifted:
    heads: list[int]
    labels: list[str]
    lifted_words: tuple[int, ...]  # words whose arc was lifted (at least once)
    lifts: int  # lift operations (an arc may be lifted more than once)


def projectivize(heads: Sequence[int], labels: Sequence[str]) -> Lifted:
    """Lift the shortest non-projective arc (the leftmost among equals) one step at a time until none is left."""
    heads, labels = list(heads), list(labels)
    original = list(labels)
    lifted: set[int] = set()
    lifts = 0
    while True:
        crossing = nonprojective_arcs(heads)
        if not crossing:
            break
        dep = min(crossing, key=lambda d: (abs(heads[d - 1] - d), d))
        head = heads[dep - 1]
        if dep not in lifted:  # the encoding names the original head's relation, taken before any lift of it
            labels[dep - 1] = f"{original[dep - 1]}{LIFT_SEPARATOR}{original[head - 1]}"
            lifted.add(dep)
        heads[dep - 1] = heads[head - 1]
        lifts += 1
    return Lifted(heads, labels, tuple(sorted(lifted)), lifts)


def split_label(label: str) -> tuple[str, str | None]:
    """``d|h`` -> (d, h); a plain label -> (label, None)."""
    relation, separator, head_relation = label.partition(LIFT_SEPARATOR)
    return relation, (head_relation if separator else None)


def deprojectivize(heads: Sequence[int], labels: Sequence[str]) -> tuple[list[int], list[str]]:
    """Undo the lifts: each ``d|h`` word moves to the first word labelled h found breadth-first under its head
    (outside its own subtree), and keeps label d; when none is found it stays where it is, labelled d."""
    heads, labels = list(heads), list(labels)
    n = len(heads)
    children: list[list[int]] = [[] for _ in range(n + 1)]
    for dep in range(1, n + 1):
        children[heads[dep - 1]].append(dep)
    order = _breadth_first(children)
    for dep in order:
        relation, head_relation = split_label(labels[dep - 1])
        if head_relation is None:
            continue
        labels[dep - 1] = relation
        target = _search(children, heads[dep - 1], dep, head_relation, labels)
        if target is not None:
            children[heads[dep - 1]].remove(dep)
            heads[dep - 1] = target
            children[target].append(dep)
            children[target].sort()
    return heads, labels


def _breadth_first(children: list[list[int]]) -> list[int]:
    order: list[int] = []
    queue = deque(children[0])
    while queue:
        node = queue.popleft()
        order.append(node)
        queue.extend(children[node])
    return order


def _search(children: list[list[int]], start: int, moving: int, relation: str, labels: list[str]) -> int | None:
    queue = deque(c for c in children[start] if c != moving)
    while queue:
        node = queue.popleft()
        if split_label(labels[node - 1])[0] == relation:
            return node
        queue.extend(c for c in children[node] if c != moving)
    return None
