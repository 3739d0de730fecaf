"""Parsed sentences as CoNLL-U, written with the ``conllu`` library, atomically.

The words and every column but HEAD and DEPREL are the input's; DEPS is cleared (``_``), as a basic-tree parser
predicts no enhanced graph. Multiword-token lines and empty nodes, which the reader drops, are not written back.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from conllu.models import Metadata, Token, TokenList

from wordlab.data.readers.conllu_reader import ConlluSentence
from wordlab.io import atomic_path


def _pairs(pairs: tuple[tuple[str, str], ...]) -> dict[str, str] | None:
    return dict(pairs) if pairs else None


def to_tokenlist(sentence: ConlluSentence, heads: Sequence[int], labels: Sequence[str]) -> TokenList:
    metadata = Metadata()
    if sentence.sent_id is not None:
        metadata["sent_id"] = sentence.sent_id
    if sentence.text is not None:
        metadata["text"] = sentence.text
    tokens = [
        Token(
            id=word.id,
            form=word.form,
            lemma=word.lemma,
            upos=word.upos,
            xpos=word.xpos,
            feats=_pairs(word.feats),
            head=int(head),
            deprel=label,
            deps=None,
            misc=_pairs(word.misc),
        )
        for word, head, label in zip(sentence.words, heads, labels, strict=True)
    ]
    return TokenList(tokens, metadata=metadata)


def write_conllu(
    path: Path, sentences: Sequence[ConlluSentence], parses: Sequence[tuple[Sequence[int], Sequence[str]]]
) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        for sentence, (heads, labels) in zip(sentences, parses, strict=True):
            handle.write(to_tokenlist(sentence, heads, labels).serialize())
