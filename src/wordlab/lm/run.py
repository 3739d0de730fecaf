"""The language-model stage's calls: train one configured model on a corpus, measure its perplexities, write it out.

Everything arrives as plain values (a config entry, the corpus's files, the open MLflow run). Outputs, each written
atomically, in ``out_dir``: ``metrics.json``; for the neural models also ``model.pt`` (self-contained:
:mod:`wordlab.lm.generate` samples from it), ``samples.txt`` (the entry's seeded sample), ``grad_norm.tsv``
(the gradient norm before clipping at every step), and for the recurrent ones ``gradients.tsv`` and
``gradients.png`` (the vanishing-gradient picture, trained against untrained).

Metrics are flat keys ``lm.<name>.<key>``: ``valid.ppl``, ``test.ppl`` (exp of the mean negative log-likelihood per
predicted token, ``<eos>`` included, over the whole split: the reference example's definition, stated again in the
file under ``lm.<name>.perplexity``), ``valid.tokens``, ``test.tokens``, ``epochs_trained``, ``best_epoch``, the
vocabulary size and, for recurrent models, ``gradient_ratio_50`` (trained model's ``||dL/dh_{T-50}|| /
||dL/dh_T||``). Throughput (``train_tokens_per_second``) and seconds vary from run to run: they go to
``timings.json``, MLflow and the log, not to the DVC metrics file, which holds only what the config and seed
determine.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from wordlab.io import atomic_path, write_text_atomic
from wordlab.lm.config import Architecture, NeuralLMConfig, lm_settings
from wordlab.lm.data import (
    LMVocabulary,
    StreamChunks,
    batchify,
    build_vocabulary,
    read_stream,
    windows_dataset,
)
from wordlab.lm.fixed_window import FixedWindowLM
from wordlab.lm.generate import as_text, sample
from wordlab.lm.gradients import state_gradient_norms
from wordlab.lm.module import LanguageModelModule, stream_perplexity
from wordlab.lm.outputs import MODEL_FILE, write_results
from wordlab.lm.recurrent import RecurrentLM
from wordlab.lm.saved import save_model
from wordlab.nn.callbacks import regularization_callbacks
from wordlab.nn.curves import LearningCurves
from wordlab.nn.selection import KeepBest
from wordlab.text.batching import EpochBatches
from wordlab.text.vectors import Vectors
from wordlab.tracking import StageRun
from wordlab.trainer import build_trainer, discard_checkpoints, resume_checkpoint, run_checkpoint_dir

log = logging.getLogger(__name__)

SPLITS = ("train", "valid", "test")
CHECKPOINT_VERSION = 1
GRADIENT_WINDOWS = 32  # validation windows the gradient picture averages over
GRADIENT_STEPS = 100


def run_neural(
    name: str,
    lm_cfg: NeuralLMConfig | Mapping[str, Any],
    *,
    files: Mapping[str, Path],
    vectors_path: Path | None,
    trainer_cfg: Any,
    out_dir: Path,
    curves_dir: Path,
    run: StageRun | None,
    checkpoint_dir: Path | None = None,
    callbacks: Sequence[pl.Callback] = (),
    **trainer_overrides: Any,
) -> dict[str, Any]:
    """Train ``lm_cfg`` (one ``lm.<name>`` entry), keep its best epoch on validation perplexity, score valid and
    test, write the model, a sample, the gradient picture and the metrics; return the metrics. ``callbacks`` join
    the Trainer's own (tests interrupt a run with one); extra keyword arguments go to the Lightning Trainer."""
    cfg = lm_settings(lm_cfg)
    assert isinstance(cfg, NeuralLMConfig)
    torch.set_num_threads(int(trainer_cfg.num_threads))
    pl.seed_everything(int(cfg.seed), workers=True, verbose=False)
    vocabulary = build_vocabulary(Path(files["train"]))  # the whole file's: valid and test stay in it
    streams = {split: read_stream(Path(files[split]), vocabulary, cfg.max_lines) for split in SPLITS}
    pretrained, covered = _pretrained_rows(vectors_path, vocabulary, int(cfg.embedding_dim))
    arguments = network_arguments(cfg)
    network = build_network(len(vocabulary), arguments, pretrained)
    untrained = (
        build_network(len(vocabulary), arguments, pretrained) if cfg.model != Architecture.fixed_window else None
    )
    if untrained is not None:
        untrained.load_state_dict(network.state_dict())
    curves_dir, out_dir = Path(curves_dir), Path(out_dir)
    module = LanguageModelModule(
        network,
        optimizer=cfg.optimizer,
        weight_decay=float(cfg.regularization.weight_decay),
        grad_clip=cfg.regularization.grad_clip,
        lr_decay=float(cfg.lr_decay),
        log_prefix=f"lm.{name}.",
        grad_norm_curve=out_dir / "grad_norm.tsv",
        seed=int(cfg.seed),
    )
    keep = KeepBest("val_ppl", mode="min")
    run_files = [vectors_path, *(files[split] for split in SPLITS)]
    run_checkpoints = run_checkpoint_dir(checkpoint_dir, CHECKPOINT_VERSION, cfg, run_files)
    trainer = build_trainer(
        trainer_cfg,
        max_epochs=int(cfg.epochs),
        checkpoint_dir=run_checkpoints,
        run=run,
        callbacks=[
            LearningCurves(curves_dir, metric_prefix=f"lm.{name}."),
            keep,
            *regularization_callbacks(cfg.regularization),
            *_time_limit(cfg.max_minutes),
            *callbacks,
        ],
        **trainer_overrides,
    )
    train_loader, valid_loader = _loaders(cfg, streams, vocabulary)
    started = time.perf_counter()
    trainer.fit(
        module,
        train_loader,
        valid_loader,
        ckpt_path=resume_checkpoint(run_checkpoints) if run_checkpoints is not None else None,
    )
    fit_seconds = time.perf_counter() - started
    keep.restore(module)
    metrics: dict[str, Any] = {
        f"lm.{name}.vocab_size": float(len(vocabulary)),
        f"lm.{name}.best_epoch": float(keep.best_epoch if keep.best_epoch is not None else -1),
        f"lm.{name}.epochs_trained": float(trainer.current_epoch),
        f"lm.{name}.pretrained_rows": float(covered),
    }
    for split in ("valid", "test"):
        mean, tokens = stream_perplexity(network, evaluation_batches(cfg, streams[split], vocabulary))
        metrics[f"lm.{name}.{split}.ppl"] = math.exp(mean)
        metrics[f"lm.{name}.{split}.tokens"] = float(tokens)
    timings = {
        f"lm.{name}.fit_seconds": fit_seconds,
        f"lm.{name}.train_tokens_per_second": module.tokens_per_second,
    }
    if isinstance(network, RecurrentLM) and isinstance(untrained, RecurrentLM):
        ratio = _gradient_picture(name, network, untrained, streams["valid"], out_dir, run)
        metrics[f"lm.{name}.gradient_ratio_50"] = ratio
    sampling = cfg.sampling
    seed_words = sampling.seed_text.split()
    drawn = sample(
        network, vocabulary, seed_words,
        words=int(sampling.words), temperature=float(sampling.temperature), top_k=sampling.top_k,
        seed=int(sampling.seed),
    )  # fmt: skip
    write_text_atomic(out_dir / "samples.txt", as_text(seed_words, drawn) + "\n")
    save_model(out_dir / MODEL_FILE, network, arguments, vocabulary)
    write_results(name, out_dir, metrics, timings, run)
    if run is not None:
        run.log_artifact(out_dir / "samples.txt", f"lm/{name}")
    if run_checkpoints is not None:
        discard_checkpoints(run_checkpoints)
    return metrics


