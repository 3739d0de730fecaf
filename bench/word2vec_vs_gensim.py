"""wordlab's word2vec against gensim's on the same prepared tokens: throughput and quality, one JSON line per model.

    .venv/bin/python bench/word2vec_vs_gensim.py PREPARED_DIR [--models skipgram,cbow] [--epochs 5] [--threads 2]
        [--seeds 1] [--sg-update pairwise|window] [--streams N] [--schedule run|stream] [--init word2vec|gensim]
        [--sigmoid exact|gensim|word2vec] [--gensim-input file|iterable]

Both train on exactly the same token sequence (the prepared corpus's ids, given to gensim as their words, lines
as sentences, cut at 10,000 tokens as gensim's LineSentence does) with the same vocabulary and counts (gensim's
``build_vocab_from_freq``) and the same hyper-parameters. Throughput is raw corpus words (tokens x epochs, what
gensim's ``train`` returns second) per wall-clock second of training, vocabulary and table building excluded for
both. The two run back to back in one process (order alternating over ``--repeats``) because the machine is
shared and absolute speeds drift; compare the ratio, not the absolute numbers. On an oversubscribed machine the
wall-clock ratio also depends on what else ran meanwhile, so words per CPU-second of the process (all its threads,
gensim's job-producer thread included) are reported too.

Quality: Google analogies (``restrict_vocab`` most frequent words, gensim's evaluator; the total and each
section) and the Spearman correlation on WordSim-353 and SimLex-999, all scored by the same code (gensim's) on
each model's input vectors. The three files come from ``WORDLAB_DATA_DIR`` (else the offline mirror beside the
project) and are checked before anything trains. ``--save-vectors DIR`` keeps wordlab's vectors of the first seed
(word2vec binary ``DIR/<model>.bin``), e.g. for the NER stage. ``word2vec_pool.py`` pools several runs' lines.

One seed's difference between the two is within the noise of either (a few tenths of a point on the analogies),
so ``--seeds N`` trains both tools with the seeds ``--seed`` .. ``--seed + N - 1`` in turn, in the same process
(which goes first alternates run by run). Every figure of the JSON line is then ``{"values": [one per seed],
"mean", "sd"}`` per tool, sd the sample standard deviation (null for one seed); a seed's words/s is its best of
``--repeats``, and ``ratio`` (``cpu_ratio``) is wordlab's mean throughput over gensim's.

``--sg-update`` and ``--streams`` set wordlab's skip-gram update order and how many parts of the corpus it reads
side by side, ``--schedule``, ``--init`` and ``--sigmoid`` its learning-rate schedule, starting vectors and sigmoid
(exact, or word2vec.c's table read as gensim or as word2vec.c does; default: wordlab's defaults; CBOW ignores the
order).
gensim reads a corpus file (``corpus_file``, its fastest mode, where each worker trains its own part of the file)
unless ``--gensim-input iterable`` hands it the sentences in memory.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from data_folder import data_dir
from wordlab.corpus.format import PreparedCorpus
from wordlab.embeddings.word2vec.config import (
    InitialVectors,
    RateSchedule,
    SigmoidRule,
    SkipgramUpdate,
    Word2VecConfig,
)
from wordlab.embeddings.word2vec.training import Word2VecState, train, train_chunk
from wordlab.report.spread import seed_summary
from wordlab.text.vectors import Vectors

MAX_SENTENCE = 10_000


def _sentences(words: list[str], tokens: np.ndarray, offsets: np.ndarray) -> list[list[str]]:
    vocab = np.array(words, dtype=object)
    out: list[list[str]] = []
    for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True):
        for piece in range(start, end, MAX_SENTENCE):
            out.append(vocab[tokens[piece : min(piece + MAX_SENTENCE, end)]].tolist())
    return out


def _write_corpus_file(path: Path, sentences: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for sentence in sentences:
            handle.write(" ".join(sentence) + "\n")


def add_evaluation_arguments(parser: argparse.ArgumentParser) -> None:
    """The analogy and similarity files, from :func:`data_dir`."""
    data = data_dir()
    parser.add_argument("--analogy", type=Path, default=data / "analogy" / "questions-words.txt")
    parser.add_argument("--wordsim", type=Path, default=data / "similarity" / "wordsim353.tsv")
    parser.add_argument("--simlex", type=Path, default=data / "similarity" / "simlex999.txt")


def check_evaluation_files(
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    options: tuple[str, ...] = ("analogy", "wordsim", "simlex"),
) -> None:
    """Stop at start-up, not after the first model has trained for minutes, when an evaluation file is missing."""
    for option in options:
        path = getattr(args, option)
        if not path.is_file():
            parser.error(f"--{option}: no file {path} (set WORDLAB_DATA_DIR to the data folder, or pass the path)")


def keyed_vectors(words: list[str], vectors: np.ndarray) -> Any:
    """gensim's KeyedVectors over the rows, so that gensim's own evaluators score both models."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(words, vectors)
    return kv


