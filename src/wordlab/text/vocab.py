"""From CoNLL tokens to rows of the word-embedding table, and the table's initial values.

Lookup tries, in order, the token as written, its lower case, and (``normalise_digits``) both with every digit
made 0, taking the first form the vectors hold. Case-preserving vectors (WikiText-2) thus give "Paris" its own
row while lower-cased ones fall back to "paris", with no setting to get wrong; the casing feature carries what
the fall-back loses. A token no form of which has a vector gets the UNK row, which is trained, unless its
normalised form occurs at least ``train_words_min_count`` times in the training set: then, as Lample et al. (2016)
add the training words to the pretrained vocabulary, it gets a row of its own (:func:`with_training_words`),
random at first and always trained. Lower-cased vectors of a 17M-token corpus have no row for a quarter of
CoNLL-2003's entity tokens ("Norilsk", "U.S.", "1996-12-06", every punctuation mark when the corpus stripped it).

The table holds only the vector words some token of the given splits reaches. Rows no token reaches can change
no prediction, so this is the full vectors file in effect, at a fraction of the memory and optimiser time (a
fine-tuned table of a 200,000-word file would cost Adam a dense 20-million-entry update per step). Unlabelled
dev and test tokens only decide which pretrained rows are kept; they never change a value.

Without a vectors file the table is the training vocabulary: the normalised form (lower case, digits as 0) of
every training token seen at least ``min_count`` times, the rest UNK, so that UNK is trained on rare words and
stands in for unseen ones at test time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wordlab.data.errors import DataFormatError
from wordlab.text.vectors import Vectors

PAD, UNK, BOUNDARY = 0, 1, 2
SPECIALS = ("<pad>", "<unk>", "<boundary>")
NUM_SPECIALS = len(SPECIALS)

_DIGIT = re.compile(r"\d")


def lookup_forms(token: str, normalise_digits: bool) -> list[str]:
    """The forms tried for ``token``, in order, without repeats."""
    forms = [token, token.lower()]
    if normalise_digits:
        forms += [_DIGIT.sub("0", form) for form in forms]
    return list(dict.fromkeys(forms))


@dataclass(frozen=True)
class WordVocabulary:
    """Row ``NUM_SPECIALS + i`` of the model's table is ``words[i]``; rows below are PAD, UNK and BOUNDARY."""

    words: tuple[str, ...]
    normalise_digits: bool
    # True when the words are normalised forms (no vectors file), so tokens are normalised before lookup.
    normalised_keys: bool = False
    # The last ``own_rows`` words are training forms without a vector, keyed by their normalised form (the last
    # lookup form, so a token reaches its vector first); the words before them have pretrained rows.
    own_rows: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {word: NUM_SPECIALS + i for i, word in enumerate(self.words)})

    def __len__(self) -> int:
        return NUM_SPECIALS + len(self.words)

    def id(self, token: str) -> int:
        index: dict[str, int] = self._index  # type: ignore[attr-defined]
        if self.normalised_keys:
            return index.get(normalise(token, self.normalise_digits), UNK)
        for form in lookup_forms(token, self.normalise_digits):
            found = index.get(form)
            if found is not None:
                return found
        return UNK

    def ids(self, tokens: Iterable[str]) -> list[int]:
        return [self.id(token) for token in tokens]

    def as_dict(self) -> dict[str, Any]:
        """Plain values for a model file (:meth:`from_dict` rebuilds the vocabulary from them)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> WordVocabulary:
        return cls(**{**values, "words": tuple(values["words"])})

    def fingerprint(self) -> str:
        """A key for anything derived from this vocabulary (the encoded datasets' cache files)."""
        digest = hashlib.sha256(f"{self.normalise_digits}|{self.normalised_keys}|{self.own_rows}|".encode())
        digest.update("\n".join(self.words).encode())
        return digest.hexdigest()[:16]


def normalise(token: str, normalise_digits: bool) -> str:
    lowered = token.lower()
    return _DIGIT.sub("0", lowered) if normalise_digits else lowered


def vocabulary_from_vectors(
    vector_words: Iterable[str], tokens: Iterable[str], normalise_digits: bool
) -> tuple[WordVocabulary, np.ndarray]:
    """The vector words the tokens reach, in the file's order, and their row numbers in the file."""
    position: dict[str, int] = {}
    for i, word in enumerate(vector_words):
        position.setdefault(word, i)  # a repeated word: the first row, as a dict-based reader would keep
    reached: set[int] = set()
    for token in set(tokens):
        for form in lookup_forms(token, normalise_digits):
            row = position.get(form)
            if row is not None:
                reached.add(row)
                break
    rows = np.array(sorted(reached), dtype=np.int64)
    by_row = {row: word for word, row in position.items()}
    words = tuple(by_row[int(row)] for row in rows)
    return WordVocabulary(words, normalise_digits), rows


def with_training_words(vocabulary: WordVocabulary, train_tokens: Iterable[str], min_count: int) -> WordVocabulary:
    """``vocabulary`` plus the normalised forms of training tokens without a vector, seen ``min_count`` times."""
    unreached = (token for token in train_tokens if vocabulary.id(token) == UNK)
    kept = _frequent_forms(unreached, min_count, vocabulary.normalise_digits)
    return WordVocabulary(vocabulary.words + kept, vocabulary.normalise_digits, own_rows=len(kept))


def vocabulary_from_tokens(train_tokens: Iterable[str], min_count: int, normalise_digits: bool) -> WordVocabulary:
    """Normalised training forms seen at least ``min_count`` times, most frequent first (ties alphabetically)."""
    return WordVocabulary(_frequent_forms(train_tokens, min_count, normalise_digits), normalise_digits, True)


def _frequent_forms(tokens: Iterable[str], min_count: int, normalise_digits: bool) -> tuple[str, ...]:
    """Normalised forms of ``tokens`` seen at least ``min_count`` times, most frequent first, ties alphabetically."""
    counts = Counter(normalise(token, normalise_digits) for token in tokens)
    kept = sorted((word for word, count in counts.items() if count >= min_count), key=lambda w: (-counts[w], w))
    return tuple(kept)


def load_vectors(path: Path) -> Vectors:
    """A word2vec file, binary when its name ends in ``.bin``, read by the checked loader (which refuses a lying
    header, broken rows and non-finite values with a DataFormatError naming the file). A file of no words is
    refused too: the model would silently train without pretrained vectors.
    """
    path = Path(path)
    vectors = Vectors.load_word2vec_format(path, binary=path.suffix == ".bin")
    if len(vectors) == 0:
        raise DataFormatError(path, 1, "the header announces 0 words: the vectors file holds no words")
    return vectors


def initial_table(
    vocabulary: WordVocabulary,
    pretrained: np.ndarray | None,
    *,
    dim: int,
    random_init: bool,
    rng: np.random.Generator,
) -> np.ndarray:
    """The table's starting values: ``pretrained`` (rows of the words that have vectors, all but the vocabulary's
    ``own_rows`` last), or random of the same spread; the own rows always start random.

    The baseline draws from a normal with the pretrained values' own standard deviation, so that it differs from
    the pretrained run only in what the vectors know, not in their scale (which alone changes how a tanh layer and
    the optimiser behave). Without vectors the spread is ``1/sqrt(dim)``, unit-norm vectors on average. PAD is 0;
    UNK and BOUNDARY start random at the same spread.
    """
    with_vectors = len(vocabulary.words) - vocabulary.own_rows
    if pretrained is not None:
        if pretrained.shape != (with_vectors, dim):
            raise ValueError(f"pretrained rows have shape {pretrained.shape}, expected {(with_vectors, dim)}")
        spread = float(pretrained.std()) if pretrained.size else 1.0 / np.sqrt(dim)
    else:
        spread = 1.0 / np.sqrt(dim)
    spread = spread if spread > 0 else 1.0 / np.sqrt(dim)
    table = rng.normal(0.0, spread, size=(len(vocabulary), dim)).astype(np.float32)
    table[PAD] = 0.0
    if pretrained is not None and not random_init:
        table[NUM_SPECIALS : NUM_SPECIALS + with_vectors] = pretrained
    return table
