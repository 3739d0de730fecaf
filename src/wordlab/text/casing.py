"""The capitalisation class of a token: the one thing about a word that lower-cased vectors cannot tell a tagger.

"Apple" and "apple", "US" and "us" share one lower-cased vector, yet the capital is the strongest single cue to
a name in English news text. The classic systems (Collobert et al. 2011, section 3.5; Lample et al. 2016 through
characters) give the tagger the case back as a feature; here it is a small class set embedded by the model.
"""

from __future__ import annotations

from enum import IntEnum


class Casing(IntEnum):
    """Index 0 pads batches; ``BOUNDARY`` fills window positions beyond the sentence."""

    PAD = 0
    LOWER = 1  # "the", "de"
    UPPER = 2  # "EU", "NATO": two or more letters, all capitals
    TITLE = 3  # "Paris", "I": a capital first, then lower case only
    MIXED = 4  # "McDonald", "iPhone", "eBay"
    NUMERIC = 5  # "1996", "3-0", "12.5": digits and punctuation, no letter
    ALNUM = 6  # "F16", "1990s", "4th": letters and digits
    OTHER = 7  # "(", "--", "&": neither letters nor digits
    BOUNDARY = 8


NUM_CASINGS = len(Casing)


def casing(token: str) -> Casing:
    if not token:
        raise ValueError("an empty token has no casing")
    letters = [c for c in token if c.isalpha()]
    has_digit = any(c.isdigit() for c in token)
    if not letters:
        return Casing.NUMERIC if has_digit else Casing.OTHER
    if has_digit:
        return Casing.ALNUM
    cased = [c for c in letters if c.lower() != c.upper()]  # letters of scripts without case count as neither
    if not cased or all(c.islower() for c in cased):
        return Casing.LOWER
    if all(c.isupper() for c in cased):
        return Casing.UPPER if len(cased) > 1 else Casing.TITLE
    if cased[0].isupper() and all(c.islower() for c in cased[1:]):
        return Casing.TITLE
    return Casing.MIXED
