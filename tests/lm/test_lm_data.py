"""The corpora as the reference example reads them, the batches it trains on, and the bad-input messages."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from wordlab.lm.data import (
    EOS,
    CorpusError,
    LMVocabulary,
    StreamChunks,
    batchify,
    build_vocabulary,
    context_windows,
    read_stream,
)
from wordlab.lm.module import stream_perplexity


def test_ptb_counts_match_the_published_ones(data_dir: Path) -> None:
    """10,000 types with <eos>; 929,589 / 73,760 / 82,430 tokens with one <eos> per line (the data README)."""
    vocabulary = build_vocabulary(data_dir / "ptb" / "ptb.train.txt")
    assert len(vocabulary) == 10_000 and EOS in vocabulary
    sizes = {
        split: len(read_stream(data_dir / "ptb" / f"ptb.{split}.txt", vocabulary))
        for split in ("train", "valid", "test")
    }
    assert sizes == {"train": 929_589, "valid": 73_760, "test": 82_430}


def test_a_word_outside_the_closed_vocabulary_is_refused_with_file_and_line(tmp_path: Path) -> None:
    vocabulary = LMVocabulary(("the", "cat", EOS))
    corpus = tmp_path / "valid.txt"
    corpus.write_text("the cat\nthe dog\n")
    with pytest.raises(CorpusError, match=rf"{corpus}:2: word 'dog' is not in the training vocabulary"):
        read_stream(corpus, vocabulary)


def test_batchify_and_chunks_lay_out_the_alphabet_as_the_reference_example_draws_it() -> None:
    """The example's comment: a..x in 4 columns are a g m s / b h n t / ...; with bptt 2 the first chunk's input is
    rows a-b and its target rows b-c."""
    stream = np.arange(26)  # a..z; y and z do not fill a row of 4 and are dropped
    columns = batchify(stream, 4)
    assert columns.shape == (6, 4) and columns[0].tolist() == [0, 6, 12, 18] and columns[-1].tolist() == [5, 11, 17, 23]
    chunks = StreamChunks(columns, bptt=2)
    inputs, targets = chunks[0]
    assert inputs.tolist() == [[0, 6, 12, 18], [1, 7, 13, 19]] and targets.tolist() == [[1, 7, 13, 19], [2, 8, 14, 20]]
    # The last chunk is shorter; every row but the first is a target exactly once.
    assert [len(chunks[i][0]) for i in range(len(chunks))] == [2, 2, 1]
    assert sum(chunks[i][1].numel() for i in range(len(chunks))) == (6 - 1) * 4


def test_context_windows_hold_the_previous_words_padded_with_eos() -> None:
    windows = context_windows(np.array([5, 6, 7, 8]), context=3, pad=0)
    assert windows.tolist() == [[0, 0, 0], [0, 0, 5], [0, 5, 6], [5, 6, 7]]


class _Uniform(torch.nn.Module):
    def __init__(self, vocab_size: int) -> None:
        super().__init__()
        self.vocab_size = vocab_size

    def forward(self, ids: torch.Tensor, state: None = None) -> tuple[torch.Tensor, None]:
        return torch.zeros(*ids.shape, self.vocab_size), None


def test_perplexity_of_a_uniform_model_is_the_vocabulary_size() -> None:
    stream = np.random.default_rng(0).integers(0, 37, size=1000)
    chunks = StreamChunks(batchify(stream, 10), bptt=35)
    mean, tokens = stream_perplexity(_Uniform(37), (chunks[i] for i in range(len(chunks))))
    assert tokens == (100 - 1) * 10
    assert math.exp(mean) == pytest.approx(37.0, rel=1e-6)
