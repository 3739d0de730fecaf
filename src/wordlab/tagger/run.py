"""The tagger stage's one call: train a UPOS tagger on EWT train, early-stop on dev, tag dev and test, and tag
the training set by a k-fold jackknife for the parser.

Everything arrives as plain values (a config entry, file paths, the open MLflow run). Outputs, each written
atomically, in ``out_dir``: ``tagged.<split>.conllu`` for train (jackknifed), dev and test (the treebank's files
with UPOS replaced, see :mod:`wordlab.tagger.output`), ``tagger.pt`` (the full model, self-contained, for
:mod:`wordlab.tagger.tag`), ``metrics.json`` and ``timings.json``.

Metrics are flat keys ``tagger.<name>.<split>.accuracy`` (UPOS accuracy over every word, split dev or test),
``<split>.accuracy.<TAG>`` (the share of the gold TAG words tagged right), ``train.jackknife_accuracy`` (the
folds' tags against gold), ``best_epoch`` and ``vocab_size``. Seconds go to ``timings.json``, MLflow and the log:
``train_seconds`` (every training, wall clock) and ``<full|fold<i>>.fit_seconds`` per training.

The full model and the fold models are independent trainings: with ``trainer.parallel_fits`` above 1 they run side
by side in worker processes (:mod:`wordlab.processes`), each seeded alike, so only the thread count can change them.
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
from datasets import Dataset
from tqdm import tqdm

from wordlab.data.readers.conllu_reader import ConlluSentence, read_conllu
from wordlab.io import write_json_atomic
from wordlab.nn.callbacks import regularization_trainer_kwargs
from wordlab.nn.curves import LearningCurves
from wordlab.nn.model_file import load_model_file, save_model_file
from wordlab.nn.selection import EpochTimer, KeepBest
from wordlab.processes import fit_in_processes, fit_plan
from wordlab.tagger.config import TaggerConfig, tagger_settings
from wordlab.tagger.data import UPOS, encode, encode_forms, folds
from wordlab.tagger.module import TaggerModule
from wordlab.tagger.output import write_tagged
from wordlab.text.batching import batches
from wordlab.text.bilstm_tagger import BiLstmTagger
from wordlab.text.characters import CharCnn
from wordlab.text.embedding import TokenEmbedding
from wordlab.text.table import build_table
from wordlab.text.vocab import WordVocabulary
from wordlab.tracking import StageRun
from wordlab.trainer import build_trainer, discard_checkpoints, resume_checkpoint, run_checkpoint_dir

log = logging.getLogger(__name__)

SPLITS = ("train", "dev", "test")
CHECKPOINT_VERSION = 1
FILE_VERSION = 1
MODEL_KIND = "wordlab UPOS tagger"
MODEL_FILE = "tagger.pt"
TIMINGS_FILE = "timings.json"

warnings.filterwarnings("ignore", message=".*does not have many workers.*")


def build_network(table: np.ndarray, shape: Mapping[str, Any], *, dropout: float, seed: int) -> BiLstmTagger:
    """The BiLSTM over ``[word vector; casing; character CNN]`` that ``shape`` describes, from ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    chars = None
    if int(shape["char_filters"]) > 0:
        chars = CharCnn(int(shape["char_dim"]), int(shape["char_filters"]), int(shape["char_width"]), dropout,
                        generator=generator)  # fmt: skip
    embedding = TokenEmbedding(table, freeze=bool(shape["freeze"]), caps_dim=int(shape["caps_dim"]), chars=chars,
                               own_rows=int(shape["own_rows"]))  # fmt: skip
    return BiLstmTagger(embedding, len(UPOS), hidden=int(shape["hidden"]), layers=int(shape["layers"]),
                        dropout=dropout, generator=generator)  # fmt: skip


