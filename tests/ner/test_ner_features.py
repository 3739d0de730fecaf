"""Token features: the casing classes, word lookup through its fall-backs, and the initial word table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wordlab.text.casing import Casing, casing
from wordlab.text.vectors import Vectors
from wordlab.text.vocab import (
    NUM_SPECIALS,
    PAD,
    UNK,
    initial_table,
    load_vectors,
    vocabulary_from_tokens,
    vocabulary_from_vectors,
    with_training_words,
)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("the", Casing.LOWER),
        ("EU", Casing.UPPER),
        ("U.S.", Casing.UPPER),
        ("Paris", Casing.TITLE),
        ("I", Casing.TITLE),
        ("McDonald", Casing.MIXED),
        ("iPhone", Casing.MIXED),
        ("1996", Casing.NUMERIC),
        ("3-0", Casing.NUMERIC),
        ("1990s", Casing.ALNUM),
        ("F16", Casing.ALNUM),
        ("(", Casing.OTHER),
        ("--", Casing.OTHER),
        ("Zürich", Casing.TITLE),
        ("ÉTAT", Casing.UPPER),
    ],
)
def test_casing_classes(token: str, expected: Casing) -> None:
    assert casing(token) is expected


def test_casing_refuses_an_empty_token() -> None:
    with pytest.raises(ValueError, match="empty"):
        casing("")


FILE_WORDS = ["the", "paris", "Paris", "0000", "germany", "unused"]


def test_lookup_prefers_the_exact_form_then_lower_case_then_digits() -> None:
    vocabulary, rows = vocabulary_from_vectors(FILE_WORDS, ["Paris", "THE", "1996", "Germany", "Xyzzy"], True)
    assert set(vocabulary.words) == {"the", "Paris", "0000", "germany"}  # "paris" and "unused" reached by no token
    assert list(rows) == [FILE_WORDS.index(w) for w in vocabulary.words]  # in file order
    assert vocabulary.words[vocabulary.id("Paris") - NUM_SPECIALS] == "Paris"
    assert vocabulary.words[vocabulary.id("THE") - NUM_SPECIALS] == "the"
    assert vocabulary.words[vocabulary.id("2003") - NUM_SPECIALS] == "0000"
    assert vocabulary.words[vocabulary.id("Germany") - NUM_SPECIALS] == "germany"
    assert vocabulary.id("Xyzzy") == UNK


def test_lower_cased_vectors_serve_every_casing_and_digits_fall_back_only_when_asked() -> None:
    vocabulary, _ = vocabulary_from_vectors(["paris", "0000"], ["PARIS", "Paris", "1996"], normalise_digits=False)
    assert vocabulary.id("PARIS") == vocabulary.id("Paris") == vocabulary.id("paris") != UNK
    assert vocabulary.id("1996") == UNK


def test_training_vocabulary_keeps_frequent_normalised_forms() -> None:
    tokens = ["The", "the", "THE", "Paris", "1996", "2001", "rare"]
    vocabulary = vocabulary_from_tokens(tokens, min_count=2, normalise_digits=True)
    assert vocabulary.words == ("the", "0000")
    assert vocabulary.id("tHe") == NUM_SPECIALS and vocabulary.id("1850") == NUM_SPECIALS + 1
    assert vocabulary.id("rare") == vocabulary.id("Paris") == UNK


def test_training_words_without_a_vector_get_own_rows_after_the_pretrained_ones() -> None:
    train = ["Paris", "(", "(", "Norilsk", "NORILSK", "1996-12-06", "1997-01-07", "Xyzzy", "paris", "paris"]
    base, _ = vocabulary_from_vectors(["paris", "the"], [*train, "Oslo"], True)
    vocabulary = with_training_words(base, train, min_count=2)
    # Counted by normalised form, most frequent first; "paris" has a vector, "xyzzy" is seen once.
    assert vocabulary.words == ("paris", "(", "0000-00-00", "norilsk")
    assert vocabulary.own_rows == 3
    assert vocabulary.id("Paris") == base.id("Paris")  # a vector is always found first
    assert vocabulary.id("Norilsk") == vocabulary.id("norilsk") == NUM_SPECIALS + 3
    assert vocabulary.id("1995-02-03") == NUM_SPECIALS + 2  # a test date reaches the training dates' row
    assert vocabulary.id("Xyzzy") == vocabulary.id("Oslo") == UNK
    assert vocabulary.fingerprint() != base.fingerprint()
    pretrained = np.full((1, 4), 7.0, dtype=np.float32)
    table = initial_table(vocabulary, pretrained, dim=4, random_init=False, rng=np.random.default_rng(0))
    assert table.shape == (NUM_SPECIALS + 4, 4)
    np.testing.assert_array_equal(table[NUM_SPECIALS], pretrained[0])
    assert (table[NUM_SPECIALS + 1 :] != 7.0).all()  # own rows start random


def test_initial_table_copies_pretrained_rows_and_the_baseline_matches_their_spread() -> None:
    rng = np.random.default_rng(0)
    pretrained = rng.normal(0.3, 2.0, size=(500, 16)).astype(np.float32)
    vocabulary, _ = vocabulary_from_vectors([f"w{i}" for i in range(500)], [f"w{i}" for i in range(500)], True)
    table = initial_table(vocabulary, pretrained, dim=16, random_init=False, rng=np.random.default_rng(1))
    baseline = initial_table(vocabulary, pretrained, dim=16, random_init=True, rng=np.random.default_rng(1))
    assert table.shape == baseline.shape == (NUM_SPECIALS + 500, 16)
    np.testing.assert_array_equal(table[NUM_SPECIALS:], pretrained)
    np.testing.assert_array_equal(table[:NUM_SPECIALS], baseline[:NUM_SPECIALS])  # same UNK and BOUNDARY start
    assert not table[PAD].any() and not baseline[PAD].any()
    assert abs(baseline[NUM_SPECIALS:].std() - pretrained.std()) < 0.05 * pretrained.std()
    assert np.corrcoef(baseline[NUM_SPECIALS:].ravel(), pretrained.ravel())[0, 1] < 0.05


def test_a_broken_vectors_file_is_reported_with_its_path(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    Vectors(["a", "b"], np.ones((2, 3), dtype=np.float32)).save_word2vec_format(good, binary=False)
    assert load_vectors(good).words == ["a", "b"]
    broken = tmp_path / "broken.txt"
    broken.write_text("2 3\na 1 2 3\nb 1 2\n", encoding="utf-8")
    with pytest.raises(ValueError, match=str(broken)):
        load_vectors(broken)
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(good.read_bytes().replace(b"2 3\n", b"2 3\n", 1)[:10])
    with pytest.raises(ValueError, match=str(truncated)):
        load_vectors(truncated)
    nan = tmp_path / "nan.txt"
    nan.write_text("1 2\nx nan 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"{nan}.*'x'"):
        load_vectors(nan)
