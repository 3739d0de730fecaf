"""CoNLL-U treebanks (UD English EWT) as sentences of integer-id words whose heads form a tree.

Parsers and their scorer work on the basic dependency tree, so multiword-token lines (``3-4``) and empty nodes
(``8.1``) are dropped and every sentence is checked to be a single-rooted tree before anyone trains on it.

The ``conllu`` library's field and comment parsers read each line. The file is cut into sentence blocks and the
lines into columns here, while counting lines, so that every error names the line to look at; the per-line checks
conllu does not make (exactly ten tab-separated columns: conllu also splits on runs of spaces and accepts short
lines) are made here too.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conllu.exceptions import ParseException
from conllu.parser import (
    DEFAULT_FIELD_PARSERS,
    DEFAULT_FIELDS,
    parse_comment_line,
    parse_id_value,
    parse_int_value,
)

from wordlab.data.errors import DataFormatError
from wordlab.data.readers.lines import iter_lines

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class ConlluWord:
    """One syntactic word. ``feats``, ``deps`` and ``misc`` are (key, value) pairs, empty for ``_``.

    ``deps`` pairs are (head, relation) with the head as written (it may be an empty node such as ``8.1``);
    a bare ``misc`` key has the value ``""``.
    """

    id: int
    form: str
    lemma: str
    upos: str
    xpos: str | None
    feats: Pairs
    head: int
    deprel: str
    deps: Pairs
    misc: Pairs


@dataclass(frozen=True, slots=True)
class ConlluSentence:
    """``words[i]`` has id ``i + 1``; its ``head`` indexes ``words`` from 1, 0 being the root."""

    sent_id: str | None
    text: str | None
    words: tuple[ConlluWord, ...]


_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_DEPS = re.compile(
    r"(?:0|[1-9][0-9]*(?:\.[1-9][0-9]*)?):[^|:][^|]*(?:\|(?:0|[1-9][0-9]*(?:\.[1-9][0-9]*)?):[^|:][^|]*)*"
)


def _parse_id(columns: list[str], i: int) -> Any:
    # conllu's own parser, minus its per-call regex compilation for the common case (a plain integer).
    value = columns[i]
    return int(value) if _DECIMAL.fullmatch(value) else parse_id_value(value)


def _parse_head(columns: list[str], i: int) -> int | None:
    value = columns[i]
    return int(value) if _DECIMAL.fullmatch(value) else parse_int_value(value)


def _parse_pairs(columns: list[str], i: int) -> Pairs:
    # conllu's dict parser keeps only the text between the first and second "=" (EWT's MISC has
    # "Cxn=free=rc-obj"): split on the first "=" only, and keep the pairs' order.
    value = columns[i]
    if value == "_":
        return ()
    return tuple((key, rest) for key, _, rest in (part.partition("=") for part in value.split("|")))


def _parse_deps(columns: list[str], i: int) -> Pairs:
    value = columns[i]
    if value == "_":
        return ()
    if not _DEPS.fullmatch(value):
        raise ParseException(f"'{value}' is not a valid DEPS value (head:relation pairs joined by '|')")
    return tuple((head, relation) for head, _, relation in (part.partition(":") for part in value.split("|")))


_FIELD_PARSERS = {
    **DEFAULT_FIELD_PARSERS,
    "id": _parse_id,
    "head": _parse_head,
    "feats": _parse_pairs,
    "deps": _parse_deps,
    "misc": _parse_pairs,
}


def read_conllu(path: Path) -> list[ConlluSentence]:
    # Reading EWT train allocates millions of small objects and no reference cycles: with the cyclic collector
    # paused the read takes two thirds of the time (3.4 s instead of 4.8 on the 2-core machine).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return list(iter_conllu(path))
    finally:
        if collecting:
            gc.enable()


def iter_conllu(path: Path) -> Iterator[ConlluSentence]:
    """Stream the sentences of a CoNLL-U file; DataFormatError at the first line that breaks the format.

    Sentences are separated by blank (or whitespace-only) lines. A sentence is yielded only once it has been
    checked, so a consumer never sees half of a broken one. Lines are decoded one at a time (bytes that are not
    UTF-8 are reported by line), and a file without a sentence is refused once read to its end.
    """
    path = Path(path)
    any_sentence = False
    for first_line, lines in _blocks(path):
        any_sentence = True
        yield _sentence(path, first_line, lines)
    if not any_sentence:
        raise DataFormatError(path, 1, "no sentences in the file (only blank lines)")


def _blocks(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number of its first line, its lines) for each block of lines between blank lines."""
    lines: list[str] = []
    first_line = 0
    for line_number, line in iter_lines(path):
        if line.strip():
            if not lines:
                first_line = line_number
            lines.append(line)
        elif lines:
            yield first_line, lines
            lines = []
    if lines:
        yield first_line, lines


