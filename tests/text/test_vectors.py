"""The word2vec formats wordlab writes are read back by gensim (an independent reader) and by wordlab."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from wordlab.text.vectors import Vectors, save_matrix

gensim_models = pytest.importorskip("gensim.models")


def _vectors(n: int = 300, dim: int = 17, seed: int = 0) -> Vectors:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n - 4)] + ["naïve", "東京", "don't", "a|b"]
    matrix = rng.normal(0, 1, (n, dim)).astype(np.float32) * np.float32(10.0) ** rng.integers(-6, 3, (n, 1))
    return Vectors(words, matrix)


def _six_digits(values: np.ndarray) -> np.ndarray:
    return np.array([f"{v:.6g}" for v in values.astype(np.float64).reshape(-1)])


def test_gensim_reads_binary_identically(tmp_path: Path) -> None:
    vectors = _vectors()
    path = tmp_path / "vectors.bin"
    vectors.save_word2vec_format(path, binary=True)
    kv = gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=True)
    assert list(kv.index_to_key) == vectors.words
    np.testing.assert_array_equal(kv.vectors, vectors.matrix)


def test_gensim_reads_text_to_six_significant_digits(tmp_path: Path) -> None:
    vectors = _vectors(seed=1)
    path = tmp_path / "vectors.txt"
    vectors.save_word2vec_format(path, binary=False)
    kv = gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=False)
    assert list(kv.index_to_key) == vectors.words
    np.testing.assert_array_equal(_six_digits(kv.vectors), _six_digits(vectors.matrix))


def test_full_precision_text_round_trips_exactly(tmp_path: Path) -> None:
    vectors = _vectors(seed=2)
    vectors.save_word2vec_format(tmp_path / "v.txt", binary=False, precision=9)
    kv = gensim_models.KeyedVectors.load_word2vec_format(str(tmp_path / "v.txt"), binary=False)
    np.testing.assert_array_equal(kv.vectors, vectors.matrix)


@pytest.mark.parametrize("binary", [True, False])
def test_wordlab_reads_what_gensim_writes(tmp_path: Path, binary: bool) -> None:
    vectors = _vectors(seed=3)
    kv = gensim_models.KeyedVectors(vectors.dim)
    kv.add_vectors(vectors.words, vectors.matrix)
    path = tmp_path / "gensim.w2v"
    kv.save_word2vec_format(str(path), binary=binary)
    loaded = Vectors.load_word2vec_format(path, binary=binary)
    assert loaded.words == vectors.words
    if binary:
        np.testing.assert_array_equal(loaded.matrix, vectors.matrix)
    else:  # gensim writes repr(), which round-trips
        np.testing.assert_allclose(loaded.matrix, vectors.matrix, rtol=1e-7)


@pytest.mark.parametrize("binary", [True, False])
def test_round_trip_through_wordlab(tmp_path: Path, binary: bool) -> None:
    vectors = _vectors(seed=4)
    vectors.save_word2vec_format(tmp_path / "v", binary=binary, precision=9)
    loaded = Vectors.load_word2vec_format(tmp_path / "v", binary=binary)
    assert loaded.words == vectors.words
    np.testing.assert_array_equal(loaded.matrix, vectors.matrix)


def test_write_is_atomic_and_refuses_unwritable_words(tmp_path: Path) -> None:
    path = tmp_path / "vectors.bin"
    _vectors().save_word2vec_format(path, binary=True)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="whitespace"):
        Vectors(["ok", "two words"], np.zeros((2, 3))).save_word2vec_format(path, binary=True)
    assert path.read_bytes() == before  # the old file is untouched
    assert os.listdir(tmp_path) == ["vectors.bin"]  # and no temporary file is left behind


def test_npy_matrices(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    V, U = rng.normal(size=(30, 4)).astype(np.float32), rng.normal(size=(29, 4)).astype(np.float32)
    save_matrix(tmp_path / "V.npy", V)
    save_matrix(tmp_path / "U.npy", U)
    _vectors().save_npy(tmp_path / "vectors.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "V.npy"), V)
    np.testing.assert_array_equal(np.load(tmp_path / "U.npy"), U)
    np.testing.assert_array_equal(np.load(tmp_path / "vectors.npy"), _vectors().matrix)


def test_shape_mismatch_is_refused() -> None:
    with pytest.raises(ValueError, match="one row per word"):
        Vectors(["a", "b"], np.zeros((3, 2)))
