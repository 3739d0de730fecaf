"""Predicted tags written as the CoNLL shared task's scorer (conlleval) reads them, and read back.

One ``token gold predicted`` line per token, a blank line after each sentence, tags in IOB2. conlleval, seqeval
and a reader's eye all take this shape; the file is renamed into place only once complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from wordlab.data.errors import DataFormatError
from wordlab.io import atomic_path


def write_predictions(
    path: Path,
    tokens: Sequence[Sequence[str]],
    gold: Sequence[Sequence[str]],
    predicted: Sequence[Sequence[str]],
) -> None:
    if not len(tokens) == len(gold) == len(predicted):
        raise ValueError(f"{len(tokens)} sentences of tokens, {len(gold)} gold, {len(predicted)} predicted")
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as out:
        for i, (words, g, p) in enumerate(zip(tokens, gold, predicted, strict=True)):
            if not len(words) == len(g) == len(p):
                raise ValueError(f"sentence {i}: {len(words)} tokens, {len(g)} gold tags, {len(p)} predicted")
            for word, gold_tag, tag in zip(words, g, p, strict=True):
                out.write(f"{word} {gold_tag} {tag}\n")
            out.write("\n")


def read_predictions(path: Path) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    """Tokens, gold tags and predicted tags per sentence, from a file :func:`write_predictions` wrote."""
    tokens: list[list[str]] = [[]]
    gold: list[list[str]] = [[]]
    predicted: list[list[str]] = [[]]
    with open(path, encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            line = line.rstrip("\n")
            if not line:
                if tokens[-1]:
                    tokens.append([])
                    gold.append([])
                    predicted.append([])
                continue
            columns = line.split(" ")
            if len(columns) != 3 or "" in columns:
                raise DataFormatError(path, line_number, f"expected 'token gold predicted': {line!r}")
            tokens[-1].append(columns[0])
            gold[-1].append(columns[1])
            predicted[-1].append(columns[2])
    if not tokens[-1]:
        tokens.pop(), gold.pop(), predicted.pop()
    return tokens, gold, predicted
