"""SST trees against the published counts (5-class and binary), a worked tree, and unbalanced brackets."""

from __future__ import annotations

from pathlib import Path

import pytest

from wordlab.data.errors import DataFormatError
from wordlab.data.readers.sst import Phrase, SstTree, binary_label, parse_tree, read_sst
from wordlab.data.registry import DATASETS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "data"
SPLITS = ["train", "validation", "test"]


@pytest.fixture(scope="session")
def sst(data_dir: Path) -> dict[str, list[SstTree]]:
    return {split: read_sst(data_dir / DATASETS["sst"].files[split].relpath) for split in SPLITS}


@pytest.mark.parametrize("split", SPLITS)
def test_tree_counts_match_published(sst: dict[str, list[SstTree]], split: str) -> None:
    expected = DATASETS["sst"].counts[split]

    assert len(sst[split]) == expected["trees"]
    assert sum(binary_label(tree.label) is not None for tree in sst[split]) == expected["binary"]


@pytest.mark.parametrize("split", SPLITS)
def test_every_tree_is_binarized_with_a_span_per_node(sst: dict[str, list[SstTree]], split: str) -> None:
    # Socher et al. (2013) binarized every parse: n words give n leaves and n - 1 inner nodes.
    for tree in sst[split]:
        n = len(tree.tokens)
        assert len(tree.spans) == 2 * n - 1
        assert tree.spans[0] == (0, n, tree.label)
        assert [start for start, end, _ in tree.spans if end - start == 1] == list(range(n))
        assert all(label in range(5) for _, _, label in tree.spans)


def test_phrases_are_the_spans_words(sst: dict[str, list[SstTree]]) -> None:
    for tree in sst["validation"][:100]:
        assert [(p.start, p.end, p.label) for p in tree.phrases] == list(tree.spans)
        assert all(p.tokens == tree.tokens[p.start : p.end] for p in tree.phrases)
        assert tree.phrases[0] == Phrase(0, len(tree.tokens), tree.tokens, tree.label)


def test_worked_tree() -> None:
    tree = parse_tree("(3 (2 It) (4 (2 is) (3 good)))")

    assert tree.tokens == ("It", "is", "good")
    assert tree.label == 3
    assert tree.phrases == (
        Phrase(0, 3, ("It", "is", "good"), 3),
        Phrase(0, 1, ("It",), 2),
        Phrase(1, 3, ("is", "good"), 4),
        Phrase(1, 2, ("is",), 2),
        Phrase(2, 3, ("good",), 3),
    )


def test_first_train_tree_as_published(sst: dict[str, list[SstTree]]) -> None:
    # The first line of trees/train.txt: "(3 (2 (2 The) (2 Rock)) (4 ..." , the Rock sentence, positive.
    first = sst["train"][0]

    assert first.tokens[:4] == ("The", "Rock", "is", "destined")
    assert first.label == 3
    assert binary_label(first.label) == 1


@pytest.mark.parametrize(("label", "binary"), [(0, 0), (1, 0), (2, None), (3, 1), (4, 1)])
def test_binary_label_drops_neutral(label: int, binary: int | None) -> None:
    assert binary_label(label) == binary


def _unbalanced_line(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if line.count("(") != line.count(")"))


@pytest.mark.parametrize("fixture", ["sst_unclosed.txt", "sst_extra_close.txt"])
def test_unbalanced_brackets_name_file_and_line(fixture: str) -> None:
    path = FIXTURES / fixture

    with pytest.raises(DataFormatError) as caught:
        read_sst(path)

    assert (caught.value.path, caught.value.line) == (path, _unbalanced_line(path))
    assert "unbalanced brackets" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("(7 (2 a) (2 b))", "label 0-4"),
        ("(2 (2 a) b)", "beside child nodes"),
        ("(2 a) (2 b)", "after the tree"),
        ("(2)", "neither a word"),
    ],
)
def test_other_malformed_trees_are_refused(text: str, problem: str) -> None:
    with pytest.raises(DataFormatError, match=problem):
        parse_tree(text, path="trees.txt", line_number=4)
