"""CoNLL-2003: published counts, tag-scheme conversions against worked examples and seqeval, bad lines."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seqeval.metrics.sequence_labeling import get_entities
from seqeval.scheme import IOB2, IOBES, Entities

from wordlab.data.errors import DataFormatError
from wordlab.data.readers.conll2003 import (
    Document,
    Sentence,
    iob1_to_iob2,
    iob2_to_bioes,
    read_conll2003,
)
from wordlab.data.registry import DATASETS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "data"
SPLITS = ["train", "validation", "test"]
# Tjong Kim Sang & De Meulder (2003), Table 2: named entities per type in the English data.
PUBLISHED_ENTITIES = {
    "train": {"LOC": 7140, "MISC": 3438, "ORG": 6321, "PER": 6600},
    "validation": {"LOC": 1837, "MISC": 922, "ORG": 1341, "PER": 1842},
    "test": {"LOC": 1668, "MISC": 702, "ORG": 1661, "PER": 1617},
}


def _path(data_dir: Path, split: str) -> Path:
    return data_dir / DATASETS["conll2003"].files[split].relpath


@pytest.fixture(scope="session")
def conll2003(data_dir: Path) -> dict[str, list[Document]]:
    return {split: read_conll2003(_path(data_dir, split)) for split in SPLITS}


def _sentences(documents: list[Document]) -> list[Sentence]:
    return [sentence for document in documents for sentence in document.sentences]


@pytest.mark.parametrize("split", SPLITS)
def test_sentence_and_token_counts_match_published(conll2003: dict[str, list[Document]], split: str) -> None:
    sentences = _sentences(conll2003[split])
    expected = DATASETS["conll2003"].counts[split]

    assert len(sentences) == expected["sentences"]
    assert sum(len(s.tokens) for s in sentences) == expected["tokens"]
    assert all(len(s.tokens) == len(s.pos_tags) == len(s.chunk_tags) == len(s.ner_tags) for s in sentences)


def test_train_documents_match_docstart_count(conll2003: dict[str, list[Document]]) -> None:
    assert len(conll2003["train"]) == DATASETS["conll2003"].counts["train"]["docstarts"]


@pytest.mark.parametrize("split", SPLITS)
def test_entity_counts_match_the_shared_task_paper(conll2003: dict[str, list[Document]], split: str) -> None:
    # seqeval's strict IOB2 mode drops any entity that is not well-formed IOB2, so equal counts also say the
    # conversion produced valid IOB2.
    sequences = [list(s.ner_tags) for s in _sentences(conll2003[split])]
    strict = Entities(sequences, IOB2, suffix=False).entities

    assert Counter(e.tag for sentence in strict for e in sentence) == PUBLISHED_ENTITIES[split]


def test_bioes_output_keeps_the_published_entities(data_dir: Path) -> None:
    sentences = _sentences(read_conll2003(_path(data_dir, "validation"), scheme="bioes"))
    strict = Entities([list(s.ner_tags) for s in sentences], IOBES, suffix=False).entities

    assert Counter(e.tag for sentence in strict for e in sentence) == PUBLISHED_ENTITIES["validation"]
    assert {tag[0] for s in sentences for tag in s.ner_tags} == set("OBIES")


def test_iob1_scheme_returns_the_file_unchanged() -> None:
    path = FIXTURES / "conll2003_two_documents.txt"
    raw = [line.split(" ") for line in path.read_text().splitlines() if line and not line.startswith("-DOC")]

    sentences = _sentences(read_conll2003(path, scheme="iob1"))

    assert [t for s in sentences for t in s.ner_tags] == [row[3] for row in raw]
    assert [t for s in sentences for t in s.chunk_tags] == [row[2] for row in raw]


def test_documents_and_sentences_follow_docstart_and_blank_lines() -> None:
    documents = read_conll2003(FIXTURES / "conll2003_two_documents.txt")

    assert [[s.tokens for s in d.sentences] for d in documents] == [
        [("EU", "rejects", "German", "call"), ("Peter", "Blackburn")],
        [("BRUSSELS", "1996-08-22")],
    ]
    first = documents[0].sentences[0]
    assert first.pos_tags == ("NNP", "VBZ", "JJ", "NN")
    assert first.chunk_tags == ("B-NP", "B-VP", "B-NP", "I-NP")
    assert first.ner_tags == ("B-ORG", "O", "B-MISC", "O")


def _row(text: str) -> list[str]:
    """A table row as printed in the paper: one column per space-separated item."""
    return text.split()


# Tjong Kim Sang & Veenstra (1999), "Representing Text Chunks", Table 1: base NP chunks
# [early trading] [Hong Kong] [Monday] [gold] [$ 366.50] [an ounce] in IOB1 and IOB2.
# BIOES (Ratinov & Roth 2009 call it BILOU) derived by hand from the same brackets.
WORDS = _row("In early trading in Hong Kong Monday , gold was quoted at $ 366.50 an ounce .")
IOB1 = _row("O I I O I I B O I O O O I I B I O")
IOB2_ = _row("O B I O B I B O B O O O B I B I O")
BIOES = _row("O B E O B E S O S O O O B E B E O")


def _np(tags: list[str]) -> list[str]:
    return [tag if tag == "O" else f"{tag}-NP" for tag in tags]


def test_worked_example_from_the_chunking_literature() -> None:
    assert len(WORDS) == len(IOB1) == len(IOB2_) == len(BIOES)
    assert iob1_to_iob2(_np(IOB1)) == tuple(_np(IOB2_))
    assert iob2_to_bioes(_np(IOB2_)) == tuple(_np(BIOES))


def test_worked_example_of_the_shared_task_paper() -> None:
    # Tjong Kim Sang & De Meulder (2003), the data-format example: "U.N. official Ekeus heads for Baghdad ."
    iob1 = ["I-ORG", "O", "I-PER", "O", "O", "I-LOC", "O"]

    assert iob1_to_iob2(iob1) == ("B-ORG", "O", "B-PER", "O", "O", "B-LOC", "O")
    assert iob2_to_bioes(iob1_to_iob2(iob1)) == ("S-ORG", "O", "S-PER", "O", "O", "S-LOC", "O")


def test_adjacent_entities_of_one_type_stay_apart() -> None:
    assert iob1_to_iob2(["I-PER", "I-PER", "B-PER", "I-LOC"]) == ("B-PER", "I-PER", "B-PER", "B-LOC")
    assert iob2_to_bioes(["B-PER", "I-PER", "B-PER", "B-LOC"]) == ("B-PER", "E-PER", "S-PER", "S-LOC")


def test_iob2_to_bioes_refuses_iob1_input() -> None:
    with pytest.raises(ValueError, match="not IOB2"):
        iob2_to_bioes(["O", "I-PER"])
    with pytest.raises(ValueError, match="malformed"):
        iob1_to_iob2(["B_PER"])


TAGS = st.lists(st.sampled_from(["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "I-MISC", "B-ORG-X", "I-ORG-X"]), max_size=25)


@settings(deadline=None)  # seqeval is slow to warm up and the cores are shared: no per-example deadline
@given(TAGS)
def test_conversions_keep_seqeval_entity_spans(iob1: list[str]) -> None:
    iob2 = list(iob1_to_iob2(iob1))
    bioes = list(iob2_to_bioes(iob2))
    spans = get_entities(iob2)

    # seqeval reads I- after O or another type as a start: IOB1 semantics.
    assert get_entities(list(iob1)) == spans
    assert get_entities(bioes) == spans
    # Strict modes drop malformed entities: nothing may be dropped.
    strict_iob2 = Entities([iob2], IOB2, suffix=False).entities[0]
    strict_bioes = Entities([bioes], IOBES, suffix=False).entities[0]
    assert [(e.tag, e.start, e.end - 1) for e in strict_iob2] == spans
    assert [(e.tag, e.start, e.end - 1) for e in strict_bioes] == spans
    assert iob1_to_iob2(iob2) == tuple(iob2)


def _line_of(path: Path, marker: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if marker in line)


@pytest.mark.parametrize(
    ("fixture", "marker", "problem"),
    [
        ("conll2003_bad_columns.txt", "Peter NNP I-PER", "4 columns"),
        ("conll2003_bad_tag.txt", "X-VERB", "NER tag"),
    ],
)
def test_malformed_line_names_file_and_line(fixture: str, marker: str, problem: str) -> None:
    path = FIXTURES / fixture

    with pytest.raises(DataFormatError) as caught:
        read_conll2003(path)

    assert (caught.value.path, caught.value.line) == (path, _line_of(path, marker))
    assert str(caught.value).startswith(f"{path}:{caught.value.line}: ")
    assert problem in str(caught.value)
