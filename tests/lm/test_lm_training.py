"""Training the neural language models: truncated BPTT carries the state, every model can fit one batch, an
interrupted run resumes to the same model, and sampling is reproducible."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import lightning.pytorch as pl
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from wordlab.config import TrainerConfig
from wordlab.lm import generate
from wordlab.lm.config import NeuralLMConfig, SamplingConfig
from wordlab.lm.data import EOS, LMVocabulary, StreamChunks, batchify
from wordlab.lm.fixed_window import FixedWindowLM
from wordlab.lm.module import LanguageModelModule
from wordlab.lm.outputs import MODEL_FILE
from wordlab.lm.recurrent import RecurrentLM
from wordlab.lm.run import run_neural
from wordlab.nn.curves import LearningCurves, read_curve
from wordlab.trainer import build_trainer

ADAM = {"_target_": "torch.optim.Adam", "lr": 0.01}
QUIET = TrainerConfig(num_threads=1, enable_progress_bar=False)

# The copy task: segments (key, filler, key) with the key drawn from 8 symbols. With bptt 4 a quarter of the
# repeated keys must be predicted at the first row of a chunk, their key in the previous chunk: only the carried
# state knows it. The loss floor is ln 8 on the keys (a third of the tokens) if the state crosses chunks, plus
# ln 8 on those repeats (a twelfth of the tokens) if it does not.
KEYS, FILLER, BPTT = 8, 0, 4
FLOOR_CARRIED = math.log(KEYS) / 3
FLOOR_RESET = math.log(KEYS) * (1 / 3 + 1 / 12)


def _copy_stream(segments: int, seed: int) -> np.ndarray:
    keys = np.random.default_rng(seed).integers(1, KEYS + 1, size=segments)
    return np.stack([keys, np.full(segments, FILLER), keys], axis=1).reshape(-1)


def _chunks(stream: np.ndarray, batch: int) -> DataLoader:
    return DataLoader(StreamChunks(batchify(stream, batch), BPTT), batch_size=None)


def test_truncated_bptt_carries_the_hidden_state_across_batches(tmp_path: Path) -> None:
    torch.manual_seed(0)
    stream = _copy_stream(8_000, seed=1)  # 24,000 tokens in 32 columns: 750 rows, 188 chunks
    network = RecurrentLM(KEYS + 1, cell="lstm", embedding_dim=32, hidden=32, layers=1, dropout=0.0)
    module = LanguageModelModule(network, optimizer={**ADAM, "lr": 0.03}, grad_clip=1.0, lr_decay=1.0)
    trainer = build_trainer(QUIET, max_epochs=3, checkpoint_dir=None, run=None, callbacks=[LearningCurves(tmp_path)])
    trainer.fit(module, _chunks(stream, 32), _chunks(_copy_stream(300, seed=2), 3))
    last_epoch = read_curve(tmp_path / "train_epoch.tsv")["loss"].iloc[-1]
    # Training could only beat the reset floor by carrying the state from one batch into the next.
    assert last_epoch < (FLOOR_CARRIED + FLOOR_RESET) / 2, (last_epoch, FLOOR_CARRIED, FLOOR_RESET)

    # The trained model predicts a repeat whose key lies in the previous chunk when, and only when, it is handed
    # the state that chunk left.
    test = _copy_stream(3_000, seed=3)
    columns = batchify(test, 1)
    chunks = StreamChunks(columns, BPTT)
    network.eval()
    hits = {"carried": [], "reset": []}
    state = None
    with torch.no_grad():
        for start, length in chunks.chunks:
            inputs = columns[start : start + length]
            for mode in ("carried", "reset"):
                logits, after = network(inputs, state if mode == "carried" else None)
                target_position = start + 1  # the chunk's first prediction
                if target_position % 3 == 2:  # a repeated key, whose key sits at row start - 1: the previous chunk
                    hits[mode].append(int(logits[0, 0].argmax()) == int(test[target_position]))
                if mode == "carried":
                    carried_after = after
            state = carried_after
    assert len(hits["carried"]) > 100
    assert np.mean(hits["carried"]) > 0.95 and np.mean(hits["reset"]) < 0.4


# ``_bf16``: the output layer's products in bfloat16 (wordlab.nn.low_precision) must not stop a model learning.
MODEL_KINDS = ["fixed_window", "rnn_tanh", "rnn_relu", "gru", "lstm", "fixed_window_bf16", "lstm_bf16"]


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_every_model_fits_one_batch(kind: str) -> None:
    torch.manual_seed(0)
    vocab = 50
    kind, bf16, _ = kind.partition("_bf16")
    if kind == "fixed_window":
        network: torch.nn.Module = FixedWindowLM(
            vocab, context=3, embedding_dim=32, hidden=32, dropout=0.0, output_bf16=bool(bf16)
        )
        inputs = torch.randint(0, vocab, (64, 3))
        targets = torch.randint(0, vocab, (64,))
    else:
        cell, _, nonlinearity = kind.partition("_")
        network = RecurrentLM(
            vocab,
            cell=cell,
            embedding_dim=32,
            hidden=32,
            layers=2,
            dropout=0.0,
            nonlinearity=nonlinearity or "tanh",
            output_bf16=bool(bf16),
        )
        stream = torch.randint(0, vocab, (11, 6))
        inputs, targets = stream[:-1], stream[1:]
    optimizer = torch.optim.Adam(network.parameters(), lr=0.01)
    losses = []
    for _ in range(300):
        logits, _ = network(inputs)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
    assert losses[0] == pytest.approx(math.log(vocab), rel=0.1)  # about uniform at the start
    assert losses[-1] < 0.05 * losses[0]


@pytest.fixture(scope="module")
def ptb(data_dir: Path) -> dict[str, Path]:
    return {split: data_dir / "ptb" / f"ptb.{split}.txt" for split in ("train", "valid", "test")}


def _small(**overrides: object) -> NeuralLMConfig:
    settings: dict[str, object] = {
        "model": "lstm", "max_lines": 150, "embedding_dim": 24, "hidden": 24, "epochs": 2, "bptt": 10,
        "eval_batch_size": 5, "sampling": SamplingConfig(words=12, seed=3),
    }  # fmt: skip
    settings.update(overrides)
    return NeuralLMConfig(**settings)  # type: ignore[arg-type]


def test_interrupted_training_resumes_to_the_same_model(
    ptb: dict[str, Path], tmp_path: Path, interrupt_at: Callable[[int], pl.Callback]
) -> None:
    """Killed in its second epoch, the run resumes from the first epoch's checkpoint and ends as an uninterrupted
    run does: same metrics, same gradient-norm curve, same learning rate schedule."""
    cfg = _small(lr_decay=4.0)

    def run(tag: str, **extra: object) -> dict[str, float]:
        return run_neural(
            "r", cfg, files=ptb, vectors_path=None, trainer_cfg=QUIET, out_dir=tmp_path / tag,
            curves_dir=tmp_path / tag / "curves", run=None, checkpoint_dir=tmp_path / f"{tag}-checkpoints", **extra,
        )  # fmt: skip

    whole = run("a")
    steps_per_epoch = len(read_curve(tmp_path / "a" / "curves" / "train.tsv")) // 2
    with pytest.raises(RuntimeError, match="simulated interruption"):
        run("b", callbacks=[interrupt_at(steps_per_epoch + 3)])
    assert list((tmp_path / "b-checkpoints").rglob("last.ckpt"))
    resumed = run("b")
    assert resumed == whole
    for name in ("grad_norm.tsv", "samples.txt", "curves/val.tsv"):
        assert (tmp_path / "b" / name).read_bytes() == (tmp_path / "a" / name).read_bytes()
    assert not list((tmp_path / "b-checkpoints").rglob("*.ckpt"))
    saved = json.loads((tmp_path / "a" / "metrics.json").read_text())
    assert "<eos> included" in saved["lm.r.perplexity"]
    assert saved["lm.r.valid.ppl"] == whole["lm.r.valid.ppl"]


def test_sampling_is_reproducible_and_top_k_one_is_greedy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from wordlab.lm.saved import save_model

    torch.manual_seed(0)
    vocabulary = LMVocabulary(("the", "cat", "sat", "on", "mat", EOS))
    arguments = {"cell": "gru", "embedding_dim": 8, "hidden": 8, "layers": 1, "dropout": 0.0, "tied": True}
    network = RecurrentLM(len(vocabulary), **arguments)  # type: ignore[arg-type]
    save_model(tmp_path / MODEL_FILE, network, arguments, vocabulary)
    argv = [str(tmp_path), "--words", "30", "--temperature", "2.0", "--seed-text", "the cat"]
    assert generate.main([*argv, "--seed", "4"]) == 0
    first = capsys.readouterr().out
    assert generate.main([*argv, "--seed", "4"]) == 0
    assert capsys.readouterr().out == first and first.startswith("the cat")
    assert generate.main([*argv, "--seed", "5"]) == 0
    assert capsys.readouterr().out != first

    # top_k = 1 leaves one candidate: the argmax of the model's next-word distribution, step by step.
    drawn = generate.sample(network, vocabulary, ["the"], words=5, top_k=1, seed=9)
    history = [vocabulary.eos, vocabulary.id("the")]
    with torch.no_grad():
        for word in drawn:
            logits, _ = network(torch.tensor(history).unsqueeze(1))
            assert vocabulary.words[int(logits[-1, 0].argmax())] == word
            history.append(vocabulary.id(word))


def test_a_seed_word_outside_the_vocabulary_gets_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wordlab.lm.saved import save_model

    vocabulary = LMVocabulary(("the", "cat", EOS))
    arguments = {"context": 2, "embedding_dim": 4, "hidden": 4}
    save_model(tmp_path / MODEL_FILE, FixedWindowLM(len(vocabulary), **arguments), arguments, vocabulary)  # type: ignore[arg-type]
    assert generate.main([str(tmp_path / MODEL_FILE), "--seed-text", "the Dog"]) == 2
    error = capsys.readouterr().err
    assert "'Dog' is not in the model's vocabulary of 3 words" in error
