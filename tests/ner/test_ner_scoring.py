"""Entity-level scores: hand-counted examples, and strict IOB2 spans extracted independently of seqeval."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wordlab.ner.scoring import ENTITY_TYPES, entity_scores

GOLD = [
    ["B-PER", "I-PER", "O", "B-LOC", "O"],
    ["B-ORG", "I-ORG", "I-ORG", "O"],
    ["O", "B-MISC", "O"],
]


def test_hand_counted_scores() -> None:
    predicted = [
        ["B-PER", "I-PER", "O", "B-ORG", "O"],  # PER right; the LOC predicted as ORG
        ["B-ORG", "I-ORG", "O", "O"],  # ORG one token short: wrong boundary, no credit
        ["O", "B-MISC", "O"],  # MISC right
    ]
    scores = entity_scores(GOLD, predicted)
    # gold entities: PER, LOC, ORG, MISC = 4; predicted: PER, ORG, ORG(short), MISC = 4; right: PER, MISC = 2
    assert scores["precision"] == pytest.approx(2 / 4)
    assert scores["recall"] == pytest.approx(2 / 4)
    assert scores["f1"] == pytest.approx(0.5)
    assert scores["PER.f1"] == 1.0 and scores["MISC.f1"] == 1.0
    assert scores["LOC.recall"] == 0.0 and scores["LOC.support"] == 1.0
    assert scores["ORG.precision"] == 0.0 and scores["ORG.support"] == 1.0


def test_an_entity_opened_by_i_is_not_an_entity_in_strict_iob2() -> None:
    """The lenient default would count the I-LOC below as a correct LOC and report F1 = 1."""
    gold = [["B-PER", "I-PER", "O", "B-LOC"]]
    predicted = [["B-PER", "I-PER", "O", "I-LOC"]]
    scores = entity_scores(gold, predicted)
    assert scores["precision"] == 1.0  # the one valid predicted entity is right
    assert scores["recall"] == pytest.approx(0.5)
    assert scores["f1"] == pytest.approx(2 / 3)


def test_every_type_is_reported_even_when_absent() -> None:
    scores = entity_scores([["B-PER", "O"]], [["B-PER", "O"]])
    assert {f"{kind}.f1" for kind in ENTITY_TYPES} <= set(scores)
    assert scores["LOC.f1"] == 0.0 and scores["LOC.support"] == 0.0


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="sentence 0"):
        entity_scores([["O", "O"]], [["O"]])
    with pytest.raises(ValueError, match="2 gold sentences"):
        entity_scores([["O"], ["O"]], [["O"]])


def strict_spans(sentences: list[list[str]]) -> set[tuple[int, int, int, str]]:
    """(sentence, start, end, type) of each strict IOB2 entity: B-X then I-X of the same type; a stray I-X is none."""
    spans = set()
    for s, tags in enumerate(sentences):
        i = 0
        while i < len(tags):
            if tags[i].startswith("B-"):
                kind, j = tags[i][2:], i + 1
                while j < len(tags) and tags[j] == f"I-{kind}":
                    j += 1
                spans.add((s, i, j, kind))
                i = j
            else:
                i += 1
    return spans


TAG = st.sampled_from(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.tuples(TAG, TAG), min_size=1, max_size=8), min_size=1, max_size=4))
def test_scores_equal_counts_of_independently_extracted_strict_spans(pairs: list[list[tuple[str, str]]]) -> None:
    gold = [[g for g, _ in sentence] for sentence in pairs]
    predicted = [[p for _, p in sentence] for sentence in pairs]
    true, found = strict_spans(gold), strict_spans(predicted)
    right = len(true & found)
    precision = right / len(found) if found else 0.0
    recall = right / len(true) if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if right else 0.0
    scores = entity_scores(gold, predicted)
    assert scores["precision"] == pytest.approx(precision)
    assert scores["recall"] == pytest.approx(recall)
    assert scores["f1"] == pytest.approx(f1)
