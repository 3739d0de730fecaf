"""CoNLL-U: UD English EWT against its published counts, a hand-written sentence, and malformed trees."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from wordlab.data.errors import DataFormatError
from wordlab.data.readers.conllu_reader import ConlluSentence, ConlluWord, iter_conllu, read_conllu
from wordlab.data.registry import DATASETS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "data"
SPLITS = ["train", "validation", "test"]
# The 17 universal POS tags of UD v2 (https://universaldependencies.org/u/pos/).
UPOS = {
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
    "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
}  # fmt: skip


@pytest.fixture(scope="session")
def ewt(data_dir: Path) -> dict[str, list[ConlluSentence]]:
    """Each EWT split read once for the whole session (train takes seconds)."""
    files = DATASETS["ud_english_ewt"].files
    return {split: read_conllu(data_dir / files[split].relpath) for split in SPLITS}


@pytest.mark.parametrize("split", SPLITS)
def test_ewt_sentence_and_word_counts_match_published(ewt: dict[str, list[ConlluSentence]], split: str) -> None:
    sentences = ewt[split]
    expected = DATASETS["ud_english_ewt"].counts[split]

    assert len(sentences) == expected["sentences"]
    assert sum(len(s.words) for s in sentences) == expected["words"]


@pytest.mark.parametrize("split", SPLITS)
def test_ewt_words_are_numbered_and_tagged_as_ud_requires(ewt: dict[str, list[ConlluSentence]], split: str) -> None:
    for sentence in ewt[split]:
        assert [w.id for w in sentence.words] == list(range(1, len(sentence.words) + 1))
        assert sum(w.head == 0 for w in sentence.words) == 1
    assert {w.upos for s in ewt[split] for w in s.words} <= UPOS
    assert all(s.sent_id and s.text for s in ewt[split])
    assert len({s.sent_id for s in ewt[split]}) == len(ewt[split])


def test_records_are_frozen_and_hold_tuples(ewt: dict[str, list[ConlluSentence]]) -> None:
    sentence = ewt["validation"][0]

    assert isinstance(sentence.words, tuple)
    assert all(isinstance(w.feats, tuple) and isinstance(w.misc, tuple) for w in sentence.words)
    with pytest.raises(AttributeError):
        sentence.words[0].head = 5  # type: ignore[misc]


def test_hand_written_sentence_keeps_integer_words_and_metadata() -> None:
    # Multiword token "1-2 Don't" and empty node "3.1" must not appear as words.
    sentences = read_conllu(FIXTURES / "valid.conllu")

    assert [s.sent_id for s in sentences] == ["fixture-1", "fixture-2"]
    assert sentences[0].text == "Don't stop."
    assert [w.form for w in sentences[0].words] == ["Do", "n't", "stop", "."]
    assert sentences[0].words[0] == ConlluWord(
        id=1,
        form="Do",
        lemma="do",
        upos="AUX",
        xpos="VBP",
        feats=(("Mood", "Ind"), ("Tense", "Pres"), ("VerbForm", "Fin")),
        head=3,
        deprel="aux",
        deps=(("3", "aux"),),
        misc=(),
    )
    assert sentences[0].words[2].misc == (("SpaceAfter", "No"),)
    # A value holding '=' is kept whole (conllu's own dict parser would cut it at the second '=').
    assert sentences[0].words[3].misc == (("Cxn", "free=rc-obj"),)
    assert [w.head for w in sentences[0].words] == [3, 3, 0, 3]
    assert [w.form for w in sentences[1].words] == ["Go"]


def _marked_line(path: Path) -> int:
    """1-based number of the fixture line carrying the marker ``Error=here``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if "Error=here" in line)


@pytest.mark.parametrize(
    ("fixture", "problem"),
    [
        ("cycle.conllu", "cycle"),
        ("two_roots.conllu", "root"),
        ("head_out_of_range.conllu", "head 7"),
        ("bad_columns.conllu", "10 tab-separated columns"),
        ("bad_head.conllu", "one"),
        ("no_root.conllu", "no root"),
    ],
)
def test_malformed_sentence_names_file_and_line(fixture: str, problem: str) -> None:
    path = FIXTURES / fixture
    sentences = iter_conllu(path)

    assert next(sentences).sent_id == "good"  # the valid sentence before the bad one still reads
    with pytest.raises(DataFormatError) as caught:
        next(sentences)

    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.path, error.line) == (path, _marked_line(path))
    assert str(error).startswith(f"{path}:{error.line}: ")
    assert problem in str(error)


def test_error_survives_pickling_to_a_parent_process() -> None:
    path = FIXTURES / "cycle.conllu"
    with pytest.raises(DataFormatError) as caught:
        read_conllu(path)

    copy = pickle.loads(pickle.dumps(caught.value))

    assert (copy.path, copy.line, str(copy)) == (caught.value.path, caught.value.line, str(caught.value))
