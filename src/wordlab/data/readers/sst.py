"""Stanford Sentiment Treebank trees in PTB bracket form, ``(3 (2 It) (4 (2 is) (3 good)))``, one per line.

Every node carries a sentiment label 0-4, so one tree gives the sentence's label and a labelled phrase per
node (the phrase-level supervision of Socher et al. 2013). The bracket parser is written here because no
maintained library turns these trees into labelled spans: nltk's ``Tree.fromstring`` would (nltk is not a
dependency, and is a large one for 60 lines), ``pytreebank`` is unmaintained, and ``datasets`` no longer runs
the Hub's ``sst`` script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from wordlab.data.errors import DataFormatError
from wordlab.data.readers.lines import iter_lines

FINE_LABELS = ("very negative", "negative", "neutral", "positive", "very positive")
BINARY_LABELS = ("negative", "positive")


@dataclass(frozen=True, slots=True)
class Phrase:
    """A node of a tree: its words ``tokens[start:end]`` of the sentence, and its label 0-4."""

    start: int
    end: int
    tokens: tuple[str, ...]
    label: int


@dataclass(frozen=True, slots=True)
class SstTree:
    """A sentence, its root label, and its nodes as (start, end, label) spans in pre-order (root first).

    ``phrases`` builds the Phrase records on demand: a sentence classifier never needs the 300,000 of train.
    """

    tokens: tuple[str, ...]
    label: int
    spans: tuple[tuple[int, int, int], ...]

    @property
    def phrases(self) -> tuple[Phrase, ...]:
        return tuple(Phrase(start, end, self.tokens[start:end], label) for start, end, label in self.spans)


def binary_label(label: int) -> int | None:
    """The binary task's label: 0-1 negative (0), 3-4 positive (1), neutral 2 dropped (None)."""
    if label not in range(5):
        raise ValueError(f"SST labels are 0-4, not {label!r}")
    return None if label == 2 else int(label > 2)


def read_sst(path: Path) -> list[SstTree]:
    """The file's trees in order; a file with none is refused (a split of no sentences trains nothing)."""
    path = Path(path)
    trees: list[SstTree] = []
    for line_number, line in iter_lines(path):
        if line.strip():
            trees.append(parse_tree(line, path=path, line_number=line_number))
    if not trees:
        raise DataFormatError(path, 1, "no trees in the file (only blank lines)")
    return trees


_ITEM = re.compile(r"\(|\)|[^\s()]+")
_LABELS = {"0": 0, "1": 1, "2": 2, "3": 3, "4": 4}
# States of an open node: nothing inside yet, a word inside (a leaf), child nodes inside.
_EMPTY, _LEAF, _INNER = 0, 1, 2


def parse_tree(text: str, path: Path | str = "<string>", line_number: int = 1) -> SstTree:
    """Parse one bracketed tree; any error is a DataFormatError at ``path:line_number`` naming the column."""
    items = _ITEM.findall(text)

    def fail(index: int, problem: str) -> DataFormatError:
        matches = list(_ITEM.finditer(text))
        column = matches[index].start() + 1 if index < len(matches) else len(text.rstrip()) + 1
        return DataFormatError(path, line_number, f"column {column}: {problem}")

    tokens: list[str] = []
    spans: list[tuple[int, int, int]] = []  # pre-order; a node's span is set when it closes
    stack: list[list[int]] = []  # open nodes: [slot in spans, first word, label, state]
    i, n = 0, len(items)
    while i < n:
        item = items[i]
        if item == "(":
            if stack:
                if stack[-1][3] == _LEAF:
                    raise fail(i, "a node has both a word and child nodes")
                stack[-1][3] = _INNER
            elif spans:
                raise fail(i, "text after the tree's closing bracket: a second tree")
            label = _LABELS.get(items[i + 1]) if i + 1 < n else None
            if label is None:
                raise fail(i + 1, "expected a label 0-4 after '('")
            stack.append([len(spans), len(tokens), label, _EMPTY])
            spans.append((0, 0, label))
            i += 2
            continue
        if item == ")":
            if not stack:
                raise fail(i, "unbalanced brackets: ')' closes nothing")
            slot, start, label, state = stack.pop()
            if state == _EMPTY:
                raise fail(i, "a node with neither a word nor child nodes")
            spans[slot] = (start, len(tokens), label)
        elif not stack:
            raise fail(i, f"word {item!r} outside the tree's brackets")
        elif stack[-1][3] == _INNER:
            raise fail(i, f"word {item!r} beside child nodes: only leaves hold a word")
        elif stack[-1][3] == _LEAF:
            # A word with a space inside, as in "(2 8 1\/2)" (the film 8½): one token, single-spaced.
            tokens[-1] = f"{tokens[-1]} {item}"
        else:
            stack[-1][3] = _LEAF
            tokens.append(item)
        i += 1
    if stack:
        raise DataFormatError(path, line_number, f"unbalanced brackets: {len(stack)} '(' never closed")
    if not spans:
        raise DataFormatError(path, line_number, "no tree on the line")
    return SstTree(tokens=tuple(tokens), label=spans[0][2], spans=tuple(spans))
