"""wordlab's tagger + parser against UDPipe 1's tagger + parser on UD English EWT: from gold words to trees.

The parser benchmark (``parser_vs_udpipe.py``) parses gold UPOS; a parser in real use reads a tagger's. Here both
systems see only the test set's words:

- wordlab: the tagger entry as ``experiment=paper`` composes it (``conf/tagger/bilstm.yaml``: BiLSTM with the
  character CNN) trained on EWT train and early-stopped on dev, its training set tagged by the k-fold jackknife;
  then the parser entry ``chen_manning_predicted``, trained on the jackknifed training set, early-stopped on the
  tagged dev set, and run on the tagged test set. This is what ``train_tagger@<method>`` and
  ``train_parser_predicted@<method>`` run.
- UDPipe 1: ``Trainer.train`` with its default tagger and parser options (heldout = dev); UDPipe trains its parser
  on the tags its own tagger gives the training data. The model is cached (see :mod:`udpipe_peer`). Before
  tagging, the test words' lemma, UPOS, XPOS and FEATS are cleared. UDPipe trains on one thread, so when its
  model is not cached it trains in a subprocess while wordlab trains: with ``--threads 1`` each has a core of
  its own on a 2-core machine, and both training times stand. A training of the same model already running
  (another benchmark's) is waited for, not started twice.

Both are scored by udapi's ``eval.Conll18`` against the gold test file: UPOS accuracy, LAS, UAS. Prints one JSON
line with both systems' figures, their tagging + parsing speeds on one thread (sentences per second), training
times, and the differences (wordlab minus UDPipe, in points).

    python bench/tagger_parser_vs_udpipe.py [--vectors models/embeddings/skipgram/vectors.bin] [--threads 2]
        [--jackknife 5] [--tagger-epochs N] [--parser-epochs N] [--max-train N]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conll18 import conll18_scores
from data_folder import data_dir
from paper_entry import paper_entry
from udpipe_peer import TAGGER_OPTIONS, model_file, parse_file, trained_model, training_process
from wordlab.config import TrainerConfig
from wordlab.data.readers.conllu_reader import read_conllu
from wordlab.parser.output import write_conllu
from wordlab.parser.run import MODEL_FILE as PARSER_FILE
from wordlab.parser.run import TrainedParser, run_parser
from wordlab.tagger.output import write_tagged
from wordlab.tagger.run import MODEL_FILE as TAGGER_FILE
from wordlab.tagger.run import TrainedTagger, run_tagger


def _percent(value: float) -> float:
    return round(100.0 * value, 2)


def _first_sentences(source: Path, target: Path, count: int) -> Path:
    """The first ``count`` sentences of a CoNLL-U file (blank-line separated blocks), for a quick run."""
    blocks = [block for block in source.read_text(encoding="utf-8").split("\n\n") if block.strip()]
    target.write_text("\n\n".join(blocks[:count]) + "\n\n", encoding="utf-8")
    return target


def _wordlab(args: argparse.Namespace, files: dict[str, Path], tmp: Path) -> dict[str, Any]:
    """Train the tagger (with its jackknife) and the predicted-tag parser; tag and parse the test words."""
    trainer = TrainerConfig(num_threads=args.threads, parallel_fits=args.parallel_fits, enable_progress_bar=False)
    vectors = "given" if args.vectors else None
    tagger_changes = {"epochs": args.tagger_epochs} if args.tagger_epochs is not None else {}
    tagger_entry = paper_entry("tagger", "bilstm", vectors=vectors, jackknife=args.jackknife, seed=args.seed,
                               **tagger_changes)  # fmt: skip
    began = time.perf_counter()
    run_tagger("bench", tagger_entry, vectors_path=args.vectors, files=files, trainer_cfg=trainer,
               out_dir=tmp / "tagger", curves_dir=tmp / "tagger" / "curves", run=None)  # fmt: skip
    tagger_seconds = time.perf_counter() - began
    tagged = {split: tmp / "tagger" / f"tagged.{split}.conllu" for split in files}
    parser_changes = {"epochs": args.parser_epochs} if args.parser_epochs is not None else {}
    parser_entry = paper_entry("parser", "chen_manning_predicted", vectors=vectors, seed=args.seed, **parser_changes)
    began = time.perf_counter()
    run_parser("bench", parser_entry, vectors_path=args.vectors, files=tagged, trainer_cfg=trainer,
               out_dir=tmp / "parser", curves_dir=tmp / "parser" / "curves", run=None)  # fmt: skip
    parser_seconds = time.perf_counter() - began

    # the test set from its words alone, timed on one thread: tag, then parse what was tagged
    torch.set_num_threads(1)
    tagger = TrainedTagger.load(tmp / "tagger" / TAGGER_FILE)
    parser = TrainedParser.load(tmp / "parser" / PARSER_FILE)
    sentences = read_conllu(files["test"])
    parser.parse(read_conllu(tagged["test"])[:100])  # compile and warm up
    began = time.perf_counter()
    tags = tagger.tag(sentences)
    tag_seconds = time.perf_counter() - began
    write_tagged(files["test"], tmp / "test.tagged.conllu", tags)
    retagged = read_conllu(tmp / "test.tagged.conllu")
    began = time.perf_counter()
    parses = parser.parse(retagged)
    parse_seconds = time.perf_counter() - began
    write_conllu(tmp / "wordlab.conllu", retagged, parses)
    scores = conll18_scores(files["test"], tmp / "wordlab.conllu")
    return {
        "upos": _percent(scores["upos"]), "las": _percent(scores["las"]), "uas": _percent(scores["uas"]),
        "sentences_per_second": round(len(sentences) / (tag_seconds + parse_seconds)),
        "tag_sentences_per_second": round(len(sentences) / tag_seconds),
        "train_seconds": round(tagger_seconds + parser_seconds, 1), "tagger_train_seconds": round(tagger_seconds, 1),
        "parser_train_seconds": round(parser_seconds, 1), "jackknife": args.jackknife,
        "vectors": str(args.vectors) if args.vectors else None, "threads_train": args.threads,
        "parallel_fits": args.parallel_fits,
    }  # fmt: skip


def _start_udpipe_training(files: dict[str, Path]) -> subprocess.Popen[bytes] | int | None:
    """UDPipe's training in a subprocess of its own (its Python binding holds the GIL), unless the model is cached
    (None) or another benchmark is training it (that process's id, to wait for)."""
    model_path = model_file(files["train"], files["dev"], TAGGER_OPTIONS)[0]
    if model_path.is_file():
        return None
    running = training_process(model_path)
    if running is not None:
        return running
    command = [sys.executable, str(Path(__file__).resolve().parent / "udpipe_peer.py"), str(files["train"]),
               str(files["dev"]), TAGGER_OPTIONS]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL)


