"""Train one configured embedding method on the prepared corpus and write its vectors, metrics and curves.

The stage script calls :func:`train_method`; everything a method needs arrives as plain values and config nodes.
Checkpoints live in a directory keyed by a hash of everything that determines the run (the method's config and
the corpus's vocabulary), so an interrupted run resumes only into the same run, never into one with other
settings.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from omegaconf import DictConfig, OmegaConf

from wordlab.corpus.prepared import PreparedCorpus
from wordlab.embeddings.lightning import Word2VecModule
from wordlab.embeddings.outputs import save_embedding_outputs
from wordlab.embeddings.word2vec import Word2VecConfig, Word2VecState
from wordlab.io import write_json_atomic
from wordlab.nn.curves import LearningCurves
from wordlab.tracking import StageRun
from wordlab.trainer import build_trainer, discard_checkpoints, resume_checkpoint

log = logging.getLogger(__name__)

_KERNEL_LOSS = {"negative_sampling": "negative", "softmax": "softmax", "hierarchical_softmax": "hierarchical"}


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


def word2vec_config(method_cfg: DictConfig) -> Word2VecConfig:
    return Word2VecConfig(
        dim=method_cfg.dim,
        window=method_cfg.window,
        architecture=method_cfg.architecture.value,
        loss=_KERNEL_LOSS[method_cfg.loss.value],
        negative=method_cfg.negatives,
        sample=method_cfg.sample,
        alpha=method_cfg.alpha,
        min_alpha_ratio=method_cfg.min_alpha_ratio,
        epochs=method_cfg.epochs,
        threads=method_cfg.threads,
        seed=method_cfg.seed,
        noise_power=method_cfg.noise_power,
    )


def _run_key(method_cfg: DictConfig, corpus: TrainingCorpus) -> str:
    digest = hashlib.sha256(json.dumps(OmegaConf.to_container(method_cfg, enum_to_str=True), sort_keys=True).encode())
    digest.update("\n".join(corpus.words).encode())
    digest.update(corpus.counts.tobytes())
    return digest.hexdigest()[:16]


def _final_epoch_loss(trainer: Any) -> float:
    curves = next(c for c in trainer.callbacks if isinstance(c, LearningCurves))
    return float(curves.train_epoch[-1][2]) if curves.train_epoch else float("nan")


def train_method(
    *,
    method: str,
    cfg: DictConfig,
    corpus_dir: Path,
    out_dir: Path,
    metrics_path: Path,
    curves_dir: Path,
    checkpoint_dir: Path,
    run: StageRun | None,
) -> dict[str, Any]:
    """Train ``cfg.embedding[method]``; write vectors to ``out_dir`` and metrics to ``metrics_path``."""
    method_cfg = cfg.embedding[method]
    torch.set_num_threads(cfg.trainer.num_threads)
    corpus = restrict_vocabulary(PreparedCorpus.load(corpus_dir), method_cfg.min_count)
    if method_cfg.model != "word2vec":
        raise ValueError(f"embedding.{method}: model {method_cfg.model!r} is not trainable by this stage")
    state = Word2VecState.create(corpus.counts, word2vec_config(method_cfg))
    module = Word2VecModule(state, corpus.tokens, corpus.line_offsets, method_cfg.chunk_words)
    run_checkpoints = checkpoint_dir / _run_key(method_cfg, corpus)
    trainer = build_trainer(
        cfg.trainer,
        max_epochs=method_cfg.epochs,
        curves_dir=curves_dir,
        checkpoint_dir=run_checkpoints,
        run=run,
        checkpoint_every_n_steps=1,
        log_every_n_steps=1,
    )
    started = time.perf_counter()
    trainer.fit(module, ckpt_path=resume_checkpoint(run_checkpoints))
    seconds = time.perf_counter() - started
    trained_words = int(module.progress[2])
    # The DVC metrics file holds only what the config and seed determine; timings go to MLflow alone.
    metrics: dict[str, Any] = {
        "vocab_size": len(corpus.words),
        "corpus_words": int(corpus.line_offsets[-1]),
        "epochs": int(method_cfg.epochs),
        "final_loss": _final_epoch_loss(trainer),
    }
    save_embedding_outputs(out_dir, corpus.words, state.V, state.V, state.U)
    write_json_atomic(metrics_path, metrics)
    discard_checkpoints(run_checkpoints)
    words_per_sec = trained_words / max(seconds, 1e-9)
    log.info("%s: %d words in %.1f s (%.0f words/s)", method, trained_words, seconds, words_per_sec)
    return {**metrics, "train_seconds": seconds, "train_words_per_sec": words_per_sec}
