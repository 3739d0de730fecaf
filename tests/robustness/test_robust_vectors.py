"""Word2vec files that lie or break their format are refused with the file and the place, before any allocation.

A header is a claim, not a fact: a file that announces 10^9 words must not make the loader reserve a terabyte
before the first row is read. Every refusal is a DataFormatError whose message starts with ``path:line:``;
binary rows have no meaningful lines, so their messages also give the word's index and byte offset.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from wordlab.data.errors import DataFormatError
from wordlab.text.vectors import Vectors
from wordlab.text.vocab import load_vectors

gensim_models = pytest.importorskip("gensim.models")


def _floats(*values: float) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)


def _load_error(path: Path, *, binary: bool) -> DataFormatError:
    with pytest.raises(DataFormatError) as caught:
        Vectors.load_word2vec_format(path, binary=binary)
    return caught.value


def _assert_points_at(error: DataFormatError, path: Path, line: int, *fragments: str) -> None:
    assert (error.path, error.line) == (path, line)
    assert str(error).startswith(f"{path}:{line}: ")
    for fragment in fragments:
        assert fragment in str(error)


# --- the whole file and its header ------------------------------------------------------------------------------


@pytest.mark.parametrize("binary", [True, False])
def test_empty_file(tmp_path: Path, binary: bool) -> None:
    path = tmp_path / "empty.w2v"
    path.write_bytes(b"")

    _assert_points_at(_load_error(path, binary=binary), path, 1, "empty file")


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize(
    "header",
    [b"3\n", b"3 x\n", b"three 4\n", b"3 4 5\n", b"-3 4\n", b"3 0\n", b"+3 4\n", b"3_0 4\n", b"3 4"],
    ids=[
        "one-field",
        "dim-not-a-number",
        "count-not-a-number",
        "three-fields",
        "negative",
        "dim-0",
        "plus",
        "us",
        "no-newline",
    ],
)
def test_malformed_header(tmp_path: Path, binary: bool, header: bytes) -> None:
    path = tmp_path / "header.w2v"
    path.write_bytes(header + b"a 1 2 3 4\n" * 3)
    if header == b"3 4":
        path.write_bytes(header)

    _assert_points_at(_load_error(path, binary=binary), path, 1, "header")


def test_header_without_a_newline_in_a_long_first_line(tmp_path: Path) -> None:
    # A text file with the header line missing: the loader must not scan megabytes for a header.
    path = tmp_path / "noheader.txt"
    path.write_bytes(b"word " + b"0.5 " * 300_000)

    _assert_points_at(_load_error(path, binary=False), path, 1, "header")


@pytest.mark.parametrize("binary", [True, False])
def test_lying_header_is_refused_against_the_file_size(tmp_path: Path, binary: bool) -> None:
    path = tmp_path / "lying.w2v"
    row = b"a " + (_floats(*range(300)) + b"\n" if binary else " ".join(["0.5"] * 300).encode() + b"\n")
    path.write_bytes(b"1000000000 300\n" + row)

    _assert_points_at(_load_error(path, binary=binary), path, 1, "1000000000 words", "bytes")


_SUBPROCESS_LOAD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
from wordlab.text.vectors import Vectors
try:
    Vectors.load_word2vec_format(sys.argv[1], binary=sys.argv[2] == "binary")
except BaseException as error:
    print(f"{type(error).__name__}: {error}")
    sys.exit(3)
print("loaded")
"""


@pytest.mark.parametrize("kind", ["binary", "text"])
def test_lying_header_fails_cleanly_under_a_memory_limit(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"lying-{kind}.w2v"
    values = _floats(*range(300)) if kind == "binary" else " ".join(["0.5"] * 300).encode()
    path.write_bytes(b"1000000000 300\n" + (b"a " + values + b"\n") * 10)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}

    result = subprocess.run(
        [sys.executable, "-c", _SUBPROCESS_LOAD, str(path), kind],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )

    output = result.stdout + result.stderr
    assert "MemoryError" not in output
    assert result.returncode == 3, output
    assert result.stdout.startswith(f"DataFormatError: {path}:1: "), output


