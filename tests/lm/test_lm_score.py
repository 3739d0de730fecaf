"""``python -m wordlab.lm.score``: a text file's perplexity under a saved model, against a word-by-word recount."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from wordlab.lm import score as score_command
from wordlab.lm.data import EOS, LMVocabulary
from wordlab.lm.fixed_window import FixedWindowLM
from wordlab.lm.outputs import MODEL_FILE
from wordlab.lm.recurrent import RecurrentLM
from wordlab.lm.saved import save_model

WORDS = ("the", "cat", "sat", "on", "mat", "<unk>", EOS)
TEXT = "the cat sat on the mat\nthe dog sat\n" + "on the cat the mat sat\n" * 30  # 'dog' is unknown


def _recount(network: nn.Module, ids: list[int]) -> float:
    """exp of the mean NLL of ids[1:], each word from its whole history (the recurrent model run from the start
    each time, no chunks) or from its window (the fixed-window model, <eos> before the start)."""
    total = 0.0
    with torch.no_grad():
        for t in range(1, len(ids)):
            if isinstance(network, FixedWindowLM):
                window = ([ids[0]] * network.context + ids[:t])[-network.context :]
                logits, _ = network(torch.tensor([window]))
                row = logits[0]
            else:
                logits, _ = network(torch.tensor(ids[:t]).unsqueeze(1))
                row = logits[-1, 0]
            total -= float(torch.log_softmax(row.double(), dim=0)[ids[t]])
    return math.exp(total / (len(ids) - 1))


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param({"cell": "gru", "embedding_dim": 8, "hidden": 8, "layers": 2, "dropout": 0.0}, id="gru"),
        pytest.param({"context": 3, "embedding_dim": 6, "hidden": 6}, id="fixed-window"),
    ],
)
def test_perplexity_equals_a_word_by_word_recount_with_unknown_words_as_unk(
    arguments: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    torch.manual_seed(0)
    vocabulary = LMVocabulary(WORDS)
    network_type = FixedWindowLM if "context" in arguments else RecurrentLM
    network = network_type(len(vocabulary), **arguments).eval()
    save_model(tmp_path / MODEL_FILE, network, arguments, vocabulary)
    text = tmp_path / "mine.txt"
    text.write_text(TEXT, encoding="utf-8")

    ids = [vocabulary.eos]
    for line in TEXT.splitlines():
        ids += [vocabulary.id(w) if w in vocabulary else vocabulary.id("<unk>") for w in line.split()] + [
            vocabulary.eos
        ]
    result = score_command.score(network, vocabulary, text)
    assert result.tokens == len(ids) - 1 == sum(len(line.split()) + 1 for line in TEXT.splitlines())
    assert result.unknown == 1
    assert result.perplexity == pytest.approx(_recount(network, ids), rel=1e-6)

    assert score_command.main([str(tmp_path), str(text)]) == 0
    assert f"perplexity {result.perplexity:.2f} over {result.tokens} tokens" in capsys.readouterr().out
    assert score_command.main([str(tmp_path), str(text), "--strict"]) == 2
    assert "mine.txt:2: 'dog' is not in the model's vocabulary" in capsys.readouterr().err


def test_another_tasks_model_is_refused_by_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from wordlab.nn.model_file import save_model_file

    save_model_file(tmp_path / "tagger.pt", "wordlab UPOS tagger", 1, {"state_dict": {}})
    text = tmp_path / "mine.txt"
    text.write_text("the cat\n", encoding="utf-8")
    assert score_command.main([str(tmp_path / "tagger.pt"), str(text)]) == 2
    assert "a wordlab UPOS tagger file, where a wordlab language model file was expected" in capsys.readouterr().err


def test_the_saved_kneser_ney_model_scores_the_test_file_as_its_stage_did_and_generates_greedily(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wordlab.lm import generate
    from wordlab.lm.config import KneserNeyConfig
    from wordlab.lm.kneser_ney import KneserNeyLM
    from wordlab.lm.run_ngram import run_kneser_ney
    from wordlab.lm.saved import load_model

    ptb = {split: data_dir / "ptb" / f"ptb.{split}.txt" for split in ("train", "valid", "test")}
    lines = 400
    metrics = run_kneser_ney("kn", KneserNeyConfig(order=3, max_lines=lines), files=ptb, out_dir=tmp_path / "kn",
                             curves_dir=tmp_path / "curves", run=None)  # fmt: skip
    test_slice = tmp_path / "test.txt"
    with open(ptb["test"], encoding="utf-8") as source:
        test_slice.write_text("".join(next(source) for _ in range(lines)), encoding="utf-8")
    model, vocabulary = load_model(tmp_path / "kn" / MODEL_FILE)
    assert isinstance(model, KneserNeyLM) and model.order == 3
    result = score_command.score(model, vocabulary, test_slice)
    assert result.tokens == metrics["lm.kn.test.tokens"] and result.unknown == 0  # PTB test is in the vocabulary
    assert result.perplexity == pytest.approx(metrics["lm.kn.test.ppl"], rel=1e-9)

    drawn = generate.sample(model, vocabulary, ["the"], words=6, top_k=1, seed=3)
    history = [vocabulary.id("the")]
    for word in drawn:  # top-1 is the argmax of the model's next-word distribution after the sentence so far
        assert vocabulary.words[int(np.argmax(model.probabilities(history)))] == word
        history = [] if word == EOS else [*history, vocabulary.id(word)]
    assert generate.main([str(tmp_path / "kn"), "--words", "8", "--seed", "2"]) == 0
    first = capsys.readouterr().out
    assert generate.main([str(tmp_path / "kn"), "--words", "8", "--seed", "2"]) == 0
    assert capsys.readouterr().out == first