def _scores(words: list[str], vectors: np.ndarray, args: argparse.Namespace) -> dict[str, Any]:
    """The quality figures of one trained model: analogy total and per section (sections without a question in
    the vocabulary are left out), and each similarity set's Spearman correlation."""
    kv = keyed_vectors(words, vectors)
    analogy, sections = kv.evaluate_word_analogies(str(args.analogy), restrict_vocab=args.restrict_vocab)
    per_section: dict[str, float] = {}
    for section in sections:
        asked = len(section["correct"]) + len(section["incorrect"])
        if section["section"] != "Total accuracy" and asked:
            per_section[section["section"]] = len(section["correct"]) / asked
    scores: dict[str, Any] = {"analogy": float(analogy), "analogy_sections": per_section}
    for name, path in (("wordsim353", args.wordsim), ("simlex999", args.simlex)):
        _pearson, spearman, _oov = kv.evaluate_word_pairs(str(path))
        scores[name] = float(spearman[0])
    return scores


def run_wordlab(
    model: str, alpha: float, seed: int, corpus: PreparedCorpus, tokens, offsets, args
) -> tuple[float, float, Any]:
    config = Word2VecConfig(
        dim=args.dim, window=args.window, architecture=model, loss="negative_sampling", negatives=args.negative,
        sample=args.sample, alpha=alpha, epochs=args.epochs, threads=args.threads, seed=seed,
        compute_loss=args.compute_loss, sg_update=args.sg_update, streams=args.streams, schedule=args.schedule,
        init=args.init, sigmoid=args.sigmoid,
    )  # fmt: skip
    state = Word2VecState.create(corpus.counts, config)
    train_chunk(Word2VecState.create(corpus.counts, config), tokens, offsets, 0, 1, alpha, alpha, 0)  # load the jit
    began, cpu = time.perf_counter(), time.process_time()
    train(state, tokens, offsets, chunk_words=args.chunk_words)
    return time.perf_counter() - began, time.process_time() - cpu, state.V


