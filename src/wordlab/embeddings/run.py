"""Train one configured embedding method on the prepared corpus and write its vectors, metrics and curves.

The stage script calls :func:`train_method` with the method's validated config object (a
:class:`~wordlab.embeddings.word2vec.config.Word2VecConfig` or
:class:`~wordlab.embeddings.glove.config.GloveConfig`) and plain values.
Checkpoints live in a directory keyed by a hash of everything that determines the run (the method's config and
the corpus's vocabulary), so an interrupted run resumes only into the same run, never into one with other
settings.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from wordlab.config import TrainerConfig
from wordlab.corpus.format import VOCAB_FILE, PreparedCorpus, read_vocab
from wordlab.embeddings.cooccurrence.store import COOCCURRENCE_FILE, load_cooccurrences
from wordlab.embeddings.glove.config import GloveConfig
from wordlab.embeddings.glove.training import initial_state, training_pairs
from wordlab.embeddings.module import GloveModule, KernelModule, Word2VecModule
from wordlab.embeddings.outputs import save_embedding_outputs
from wordlab.embeddings.word2vec.config import Word2VecConfig
from wordlab.embeddings.word2vec.training import Word2VecState
from wordlab.io import write_json_atomic
from wordlab.nn.curves import LearningCurves
from wordlab.tracking import StageRun
from wordlab.trainer import build_trainer, discard_checkpoints, resume_checkpoint

log = logging.getLogger(__name__)

MethodConfig = Word2VecConfig | GloveConfig


@dataclass(frozen=True)
class TrainingCorpus:
    """The train split restricted to words seen at least ``min_count`` times, as word2vec's own vocabulary cut."""

    words: list[str]
    counts: np.ndarray
    tokens: np.ndarray
    line_offsets: np.ndarray


def restrict_vocabulary(corpus: PreparedCorpus, min_count: int, split: str = "train") -> TrainingCorpus:
    """Drop words rarer than ``min_count``; the vocabulary is sorted by count, so the kept ids are a prefix."""
    kept = int((corpus.counts >= min_count).sum())
    tokens = np.asarray(corpus.tokens(split))
    offsets = np.asarray(corpus.line_offsets(split), dtype=np.int64)
    if kept < corpus.vocab_size:
        keep = tokens < kept
        before = np.concatenate([[0], np.cumsum(keep)])
        tokens, offsets = tokens[keep], before[offsets]
    return TrainingCorpus(corpus.words[:kept], corpus.counts[:kept].copy(), tokens, offsets)


def _run_key(method_cfg: MethodConfig, words: list[str], counts: np.ndarray) -> str:
    digest = hashlib.sha256(json.dumps(dataclasses.asdict(method_cfg), sort_keys=True).encode())
    digest.update("\n".join(words).encode())
    digest.update(np.ascontiguousarray(counts).tobytes())
    return digest.hexdigest()[:16]


def _final_epoch_loss(trainer: Any) -> float:
    curves = next(c for c in trainer.callbacks if isinstance(c, LearningCurves))
    return float(curves.train_epoch[-1][2]) if curves.train_epoch else float("nan")


@dataclass
class _Prepared:
    """A method ready to fit: its module, vocabulary, and how to read the vectors out once trained."""

    module: KernelModule
    words: list[str]
    counts: np.ndarray
    corpus_size: dict[str, int]
    outputs: Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray]]  # (vectors, V, U)


def _prepare_word2vec(method_cfg: Word2VecConfig, input_dir: Path) -> _Prepared:
    corpus = restrict_vocabulary(PreparedCorpus.load(input_dir), method_cfg.min_count)
    state = Word2VecState.create(corpus.counts, method_cfg)
    module = Word2VecModule(state, corpus.tokens, corpus.line_offsets, method_cfg.chunk_words)
    return _Prepared(
        module, corpus.words, corpus.counts, {"corpus_words": int(corpus.line_offsets[-1])},
        lambda: (state.V, state.V, state.U),
    )  # fmt: skip


def _prepare_glove(method_cfg: GloveConfig, input_dir: Path) -> _Prepared:
    """X restricted to the words seen ``min_count`` times: ids are sorted by count, so that is X[:k, :k]."""
    words, counts = read_vocab(input_dir / VOCAB_FILE)
    kept = int((counts >= method_cfg.min_count).sum())
    matrix = load_cooccurrences(input_dir / COOCCURRENCE_FILE)[:kept, :kept]
    state = initial_state(method_cfg, kept)
    pairs = training_pairs(method_cfg, matrix)
    module = GloveModule(state, pairs, method_cfg, method_cfg.chunk_pairs)
    return _Prepared(
        module, words[:kept], counts[:kept], {"nonzeros": len(pairs)},
        lambda: (state.vectors(method_cfg.vectors), state.W, state.W_ctx),
    )  # fmt: skip


def _prepare(method_cfg: MethodConfig, input_dir: Path) -> _Prepared:
    if isinstance(method_cfg, Word2VecConfig):
        return _prepare_word2vec(method_cfg, input_dir)
    return _prepare_glove(method_cfg, input_dir)


def train_method(
    *,
    method: str,
    method_cfg: MethodConfig,
    trainer_cfg: TrainerConfig,
    input_dir: Path,
    out_dir: Path,
    metrics_path: Path,
    curves_dir: Path,
    checkpoint_dir: Path,
    run: StageRun | None,
) -> dict[str, Any]:
    """Train the entry ``method``; write vectors to ``out_dir`` and metrics to ``metrics_path``."""
    torch.set_num_threads(trainer_cfg.num_threads)
    prepared = _prepare(method_cfg, input_dir)
    run_checkpoints = checkpoint_dir / _run_key(method_cfg, prepared.words, prepared.counts)
    trainer = build_trainer(
        trainer_cfg,
        max_epochs=method_cfg.epochs,
        checkpoint_dir=run_checkpoints,
        run=run,
        callbacks=[LearningCurves(curves_dir)],
        checkpoint_every_n_steps=1,
        log_every_n_steps=1,
        # The trainer's batch limits shorten the task models' epochs; an embedding epoch is the whole corpus (and
        # the stage's DVC params do not include the trainer's).
        limit_train_batches=1.0,
        limit_val_batches=1.0,
        # The numba kernels train the vectors in place on all their threads (Hogwild), with no gradient for DDP to
        # reduce: under ``trainer=ddp`` this stage stays one process, as the other stages of the run spread out.
        strategy="auto",
        devices=1,
        num_nodes=1,
    )
    started = time.perf_counter()
    trainer.fit(prepared.module, ckpt_path=resume_checkpoint(run_checkpoints))
    seconds = time.perf_counter() - started
    work_done = int(prepared.module.progress[2])
    # The DVC metrics file holds only what the config and seed determine; timings go to MLflow alone.
    metrics: dict[str, Any] = {
        "vocab_size": len(prepared.words),
        **prepared.corpus_size,
        "epochs": int(method_cfg.epochs),
        "final_loss": _final_epoch_loss(trainer),
    }
    vectors, V, U = prepared.outputs()
    save_embedding_outputs(out_dir, prepared.words, vectors, V, U)
    write_json_atomic(metrics_path, metrics)
    discard_checkpoints(run_checkpoints)
    unit = "words" if isinstance(method_cfg, Word2VecConfig) else "nonzeros"
    rate = work_done / max(seconds, 1e-9)
    log.info("%s: %d %s in %.1f s (%.0f %s/s)", method, work_done, unit, seconds, rate, unit)
    return {**metrics, "train_seconds": seconds, f"train_{unit}_per_sec": rate}
