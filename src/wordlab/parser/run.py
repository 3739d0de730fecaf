"""The parser stage's one call: train a configured parser on EWT train, select on dev, parse and score dev and test.

Everything arrives as plain values (a config entry, file paths, the open MLflow run). Outputs, each written
atomically, in ``out_dir``: ``predictions.dev.conllu`` and ``predictions.test.conllu``, ``parser.pt`` (the trained
parser, self-contained: :mod:`wordlab.parser.parse` applies it to any tagged CoNLL-U file) and ``metrics.json``.

Metrics are flat keys ``parser.<name>.<split>.<statistic>`` with ``split`` dev or test: ``uas``, ``las`` (CoNLL
2018: punctuation counted, subtypes stripped), ``uas_nopunct``, ``las_nopunct``, ``las.<relation>``,
``las.length_<lo>_<hi>``; plus the treebank's projectivity figures
(``train.nonprojective_share``, ``train.lifted_arc_share``, ``dev.lifted_arcs``, ``dev.lifted_arcs_restored``:
how many dev arcs the encoding lifts and how many of those the parser's output puts back on the gold head).

Parse speed (``<split>.sentences_per_second``, greedy parsing on the trainer's threads) and ``fit_seconds`` vary
from run to run: they go to ``timings.json`` beside the predictions, to MLflow and to the log, not to the DVC
metrics file, which holds only what the config and seed determine.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from wordlab.data.readers.conllu_reader import ConlluSentence, read_conllu
from wordlab.io import atomic_path, write_json_atomic
from wordlab.nn.callbacks import regularization_trainer_kwargs
from wordlab.nn.curves import LearningCurves
from wordlab.nn.model_file import load_model_file, save_model_file
from wordlab.nn.selection import EpochTimer, KeepBest
from wordlab.parser import transitions as T
from wordlab.parser.config import NonProjective, Oracle, ParserConfig, TransitionSystem, parser_settings
from wordlab.parser.data import Encoded, OracleExamples, Symbols, encode, oracle_examples, symbols_of, training_trees
from wordlab.parser.decoding import GreedyDecoder, frequent_word_pairs
from wordlab.parser.exploration import ExplorationData
from wordlab.parser.module import ParserModule
from wordlab.parser.network import ChenManningNetwork
from wordlab.parser.output import write_conllu
from wordlab.parser.projective import deprojectivize, nonprojective_arcs, projectivize
from wordlab.parser.scoring import attachment_scores
from wordlab.text.batching import EpochBatches
from wordlab.text.table import build_table
from wordlab.text.vocab import WordVocabulary
from wordlab.tracking import StageRun
from wordlab.trainer import build_trainer, discard_checkpoints, resume_checkpoint, run_checkpoint_dir

log = logging.getLogger(__name__)

SPLITS = ("train", "dev", "test")
CHECKPOINT_VERSION = 1
MODEL_KIND = "wordlab parser"
MODEL_FILE = "parser.pt"
TIMINGS_FILE = "timings.json"  # speeds and seconds: they vary run to run, so they stay out of the DVC metrics
SYSTEMS = {TransitionSystem.arc_standard: T.ARC_STANDARD, TransitionSystem.arc_eager: T.ARC_EAGER}

Parse = tuple[list[int], list[str]]


@dataclasses.dataclass
class TrainedParser:
    """What parsing needs: the network (or an ensemble's), the vocabularies and the decoder's settings."""

    networks: list[ChenManningNetwork]
    vocabulary: WordVocabulary
    symbols: Symbols
    system: int
    frequent_pairs: np.ndarray
    parse_batch: int = 512
    _decoder: GreedyDecoder | None = dataclasses.field(default=None, init=False, repr=False, compare=False)

    def decoder(self) -> GreedyDecoder:
        """The decoder, built at the first call: its pre-computed tables (a second or so for 100,000 pairs) are
        the networks' weights as they are then, so a parser's networks are not changed once it has parsed."""
        if self._decoder is None:
            labels = self.symbols.labels
            root = labels.index("root") if "root" in labels else 0
            fallback = labels.index("dep") if "dep" in labels else 0
            self._decoder = GreedyDecoder(
                self.networks, self.system, len(labels), self.frequent_pairs, root_label=root, fallback_label=fallback
            )
        return self._decoder

    @property
    def network(self) -> ChenManningNetwork:
        """The first (for one network, the only) member."""
        return self.networks[0]

    def encode(self, sentences: Sequence[ConlluSentence]) -> Encoded:
        trees = [([0] * len(s.words), [""] * len(s.words)) for s in sentences]  # heads are not read
        return encode(sentences, self.vocabulary, self.symbols, trees)

    def parse(self, sentences: Sequence[ConlluSentence], progress: bool = False) -> list[Parse]:
        """Parses of ``sentences`` (words and UPOS read; heads and relations ignored), lifts undone."""
        encoded = self.encode(sentences)
        heads, labels = self.decoder().parse(encoded, self.parse_batch, progress)
        names = self.symbols.labels
        parses: list[Parse] = []
        for i in range(len(sentences)):
            start, end = int(encoded.offsets[i]), int(encoded.offsets[i + 1])
            parse = deprojectivize(heads[start:end].tolist(), [names[k] for k in labels[start:end]])
            parses.append(parse)
        return parses

    def save(self, path: Path) -> None:
        payload = {
            "state_dicts": [network.state_dict() for network in self.networks],
            "shapes": _shapes(self.network),
            "vocabulary": self.vocabulary.as_dict(),
            "symbols": dataclasses.asdict(self.symbols),
            "system": self.system,
            "frequent_pairs": self.frequent_pairs,
            "parse_batch": self.parse_batch,
        }
        save_model_file(path, MODEL_KIND, CHECKPOINT_VERSION, payload)

    @classmethod
    def load(cls, path: Path) -> TrainedParser:
        payload = load_model_file(path, MODEL_KIND, CHECKPOINT_VERSION)
        shapes = payload["shapes"]
        feats_shape = shapes.get("feats") or (0, 0)
        # files written before ensembles hold one "state_dict"
        states = payload["state_dicts"] if "state_dicts" in payload else [payload["state_dict"]]
        networks = []
        for state in states:
            network = ChenManningNetwork(
                np.zeros(shapes["words"], np.float32), shapes["pos"][0], shapes["labels"][0], shapes["transitions"],
                pos_dim=shapes["pos"][1], label_dim=shapes["labels"][1], hidden=shapes["hidden"],
                activation=shapes["activation"], n_feats_ids=feats_shape[0], feats_dim=feats_shape[1],
            )  # fmt: skip
            network.load_state_dict(state)
            networks.append(network)
        vocabulary = WordVocabulary.from_dict(payload["vocabulary"])
        stored = payload["symbols"]
        symbols = Symbols(tuple(stored["pos"]), tuple(stored["labels"]), tuple(stored.get("feats", ())))
        return cls(networks, vocabulary, symbols, payload["system"], payload["frequent_pairs"], payload["parse_batch"])


def _shapes(network: ChenManningNetwork) -> dict[str, Any]:
    return {
        "words": tuple(network.words.weight.shape),
        "pos": tuple(network.pos.weight.shape),
        "labels": tuple(network.labels.weight.shape),
        "feats": tuple(network.feats.weight.shape) if network.feats is not None else None,
        "transitions": network.out.weight.shape[0],
        "hidden": network.hidden.weight.shape[0],
        "activation": network.activation_name,
    }


def run_parser(
    name: str,
    parser_cfg: ParserConfig | Mapping[str, Any],
    *,
    vectors_path: Path | None,
    files: Mapping[str, Path],
    trainer_cfg: Any,
    out_dir: Path,
    curves_dir: Path,
    run: StageRun | None,
    metrics_path: Path | None = None,
    checkpoint_dir: Path | None = None,
    dev_curve: Path | None = None,
    callbacks: Sequence[pl.Callback] = (),
    **trainer_overrides: Any,
) -> dict[str, float]:
    """Train ``parser_cfg`` (one ``parser.<name>`` entry), write predictions, the model and metrics; return them.

    ``dev_curve`` receives dev UAS and LAS per epoch (``curves_dir/dev.tsv`` by default; the stage keeps it apart
    from the loss curves, which DVC plots with another y field). ``callbacks`` join the Trainer's own (tests
    interrupt a run with one); extra keyword arguments go to the Lightning Trainer."""
    cfg = parser_settings(parser_cfg)
    if set(files) != set(SPLITS):
        raise ValueError(f"files must map exactly {list(SPLITS)} to CoNLL-U files, got {sorted(files)}")
    torch.set_num_threads(int(trainer_cfg.num_threads))
    pl.seed_everything(int(cfg.seed), workers=True, verbose=False)
    treebank = {split: _read_treebank(Path(files[split]).resolve(), Path(files[split]).stat().st_mtime_ns)
                for split in SPLITS}  # fmt: skip
    system = SYSTEMS[cfg.transition_system]

    trees = training_trees(treebank["train"], cfg.nonprojective)
    symbols = symbols_of(trees.sentences, trees.trees, with_feats=cfg.feats_dim > 0)
    vocabulary, table = build_table(
        cfg,
        vectors_path,
        (w.form for s in treebank["train"] for w in s.words),
        (w.form for split in SPLITS for s in treebank[split] for w in s.words),
    )
    n_labels = len(symbols.labels)
    started = time.perf_counter()
    train_encoded = encode(trees.sentences, vocabulary, symbols, trees.trees)
    train_examples = oracle_examples(train_encoded, system, n_labels, with_feats=symbols.with_feats)
    dev_examples = _dev_examples(treebank["dev"], vocabulary, symbols, system, cfg.nonprojective)
    log.info(
        "parser.%s: %d training configurations from %d sentences in %.1f s (%d non-projective, %s)",
        name, len(train_examples.transitions), len(trees.sentences), time.perf_counter() - started,
        trees.nonprojective_sentences, cfg.nonprojective.value,
    )  # fmt: skip
    frequent = frequent_word_pairs(train_examples.features, int(cfg.precomputed))
    run_files = [vectors_path, *(files[split] for split in SPLITS)]
    run_checkpoints = run_checkpoint_dir(checkpoint_dir, CHECKPOINT_VERSION, cfg, run_files)
    members: list[_Member] = []
    for index in range(int(cfg.ensemble)):
        member = _Member.of(index, int(cfg.ensemble), name, Path(curves_dir), dev_curve, run_checkpoints)
        member.train(
            cfg, table, symbols, vocabulary, system, frequent, treebank["dev"],
            (train_encoded, train_examples, dev_examples), trainer_cfg, run, callbacks, trainer_overrides,
        )  # fmt: skip
        members.append(member)
    parser = TrainedParser(
        [member.network for member in members], vocabulary, symbols, system, frequent, int(cfg.parse_batch)
    )
    fit_seconds = sum(member.seconds for member in members)
    out_dir = Path(out_dir)
    metrics: dict[str, float] = {}
    for member in members:  # the first member's keys are the single network's
        metrics[f"{member.prefix}best_epoch"] = float(member.best_epoch)
        metrics[f"{member.prefix}epochs_trained"] = float(member.epochs_trained)
    metrics.update({
        f"parser.{name}.vocab_size": float(len(vocabulary)),
        f"parser.{name}.train.configurations": float(len(train_examples.transitions)),
        f"parser.{name}.train.nonprojective_share": trees.nonprojective_sentences / len(treebank["train"]),
        f"parser.{name}.train.lifted_arc_share": trees.lifted_arcs / trees.arcs,
    })  # fmt: skip
    timings: dict[str, float] = {f"parser.{name}.fit_seconds": fit_seconds}
    for split in ("dev", "test"):
        began = time.perf_counter()
        parses = parser.parse(treebank[split])
        seconds = time.perf_counter() - began
        timings[f"parser.{name}.{split}.sentences_per_second"] = len(parses) / seconds
        scores = attachment_scores(treebank[split], parses)
        metrics.update({f"parser.{name}.{split}.{key}": value for key, value in scores.items() if key != "words"})
        write_conllu(out_dir / f"predictions.{split}.conllu", treebank[split], parses)
        if split == "dev":
            lifted, restored = _lift_restoration(treebank["dev"], parses)
            metrics[f"parser.{name}.dev.lifted_arcs"] = float(lifted)
            metrics[f"parser.{name}.dev.lifted_arcs_restored"] = float(restored)
    parser.save(out_dir / MODEL_FILE)
    write_json_atomic(metrics_path or out_dir / "metrics.json", metrics)
    log.info(
        "parser.%s: %d network(s), %d epochs in %.1f s; dev LAS %.4f, test LAS %.4f, test UAS %.4f; %.0f test "
        "sentences/s", name, len(members), sum(m.epochs_trained for m in members), fit_seconds,
        metrics[f"parser.{name}.dev.las"], metrics[f"parser.{name}.test.las"], metrics[f"parser.{name}.test.uas"],
        timings[f"parser.{name}.test.sentences_per_second"],
    )  # fmt: skip
    write_json_atomic(out_dir / TIMINGS_FILE, timings)
    if run is not None:
        run.log_metrics(timings)
    if run_checkpoints is not None:
        discard_checkpoints(run_checkpoints)
    return metrics


@dataclasses.dataclass
class _Member:
    """One network of the parser (the only one, or an ensemble's member ``index``, trained with seed + index):
    its curves, its MLflow prefix, its checkpoints, and once trained the network at its best dev epoch.

    An ensemble's finished member is kept in the run's checkpoint folder (``member<i>.pt``), so that an
    interrupted stage resumes at the member it was training."""

    index: int
    prefix: str
    curves_dir: Path
    dev_curve: Path
    checkpoints: Path | None
    finished: Path | None
    network: Any = None
    best_epoch: int = -1
    epochs_trained: int = 0
    seconds: float = 0.0

    @classmethod
    def of(
        cls, index: int, ensemble: int, name: str, curves_dir: Path, dev_curve: Path | None, run_dir: Path | None
    ) -> _Member:
        """Member ``index`` of ``ensemble``: the first writes the single network's curves and metric keys; alone,
        it also checkpoints straight into the run's folder."""
        dev_curve = dev_curve if dev_curve is not None else curves_dir / "dev.tsv"
        tag = f"member{index}"
        checkpoints = finished = None
        if run_dir is not None:
            checkpoints = run_dir if ensemble == 1 else run_dir / tag
            finished = None if ensemble == 1 else run_dir / f"{tag}.pt"
        if index == 0:
            return cls(0, f"parser.{name}.", curves_dir, dev_curve, checkpoints, finished)
        curve = dev_curve.with_name(f"{dev_curve.stem}.{tag}.tsv")
        return cls(index, f"parser.{name}.{tag}.", curves_dir / tag, curve, checkpoints, finished)

    def train(
        self, cfg: ParserConfig, table: np.ndarray, symbols: Symbols, vocabulary: WordVocabulary, system: int,
        frequent: np.ndarray, dev: Sequence[ConlluSentence],
        examples: tuple[Encoded, OracleExamples, tuple[np.ndarray, np.ndarray]],
        trainer_cfg: Any, run: StageRun | None, callbacks: Sequence[pl.Callback], trainer_overrides: dict[str, Any],
    ) -> None:  # fmt: skip
        seed = int(cfg.seed) + self.index
        pl.seed_everything(seed, workers=True, verbose=False)
        n_labels = len(symbols.labels)
        self.network = ChenManningNetwork(
            table, symbols.n_pos_ids, symbols.n_label_ids, T.n_transitions(system, n_labels),
            pos_dim=cfg.pos_dim, label_dim=cfg.label_dim, hidden=cfg.hidden, activation=cfg.activation.value,
            dropout=cfg.regularization.dropout, init_range=cfg.init_range, n_feats_ids=symbols.n_feats_ids,
            feats_dim=cfg.feats_dim, generator=torch.Generator().manual_seed(seed),
        )  # fmt: skip
        if self.finished is not None and self.finished.is_file():
            saved = torch.load(self.finished, weights_only=False)
            self.network.load_state_dict(saved["state_dict"])
            self.best_epoch, self.epochs_trained, self.seconds = saved["best_epoch"], saved["epochs"], saved["seconds"]
            log.info("%s: the member trained before the interruption, from %s", self.prefix, self.finished)
            return

        def dev_scores(network: ChenManningNetwork) -> dict[str, float]:
            alone = TrainedParser([network], vocabulary, symbols, system, frequent, int(cfg.parse_batch))
            return attachment_scores(dev, alone.parse(dev))

        module = ParserModule(
            self.network, dev_scores=dev_scores, optimizer=cfg.optimizer,
            weight_decay=float(cfg.regularization.weight_decay), log_prefix=self.prefix, dev_curve=self.dev_curve,
            seed=seed, average_decay=float(cfg.average_decay),
        )  # fmt: skip
        keep, timer = KeepBest("val_las"), EpochTimer()
        regularization = regularization_trainer_kwargs(cfg.regularization)
        dynamic = cfg.oracle == Oracle.dynamic
        if dynamic:  # a new exploration pass, so a new training loader, every epoch
            regularization["reload_dataloaders_every_n_epochs"] = 1
        trainer = build_trainer(
            trainer_cfg,
            max_epochs=int(cfg.epochs),
            checkpoint_dir=self.checkpoints,
            run=run,
            callbacks=[
                LearningCurves(self.curves_dir, metric_prefix=self.prefix),
                keep,
                timer,
                *regularization.pop("callbacks"),
                *callbacks,
            ],
            **{**regularization, **trainer_overrides},
        )
        train_encoded, train_examples, dev_examples = examples
        loader = functools.partial(_loader, batch_size=int(cfg.batch_size))
        dev_loader = _loader(dev_examples[0], dev_examples[1], None, batch_size=10_000)
        resume = resume_checkpoint(self.checkpoints) if self.checkpoints is not None else None
        started = time.perf_counter()
        if dynamic:
            data = ExplorationData(
                self.network, train_encoded, system, n_labels, frequent, train_examples, explore=float(cfg.explore),
                seed=seed, parse_batch=int(cfg.parse_batch), loader=loader, dev=dev_loader,
            )  # fmt: skip
            trainer.fit(module, datamodule=data, ckpt_path=resume)
        else:
            trainer.fit(module, loader(train_examples.features, train_examples.transitions, seed), dev_loader,
                        ckpt_path=resume)  # fmt: skip
        self.seconds = time.perf_counter() - started
        keep.restore(module)
        module.keep_scored_weights()
        self.best_epoch = keep.best_epoch if keep.best_epoch is not None else -1
        self.epochs_trained = int(trainer.current_epoch)
        if self.finished is not None:
            saved = {"state_dict": self.network.state_dict(), "best_epoch": self.best_epoch,
                     "epochs": self.epochs_trained, "seconds": self.seconds}  # fmt: skip
            with atomic_path(self.finished) as part:  # under DDP, rank 0's only
                torch.save(saved, part)


@functools.lru_cache(maxsize=3)
def _read_treebank(path: Path, mtime_ns: int) -> list[ConlluSentence]:
    """A split, read once per process: a stage trains several parsers on the same files (keyed by the
    modification time too, so that a changed file is read again)."""
    return read_conllu(path)


def _loader(features: np.ndarray, transitions: np.ndarray, seed: int | None, *, batch_size: int) -> Any:
    """Batches of oracle configurations, shuffled anew each epoch from (seed, epoch) when a seed is given (under DDP,
    each rank's share of every batch); in order otherwise, whole on every rank."""
    dataset = TensorDataset(torch.from_numpy(features), torch.from_numpy(transitions))
    if seed is None:
        return DataLoader(dataset, batch_size=batch_size)
    return DataLoader(dataset, batch_size=None, sampler=EpochBatches(len(dataset), batch_size, seed))


def _dev_examples(
    sentences: Sequence[ConlluSentence], vocabulary: WordVocabulary, symbols: Symbols, system: int, mode: NonProjective
) -> tuple[np.ndarray, np.ndarray]:
    """The dev set's oracle configurations, for the validation loss: dev trees made projective as the training
    trees are, over the sentences whose relations the parser knows."""
    trees = training_trees(sentences, mode)
    known = [
        (s, tree)
        for s, tree in zip(trees.sentences, trees.trees, strict=True)
        if all(symbols.label_index(label) >= 0 for label in tree[1])
    ]
    encoded = encode([s for s, _ in known], vocabulary, symbols, [tree for _, tree in known])
    examples = oracle_examples(encoded, system, len(symbols.labels), with_feats=symbols.with_feats)
    return examples.features, examples.transitions


def _lift_restoration(gold: Sequence[ConlluSentence], parses: Sequence[Parse]) -> tuple[int, int]:
    """Dev arcs that lifting would move (the gold non-projective ones, as the encoding lifts them), and how many
    of those the parser's output attaches to the gold head."""
    lifted = restored = 0
    for sentence, (heads, _) in zip(gold, parses, strict=True):
        gold_heads = [w.head for w in sentence.words]
        if not nonprojective_arcs(gold_heads):
            continue
        moved = projectivize(gold_heads, [w.deprel for w in sentence.words]).lifted_words
        lifted += len(moved)
        restored += sum(heads[word - 1] == gold_heads[word - 1] for word in moved)
    return lifted, restored
