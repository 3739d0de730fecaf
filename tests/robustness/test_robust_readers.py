"""Every dataset reader refuses bytes that are not UTF-8, and files with nothing in them, by file and line.

A reader that returns zero records for an empty or truncated download lets a run train and score on nothing; a
bare ``UnicodeDecodeError ... position 297`` leaves the user to find the line by hand. Both must be a
DataFormatError whose message starts with ``path:line:``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from wordlab.data.errors import DataFormatError
from wordlab.data.readers import (
    iter_token_lines,
    read_analogies,
    read_conll2003,
    read_conllu,
    read_similarity,
    read_sst,
)
from wordlab.evaluation.analogy import evaluate_analogies
from wordlab.evaluation.intrinsic import evaluate_intrinsic


def _read_text(path: Path) -> list[tuple[str, ...]]:
    return list(iter_token_lines(path, eos="<eos>"))


READERS: dict[str, Callable[[Path], list[Any]]] = {
    "conllu": read_conllu,
    "conll2003": read_conll2003,
    "analogy": read_analogies,
    "similarity": read_similarity,
    "sst": read_sst,
    "text": _read_text,
}

# A valid start, then a line with a Latin-1 byte (é as 0xE9), at the given 1-based line.
BAD_UTF8: dict[str, tuple[list[bytes], int]] = {
    "conllu": (
        [
            b"# sent_id = good",
            b"1\tGo\tgo\tVERB\tVB\t_\t0\troot\t_\t_",
            b"",
            b"# sent_id = bad",
            b"1\tcaf\xe9\tcafe\tNOUN\tNN\t_\t0\troot\t_\t_",
            b"",
        ],
        5,
    ),
    "conll2003": ([b"-DOCSTART- -X- O O", b"", b"EU NNP I-NP I-ORG", b"caf\xe9 NN I-NP O", b""], 4),
    "analogy": ([b": family", b"man woman king queen", b"caf\xe9 tea wine beer"], 3),
    "similarity": ([b"# a comment", b"love\tsex\t6.77", b"caf\xe9\ttea\t5.0"], 3),
    "sst": ([b"(3 (2 It) (3 good))", b"", b"(2 (2 caf\xe9) (2 au) (2 lait))"], 3),
    "text": ([b"a b", b"", b"caf\xe9 au lait"], 3),
}

# Files that are not empty but hold no record: blank lines, comments, headers without content.
NO_RECORDS: dict[str, tuple[bytes, str]] = {
    "conllu": (b"\n\n  \n", "no sentences"),
    "conll2003": (b"-DOCSTART- -X- O O\n\n", "no sentences"),
    "analogy": (b": capital-common-countries\n\n: family\n", "no analogy questions"),
    "similarity": (b"# Word 1\tWord 2\tHuman (mean)\n\n", "no pairs"),
    "sst": (b"\n\n", "no trees"),
    "text": (b"\n \n\t\n", "no tokens"),
}

# One valid file per reader, to check that line endings do not change what is read.
VALID: dict[str, list[bytes]] = {
    "conllu": [
        b"# sent_id = one",
        b"1\tGo\tgo\tVERB\tVB\t_\t0\troot\t_\t_",
        b"",
        b"1\tStop\tstop\tVERB\tVB\t_\t0\troot\t_\t_",
    ],
    "conll2003": [
        b"-DOCSTART- -X- O O",
        b"",
        b"EU NNP I-NP I-ORG",
        b"rejects VBZ I-VP O",
        b"",
        b"Peter NNP I-NP I-PER",
    ],
    "analogy": [b": family", b"man woman king queen", b": gram1-x", b"a b c d"],
    "similarity": [b"# comment", b"love\tsex\t6.77", b"tiger cat 7.35"],
    "sst": [b"(3 (2 It) (4 (2 is) (3 good)))", b"", b"(1 (2 Not) (1 good))"],
    "text": [b"a b", b"", b" c  d "],
}


def _assert_points_at(error: DataFormatError, path: Path, line: int, *fragments: str) -> None:
    assert (error.path, error.line) == (path, line)
    assert str(error).startswith(f"{path}:{line}: ")
    for fragment in fragments:
        assert fragment in str(error)


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("reader", sorted(READERS))
def test_invalid_utf8_names_file_and_line(tmp_path: Path, reader: str, newline: bytes) -> None:
    lines, bad_line = BAD_UTF8[reader]
    path = tmp_path / f"{reader}.txt"
    path.write_bytes(newline.join(lines))

    with pytest.raises(DataFormatError) as caught:
        READERS[reader](path)

    _assert_points_at(caught.value, path, bad_line, "not UTF-8", "0xe9")


@pytest.mark.parametrize("reader", sorted(READERS))
def test_empty_file_is_refused_by_name(tmp_path: Path, reader: str) -> None:
    path = tmp_path / f"{reader}.txt"
    path.write_bytes(b"")

    with pytest.raises(DataFormatError) as caught:
        READERS[reader](path)

    _assert_points_at(caught.value, path, 1, "empty file")


@pytest.mark.parametrize("reader", sorted(READERS))
def test_file_without_records_is_refused_by_name(tmp_path: Path, reader: str) -> None:
    content, fragment = NO_RECORDS[reader]
    path = tmp_path / f"{reader}.txt"
    path.write_bytes(content)

    with pytest.raises(DataFormatError) as caught:
        READERS[reader](path)

    _assert_points_at(caught.value, path, 1, fragment)


@pytest.mark.parametrize("reader", sorted(READERS))
def test_line_endings_do_not_change_the_records(tmp_path: Path, reader: str) -> None:
    unix, windows = tmp_path / "unix.txt", tmp_path / "windows.txt"
    unix.write_bytes(b"\n".join(VALID[reader]) + b"\n")
    windows.write_bytes(b"\r\n".join(VALID[reader]) + b"\r\n")

    records = READERS[reader](unix)

    assert records
    assert READERS[reader](windows) == records


def test_shared_line_reader_numbers_lines_as_text_mode_does(tmp_path: Path) -> None:
    from wordlab.data.readers.lines import iter_lines

    path = tmp_path / "mixed.txt"
    path.write_bytes(b"one\r\ntwo\rthree\n\nfour\r\r\nfive\r")
    with open(path, encoding="utf-8") as handle:
        text_mode = [(n, line.removesuffix("\n")) for n, line in enumerate(handle, start=1)]

    assert list(iter_lines(path)) == text_mode
    assert list(iter_lines(path, universal_newlines=False)) == [
        (1, "one\r"),
        (2, "two\rthree"),
        (3, ""),
        (4, "four\r\r"),
        (5, "five\r"),
    ]


def test_no_analogy_questions_names_the_questions_file(tmp_path: Path) -> None:
    path = tmp_path / "questions-words.txt"
    path.write_bytes(b": capital-common-countries\n")
    words, vectors = ["man", "woman"], np.eye(2, dtype=np.float32)

    with pytest.raises(DataFormatError) as caught:
        evaluate_analogies(words, vectors, path)
    _assert_points_at(caught.value, path, 1, "no analogy questions")

    with pytest.raises(DataFormatError) as caught:
        evaluate_intrinsic(
            words, vectors, questions=path, similarity_sets={}, restrict_vocab=2, methods=["3cosadd"], epsilon=1e-3
        )
    _assert_points_at(caught.value, path, 1, "no analogy questions")
