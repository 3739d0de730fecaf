"""Tokeniser modes against hand-worked examples and against str.split as the reference for 'keep'."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wordlab.corpus.tokenize import NUMBER_TOKEN, NumberMode, PunctuationMode, Tokenizer

LINE = "In 1999, Mr. O'Neil paid $3.50 for 12 apples -- didn't he?\n"


def test_keep_is_whitespace_split() -> None:
    assert Tokenizer()(LINE) == LINE.split()


def test_split_separates_each_punctuation_character() -> None:
    assert Tokenizer(punctuation=PunctuationMode.split)("Mr. O'Neil didn't -- $3.50?") == [
        "Mr",
        ".",
        "O",
        "'",
        "Neil",
        "didn",
        "'",
        "t",
        "-",
        "-",
        "$",
        "3",
        ".",
        "50",
        "?",
    ]


def test_strip_keeps_only_letters_and_digits_and_lowercases() -> None:
    tokens = Tokenizer(lowercase=True, punctuation=PunctuationMode.strip)(LINE)
    assert tokens == [
        "in",
        "1999",
        "mr",
        "o",
        "neil",
        "paid",
        "3",
        "50",
        "for",
        "12",
        "apples",
        "didn",
        "t",
        "he",
    ]


def test_numbers_zero_and_token() -> None:
    assert Tokenizer(numbers=NumberMode.zero)("born 1999 , aged 3.5") == ["born", "0000", ",", "aged", "0.0"]
    assert Tokenizer(numbers=NumberMode.token)("born 1999 , aged 3.5 , F16") == [
        "born",
        NUMBER_TOKEN,
        ",",
        "aged",
        NUMBER_TOKEN,
        ",",
        "F16",
    ]


def test_eos_is_appended_to_every_line_even_empty_ones() -> None:
    tokenizer = Tokenizer(eos="<eos>")
    assert tokenizer(" \n") == ["<eos>"]
    assert tokenizer("a b\n") == ["a", "b", "<eos>"]


@given(st.text(max_size=200))
def test_strip_drops_exactly_the_non_alphanumerics(text: str) -> None:
    tokens = Tokenizer(punctuation=PunctuationMode.strip)(text)
    assert "".join(tokens) == "".join(ch for ch in text if ch.isalnum() or (ch.isdigit()))
    assert all(token.isalnum() for token in tokens)
