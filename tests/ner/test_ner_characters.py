"""The character model: ids round-trip to the text, batches hold every token's characters, and the CNN equals a
numpy convolution-and-max."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from test_ner_support import small_conll

from wordlab.data.hf import conll2003_dataset_dict
from wordlab.ner.data import batches, encode_splits
from wordlab.text.characters import CHAR_PAD, MAX_WORD_CHARS, OTHER_CHAR, CharCnn, char_ids
from wordlab.text.vocab import vocabulary_from_tokens


def _decode(ids: list[int]) -> str:
    return "".join(chr(i - 1) for i in ids if i != CHAR_PAD)


@pytest.mark.parametrize("token", ["Zürich", "U.S.", "1996", "--", "naïve", "ÿ"])
def test_latin1_tokens_round_trip(token: str) -> None:
    ids = char_ids(token)
    assert CHAR_PAD not in ids
    assert _decode(ids) == token


def test_other_characters_share_one_id_and_long_tokens_are_cut() -> None:
    assert char_ids("Łódź") == [OTHER_CHAR, ord("ó") + 1, ord("d") + 1, OTHER_CHAR]
    assert len(char_ids("x" * 100)) == MAX_WORD_CHARS


def test_batches_hold_each_tokens_characters(data_dir: Path, tmp_path: Path) -> None:
    raw = conll2003_dataset_dict(small_conll(data_dir, tmp_path / "conll"), tmp_path / "cache")
    vocabulary = vocabulary_from_tokens((t for tokens in raw["train"]["tokens"] for t in tokens), 1, True)
    encoded = encode_splits(raw, vocabulary)
    sentences = raw["validation"]["tokens"]
    seen = 0
    for batch in batches(encoded["validation"], 16, shuffle=False):
        for row, length in enumerate(batch["mask"].sum(dim=1).tolist()):
            decoded = [_decode(batch["chars"][row, t].tolist()) for t in range(length)]
            assert decoded == [token[:MAX_WORD_CHARS] for token in sentences[seen]]
            assert not batch["chars"][row, length:].any()  # padding positions hold no character
            seen += 1
    assert seen == len(sentences)


def _numpy_char_cnn(cnn: CharCnn, chars: np.ndarray) -> np.ndarray:
    """Embedding lookup, zero-padded cross-correlation, then the max over the token's real characters."""
    table = cnn.embedding.weight.detach().numpy()
    weight, bias = cnn.conv.weight.detach().numpy(), cnn.conv.bias.detach().numpy()  # (filters, dim, width)
    filters, _, width = weight.shape
    half = width // 2
    out = np.zeros((*chars.shape[:2], filters))
    for b, t in np.ndindex(*chars.shape[:2]):
        ids = chars[b, t][chars[b, t] != CHAR_PAD]
        if not len(ids):
            continue
        x = np.pad(table[ids], ((half, half), (0, 0)))  # (length + 2 half, dim)
        conv = np.stack([np.einsum("fdw,wd->f", weight, x[i : i + width]) + bias for i in range(len(ids))])
        out[b, t] = conv.max(axis=0)
    return out


def test_char_cnn_equals_numpy_and_ignores_padding() -> None:
    generator = torch.Generator().manual_seed(4)
    cnn = CharCnn(char_dim=5, filters=7, width=3, dropout=0.3, generator=generator).eval()
    words = [["Paris", "is", "x"], ["EU", "", ""]]  # "" marks a padding position of the batch
    longest = max(len(w) for row in words for w in row)
    chars = np.zeros((2, 3, longest + 2), dtype=np.int64)  # two extra padding characters
    for b, t in np.ndindex(2, 3):
        ids = char_ids(words[b][t])
        chars[b, t, : len(ids)] = ids
    with torch.no_grad():
        got = cnn(torch.as_tensor(chars)).numpy()
    np.testing.assert_allclose(got, _numpy_char_cnn(cnn, chars), rtol=1e-5, atol=1e-6)
    assert not got[1, 1:].any()  # padding positions give 0


def test_an_even_width_is_refused() -> None:
    with pytest.raises(ValueError, match="odd"):
        CharCnn(4, 4, 2, 0.0, generator=torch.Generator())