def network_arguments(cfg: NeuralLMConfig) -> dict[str, Any]:
    """The network's constructor arguments (what ``model.pt`` records to rebuild it)."""
    common = {
        "embedding_dim": int(cfg.embedding_dim),
        "hidden": int(cfg.hidden),
        "dropout": float(cfg.regularization.dropout),
        "tied": bool(cfg.tied),
        "init_range": float(cfg.init_range),
        "output_bf16": bool(cfg.output_bf16),
    }
    if cfg.model == Architecture.fixed_window:
        return {**common, "context": int(cfg.context)}
    return {**common, "cell": cfg.model.value, "layers": int(cfg.layers), "nonlinearity": cfg.nonlinearity.value}


def build_network(vocab_size: int, arguments: Mapping[str, Any], pretrained: np.ndarray | None = None) -> nn.Module:
    if "context" in arguments:
        return FixedWindowLM(vocab_size, **arguments, pretrained=pretrained)
    return RecurrentLM(vocab_size, **arguments, pretrained=pretrained)


def evaluation_batches(cfg: NeuralLMConfig, stream: np.ndarray, vocabulary: LMVocabulary) -> Any:
    """A split as the model is scored on it: ``eval_batch_size`` columns in ``bptt`` chunks (recurrent), or every
    token's window (fixed-window, which predicts every token of the split)."""
    if cfg.model == Architecture.fixed_window:
        return DataLoader(windows_dataset(stream, int(cfg.context), vocabulary.eos), batch_size=1024)
    return DataLoader(StreamChunks(batchify(stream, int(cfg.eval_batch_size)), int(cfg.bptt)), batch_size=None)


