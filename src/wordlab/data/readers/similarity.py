"""Word-similarity judgements (WordSim-353, SimLex-999): ``word1 word2 score`` per line, ``#`` comments.

The gensim copies are tab-separated, other copies of the same sets use spaces; both are read alike so that the
score of an evaluation never depends on which copy was downloaded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from wordlab.data.errors import DataFormatError
from wordlab.data.readers.lines import iter_lines


@dataclass(frozen=True, slots=True)
class SimilarityPair:
    word1: str
    word2: str
    score: float


def read_similarity(path: Path) -> list[SimilarityPair]:
    """Every pair in file order. Lines with a tab split on tabs, others on runs of whitespace.

    A file without pairs is refused here, by name, rather than later as a correlation of nothing.
    """
    path = Path(path)
    pairs: list[SimilarityPair] = []
    for line_number, line in iter_lines(path):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        fields = [field.strip() for field in text.split("\t")] if "\t" in text else text.split()
        if len(fields) != 3 or not all(fields):
            raise DataFormatError(
                path, line_number, f"expected 'word1 word2 score', found {len(fields)} fields: {text!r}"
            )
        word1, word2, raw_score = fields
        try:
            score = float(raw_score)
        except ValueError:
            score = math.nan
        if not math.isfinite(score):
            raise DataFormatError(path, line_number, f"score {raw_score!r} is not a finite number")
        pairs.append(SimilarityPair(word1, word2, score))
    if not pairs:
        raise DataFormatError(path, 1, "no pairs in the file (only comments and blank lines)")
    return pairs