def _udpipe(files: dict[str, Path], tmp: Path, job: subprocess.Popen[bytes] | int | None) -> dict[str, Any]:
    if isinstance(job, subprocess.Popen) and job.wait() != 0:
        raise RuntimeError(f"UDPipe's training failed (exit status {job.returncode}); its log is above")
    while isinstance(job, int) and training_process(model_file(files["train"], files["dev"], TAGGER_OPTIONS)[0]):
        time.sleep(10)
    model_path, made = trained_model(files["train"], files["dev"], tagger=TAGGER_OPTIONS)
    seconds, count = parse_file(model_path, files["test"], tmp / "udpipe.conllu", tag=True)
    scores = conll18_scores(files["test"], tmp / "udpipe.conllu")
    return {
        "upos": _percent(scores["upos"]), "las": _percent(scores["las"]), "uas": _percent(scores["uas"]),
        "sentences_per_second": round(count / seconds), "train_seconds": made["train_seconds"],
        "cached_model": made["cached"] and job is None, "options": made["options"],
    }  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    data = data_dir() / "ud-english-ewt"
    parser.add_argument("--data", type=Path, default=data, help="folder of en_ewt-ud-{train,dev,test}.conllu")
    parser.add_argument("--vectors", type=Path, default=None, help="word2vec .bin for wordlab (default: none)")
    parser.add_argument("--threads", type=int, default=2, help="wordlab's training threads (tagging uses one)")
    parser.add_argument(
        "--parallel-fits",
        type=int,
        default=1,
        help="the tagger's trainings side by side in this many processes (trainer.parallel_fits)",
    )
    parser.add_argument("--jackknife", type=int, default=5, help="folds that tag wordlab's training set")
    parser.add_argument("--tagger-epochs", type=int, default=None, help="override the tagger's maximum epochs")
    parser.add_argument("--parser-epochs", type=int, default=None, help="override the parser's maximum epochs")
    parser.add_argument("--max-train", type=int, default=None, help="first N training sentences (a quick check)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-udpipe", action="store_true")
    parser.add_argument("--skip-wordlab", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    files = {split: args.data / f"en_ewt-ud-{split}.conllu" for split in ("train", "dev", "test")}
    line: dict[str, Any] = {"test_sentences": len(read_conllu(files["test"])), "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="wordlab-tagger-parser-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if args.max_train is not None:
            files["train"] = _first_sentences(files["train"], tmp / "train.conllu", args.max_train)
            line["train_sentences"] = args.max_train
        job = None if args.skip_udpipe else _start_udpipe_training(files)
        if not args.skip_wordlab:
            line["wordlab"] = _wordlab(args, files, tmp)
        if not args.skip_udpipe:
            line["udpipe"] = _udpipe(files, tmp, job)
        if "wordlab" in line and "udpipe" in line:
            for figure in ("upos", "las", "uas"):
                line[f"{figure}_points_over_udpipe"] = round(line["wordlab"][figure] - line["udpipe"][figure], 2)
            ours, theirs = line["wordlab"]["sentences_per_second"], line["udpipe"]["sentences_per_second"]
            line["speed_ratio"] = round(ours / theirs, 2)
    line["load_after"] = os.getloadavg()
    print(json.dumps(line))


if __name__ == "__main__":
    main()