def _loaders(cfg: NeuralLMConfig, streams: Mapping[str, np.ndarray], vocabulary: LMVocabulary) -> tuple[Any, Any]:
    if cfg.model == Architecture.fixed_window:
        windows = windows_dataset(streams["train"], int(cfg.context), vocabulary.eos)
        train = DataLoader(
            windows, batch_size=None, sampler=EpochBatches(len(windows), int(cfg.batch_size), int(cfg.seed))
        )
    else:
        columns = batchify(streams["train"], int(cfg.batch_size))
        train = DataLoader(StreamChunks(columns, int(cfg.bptt), shard=True), batch_size=None)
    return train, evaluation_batches(cfg, streams["valid"], vocabulary)


def _pretrained_rows(vectors_path: Path | None, vocabulary: LMVocabulary, dim: int) -> tuple[np.ndarray | None, int]:
    """(V, dim) rows from the vectors (lower-cased lookup), NaN where a word has none; and how many have one."""
    if vectors_path is None:
        return None, 0
    vectors = Vectors.load_word2vec_format(vectors_path, binary=True)
    if vectors.dim != dim:
        raise ValueError(f"{vectors_path}: vectors of dimension {vectors.dim}, but lm embedding_dim is {dim}")
    index = vectors.index()
    rows = np.full((len(vocabulary), dim), np.nan, dtype=np.float32)
    covered = 0
    for i, word in enumerate(vocabulary.words):
        row = index.get(word, index.get(word.lower()))
        if row is not None:
            rows[i] = vectors.matrix[row]
            covered += 1
    log.info("%s: %d of %d words have a vector", vectors_path, covered, len(vocabulary))
    return rows, covered


def _gradient_picture(
    name: str, trained: RecurrentLM, untrained: RecurrentLM, valid: np.ndarray, out_dir: Path, run: StageRun | None
) -> float:
    """``gradients.tsv`` (k, trained, untrained) and ``gradients.png``; returns the trained ratio at k = 50."""
    span = GRADIENT_STEPS + 1
    starts = np.linspace(0, len(valid) - span - 1, GRADIENT_WINDOWS).astype(np.int64)
    windows = torch.from_numpy(np.stack([valid[s : s + span] for s in starts]))
    curves = {"trained": state_gradient_norms(trained, windows), "untrained": state_gradient_norms(untrained, windows)}
    pairs = zip(curves["trained"], curves["untrained"], strict=True)
    lines = ["k\ttrained\tuntrained", *(f"{k}\t{a:.6g}\t{b:.6g}" for k, (a, b) in enumerate(pairs))]
    write_text_atomic(out_dir / "gradients.tsv", "\n".join(lines) + "\n")
    _plot_gradients(name, curves, out_dir / "gradients.png")
    if run is not None:
        run.log_artifact(out_dir / "gradients.png", f"lm/{name}")
    return float(curves["trained"][50] / curves["trained"][0])


def _plot_gradients(name: str, curves: Mapping[str, np.ndarray], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4))
    for label, values in curves.items():
        axes.semilogy(np.arange(len(values)), values, label=label)
    axes.set(xlabel="k (steps before the prediction)", ylabel="||dL_T / dh_{T-k}||", title=f"{name}: gradient norm")
    axes.legend()
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
    plt.close(figure)


class _TimeLimit(pl.Callback):
    """Stop after the epoch during which ``minutes`` of training have passed (the issue's hour of training)."""

    def __init__(self, minutes: float) -> None:
        self.seconds = minutes * 60.0
        self.started = 0.0
        self.spent = 0.0  # carried in the checkpoint, so a resumed run keeps its budget

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.started = time.perf_counter()

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.spent += time.perf_counter() - self.started
        if self.spent >= self.seconds:
            log.info("time limit: %.1f of %.1f minutes spent, stopping", self.spent / 60, self.seconds / 60)
            trainer.should_stop = True

    def state_dict(self) -> dict[str, Any]:
        return {"spent": self.spent}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.spent = float(state_dict.get("spent", 0.0))


def _time_limit(minutes: float | None) -> list[pl.Callback]:
    return [] if minutes is None else [_TimeLimit(float(minutes))]
