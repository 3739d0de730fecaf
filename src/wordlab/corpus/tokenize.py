"""Configurable tokenisation of one line of text.

Regular expressions rather than a tokeniser library: the corpora wordlab prepares are already tokenised
(WikiText-2, PTB) or are to be cut the word2vec/text8 way (enwiki-17m), and what users need to vary is only case,
numbers and punctuation. A compiled regex per line is also what keeps enwiki-17m's preparation well under a minute.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

NUMBER_TOKEN = "<num>"

_SPLIT_PUNCTUATION = re.compile(r"\w+|[^\w\s]")
_STRIP_PUNCTUATION = re.compile(r"[^\W_]+")
_DIGIT = re.compile(r"\d")
_NUMBER = re.compile(r"\d[\d.,:/-]*")


class NumberMode(Enum):
    keep = "keep"  # numbers stay as written
    zero = "zero"  # every digit becomes 0 ("1999" -> "0000"), the NER convention
    token = "token"  # a token that is a number becomes <num>


class PunctuationMode(Enum):
    keep = "keep"  # whitespace tokenisation only: punctuation stays attached as written
    split = "split"  # punctuation characters become tokens of their own
    strip = "strip"  # punctuation is removed and splits words (word2vec/text8 style)


@dataclass  # not frozen: OmegaConf cannot merge into a frozen dataclass nested in another
class Tokenizer:
    """The ``corpus.tokenizer`` settings, and the tokeniser they describe: the schema is the object that runs."""

    lowercase: bool = False
    numbers: NumberMode = NumberMode.keep
    punctuation: PunctuationMode = PunctuationMode.keep
    # Appended to every line when set (the language-modelling convention, e.g. "<eos>").
    eos: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "_split", _splitter(self.punctuation))

    def __call__(self, line: str) -> list[str]:
        if self.lowercase:
            line = line.lower()
        if self.numbers is NumberMode.zero:
            line = _DIGIT.sub("0", line)
        tokens: list[str] = self._split(line)  # type: ignore[attr-defined]
        if self.numbers is NumberMode.token:
            tokens = [NUMBER_TOKEN if _NUMBER.fullmatch(token) else token for token in tokens]
        if self.eos is not None:
            tokens.append(self.eos)
        return tokens


def _splitter(mode: PunctuationMode) -> Callable[[str], list[str]]:
    if mode is PunctuationMode.keep:
        return str.split
    if mode is PunctuationMode.split:
        return _SPLIT_PUNCTUATION.findall
    return _STRIP_PUNCTUATION.findall
