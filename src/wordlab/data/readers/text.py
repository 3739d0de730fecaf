"""Plain-text corpora (WikiText-2, PTB, enwiki-17m): one line of whitespace-separated tokens after another.

The files are streamed line by line because the largest (enwiki-17m, 107 MB) should never sit in memory as
Python strings. The end-of-sentence convention is PyTorch's word_language_model one, which the published
token counts follow: every line, empty ones included, ends with one ``eos`` token.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from wordlab.data.errors import DataFormatError

EOS = "<eos>"


def iter_token_lines(path: Path, eos: str | None = None) -> Iterator[tuple[str, ...]]:
    """Yield each line of ``path`` as its tokens, with ``eos`` appended when given.

    Lines end at ``\\n`` only (a ``\\r`` before it is whitespace, so ``split`` drops it). The file is read as
    bytes and decoded line by line so that a byte that is not UTF-8 is reported with its line number.
    """
    path = Path(path)
    tail = (eos,) if eos is not None else ()
    with open(path, "rb") as handle:
        for line_number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise DataFormatError(path, line_number, f"not UTF-8: {error.reason} at byte {error.start}") from None
            yield (*line.split(), *tail)


def iter_tokens(path: Path, eos: str | None = None) -> Iterator[str]:
    """The tokens of ``path`` as one stream, in file order (what a language model consumes)."""
    for tokens in iter_token_lines(path, eos=eos):
        yield from tokens