@dataclasses.dataclass
class TrainedTagger:
    """What tagging needs: the network, its shape and the vocabulary."""

    network: BiLstmTagger
    vocabulary: WordVocabulary
    shape: dict[str, Any]

    def tag(
        self, sentences: Sequence[ConlluSentence], batch_size: int = 256, progress: bool = False
    ) -> list[list[str]]:
        """The UPOS of every word of ``sentences`` (their own UPOS column is not read)."""
        return self.tag_encoded(encode(sentences, self.vocabulary, gold_tags=False), batch_size, progress)

    def tag_tokens(
        self, sentences: Sequence[Sequence[str]], batch_size: int = 256, progress: bool = False
    ) -> list[list[str]]:
        """The UPOS of every token of already tokenised sentences."""
        return self.tag_encoded(encode_forms(sentences, self.vocabulary), batch_size, progress)

    def tag_encoded(self, dataset: Dataset, batch_size: int = 256, progress: bool = False) -> list[list[str]]:
        """The UPOS of every sentence of a dataset :func:`~wordlab.tagger.data.encode` made, in its order.

        Sentences are tagged shortest first, so that a batch pads to its own longest sentence and word (the
        character CNN's cost grows with both), and put back in order after."""
        module = TaggerModule(self.network)
        module.eval()
        lengths = [len(ids) for ids in dataset.with_format(None)["word_ids"]]
        order = sorted(range(len(lengths)), key=lengths.__getitem__)
        loader = batches(dataset.select(order), batch_size, shuffle=False, tag_column="upos")
        shown = tqdm(loader, desc="tagging", unit="batch", disable=not progress)
        tagged = [[UPOS[i] for i in row] for batch in shown for row in module.predict_batch(batch)]
        in_order: list[list[str]] = [[] for _ in order]
        for position, index in enumerate(order):
            in_order[index] = tagged[position]
        return in_order

    def save(self, path: Path) -> None:
        payload = {
            "state_dict": self.network.state_dict(),
            "dim": self.network.embedding.word.dim,
            "vocabulary": self.vocabulary.as_dict(),
            "shape": self.shape,
        }
        save_model_file(path, MODEL_KIND, FILE_VERSION, payload)

    @classmethod
    def from_state(
        cls, table: np.ndarray, shape: Mapping[str, Any], vocabulary: WordVocabulary, state: Mapping[str, Any]
    ) -> TrainedTagger:
        """The tagger whose trained weights are ``state`` (a training's result, maybe from another process)."""
        network = build_network(table, shape, dropout=0.0, seed=0)
        network.load_state_dict(state)
        network.eval()
        return cls(network, vocabulary, dict(shape))

    @classmethod
    def load(cls, path: Path) -> TrainedTagger:
        payload = load_model_file(path, MODEL_KIND, FILE_VERSION)
        vocabulary = WordVocabulary.from_dict(payload["vocabulary"])
        table = np.zeros((len(vocabulary), int(payload["dim"])), np.float32)
        return cls.from_state(table, payload["shape"], vocabulary, payload["state_dict"])