def run_gensim(
    model: str, alpha: float, seed: int, corpus: PreparedCorpus, sentences, corpus_file, args
) -> tuple[float, float, Any]:
    from gensim.models import Word2Vec

    gensim_model = Word2Vec(
        vector_size=args.dim, window=args.window, sg=int(model == "skipgram"), hs=0, negative=args.negative,
        sample=args.sample, alpha=alpha, min_alpha=alpha * 1e-4, workers=args.threads, seed=seed,
        min_count=1, cbow_mean=1,
    )  # fmt: skip
    total_words = int(corpus.counts.sum())
    if corpus_file is not None:
        gensim_model.build_vocab(corpus_file=str(corpus_file))
        began, cpu = time.perf_counter(), time.process_time()
        trained = gensim_model.train(
            corpus_file=str(corpus_file), epochs=args.epochs, total_examples=gensim_model.corpus_count,
            total_words=gensim_model.corpus_total_words,
        )  # fmt: skip
    else:
        gensim_model.build_vocab_from_freq(dict(zip(corpus.words, corpus.counts.tolist(), strict=True)))
        began, cpu = time.perf_counter(), time.process_time()
        trained = gensim_model.train(
            sentences, epochs=args.epochs, total_examples=len(sentences), total_words=total_words
        )
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu
    words = list(gensim_model.wv.index_to_key)
    return seconds, cpu_seconds, (words, gensim_model.wv.vectors, trained)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, help="prepared-corpus directory (vocab.tsv, train.npy, ...)")
    parser.add_argument("--models", default="skipgram,cbow")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--negative", type=int, default=5)
    parser.add_argument("--sample", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=1, help="the first seed")
    parser.add_argument("--seeds", type=int, default=1, help="seeds per model: --seed .. --seed + N - 1")
    defaults = Word2VecConfig()
    parser.add_argument(
        "--sg-update", choices=[u.value for u in SkipgramUpdate], default=str(defaults.sg_update),
        help="wordlab's skip-gram update order (default: wordlab's)",
    )  # fmt: skip
    parser.add_argument(
        "--streams", type=int, default=None,
        help="parts of the corpus wordlab reads side by side (default: wordlab's for the model)",
    )  # fmt: skip
    parser.add_argument(
        "--schedule", choices=[s.value for s in RateSchedule], default=None,
        help="wordlab's learning-rate schedule (default: wordlab's for the model)",
    )  # fmt: skip
    parser.add_argument(
        "--init", choices=[i.value for i in InitialVectors], default=None,
        help="wordlab's starting vectors (default: wordlab's for the model)",
    )  # fmt: skip
    parser.add_argument(
        "--sigmoid", choices=[r.value for r in SigmoidRule], default=None,
        help="wordlab's sigmoid: exact, or word2vec.c's table read as gensim or word2vec.c (default: the model's)",
    )  # fmt: skip
    parser.add_argument("--wordlab-alpha", type=str, default="", help="model=alpha,... (default: wordlab's)")
    parser.add_argument("--gensim-alpha", type=str, default="", help="model=alpha,... (default: gensim's 0.025)")
    parser.add_argument("--chunk-words", type=int, default=1_000_000)
    parser.add_argument("--compute-loss", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--gensim-input", choices=["iterable", "file"], default="file", help="file: corpus_file mode")
    parser.add_argument("--repeats", type=int, default=1, help="timed runs of each per seed (scores from the first)")
    parser.add_argument("--skip", choices=["", "gensim", "wordlab"], default="")
    add_evaluation_arguments(parser)
    parser.add_argument("--restrict-vocab", type=int, default=30_000)
    parser.add_argument("--save-vectors", type=Path, default=None, help="folder for wordlab's <model>.bin")
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.repeats < 1:
        parser.error("--seeds and --repeats must be positive")
    check_evaluation_files(parser, args)
    logging.basicConfig(level=logging.WARNING)

    corpus = PreparedCorpus.load(args.corpus)
    tokens = np.ascontiguousarray(corpus.tokens(), dtype=np.int32)
    offsets = np.ascontiguousarray(corpus.line_offsets(), dtype=np.int64)
    raw_words = int(offsets[-1] - offsets[0]) * args.epochs
    sentences = _sentences(corpus.words, tokens, offsets) if args.skip != "gensim" else []
    corpus_file = None
    if args.gensim_input == "file" and args.skip != "gensim":
        corpus_file = Path("/tmp") / f"wordlab_bench_{args.corpus.name}.txt"
        _write_corpus_file(corpus_file, sentences)
    wordlab_alpha = dict(_pairs(args.wordlab_alpha))
    gensim_alpha = dict(_pairs(args.gensim_alpha))

    seeds = list(range(args.seed, args.seed + args.seeds))
    tools = [who for who in ("wordlab", "gensim") if who != args.skip]
    for model in args.models.split(","):
        ours_alpha = wordlab_alpha.get(model, Word2VecConfig(architecture=model).learning_rate)
        theirs_alpha = gensim_alpha.get(model, 0.025)
        # per tool, one entry per seed: the best throughput of its repeats, and the scores of its first run
        speed: dict[str, list[float]] = {who: [] for who in tools}
        cpu_speed: dict[str, list[float]] = {who: [] for who in tools}
        scores: dict[str, list[dict[str, Any]]] = {who: [] for who in tools}
        run = 0
        for seed in seeds:
            times: dict[str, list[float]] = {who: [] for who in tools}
            cpu_times: dict[str, list[float]] = {who: [] for who in tools}
            for repeat in range(args.repeats):
                for who in tools if run % 2 else tools[::-1]:  # gensim first on even runs, as before
                    if who == "wordlab":
                        seconds, cpu_seconds, V = run_wordlab(model, ours_alpha, seed, corpus, tokens, offsets, args)
                        if repeat == 0:
                            scores[who].append(_scores(corpus.words, V, args))
                            if args.save_vectors is not None and seed == seeds[0]:
                                args.save_vectors.mkdir(parents=True, exist_ok=True)
                                Vectors(list(corpus.words), V).save_word2vec_format(
                                    args.save_vectors / f"{model}.bin", binary=True
                                )
                    else:
                        seconds, cpu_seconds, (words, vectors, _) = run_gensim(
                            model, theirs_alpha, seed, corpus, sentences, corpus_file, args
                        )
                        if repeat == 0:
                            scores[who].append(_scores(words, vectors, args))
                    times[who].append(seconds)
                    cpu_times[who].append(cpu_seconds)
                    print(
                        f"# {model} {who} seed {seed} run {repeat}: {raw_words / seconds:,.0f} words/s, "
                        f"{raw_words / cpu_seconds:,.0f} words/cpu-s",
                        file=sys.stderr,
                        flush=True,
                    )
                run += 1
            for who in tools:
                speed[who].append(raw_words / min(times[who]))
                cpu_speed[who].append(raw_words / min(cpu_times[who]))
        print(json.dumps(_line(model, seeds, ours_alpha, theirs_alpha, raw_words, speed, cpu_speed, scores, args)))


def _line(
    model: str,
    seeds: list[int],
    ours_alpha: float,
    theirs_alpha: float,
    raw_words: int,
    speed: dict[str, list[float]],
    cpu_speed: dict[str, list[float]],
    scores: dict[str, list[dict[str, Any]]],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """One model's JSON line: each figure per tool as per-seed values, mean and sd, and the throughput ratios."""
    ours = Word2VecConfig(
        architecture=model, streams=args.streams, schedule=args.schedule, init=args.init, sigmoid=args.sigmoid
    )

    def ratio(figure: dict[str, list[float]]) -> float | None:
        if len(figure) < 2:
            return None
        return round(statistics.fmean(figure["wordlab"]) / statistics.fmean(figure["gensim"]), 3)

    line: dict[str, Any] = {
        "model": model,
        "epochs": args.epochs,
        "threads": args.threads,
        "raw_words": raw_words,
        "seeds": seeds,
        "sg_update": args.sg_update if model == "skipgram" else None,
        "streams": ours.stream_count,
        "schedule": ours.rate_schedule,
        "init": ours.initial_vectors,
        "sigmoid": ours.sigmoid_rule,
        "alpha": {"wordlab": ours_alpha, "gensim": theirs_alpha},
        "words_per_sec": {who: seed_summary(list(v), None) for who, v in speed.items()},
        "ratio": ratio(speed),
        "words_per_cpu_sec": {who: seed_summary(list(v), None) for who, v in cpu_speed.items()},
        "cpu_ratio": ratio(cpu_speed),
    }
    for name in ("analogy", "wordsim353", "simlex999"):
        line[name] = {who: seed_summary([s[name] for s in runs], 4) for who, runs in scores.items()}
    line["analogy_sections"] = {}
    for who, runs in scores.items():
        names = list(dict.fromkeys(name for s in runs for name in s["analogy_sections"]))
        line["analogy_sections"][who] = {
            name: seed_summary([s["analogy_sections"].get(name) for s in runs], 4) for name in names
        }
    return line


def _pairs(spec: str) -> list[tuple[str, float]]:
    return [(key, float(value)) for key, value in (item.split("=") for item in spec.split(",") if item)]


if __name__ == "__main__":
    main()
