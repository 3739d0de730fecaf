"""The Lightning-driven word2vec training: MLflow and curves are written, and an interrupted run resumes exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from lightning.pytorch.callbacks import Callback
from mlflow import MlflowClient
from omegaconf import OmegaConf

from wordlab.config import TrainerConfig
from wordlab.corpus.config import VocabConfig
from wordlab.corpus.format import PreparedCorpus
from wordlab.corpus.prepare import prepare_corpus
from wordlab.corpus.tokenize import Tokenizer
from wordlab.embeddings.module import Word2VecModule
from wordlab.embeddings.run import restrict_vocabulary
from wordlab.embeddings.word2vec.config import Word2VecConfig
from wordlab.embeddings.word2vec.training import Word2VecState, train
from wordlab.nn.curves import LearningCurves, read_curve
from wordlab.tracking import stage_run
from wordlab.trainer import build_trainer, resume_checkpoint

CONFIG = Word2VecConfig(dim=16, window=3, epochs=2, threads=1, seed=3, sample=0.0)


@pytest.fixture(scope="module")
def small_corpus(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> PreparedCorpus:
    out = tmp_path_factory.mktemp("ptb") / "prepared"
    source = data_dir / "ptb" / "ptb.valid.txt"
    prepare_corpus({"train": source}, out, Tokenizer(), VocabConfig(), max_lines=600)
    return PreparedCorpus.load(out)


class _Interrupt(Callback):
    """Fails the run after a number of chunks, once the checkpoint of the last one is written."""

    def __init__(self, after_steps: int) -> None:
        self.after_steps = after_steps

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:  # type: ignore[no-untyped-def]
        if trainer.global_step >= self.after_steps:
            raise RuntimeError("simulated interruption")


def _module(corpus: PreparedCorpus) -> Word2VecModule:
    restricted = restrict_vocabulary(corpus, min_count=2)
    state = Word2VecState.create(restricted.counts, CONFIG)
    return Word2VecModule(state, restricted.tokens, restricted.line_offsets, chunk_words=2_000)


def _trainer(tmp: Path, run=None, callbacks=None):  # type: ignore[no-untyped-def]
    return build_trainer(
        OmegaConf.structured(TrainerConfig(enable_progress_bar=False)),
        max_epochs=CONFIG.epochs,
        checkpoint_dir=tmp / "ckpt",
        run=run,
        checkpoint_every_n_steps=1,
        callbacks=[LearningCurves(tmp / "curves"), *(callbacks or [])],
        log_every_n_steps=1,
    )


def test_lightning_run_equals_the_plain_training_loop(small_corpus: PreparedCorpus, tmp_path: Path) -> None:
    module = _module(small_corpus)
    _trainer(tmp_path).fit(module)
    reference = _module(small_corpus)
    train(reference.state, reference.tokens, reference.offsets, chunk_words=2_000)
    np.testing.assert_array_equal(module.state.V, reference.state.V)
    assert module.n_chunks >= 3


def test_interrupted_run_resumes_to_the_same_vectors(small_corpus: PreparedCorpus, tmp_path: Path) -> None:
    uninterrupted = _module(small_corpus)
    _trainer(tmp_path / "a").fit(uninterrupted)

    interrupted = _module(small_corpus)
    steps_before = uninterrupted.n_chunks + 1  # stops in the middle of the second epoch
    with pytest.raises(RuntimeError, match="simulated interruption"):
        _trainer(tmp_path / "b", callbacks=[_Interrupt(steps_before)]).fit(interrupted)
    assert not np.array_equal(interrupted.state.V, uninterrupted.state.V)

    resumed = _module(small_corpus)
    checkpoint = resume_checkpoint(tmp_path / "b" / "ckpt")
    assert checkpoint is not None
    _trainer(tmp_path / "b").fit(resumed, ckpt_path=checkpoint)
    np.testing.assert_array_equal(resumed.state.V, uninterrupted.state.V)
    np.testing.assert_array_equal(resumed.state.U, uninterrupted.state.U)


def test_loss_and_throughput_reach_mlflow_and_the_curve_file(small_corpus: PreparedCorpus, tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    module = _module(small_corpus)
    with stage_run(uri, "w2v", "train", {"dim": CONFIG.dim}, {}) as run:
        _trainer(tmp_path, run=run).fit(module)
    client = MlflowClient(uri)
    losses = client.get_metric_history(run.run_id, "train_loss")
    speeds = client.get_metric_history(run.run_id, "words_per_sec")
    curve = read_curve(tmp_path / "curves" / "train.tsv")
    assert len(losses) == len(curve) == module.n_chunks * CONFIG.epochs
    assert [m.value for m in sorted(losses, key=lambda m: m.step)] == pytest.approx(curve["loss"].tolist())
    assert all(m.value > 0 for m in speeds)
    assert curve["loss"].iloc[-1] < curve["loss"].iloc[0]