def run_tagger(
    name: str,
    tagger_cfg: TaggerConfig | Mapping[str, Any],
    *,
    vectors_path: Path | None,
    files: Mapping[str, Path],
    trainer_cfg: Any,
    out_dir: Path,
    curves_dir: Path,
    run: StageRun | None,
    metrics_path: Path | None = None,
    checkpoint_dir: Path | None = None,
    callbacks: Sequence[pl.Callback] = (),
    **trainer_overrides: Any,
) -> dict[str, float]:
    """Train ``tagger_cfg`` (one ``tagger.<name>`` entry); write the tagged files, the model and the metrics."""
    cfg = tagger_settings(tagger_cfg)
    if set(files) != set(SPLITS):
        raise ValueError(f"files must map exactly {list(SPLITS)} to CoNLL-U files, got {sorted(files)}")
    torch.set_num_threads(int(trainer_cfg.num_threads))
    treebank = {split: read_conllu(Path(files[split])) for split in SPLITS}
    vocabulary, table = build_table(
        cfg,
        vectors_path,
        (w.form for s in treebank["train"] for w in s.words),
        (w.form for split in SPLITS for s in treebank[split] for w in s.words),
    )
    shape = {
        "freeze": cfg.freeze, "caps_dim": cfg.caps_dim, "char_dim": cfg.char_dim, "char_filters": cfg.char_filters,
        "char_width": cfg.char_width, "hidden": cfg.hidden, "layers": cfg.layers, "own_rows": vocabulary.own_rows,
    }  # fmt: skip
    run_files = [vectors_path, *(files[split] for split in SPLITS)]
    # Encoded once (casing and characters of 200,000 words take seconds); the jackknife selects its folds' rows.
    encoded = {split: encode(treebank[split], vocabulary) for split in SPLITS}

    parts = [_Part("full", encoded["train"])]
    blocks = folds(len(treebank["train"]), int(cfg.jackknife)) if int(cfg.jackknife) >= 2 else []
    parts += [
        _Part(f"fold{i}", encoded["train"].select(rows.tolist())) for i, rows in enumerate(fold_training_rows(blocks))
    ]
    common = _Common(name, cfg, table, shape, encoded["dev"], trainer_cfg, Path(curves_dir), checkpoint_dir,
                     run_files, run, tuple(callbacks), dict(trainer_overrides))  # fmt: skip
    processes, threads = fit_plan(trainer_cfg)
    started = time.perf_counter()
    fitted = fit_in_processes(_fit_part, [(common, part) for part in parts], processes=processes, threads=threads)
    timings = {f"tagger.{name}.train_seconds": time.perf_counter() - started}
    for part, result in zip(parts, fitted, strict=True):
        timings[f"tagger.{name}.{part.name}.fit_seconds"] = result.seconds
    models = [TrainedTagger.from_state(table, shape, vocabulary, result.state_dict) for result in fitted]
    tagger = models[0]
    metrics: dict[str, float] = {
        f"tagger.{name}.vocab_size": float(len(vocabulary)),
        f"tagger.{name}.best_epoch": float(fitted[0].best_epoch),
    }
    out_dir = Path(out_dir)
    for split in ("dev", "test"):
        began = time.perf_counter()
        tags = tagger.tag_encoded(encoded[split], int(cfg.eval_batch))
        timings[f"tagger.{name}.{split}.words_per_second"] = sum(map(len, tags)) / (time.perf_counter() - began)
        metrics.update({f"tagger.{name}.{split}.{k}": v for k, v in upos_accuracy(treebank[split], tags).items()})
        write_tagged(Path(files[split]), out_dir / f"tagged.{split}.conllu", tags)
    train_tags = jackknife_tags(treebank["train"], encoded["train"], blocks, models[1:], int(cfg.eval_batch))
    metrics[f"tagger.{name}.train.jackknife_accuracy"] = upos_accuracy(treebank["train"], train_tags)["accuracy"]
    write_tagged(Path(files["train"]), out_dir / "tagged.train.conllu", train_tags)
    tagger.save(out_dir / MODEL_FILE)
    write_json_atomic(metrics_path or out_dir / "metrics.json", metrics)
    write_json_atomic(out_dir / TIMINGS_FILE, timings)
    if run is not None:
        run.log_metrics(timings)
    log.info(
        "tagger.%s: dev accuracy %.4f, test accuracy %.4f, jackknifed train %.4f; %d trainings in %.1f s "
        "(%d at a time, %d thread(s) each)",
        name, metrics[f"tagger.{name}.dev.accuracy"], metrics[f"tagger.{name}.test.accuracy"],
        metrics[f"tagger.{name}.train.jackknife_accuracy"], len(parts), timings[f"tagger.{name}.train_seconds"],
        min(processes, len(parts)), threads,
    )  # fmt: skip
    return metrics


@dataclasses.dataclass(frozen=True)
class _Part:
    """One training of the stage: the full model (``full``) or a jackknife fold's model (``fold<i>``)."""

    name: str
    rows: Dataset


@dataclasses.dataclass(frozen=True)
class _Common:
    """What every training of one entry shares, as plain data: a training may run in a worker process."""

    entry: str
    cfg: TaggerConfig
    table: np.ndarray
    shape: dict[str, Any]
    dev: Dataset
    trainer_cfg: Any
    curves_dir: Path
    checkpoint_dir: Path | None
    run_files: list[Path | None]
    run: StageRun | None
    callbacks: tuple[pl.Callback, ...]
    trainer_overrides: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class _Fitted:
    state_dict: dict[str, torch.Tensor]
    best_epoch: int
    seconds: float


