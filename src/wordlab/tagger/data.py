"""CoNLL-U sentences as the tagger reads them: an in-memory ``datasets.Dataset`` per split, batched as torch.

Columns are those of the text toolkit's batching (:mod:`wordlab.text.batching`): ``word_ids``, ``caps_ids``, the
characters (``char_ids`` flat per sentence, ``char_lengths`` per word) and ``upos`` (indices into :data:`UPOS`).
The tag set is Universal Dependencies' 17 UPOS tags, fixed, so that every tagger and fold shares one indexing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from datasets import Dataset

from wordlab.data.readers.conllu_reader import ConlluSentence
from wordlab.text.casing import casing
from wordlab.text.characters import char_ids
from wordlab.text.vocab import WordVocabulary

UPOS = (
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT", "SCONJ",
    "SYM", "VERB", "X",
)  # fmt: skip
_UPOS_INDEX = {tag: i for i, tag in enumerate(UPOS)}
COLUMNS = ["word_ids", "caps_ids", "char_ids", "char_lengths", "upos"]


def upos_ids(sentence: ConlluSentence, *, known_only: bool) -> list[int]:
    """The sentence's UPOS as indices; an unknown tag is an error when ``known_only``, else index 0 (unread)."""
    ids = []
    for word in sentence.words:
        index = _UPOS_INDEX.get(word.upos)
        if index is None:
            if known_only:
                where = f"sentence {sentence.sent_id!r}" if sentence.sent_id else "a sentence"
                raise ValueError(f"{where}, word {word.id} {word.form!r}: UPOS {word.upos!r} is not one of {UPOS}")
            index = 0
        ids.append(index)
    return ids


def encode(sentences: Sequence[ConlluSentence], vocabulary: WordVocabulary, *, gold_tags: bool = True) -> Dataset:
    """The sentences' model columns, torch-formatted; ``gold_tags`` False for text whose tags are not read."""
    forms = [[word.form for word in sentence.words] for sentence in sentences]
    return encode_forms(forms, vocabulary, [upos_ids(sentence, known_only=gold_tags) for sentence in sentences])


def encode_forms(
    forms: Sequence[Sequence[str]], vocabulary: WordVocabulary, upos: Sequence[Sequence[int]] | None = None
) -> Dataset:
    """Sentences of word forms as the model's columns; ``upos`` None for text without tags (all read as 0)."""
    chars = [[char_ids(form) for form in words] for words in forms]
    columns = {
        "word_ids": [vocabulary.ids(words) for words in forms],
        "caps_ids": [[int(casing(form)) for form in words] for words in forms],
        "char_ids": [[c for word in sentence for c in word] for sentence in chars],
        "char_lengths": [[len(word) for word in sentence] for sentence in chars],
        "upos": [[0] * len(words) for words in forms] if upos is None else [list(tags) for tags in upos],
    }
    return Dataset.from_dict(columns).with_format("torch", columns=COLUMNS)


def folds(count: int, k: int) -> list[np.ndarray]:
    """``k`` contiguous blocks of sentence indices covering ``range(count)`` (neighbouring sentences of one document
    stay in one fold, so no fold's model has read the held-out text's context)."""
    if not 2 <= k <= count:
        raise ValueError(f"a jackknife needs 2 <= k <= {count} sentences, got k={k}")
    return [np.asarray(block) for block in np.array_split(np.arange(count), k)]