# --- text rows ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_row", "fragment"),
    [
        (b"b 1 2\n", "2 values"),
        (b"b 1 2 3 4\n", "4 values"),
        (b"b 1 nan 3\n", "not finite"),
        (b"b 1 2 -inf\n", "not finite"),
        (b"b 1e39 2 3\n", "not finite"),  # finite in float64, infinite as the stored float32
        (b"b 1 two 3\n", "'two'"),
        (b"\xff\xfe 1 2 3\n", "not UTF-8"),
    ],
    ids=["short", "long", "nan", "inf", "float32-overflow", "not-a-number", "not-utf8"],
)
def test_bad_text_row_names_its_line(tmp_path: Path, bad_row: bytes, fragment: str) -> None:
    path = tmp_path / "vectors.txt"
    path.write_bytes(b"3 3\na 1.0 2.0 3.0\n\n" + bad_row + b"c 1.0 2.0 3.0\n")

    _assert_points_at(_load_error(path, binary=False), path, 4, fragment)


def test_text_file_with_fewer_rows_than_announced(tmp_path: Path) -> None:
    path = tmp_path / "short.txt"
    path.write_bytes(b"3 2\n" + b"alpha 1.000000 2.000000\n" * 2)

    _assert_points_at(_load_error(path, binary=False), path, 3, "3 words", "2")


def test_text_file_with_more_rows_than_announced(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_bytes(b"2 2\na 1 2\nb 1 2\nc 1 2\n")

    _assert_points_at(_load_error(path, binary=False), path, 4, "2 words")


# --- binary rows --------------------------------------------------------------------------------------------------


def _assert_binary_points_at(error: DataFormatError, path: Path, offset: int, *fragments: str) -> None:
    """Binary rows are placed by word index and byte offset; the line is the physical one holding ``offset``."""
    _assert_points_at(error, path, 1 + path.read_bytes()[:offset].count(b"\n"), f"byte {offset}", *fragments)


def _binary_file(path: Path, rows: list[bytes], count: int | None = None, dim: int = 3) -> list[int]:
    """Write a header and ``rows`` as given; return the byte offset of each row."""
    data = f"{len(rows) if count is None else count} {dim}\n".encode()
    offsets = []
    for row in rows:
        offsets.append(len(data))
        data += row
    path.write_bytes(data)
    return offsets


def test_binary_file_ending_inside_a_vector(tmp_path: Path) -> None:
    path = tmp_path / "truncated.bin"
    # The second word is long enough that the file passes the size check and ends inside its vector.
    offsets = _binary_file(path, [b"a " + _floats(1, 2, 3) + b"\n", b"bbbbbbbbbb " + _floats(1)])
    vector_at = offsets[1] + len(b"bbbbbbbbbb ")

    error = _load_error(path, binary=True)
    _assert_binary_points_at(error, path, offsets[1], f"byte {vector_at}", "word 1 ('bbbbbbbbbb')", "inside its vector")


def test_binary_file_ending_inside_a_word(tmp_path: Path) -> None:
    path = tmp_path / "noword.bin"
    offsets = _binary_file(path, [b"a " + _floats(1, 2, 3) + b"\n", b"b" * 20])

    _assert_binary_points_at(_load_error(path, binary=True), path, offsets[1], "word 1", "ends inside the word")


def test_binary_word_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.bin"
    offsets = _binary_file(path, [b"a " + _floats(1, 2, 3) + b"\n", b"caf\xe9 " + _floats(1, 2, 3) + b"\n"])

    _assert_binary_points_at(_load_error(path, binary=True), path, offsets[1], "word 1", "not UTF-8", "0xe9")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_binary_vector_that_is_not_finite(tmp_path: Path, bad: float) -> None:
    path = tmp_path / "nan.bin"
    offsets = _binary_file(path, [b"a " + _floats(1, 2, 3) + b"\n", b"b " + _floats(1, bad, 3) + b"\n"])

    error = _load_error(path, binary=True)
    _assert_binary_points_at(error, path, offsets[1], f"byte {offsets[1] + 2}", "word 1 ('b')", "value 2", "not finite")


def test_binary_file_with_more_data_than_announced(tmp_path: Path) -> None:
    path = tmp_path / "more.bin"
    offsets = _binary_file(path, [b"a " + _floats(1, 2, 3) + b"\n", b"b " + _floats(1, 2, 3) + b"\n"], count=1)

    _assert_binary_points_at(_load_error(path, binary=True), path, offsets[1], "announces 1 word,")


def test_load_vectors_goes_through_the_checked_loader(tmp_path: Path) -> None:
    lying = tmp_path / "lying.bin"
    lying.write_bytes(b"1000000000 300\n" + b"a " + _floats(*range(300)))
    with pytest.raises(DataFormatError) as caught:
        load_vectors(lying)
    _assert_points_at(caught.value, lying, 1, "1000000000 words")

    nothing = tmp_path / "nothing.txt"
    nothing.write_bytes(b"0 3\n")
    with pytest.raises(DataFormatError) as caught:
        load_vectors(nothing)
    _assert_points_at(caught.value, nothing, 1, "no words")


# --- valid files are read exactly as before, and as gensim reads them ---------------------------------------------


def _valid_vectors(seed: int) -> Vectors:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(60)] + ["naïve", "東京", "don't", "a|b"]
    matrix = rng.normal(0, 1, (len(words), 7)).astype(np.float32) * np.float32(10.0) ** rng.integers(-6, 3, (64, 1))
    return Vectors(words, matrix)


