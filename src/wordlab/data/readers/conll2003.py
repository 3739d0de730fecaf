"""CoNLL-2003 English NER files: documents of sentences, one ``token POS chunk NER`` line per token.

The published files tag chunks and entities in IOB1 (``I-`` may open an entity; ``B-`` only separates two
adjacent entities of one type). Taggers train and seqeval scores in IOB2 or BIOES, so the reader converts both
the chunk and the NER column, by default to IOB2. Documents are kept because document context (the
``-DOCSTART-`` boundaries) is what document-level NER models and splits by article need.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from wordlab.data.errors import DataFormatError
from wordlab.data.readers.lines import iter_lines

TagScheme = Literal["iob1", "iob2", "bioes"]
DOCSTART = "-DOCSTART-"


@dataclass(frozen=True, slots=True)
class Sentence:
    """Tags aligned with ``tokens``; chunk and NER tags in the scheme the reader was asked for."""

    tokens: tuple[str, ...]
    pos_tags: tuple[str, ...]
    chunk_tags: tuple[str, ...]
    ner_tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Document:
    sentences: tuple[Sentence, ...]


def _split_tag(tag: str) -> tuple[str, str]:
    prefix, dash, kind = tag.partition("-")
    if not dash or not kind or len(prefix) != 1:
        raise ValueError(f"malformed tag {tag!r}: expected 'O' or PREFIX-TYPE")
    return prefix, kind


def iob1_to_iob2(tags: Sequence[str]) -> tuple[str, ...]:
    """Make every entity start with ``B-``: an ``I-X`` that does not continue an ``X`` entity opens one.

    Input already in IOB2 comes back unchanged, so the conversion is safe to apply twice.
    """
    converted: list[str] = []
    previous_kind: str | None = None  # entity type of the previous token, None after O
    for tag in tags:
        if tag == "O":
            converted.append(tag)
            previous_kind = None
            continue
        prefix, kind = _split_tag(tag)
        if prefix == "I":
            converted.append(tag if kind == previous_kind else f"B-{kind}")
        elif prefix == "B":
            converted.append(tag)
        else:
            raise ValueError(f"tag {tag!r} is not IOB1: only O, B-X and I-X are allowed")
        previous_kind = kind
    return tuple(converted)


def iob2_to_bioes(tags: Sequence[str]) -> tuple[str, ...]:
    """Mark the last token of each entity ``E-`` and single-token entities ``S-``.

    Raises ValueError on an ``I-X`` that does not continue an ``X`` entity: that is IOB1 (or a tagger's slip)
    and the entity's extent would be guesswork; convert with ``iob1_to_iob2`` first.
    """
    converted: list[str] = []
    for i, tag in enumerate(tags):
        if tag == "O":
            converted.append(tag)
            continue
        prefix, kind = _split_tag(tag)
        if prefix == "I":
            previous = tags[i - 1] if i else "O"
            if previous not in (f"B-{kind}", f"I-{kind}"):
                raise ValueError(f"tag {tag!r} at position {i} does not continue a {kind} entity: not IOB2")
        elif prefix != "B":
            raise ValueError(f"tag {tag!r} at position {i} is not IOB2: only O, B-X and I-X are allowed")
        continues = i + 1 < len(tags) and tags[i + 1] == f"I-{kind}"
        if prefix == "B":
            converted.append(f"B-{kind}" if continues else f"S-{kind}")
        else:
            converted.append(f"I-{kind}" if continues else f"E-{kind}")
    return tuple(converted)


def convert_tags(tags: Sequence[str], scheme: TagScheme) -> tuple[str, ...]:
    """IOB1 tags (as in the files) in the given scheme."""
    if scheme == "iob1":
        return tuple(tags)
    if scheme == "iob2":
        return iob1_to_iob2(tags)
    if scheme == "bioes":
        return iob2_to_bioes(iob1_to_iob2(tags))
    raise ValueError(f"unknown tag scheme {scheme!r}: expected 'iob1', 'iob2' or 'bioes'")


_IOB_TAG = re.compile(r"O|[BI]-\S+")


def read_conll2003(path: Path, scheme: TagScheme = "iob2") -> list[Document]:
    return list(iter_conll2003(path, scheme))


def iter_conll2003(path: Path, scheme: TagScheme = "iob2") -> Iterator[Document]:
    """Stream the documents of a CoNLL-2003 file, chunk and NER tags converted to ``scheme``.

    Sentences before the first ``-DOCSTART-`` (hand-made files often have none) form a document of their own.
    A file without a single sentence is refused once read to its end: a split of no sentences trains nothing.
    """
    path = Path(path)
    if scheme not in ("iob1", "iob2", "bioes"):
        raise ValueError(f"unknown tag scheme {scheme!r}: expected 'iob1', 'iob2' or 'bioes'")
    sentences: list[Sentence] = []
    rows: list[list[str]] = []
    valid_tags: set[str] = set()  # tags already checked: a file has few distinct ones
    in_document = False
    any_sentence = False
    for line_number, line in iter_lines(path):
        if line.startswith(DOCSTART):
            if rows:
                sentences.append(_sentence(rows, scheme))
                rows = []
            if in_document or sentences:
                any_sentence = any_sentence or bool(sentences)
                yield Document(tuple(sentences))
            sentences = []
            in_document = True
        elif not line.strip():
            if rows:
                sentences.append(_sentence(rows, scheme))
                rows = []
        else:
            rows.append(_columns(path, line_number, line, valid_tags))
    if rows:
        sentences.append(_sentence(rows, scheme))
    if in_document or sentences:
        any_sentence = any_sentence or bool(sentences)
        yield Document(tuple(sentences))
    if not any_sentence:
        raise DataFormatError(path, 1, "no sentences in the file (only blank lines and -DOCSTART- lines)")


def _columns(path: Path, line_number: int, line: str, valid_tags: set[str]) -> list[str]:
    columns = line.split(" ")
    if len(columns) != 4 or "" in columns:
        raise DataFormatError(
            path,
            line_number,
            f"expected 4 columns 'token POS chunk NER' separated by single spaces: {line!r}",
        )
    for name, tag in (("chunk", columns[2]), ("NER", columns[3])):
        if tag not in valid_tags:
            if not _IOB_TAG.fullmatch(tag):
                raise DataFormatError(path, line_number, f"{name} tag {tag!r} is not O, B-TYPE or I-TYPE")
            valid_tags.add(tag)
    return columns


def _sentence(rows: list[list[str]], scheme: TagScheme) -> Sentence:
    tokens, pos, chunk, ner = zip(*rows, strict=True)
    return Sentence(
        tokens=tokens,
        pos_tags=pos,
        chunk_tags=convert_tags(chunk, scheme),
        ner_tags=convert_tags(ner, scheme),
    )
