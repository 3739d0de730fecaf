"""The classifier stage's one call: train a configured classifier on SST for each task, score dev and test.

Everything arrives as plain values (a config entry, file paths, the open MLflow run). For each task in the
entry's ``tasks`` (``binary``, ``fine``), the model (or each of an ensemble's members, from seeds ``seed``,
``seed + 1``, ...) trains on the training trees' phrases, early-stops on dev sentence accuracy and keeps its best
epoch. Outputs, each written atomically: in ``out_dir``, ``classifier.<task>.pt`` (self-contained, see
:mod:`wordlab.classify.predict`), ``timings.json`` and ``metrics.json``; in ``predictions_dir`` (``out_dir`` unless
given), ``predictions.<task>.<split>.tsv`` (one row per sentence: ``actual``, ``predicted``, the predicted class's
probability, the sentence; DVC's confusion plots read them). ``confusion.<task>.<split>.tsv`` (the count matrix)
goes to ``out_dir`` and to MLflow.

Metrics are flat keys ``classify.<name>.<task>.<split>.accuracy`` (split dev or test, a fraction), with
``<task>.train.examples`` and, per member, ``<task>.member<i>.best_epoch`` and, for an ensemble,
``<task>.member<i>.<split>.accuracy``. Seconds vary from run to run: they go to ``timings.json``, MLflow and the log
(``train_seconds``: every training, wall clock; ``<task>.fit_seconds``: the task's members' own seconds).

The (task, member) trainings are independent: with ``trainer.parallel_fits`` above 1 they run side by side in worker
processes (:mod:`wordlab.processes`), each seeded alike, so only the thread count can change them.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch

from wordlab.classify.config import ClassifierConfig, SstTask, classifier_settings
from wordlab.classify.data import (
    LABEL_NAMES,
    Examples,
    encode,
    phrase_examples,
    scoring_batches,
    sentence_examples,
    training_batches,
)
from wordlab.classify.module import ClassifierModule
from wordlab.classify.network import SentenceClassifier
from wordlab.classify.scoring import accuracy, confusion
from wordlab.classify.trained import TrainedClassifier
from wordlab.data.readers.sst import SstTree, read_sst
from wordlab.io import atomic_path, write_json_atomic
from wordlab.nn.callbacks import regularization_trainer_kwargs
from wordlab.nn.curves import LearningCurves
from wordlab.nn.selection import EpochTimer, KeepBest
from wordlab.processes import fit_in_processes, fit_plan
from wordlab.text.table import build_table
from wordlab.text.vocab import NUM_SPECIALS, WordVocabulary
from wordlab.tracking import StageRun
from wordlab.trainer import build_trainer, discard_checkpoints, resume_checkpoint, run_checkpoint_dir

log = logging.getLogger(__name__)

SPLITS = ("train", "dev", "test")
CHECKPOINT_VERSION = 1
TIMINGS_FILE = "timings.json"

warnings.filterwarnings("ignore", message=".*does not have many workers.*")


def run_classifier(
    name: str,
    classifier_cfg: ClassifierConfig | Mapping[str, Any],
    *,
    vectors_path: Path | None,
    files: Mapping[str, Path],
    trainer_cfg: Any,
    out_dir: Path,
    curves_dir: Path,
    run: StageRun | None,
    metrics_path: Path | None = None,
    predictions_dir: Path | None = None,
    checkpoint_dir: Path | None = None,
    callbacks: Sequence[pl.Callback] = (),
    **trainer_overrides: Any,
) -> dict[str, float]:
    """Train ``classifier_cfg`` (one ``classify.<name>`` entry) on each of its tasks; write the models,
    predictions and metrics; return the metrics. ``callbacks`` join the Trainer's own (tests interrupt a run with
    one); extra keyword arguments go to the Lightning Trainer."""
    cfg = classifier_settings(classifier_cfg)
    if set(files) != set(SPLITS):
        raise ValueError(f"files must map exactly {list(SPLITS)} to SST tree files, got {sorted(files)}")
    torch.set_num_threads(int(trainer_cfg.num_threads))
    trees = {split: read_sst(Path(files[split])) for split in SPLITS}
    vocabulary, table = build_table(
        cfg,
        vectors_path,
        (token for tree in trees["train"] for token in tree.tokens),
        (token for split in SPLITS for tree in trees[split] for token in tree.tokens),
    )
    if cfg.mean_center and vectors_path is not None and not cfg.random_init:
        table = mean_centred(table, vocabulary)
    out_dir, curves_dir = Path(out_dir), Path(curves_dir)
    predictions_dir = Path(predictions_dir) if predictions_dir is not None else out_dir
    examples = {
        task: phrase_examples(trees["train"], task, unique=cfg.unique_phrases) if cfg.phrases
        else sentence_examples(trees["train"], task)
        for task in cfg.tasks
    }  # fmt: skip
    # Every (task, member) training is independent: with trainer.parallel_fits above 1 they run side by side, the
    # task with the most examples first (the pool hands them out in order).
    jobs = [(task, member) for task in sorted(cfg.tasks, key=lambda t: -len(examples[t])) for member in
            range(int(cfg.ensemble))]  # fmt: skip
    shared = _Shared(name, cfg, table, vocabulary, examples, trees["dev"], trainer_cfg, curves_dir, run,
                     checkpoint_dir, [vectors_path, *(files[split] for split in SPLITS)], tuple(callbacks),
                     dict(trainer_overrides))  # fmt: skip
    processes, threads = fit_plan(trainer_cfg)
    started = time.perf_counter()
    fitted = dict(zip(jobs, fit_in_processes(_fit_member, [(shared, *job) for job in jobs], processes=processes,
                                             threads=threads), strict=True))  # fmt: skip
    timings: dict[str, float] = {f"classify.{name}.train_seconds": time.perf_counter() - started}
    metrics: dict[str, float] = {f"classify.{name}.vocab_size": float(len(vocabulary))}
    for task in cfg.tasks:
        prefix = f"classify.{name}.{task}"
        train = examples[task]
        metrics[f"{prefix}.train.examples"] = float(len(train))
        members: list[SentenceClassifier] = []
        for member in range(int(cfg.ensemble)):
            network, best_epoch, _ = fitted[(task, member)]
            metrics[f"{prefix}.member{member}.best_epoch"] = float(best_epoch)
            members.append(network)
        timings[f"{prefix}.fit_seconds"] = sum(fitted[(task, member)][2] for member in range(int(cfg.ensemble)))
        shape = {
            "cell": str(cfg.cell), "hidden": int(cfg.hidden), "layers": int(cfg.layers),
            "bidirectional": bool(cfg.bidirectional), "pooling": str(cfg.pooling), "batch_norm": bool(cfg.batch_norm),
            "own_rows": vocabulary.own_rows,
        }  # fmt: skip
        trained = TrainedClassifier(members, vocabulary, LABEL_NAMES[task], shape)
        for split in ("dev", "test"):
            scored = sentence_examples(trees[split], task)
            metrics.update(_score(trained, scored, predictions_dir, out_dir, f"{task}.{split}", prefix,
                                  int(cfg.eval_batch)))  # fmt: skip
            if run is not None:
                run.log_artifact(out_dir / f"confusion.{task}.{split}.tsv", f"classify/{name}")
        trained.save(out_dir / f"classifier.{task}.pt")
        log.info(
            "classify.%s.%s: %d training examples, %.1f s; dev accuracy %.4f, test accuracy %.4f",
            name, task, len(train), timings[f"{prefix}.fit_seconds"], metrics[f"{prefix}.dev.accuracy"],
            metrics[f"{prefix}.test.accuracy"],
        )  # fmt: skip
    write_json_atomic(metrics_path or out_dir / "metrics.json", metrics)
    write_json_atomic(out_dir / TIMINGS_FILE, timings)
    if run is not None:
        run.log_metrics(timings)
    return metrics


def mean_centred(table: np.ndarray, vocabulary: WordVocabulary) -> np.ndarray:
    """``table`` with the mean pretrained row subtracted from every pretrained row (specials and own rows kept)."""
    centred = np.array(table, copy=True)
    pretrained = slice(NUM_SPECIALS, len(vocabulary) - vocabulary.own_rows)
    centred[pretrained] -= centred[pretrained].mean(axis=0, keepdims=True)
    return centred


def _member_name(task: SstTask, member: int, ensemble: int) -> str:
    return str(task) if ensemble == 1 else f"{task}_member{member}"


@dataclasses.dataclass(frozen=True)
class _Shared:
    """What every training of one entry shares, as plain data: a training may run in a worker process."""

    entry: str
    cfg: ClassifierConfig
    table: np.ndarray
    vocabulary: WordVocabulary
    examples: dict[SstTask, Examples]
    dev_trees: list[SstTree]
    trainer_cfg: Any
    curves_dir: Path
    run: StageRun | None
    checkpoint_dir: Path | None
    run_files: list[Path | None]
    callbacks: tuple[pl.Callback, ...]
    trainer_overrides: dict[str, Any]


def _fit_member(job: tuple[_Shared, SstTask, int]) -> tuple[SentenceClassifier, int, float]:
    """One (task, member) training and its seconds (module-level: it may be pickled to a worker process)."""
    shared, task, member = job
    cfg, folder = shared.cfg, _member_name(task, member, shared.cfg.ensemble)
    began = time.perf_counter()
    network, best_epoch = _train_member(
        cfg, task, member, shared.table, shared.vocabulary, shared.examples[task], shared.dev_trees,
        trainer_cfg=shared.trainer_cfg, curves_dir=shared.curves_dir / folder, run=shared.run,
        log_prefix=f"classify.{shared.entry}.{task}." + (f"member{member}." if cfg.ensemble > 1 else ""),
        checkpoint_dir=shared.checkpoint_dir / folder if shared.checkpoint_dir else None,
        run_files=shared.run_files, callbacks=shared.callbacks, trainer_overrides=shared.trainer_overrides,
    )  # fmt: skip
    return network, best_epoch, time.perf_counter() - began


def _train_member(
    cfg: ClassifierConfig,
    task: SstTask,
    member: int,
    table: np.ndarray,
    vocabulary: WordVocabulary,
    train: Examples,
    dev_trees: list[SstTree],
    *,
    trainer_cfg: Any,
    curves_dir: Path,
    run: StageRun | None,
    log_prefix: str,
    checkpoint_dir: Path | None,
    run_files: list[Path | None],
    callbacks: Sequence[pl.Callback],
    trainer_overrides: Mapping[str, Any],
) -> tuple[SentenceClassifier, int]:
    """One model trained from seed ``cfg.seed + member``, restored to its best dev epoch."""
    seed = int(cfg.seed) + member
    pl.seed_everything(seed, workers=True, verbose=False)
    network = SentenceClassifier(
        table, len(LABEL_NAMES[task]), cell=str(cfg.cell), hidden=int(cfg.hidden), layers=int(cfg.layers),
        bidirectional=bool(cfg.bidirectional), pooling=str(cfg.pooling), dropout=float(cfg.regularization.dropout),
        batch_norm=bool(cfg.batch_norm), freeze=bool(cfg.freeze), own_rows=vocabulary.own_rows,
        generator=torch.Generator().manual_seed(seed),
    )  # fmt: skip
    module = ClassifierModule(
        network,
        optimizer=cfg.optimizer,
        weight_decay=float(cfg.regularization.weight_decay),
        word_dropout=float(cfg.word_dropout),
        # The baseline's rows hold random values, which must learn at the full rate like any other weight.
        pretrained_lr_scale=1.0 if cfg.random_init else float(cfg.pretrained_lr_scale),
        log_prefix=log_prefix,
    )
    keep, timer = KeepBest("val_acc", name=log_prefix.rstrip(".")), EpochTimer()
    run_checkpoints = run_checkpoint_dir(checkpoint_dir, CHECKPOINT_VERSION, cfg, run_files)
    regularization = regularization_trainer_kwargs(cfg.regularization)
    trainer = build_trainer(
        trainer_cfg,
        max_epochs=int(cfg.epochs),
        checkpoint_dir=run_checkpoints,
        run=run,
        callbacks=[
            LearningCurves(curves_dir, metric_prefix=log_prefix),
            keep,
            timer,
            *regularization.pop("callbacks"),
            *callbacks,
        ],
        **{**regularization, **trainer_overrides},
    )
    train_rows = encode(train, vocabulary)
    dev_rows = encode(sentence_examples(dev_trees, task), vocabulary)
    trainer.fit(
        module,
        training_batches(train_rows, int(cfg.batch_size), seed=seed, curriculum_epochs=int(cfg.curriculum_epochs)),
        scoring_batches(dev_rows, int(cfg.eval_batch)),
        ckpt_path=resume_checkpoint(run_checkpoints) if run_checkpoints is not None else None,
    )
    keep.restore(module)
    if timer.seconds:
        log.info("%s %d epochs, %.1f s each", log_prefix, len(timer.seconds), float(np.mean(timer.seconds)))
    if run_checkpoints is not None:
        discard_checkpoints(run_checkpoints)
    return network, keep.best_epoch if keep.best_epoch is not None else -1


def _score(
    trained: TrainedClassifier,
    examples: Examples,
    predictions_dir: Path,
    out_dir: Path,
    stem: str,
    prefix: str,
    batch_size: int,
) -> dict[str, float]:
    """Accuracy of ``trained`` on ``examples`` (and of each member, for an ensemble); predictions and the
    confusion matrix written beside."""
    probabilities = trained.probabilities(examples.tokens, batch_size)
    predicted = probabilities.argmax(axis=1).tolist()
    split = stem.split(".")[1]
    scores = {f"{prefix}.{split}.accuracy": accuracy(examples.labels, predicted)}
    if len(trained.members) > 1:
        for i, network in enumerate(trained.members):
            alone = TrainedClassifier([network], trained.vocabulary, trained.label_names, trained.shape)
            member_predicted = alone.probabilities(examples.tokens, batch_size).argmax(axis=1).tolist()
            scores[f"{prefix}.member{i}.{split}.accuracy"] = accuracy(examples.labels, member_predicted)
    names = trained.label_names
    lines = ["actual\tpredicted\tprobability\tsentence"]
    for tokens, gold, guess, row in zip(examples.tokens, examples.labels, predicted, probabilities, strict=True):
        lines.append(f"{names[gold]}\t{names[guess]}\t{row[guess]:.6f}\t{' '.join(tokens)}")
    with atomic_path(predictions_dir / f"predictions.{stem}.tsv") as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    counts = confusion(examples.labels, predicted, len(names))
    matrix = ["actual\\predicted\t" + "\t".join(names)]
    matrix += [f"{names[i]}\t" + "\t".join(str(int(c)) for c in counts[i]) for i in range(len(names))]
    with atomic_path(out_dir / f"confusion.{stem}.tsv") as tmp:
        tmp.write_text("\n".join(matrix) + "\n", encoding="utf-8")
    return scores
