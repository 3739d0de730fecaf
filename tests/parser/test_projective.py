"""Projectivity and pseudo-projective lifting on the textbook example and on EWT."""

from __future__ import annotations

from pathlib import Path

from wordlab.data.readers.conllu_reader import read_conllu
from wordlab.parser.projective import deprojectivize, is_projective, nonprojective_arcs, projectivize

# Kübler, McDonald & Nivre (2009), Figure 2.1: "A hearing is scheduled on the issue today", where "on the issue"
# belongs to "hearing" and "today" to "scheduled": both arcs cross the root's arc into "scheduled".
HEADS = [2, 3, 0, 3, 2, 7, 5, 4]
LABELS = ["det", "sbj", "root", "vg", "nmod", "det", "pc", "adv"]


def test_crossing_arcs_found() -> None:
    assert nonprojective_arcs(HEADS) == [5, 8]
    assert not is_projective(HEADS)
    assert is_projective([2, 0, 4, 2, 2])


def test_lift_shortest_first_head_encoding_and_restore() -> None:
    lifted = projectivize(HEADS, LABELS)
    # "on" (5) is lifted from "hearing" (sbj) to "is"; then "today" (8) from "scheduled" (vg) to "is".
    assert lifted.heads == [2, 3, 0, 3, 3, 7, 5, 3]
    assert lifted.labels == ["det", "sbj", "root", "vg", "nmod|sbj", "det", "pc", "adv|vg"]
    assert lifted.lifted_words == (5, 8) and lifted.lifts == 2
    assert is_projective(lifted.heads)
    assert deprojectivize(lifted.heads, lifted.labels) == (HEADS, LABELS)


def test_unmatched_lift_stays_with_plain_label() -> None:
    """A parser may predict d|h where no h is found below the head: the word stays, labelled d."""
    heads, labels = deprojectivize([2, 0, 2], ["nsubj", "root", "obj|nowhere"])
    assert heads == [2, 0, 2] and labels == ["nsubj", "root", "obj"]


def test_every_ewt_tree_projectivised_and_most_lifts_restored(data_dir: Path) -> None:
    sentences = read_conllu(data_dir / "ud-english-ewt" / "en_ewt-ud-dev.conllu")
    lifted_arcs = restored = 0
    crossing = 0
    for sentence in sentences:
        heads = [w.head for w in sentence.words]
        labels = [w.deprel for w in sentence.words]
        if is_projective(heads):
            assert projectivize(heads, labels).lifts == 0
            continue
        crossing += 1
        lifted = projectivize(heads, labels)
        assert is_projective(lifted.heads)
        back, _ = deprojectivize(lifted.heads, lifted.labels)
        lifted_arcs += len(lifted.lifted_words)
        restored += sum(back[w - 1] == heads[w - 1] for w in lifted.lifted_words)
    assert crossing > 0 and lifted_arcs >= crossing
    # The Head encoding is ambiguous when several words below the head carry relation h (Nivre & Nilsson report
    # about 1% of lifted arcs not restored on the PDT); here at least nine in ten come back.
    assert restored >= 0.9 * lifted_arcs