def _fit_part(job: tuple[_Common, _Part]) -> _Fitted:
    """Train one model, early-stopped on dev, and return its best weights (module-level: it may be pickled)."""
    common, part = job
    cfg = common.cfg
    prefix = f"tagger.{common.entry}." + (f"{part.name}." if part.name != "full" else "")
    began = time.perf_counter()
    # Seeded first: the casing embedding draws from the global generator, whose state before this point depends
    # on what the process did (one tagger's first training differed from the next run's without it).
    pl.seed_everything(int(cfg.seed), workers=True, verbose=False)
    network = build_network(common.table, common.shape, dropout=float(cfg.regularization.dropout), seed=int(cfg.seed))
    module = TaggerModule(
        network, optimizer=cfg.optimizer, weight_decay=float(cfg.regularization.weight_decay),
        pretrained_lr_scale=1.0 if cfg.random_init else float(cfg.pretrained_lr_scale), log_prefix=prefix,
    )  # fmt: skip
    keep, timer = KeepBest("val_acc", name=prefix.rstrip(".")), EpochTimer()
    checkpoint_dir = common.checkpoint_dir / part.name if common.checkpoint_dir else None
    checkpoints = run_checkpoint_dir(checkpoint_dir, CHECKPOINT_VERSION, cfg, common.run_files)
    regularization = regularization_trainer_kwargs(cfg.regularization)
    trainer = build_trainer(
        common.trainer_cfg, max_epochs=int(cfg.epochs), checkpoint_dir=checkpoints, run=common.run,
        callbacks=[LearningCurves(common.curves_dir / part.name, metric_prefix=prefix), keep, timer,
                   *regularization.pop("callbacks"), *common.callbacks],
        **{**regularization, **common.trainer_overrides},
    )  # fmt: skip
    trainer.fit(
        module,
        batches(part.rows, int(cfg.batch_size), shuffle=True, seed=int(cfg.seed), tag_column="upos"),
        batches(common.dev, int(cfg.eval_batch), shuffle=False, tag_column="upos"),
        ckpt_path=resume_checkpoint(checkpoints) if checkpoints is not None else None,
    )  # fmt: skip
    keep.restore(module)
    if checkpoints is not None:
        discard_checkpoints(checkpoints)
    log.info(
        "%s: %d epochs, %.1f s each", prefix.rstrip("."), len(timer.seconds), float(np.mean(timer.seconds or [0.0]))
    )
    best_epoch = keep.best_epoch if keep.best_epoch is not None else -1
    return _Fitted(network.state_dict(), best_epoch, time.perf_counter() - began)


def fold_training_rows(blocks: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The training rows of each fold's model: every block but the fold's own."""
    return [np.concatenate([block for i, block in enumerate(blocks) if i != fold]) for fold in range(len(blocks))]


def jackknife_tags(
    sentences: Sequence[ConlluSentence],
    encoded: Dataset,
    blocks: Sequence[np.ndarray],
    models: Sequence[Any],
    batch_size: int,
) -> list[list[str]]:
    """Each block's tags from its fold's model (trained on :func:`fold_training_rows`); without blocks the gold tags."""
    if not blocks:
        return [[word.upos for word in sentence.words] for sentence in sentences]
    tags: list[list[str]] = [[] for _ in sentences]
    for held_out, model in zip(blocks, models, strict=True):
        for i, sentence_tags in zip(held_out.tolist(), model.tag_encoded(encoded.select(held_out.tolist()), batch_size),
                                    strict=True):  # fmt: skip
            tags[i] = sentence_tags
    return tags


def upos_accuracy(gold: Sequence[ConlluSentence], predicted: Sequence[Sequence[str]]) -> dict[str, float]:
    """``accuracy`` over every word and ``accuracy.<TAG>`` over the words whose gold UPOS is TAG."""
    pairs = [(w.upos, p) for s, tags in zip(gold, predicted, strict=True) for w, p in zip(s.words, tags, strict=True)]
    gold_tags = np.asarray([g for g, _ in pairs])
    right = gold_tags == np.asarray([p for _, p in pairs])
    scores = {"accuracy": float(right.mean())}
    for tag in UPOS:
        of_tag = gold_tags == tag
        if of_tag.any():
            scores[f"accuracy.{tag}"] = float(right[of_tag].mean())
    return scores