@pytest.mark.parametrize("precision", [6, 9])
def test_valid_text_file_loads_as_gensim_loads_it(tmp_path: Path, precision: int) -> None:
    path = tmp_path / "vectors.txt"
    _valid_vectors(seed=precision).save_word2vec_format(path, binary=False, precision=precision)

    loaded = Vectors.load_word2vec_format(path, binary=False)
    reference = gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=False)

    assert loaded.words == list(reference.index_to_key)
    assert loaded.matrix.dtype == np.float32
    np.testing.assert_array_equal(loaded.matrix.view(np.uint32), reference.vectors.view(np.uint32))


@pytest.mark.parametrize("newline_after_vector", [True, False], ids=["word2vec.c", "gensim"])
def test_valid_binary_file_loads_as_gensim_loads_it(tmp_path: Path, newline_after_vector: bool) -> None:
    vectors = _valid_vectors(seed=3)
    path = tmp_path / "vectors.bin"
    end = b"\n" if newline_after_vector else b""
    rows = [
        w.encode() + b" " + r.astype("<f4").tobytes() + end for w, r in zip(vectors.words, vectors.matrix, strict=True)
    ]
    path.write_bytes(f"{len(vectors)} {vectors.dim}\n".encode() + b"".join(rows))

    loaded = Vectors.load_word2vec_format(path, binary=True)
    reference = gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=True)

    assert loaded.words == list(reference.index_to_key) == vectors.words
    np.testing.assert_array_equal(loaded.matrix.view(np.uint32), reference.vectors.view(np.uint32))
    np.testing.assert_array_equal(loaded.matrix.view(np.uint32), vectors.matrix.view(np.uint32))


def test_valid_files_with_crlf_and_blank_lines_still_load(tmp_path: Path) -> None:
    path = tmp_path / "windows.txt"
    path.write_bytes(b"2 3\r\na 1 2 3\r\n\r\nb 4 5 6\r\n\n")

    loaded = Vectors.load_word2vec_format(path, binary=False)

    assert loaded.words == ["a", "b"]
    np.testing.assert_array_equal(loaded.matrix, np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32))
