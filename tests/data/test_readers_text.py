"""Plain-text corpora against the published token counts (PyTorch word_language_model convention for eos)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from wordlab.data.errors import DataFormatError
from wordlab.data.readers.text import EOS, iter_token_lines, iter_tokens
from wordlab.data.registry import DATASETS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "data"


def _path(data_dir: Path, dataset: str, role: str) -> Path:
    return data_dir / DATASETS[dataset].files[role].relpath


@dataclass(frozen=True)
class Stats:
    lines: int
    tokens_with_eos: int
    vocabulary: int
    every_line_ends_with_eos: bool


@pytest.fixture(scope="session")
def stats(data_dir: Path) -> dict[tuple[str, str], Stats]:
    """One pass over each WikiText-2 and PTB file, read with the eos convention."""
    result = {}
    for dataset in ("wikitext2", "ptb"):
        for split in ("train", "valid", "test"):
            lines = tokens = 0
            vocabulary: set[str] = set()
            ends_with_eos = True
            for line in iter_token_lines(_path(data_dir, dataset, split), eos=EOS):
                lines += 1
                tokens += len(line)
                vocabulary.update(line)
                ends_with_eos = ends_with_eos and line[-1] == EOS
            result[dataset, split] = Stats(lines, tokens, len(vocabulary), ends_with_eos)
    return result


@pytest.mark.parametrize("dataset", ["wikitext2", "ptb"])
@pytest.mark.parametrize("split", ["train", "valid", "test"])
def test_token_counts_with_eos_match_published(stats: dict[tuple[str, str], Stats], dataset: str, split: str) -> None:
    found = stats[dataset, split]
    expected = DATASETS[dataset].counts[split]

    assert found.tokens_with_eos == expected["tokens_with_eos"]
    assert found.every_line_ends_with_eos
    if "tokens" in expected:
        assert found.tokens_with_eos - found.lines == expected["tokens"]


@pytest.mark.parametrize("dataset", ["wikitext2", "ptb"])
def test_train_vocabulary_with_eos_matches_published(stats: dict[tuple[str, str], Stats], dataset: str) -> None:
    assert stats[dataset, "train"].vocabulary == DATASETS[dataset].counts["train"]["vocabulary"]


def test_ptb_word_count_without_eos_matches_published(data_dir: Path) -> None:
    tokens = iter_tokens(_path(data_dir, "ptb", "valid"))

    assert sum(1 for _ in tokens) == DATASETS["ptb"].counts["valid"]["tokens"]


def test_enwiki_lines_and_tokens_match_published(data_dir: Path) -> None:
    expected = DATASETS["enwiki17m"].counts["train"]
    lines = tokens = 0
    for line in iter_token_lines(_path(data_dir, "enwiki17m", "train")):
        lines += 1
        tokens += len(line)

    assert (lines, tokens) == (expected["lines"], expected["tokens"])


def test_every_line_gets_eos_even_an_empty_one() -> None:
    path = FIXTURES / "text_small.txt"
    raw_lines = path.read_text(encoding="utf-8").split("\n")  # the fixture has no final newline

    assert list(iter_token_lines(path)) == [tuple(line.split()) for line in raw_lines]
    assert list(iter_token_lines(path, eos="</s>")) == [(*line.split(), "</s>") for line in raw_lines]
    assert ("spaced", "out", "tabs", "and", "more") in list(iter_token_lines(path))


def test_reading_streams_line_by_line(tmp_path: Path) -> None:
    # A reader that read or decoded the whole file first would fail on the first next() already.
    path = tmp_path / "corpus.txt"
    path.write_bytes(b"a b\nc\n\xff\n")
    lines = iter_token_lines(path)

    assert next(lines) == ("a", "b")
    assert next(lines) == ("c",)
    with pytest.raises(DataFormatError):
        next(lines)


def test_invalid_utf8_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt"
    path.write_bytes(b"fine line\nanother\nbad \xff byte\n")

    with pytest.raises(DataFormatError) as caught:
        list(iter_token_lines(path))

    assert (caught.value.path, caught.value.line) == (path, 3)
    assert str(caught.value).startswith(f"{path}:3: ")