def _sentence(path: Path, first_line: int, lines: list[str]) -> ConlluSentence:
    metadata: dict[str, str | None] = {}
    words: list[ConlluWord] = []
    word_line: list[int] = []
    for offset, line in enumerate(lines):
        line_number = first_line + offset
        if line.startswith("#"):
            metadata.update(parse_comment_line(line))
            continue
        token = _token(path, line_number, line)
        if not isinstance(token["id"], int):
            continue  # multiword token (3-4) or empty node (8.1)
        if token["id"] != len(words) + 1:
            raise DataFormatError(path, line_number, f"word id {token['id']} out of order: expected {len(words) + 1}")
        if token["head"] is None:
            raise DataFormatError(path, line_number, f"word {token['id']} has no head ('_')")
        words.append(ConlluWord(**token))
        word_line.append(line_number)
    if not words:
        raise DataFormatError(path, first_line, "sentence without words")
    _check_tree(path, first_line, words, word_line)
    return ConlluSentence(sent_id=metadata.get("sent_id"), text=metadata.get("text"), words=tuple(words))


def _token(path: Path, line_number: int, line: str) -> dict[str, Any]:
    """One word line as conllu reads it: its field parsers applied to the columns (split here, where conllu's
    ``parse_line`` would split again on a regex per line, the better part of its time on a 200,000-line file)."""
    columns = line.strip().split("\t")
    if len(columns) != len(DEFAULT_FIELDS):
        raise DataFormatError(path, line_number, f"expected 10 tab-separated columns, found {len(columns)}: {line!r}")
    if "" in columns or "  " in line:
        raise DataFormatError(path, line_number, f"empty column or double space: {line!r}")
    token: dict[str, Any] = {}
    for i, field in enumerate(DEFAULT_FIELDS):
        parse = _FIELD_PARSERS.get(field)
        try:
            token[field] = columns[i] if parse is None else parse(columns, i)
        except ParseException as error:
            raise DataFormatError(path, line_number, f"Failed parsing field '{field}': {error}") from None
    return token


def _check_tree(path: Path, first_line: int, words: list[ConlluWord], word_line: list[int]) -> None:
    """Exactly one root, every head an existing word (or 0), and no cycle: errors point at the word's line."""
    n = len(words)
    roots = []
    for word, line_number in zip(words, word_line, strict=True):
        if not 0 <= word.head <= n:
            raise DataFormatError(path, line_number, f"word {word.id} has head {word.head}, outside 0..{n}")
        if word.head == 0:
            roots.append(line_number)
    if not roots:
        raise DataFormatError(path, first_line, "sentence has no root (no word with head 0)")
    if len(roots) > 1:
        raise DataFormatError(path, roots[1], f"second root: {len(roots)} words have head 0")
    # Walk up from every word; a word reached again on the same walk closes a cycle.
    reaches_root = [False] * (n + 1)
    reaches_root[0] = True
    for start in range(1, n + 1):
        walk: list[int] = []
        on_walk: set[int] = set()
        node = start
        while not reaches_root[node]:
            if node in on_walk:
                raise DataFormatError(
                    path, word_line[node - 1], f"word {node} is on a head cycle ({_cycle(words, node)})"
                )
            walk.append(node)
            on_walk.add(node)
            node = words[node - 1].head
        for visited in walk:
            reaches_root[visited] = True


def _cycle(words: list[ConlluWord], node: int) -> str:
    cycle = [node]
    head = words[node - 1].head
    while head != node:
        cycle.append(head)
        head = words[head - 1].head
    return " -> ".join(map(str, [*cycle, node]))
