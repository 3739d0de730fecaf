"""Plain-text corpora (WikiText-2, PTB, enwiki-17m): one line of whitespace-separated tokens after another.

The files are streamed line by line because the largest (enwiki-17m, 107 MB) should never sit in memory as
Python strings. The end-of-sentence convention is PyTorch's word_language_model one, which the published
token counts follow: every line, empty ones included, ends with one ``eos`` token.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from wordlab.data.errors import DataFormatError
from wordlab.data.readers.lines import iter_lines

EOS = "<eos>"


def iter_token_lines(path: Path, eos: str | None = None) -> Iterator[tuple[str, ...]]:
    """Yield each line of ``path`` as its tokens, with ``eos`` appended when given.

    Lines end at ``\\n`` only (a ``\\r`` before it is whitespace, so ``split`` drops it). Lines are decoded one
    at a time, so a byte that is not UTF-8 is reported with its line number after the lines before it were read.
    A file without a single token (empty, or only whitespace) is refused once it has been read to its end.
    """
    path = Path(path)
    tail = (eos,) if eos is not None else ()
    any_token = False
    for _, line in iter_lines(path, universal_newlines=False):
        tokens = line.split()
        any_token = any_token or bool(tokens)
        yield (*tokens, *tail)
    if not any_token:
        raise DataFormatError(path, 1, "no tokens in the file (only whitespace)")


def iter_tokens(path: Path, eos: str | None = None) -> Iterator[str]:
    """The tokens of ``path`` as one stream, in file order (what a language model consumes)."""
    for tokens in iter_token_lines(path, eos=eos):
        yield from tokens


def read_token_lines(path: Path) -> list[list[str]]:
    """One sentence of whitespace-separated tokens per line, for a model applied to a user's text: an empty line is
    refused with its number (it would be a sentence of nothing), as is a file without a line."""
    sentences = []
    for line_number, line in iter_lines(Path(path)):
        tokens = line.split()
        if not tokens:
            raise DataFormatError(path, line_number, "an empty line: one sentence per line is expected")
        sentences.append(tokens)
    if not sentences:
        raise DataFormatError(path, 1, "no sentences in the file")
    return sentences
