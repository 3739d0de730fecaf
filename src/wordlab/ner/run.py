"""The NER stage's one call: train a configured tagger on CoNLL-2003 train, select on testa, score testb.

Everything arrives as plain values (a config entry, file paths, the open MLflow run); nothing here reads the
environment or ``params.yaml``. The splits use the Hub's names: ``train`` (eng.train), ``validation`` (eng.testa,
model selection only) and ``test`` (eng.testb, scored once, with the weights of the best dev epoch).

Outputs, each written atomically: ``predictions.test.conll`` and ``predictions.validation.conll`` in ``out_dir``
(see :mod:`wordlab.ner.predictions`), ``tagger.pt`` (the best epoch's tagger, which :mod:`wordlab.ner.tag`
applies to a user's own file), and the metrics JSON. Metrics are flat keys
``ner.<name>.<split>.<statistic>`` (``test``/``dev``; overall ``f1``, ``precision``, ``recall`` and
``<TYPE>.<statistic>`` per entity type, F1 in [0, 1]) plus ``ner.<name>.best_epoch`` (0-based),
``epochs_trained``, ``vocab_size`` and ``test.unk_rate`` (the share of test tokens without a row). Epoch times
go to the log and to MLflow only: they are not reproducible, and DVC metrics must be.

Checkpoints, when a directory is given, sit in a subfolder keyed by everything that determines the run, so that
an interrupted run resumes into the same run only; they are deleted once the run completes.
"""

from __future__ import annotations

import logging
import tempfile
import time
import warnings
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch
from datasets import DatasetDict

from wordlab.data.hf import conll2003_dataset_dict
from wordlab.io import write_json_atomic
from wordlab.ner.build import build_tagger
from wordlab.ner.config import NerConfig, ner_settings
from wordlab.ner.data import batches, encode_splits
from wordlab.ner.module import NerTagger
from wordlab.ner.predictions import write_predictions
from wordlab.ner.scoring import entity_scores
from wordlab.ner.trained import TrainedNer
from wordlab.nn.callbacks import regularization_trainer_kwargs
from wordlab.nn.curves import LearningCurves
from wordlab.nn.selection import EpochTimer, KeepBest
from wordlab.text.table import build_table
from wordlab.text.vocab import UNK, WordVocabulary
from wordlab.tracking import StageRun
from wordlab.trainer import build_trainer, discard_checkpoints, resume_checkpoint, run_checkpoint_dir

log = logging.getLogger(__name__)

SPLITS = ("train", "validation", "test")
EVAL_BATCH = 128  # sentences per batch when only decoding
_REPORTED = {"validation": "dev", "test": "test"}
CHECKPOINT_VERSION = 1

# One process, two cores: worker processes would only compete with the model for them.
warnings.filterwarnings("ignore", message=".*does not have many workers.*")


def run_ner(
    name: str,
    ner_cfg: NerConfig | Mapping[str, Any],
    *,
    vectors_path: Path | None,
    files: Mapping[str, Path],
    trainer_cfg: Any,
    out_dir: Path,
    curves_dir: Path,
    run: StageRun | None,
    metrics_path: Path | None = None,
    checkpoint_dir: Path | None = None,
    cache_dir: Path | None = None,
    **trainer_overrides: Any,
) -> dict[str, float]:
    """Train ``ner_cfg`` (one ``ner.<name>`` entry, as its dataclass or a mapping that is validated into one),
    write predictions and metrics, return the metrics.

    ``vectors_path`` is a word2vec file (binary if it ends in ``.bin``), or None to train without pretrained
    vectors. ``cache_dir`` keeps the Arrow datasets between runs (a temporary folder otherwise). Extra keyword
    arguments go to the Lightning Trainer (tests pass ``limit_train_batches``).
    """
    cfg = ner_settings(ner_cfg)
    _check_files(files)
    if vectors_path is None and cfg.vectors is not None:
        log.warning("ner.%s names vectors %r but none were given: training from random vectors", name, cfg.vectors)
    torch.set_num_threads(int(trainer_cfg.num_threads))
    pl.seed_everything(int(cfg.seed), workers=True, verbose=False)
    with ExitStack() as stack:
        if cache_dir is None:
            cache_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wordlab-ner-")))
        data = _prepare(cfg, vectors_path, files, Path(cache_dir))
        module = build_tagger(
            cfg,
            data.table,
            data.tag_names,
            own_rows=data.vocabulary.own_rows,
            log_prefix=f"ner.{name}.",
            train_word_ids=(i for ids in data.encoded["train"].with_format(None)["word_ids"] for i in ids),
        )
        keep, timer = KeepBest("val_f1"), EpochTimer()
        run_files = [vectors_path, *(files[split] for split in SPLITS)]
        run_checkpoints = run_checkpoint_dir(checkpoint_dir, CHECKPOINT_VERSION, cfg, run_files)
        regularization = regularization_trainer_kwargs(cfg.regularization)
        trainer = build_trainer(
            trainer_cfg,
            max_epochs=int(cfg.epochs),
            checkpoint_dir=run_checkpoints,
            run=run,
            callbacks=[
                LearningCurves(Path(curves_dir), metric_prefix=f"ner.{name}."),  # taggers share the stage's run
                keep,
                timer,
                *regularization.pop("callbacks"),
            ],
            **{**regularization, **trainer_overrides},
        )
        started = time.perf_counter()
        trainer.fit(
            module,
            batches(data.encoded["train"], int(cfg.batch_size), shuffle=True, seed=int(cfg.seed)),
            batches(data.encoded["validation"], EVAL_BATCH, shuffle=False),
            ckpt_path=resume_checkpoint(run_checkpoints) if run_checkpoints is not None else None,
        )
        fit_seconds = time.perf_counter() - started
        keep.restore(module)
        TrainedNer(module, cfg, data.vocabulary).save(Path(out_dir) / "tagger.pt")
        metrics = {
            f"ner.{name}.best_epoch": float(keep.best_epoch if keep.best_epoch is not None else -1),
            f"ner.{name}.epochs_trained": float(trainer.current_epoch),
            f"ner.{name}.vocab_size": float(len(data.vocabulary)),
            f"ner.{name}.own_rows": float(data.vocabulary.own_rows),
            f"ner.{name}.test.unk_rate": data.unk_rate("test"),
            **_score(name, module, data, Path(out_dir)),
        }
    write_json_atomic(metrics_path or Path(out_dir) / "metrics.json", metrics)
    _report_cost(name, timer, fit_seconds, run)
    if run_checkpoints is not None:
        discard_checkpoints(run_checkpoints)
    log.info("ner.%s: dev F1 %.4f, test F1 %.4f", name, metrics[f"ner.{name}.dev.f1"], metrics[f"ner.{name}.test.f1"])
    return metrics


