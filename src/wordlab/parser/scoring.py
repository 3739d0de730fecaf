"""Attachment scores by the CoNLL 2018 shared task's convention, and without punctuation.

CoNLL 2018 (the official ``conll18_ud_eval.py`` and udapi's ``eval.Conll18``): every word counts, punctuation
included, and relations are compared without their subtypes (``nmod:poss`` is ``nmod``). UAS is the share of
words with the gold head, LAS with the gold head and relation. The variant without punctuation leaves out words
whose gold UPOS is ``PUNCT`` (the CoNLL-X habit). Tokenisation is gold here, so every word is aligned and the
F1 of the shared task equals these accuracies. Scores are fractions in [0, 1].
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from wordlab.data.readers.conllu_reader import ConlluSentence

LENGTH_BINS = ((1, 10), (11, 20), (21, 30), (31, 40), (41, None))


def universal(relation: str) -> str:
    return relation.split(":", 1)[0]


def attachment_scores(
    gold: Sequence[ConlluSentence], predicted: Sequence[tuple[Sequence[int], Sequence[str]]]
) -> dict[str, float]:
    """``uas``, ``las``, ``uas_nopunct``, ``las_nopunct``, ``las.<relation>`` (by gold relation, subtypes
    stripped), ``las.length_<lo>_<hi>`` (by sentence length in words) and ``words``."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold sentences but {len(predicted)} parsed ones")
    total = {"uas": 0, "las": 0, "uas_nopunct": 0, "las_nopunct": 0}
    words = punct = 0
    by_relation: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_length: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for sentence, (heads, labels) in zip(gold, predicted, strict=True):
        if len(heads) != len(sentence.words):
            raise ValueError(f"sentence {sentence.sent_id}: {len(sentence.words)} words, {len(heads)} heads")
        length_key = _length_key(len(sentence.words))
        for word, head, label in zip(sentence.words, heads, labels, strict=True):
            attached = head == word.head
            labelled = attached and universal(label) == universal(word.deprel)
            words += 1
            total["uas"] += attached
            total["las"] += labelled
            if word.upos != "PUNCT":
                total["uas_nopunct"] += attached
                total["las_nopunct"] += labelled
            else:
                punct += 1
            relation = by_relation[universal(word.deprel)]
            relation[0] += labelled
            relation[1] += 1
            bucket = by_length[length_key]
            bucket[0] += labelled
            bucket[1] += 1
    scores: dict[str, float] = {"words": float(words)}
    for key, correct in total.items():
        scored = words - punct if key.endswith("nopunct") else words
        scores[key] = correct / scored if scored else 0.0
    for name, (hits, count) in sorted(by_relation.items()):
        scores[f"las.{name}"] = hits / count
    for key, (hits, total_words) in by_length.items():
        scores[f"las.{key}"] = hits / total_words
    return scores


def _length_key(n: int) -> str:
    for low, high in LENGTH_BINS:
        if high is None or n <= high:
            return f"length_{low}_{high}" if high is not None else f"length_{low}_up"
    raise AssertionError("unreachable")
