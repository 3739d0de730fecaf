"""wordlab's parser against UDPipe 1 on UD English EWT with gold UPOS: same data, same scorer, same machine.

Both train on EWT train (UDPipe with its default parser options, heldout = dev; wordlab with its parser entry as
``experiment=paper`` composes it from ``conf/``, early-stopped on dev), parse EWT test from its gold words and UPOS
on one thread, and are scored by udapi's ``eval.Conll18`` (the CoNLL 2018 shared task's scorer, reimplemented;
punctuation counted, subtypes stripped).
UDPipe's trained model is cached (see :mod:`udpipe_peer`): the line says whether the cache was used.
Only parsing is timed, for both, after the model is loaded: UDPipe builds its pre-computed hidden-layer cache
while loading (``parser_nn::load`` calls ``generate_embeddings_cache``), wordlab builds its tables at the first
parse (a warm-up on 100 sentences, untimed).

Prints one JSON line: both LAS and UAS (percent), both parsing speeds (sentences per second, one thread), both
training times, and the ratios (wordlab / UDPipe; for LAS and UAS the difference in points).

    python bench/parser_vs_udpipe.py [--vectors models/embeddings/skipgram/vectors.bin] [--threads 2]
        [--feats-dim 20] [--ensemble 2] [--hidden 400] [--oracle dynamic] [--average-decay 0.997]

``--feats-dim`` lets wordlab's parser read the treebank's FEATS column as UDPipe's does (UDPipe's default
``embedding_feats`` is 20); ``--ensemble`` averages that many networks. Both default to the entry's own (0 and 1:
Chen & Manning's single network over words, UPOS and labels). ``--hidden`` sets the hidden layer's size and
``--oracle dynamic`` trains from the states the network's own moves reach, as UDPipe's default
``transition_oracle=dynamic`` does. ``--average-decay`` keeps (and selects on dev) an exponential moving average of
the weights.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conll18 import conll18_scores
from data_folder import data_dir
from paper_entry import paper_entry
from udpipe_peer import parse_file, trained_model
from wordlab.config import TrainerConfig, entry_settings
from wordlab.data.readers.conllu_reader import read_conllu
from wordlab.parser.config import ParserConfig
from wordlab.parser.output import write_conllu
from wordlab.parser.run import MODEL_FILE, TrainedParser, run_parser


def _percent(value: float) -> float:
    return round(100.0 * value, 2)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    data = data_dir() / "ud-english-ewt"
    parser.add_argument("--data", type=Path, default=data, help="folder of en_ewt-ud-{train,dev,test}.conllu")
    parser.add_argument("--vectors", type=Path, default=None, help="word2vec .bin for wordlab (default: none)")
    parser.add_argument("--threads", type=int, default=2, help="wordlab's training threads (parsing uses one)")
    parser.add_argument("--epochs", type=int, default=None, help="override the entry's maximum epochs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--feats-dim", type=int, default=None, help="override the entry's feats_dim")
    parser.add_argument("--ensemble", type=int, default=None, help="override the entry's ensemble size")
    parser.add_argument("--hidden", type=int, default=None, help="override the entry's hidden layer size")
    parser.add_argument("--oracle", choices=["static", "dynamic"], default=None, help="override the entry's oracle")
    parser.add_argument(
        "--average-decay",
        type=float,
        default=None,
        help="override the entry's average_decay (EMA of the weights; 0: off)",
    )
    parser.add_argument("--skip-udpipe", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    files = {split: args.data / f"en_ewt-ud-{split}.conllu" for split in ("train", "dev", "test")}
    line: dict[str, object] = {"test_sentences": len(read_conllu(files["test"])), "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="wordlab-parser-bench-") as tmp_name:
        tmp = Path(tmp_name)
        # wordlab: the full-size entry (with the given vectors, or the training vocabulary at random)
        chosen = {
            "epochs": args.epochs,
            "feats_dim": args.feats_dim,
            "ensemble": args.ensemble,
            "hidden": args.hidden,
            "oracle": args.oracle,
            "average_decay": args.average_decay,
        }
        changes = {key: value for key, value in chosen.items() if value is not None}
        vectors = "given" if args.vectors else None
        entry = entry_settings(ParserConfig, paper_entry("parser", "chen_manning", vectors=vectors, seed=args.seed,
                               **changes))  # fmt: skip
        trainer = TrainerConfig(num_threads=args.threads, enable_progress_bar=False)
        began = time.perf_counter()
        metrics = run_parser("bench", entry, vectors_path=args.vectors, files=files, trainer_cfg=trainer,
                             out_dir=tmp / "w", curves_dir=tmp / "w" / "curves", run=None)  # fmt: skip
        wordlab_train = time.perf_counter() - began
        torch.set_num_threads(1)
        trained = TrainedParser.load(tmp / "w" / MODEL_FILE)
        sentences = read_conllu(files["test"])
        trained.parse(sentences[:100])  # compile and warm up
        began = time.perf_counter()
        parses = trained.parse(sentences)
        wordlab_seconds = time.perf_counter() - began
        write_conllu(tmp / "wordlab.conllu", sentences, parses)
        ours = conll18_scores(files["test"], tmp / "wordlab.conllu")
        line["wordlab"] = {
            "las": _percent(ours["las"]), "uas": _percent(ours["uas"]),
            "sentences_per_second": round(len(sentences) / wordlab_seconds), "train_seconds": round(wordlab_train, 1),
            "vectors": str(args.vectors) if args.vectors else None, "threads_train": args.threads,
            "feats_dim": entry.feats_dim, "ensemble": entry.ensemble, "hidden": entry.hidden,
            "oracle": str(entry.oracle), "average_decay": entry.average_decay,
            "dev_las": _percent(metrics["parser.bench.dev.las"]), "dev_uas": _percent(metrics["parser.bench.dev.uas"]),
        }  # fmt: skip
        if not args.skip_udpipe:
            model_path, made = trained_model(files["train"], files["dev"])
            udpipe_seconds, count = parse_file(model_path, files["test"], tmp / "udpipe.conllu")
            theirs = conll18_scores(files["test"], tmp / "udpipe.conllu")
            line["udpipe"] = {
                "las": _percent(theirs["las"]), "uas": _percent(theirs["uas"]),
                "sentences_per_second": round(count / udpipe_seconds), "train_seconds": made["train_seconds"],
                "cached_model": made["cached"], "options": made["options"],
            }  # fmt: skip
            line["las_points_over_udpipe"] = round(_percent(ours["las"]) - _percent(theirs["las"]), 2)
            line["uas_points_over_udpipe"] = round(_percent(ours["uas"]) - _percent(theirs["uas"]), 2)
            line["speed_ratio"] = round(udpipe_seconds / wordlab_seconds, 2)
            line["train_time_ratio"] = round(wordlab_train / float(made["train_seconds"]), 3)
    line["load_after"] = os.getloadavg()
    print(json.dumps(line))


if __name__ == "__main__":
    main()