@dataclass(frozen=True)
class _Data:
    """The three splits as read (tokens, gold tag ids) and as the model reads them, with the word table."""

    raw: DatasetDict
    encoded: DatasetDict
    tag_names: list[str]
    vocabulary: WordVocabulary
    table: np.ndarray

    def tokens(self, split: str) -> list[list[str]]:
        return self.raw[split]["tokens"]

    def gold(self, split: str) -> list[list[str]]:
        return [[self.tag_names[i] for i in row] for row in self.raw[split]["ner_tags"]]

    def unk_rate(self, split: str) -> float:
        ids = [i for sentence in self.tokens(split) for i in self.vocabulary.ids(sentence)]
        return float(np.mean(np.asarray(ids) == UNK))


def _check_files(files: Mapping[str, Path]) -> None:
    if set(files) != set(SPLITS):
        raise ValueError(f"files must map exactly {list(SPLITS)} to CoNLL-2003 files, got {sorted(files)}")
    for split in SPLITS:
        if not Path(files[split]).is_file():
            raise FileNotFoundError(f"{files[split]}: the {split} file of CoNLL-2003 does not exist")


def _prepare(cfg: Any, vectors_path: Path | None, files: Mapping[str, Path], cache_dir: Path) -> _Data:
    raw = conll2003_dataset_dict({split: Path(files[split]) for split in SPLITS}, cache_dir)
    tokens = {split: raw[split]["tokens"] for split in SPLITS}
    vocabulary, table = build_table(
        cfg,
        vectors_path,
        (t for sentence in tokens["train"] for t in sentence),
        (t for split in SPLITS for sentence in tokens[split] for t in sentence),
    )
    tag_names = list(raw["train"].features["ner_tags"].feature.names)
    return _Data(raw, encode_splits(raw, vocabulary), tag_names, vocabulary, table)


def _score(name: str, module: NerTagger, data: _Data, out_dir: Path) -> dict[str, float]:
    """Dev and test scores of the module as it is, with each split's predictions written beside."""
    metrics: dict[str, float] = {}
    for split in ("validation", "test"):
        predicted = predict(module, batches(data.encoded[split], EVAL_BATCH, shuffle=False))
        gold = data.gold(split)
        metrics.update({f"ner.{name}.{_REPORTED[split]}.{k}": v for k, v in entity_scores(gold, predicted).items()})
        write_predictions(out_dir / f"predictions.{split}.conll", data.tokens(split), gold, predicted)
    return metrics


def predict(module: NerTagger, loader: Any) -> list[list[str]]:
    """Decoded tags of every sentence the loader yields, in its order, with the module in eval mode."""
    was_training = module.training
    module.eval()
    try:
        return [tags for batch in loader for tags in module.predict_batch(batch)]
    finally:
        module.train(was_training)


def _report_cost(name: str, timer: EpochTimer, fit_seconds: float, run: StageRun | None) -> None:
    if not timer.seconds:
        return
    wall, cpu = float(np.mean(timer.seconds)), float(np.mean(timer.cpu_seconds))
    log.info(
        "ner.%s: %d epochs in %.1f s; per epoch with dev evaluation %.1f s wall (%s), %.1f s CPU (%s)",
        name,
        len(timer.seconds),
        fit_seconds,
        wall,
        ", ".join(f"{s:.1f}" for s in timer.seconds),
        cpu,
        ", ".join(f"{s:.1f}" for s in timer.cpu_seconds),
    )
    if run is not None:
        run.log_metrics(
            {
                f"ner.{name}.fit_seconds": fit_seconds,
                f"ner.{name}.epoch_seconds": wall,
                f"ner.{name}.epoch_cpu_seconds": cpu,
            }
        )
