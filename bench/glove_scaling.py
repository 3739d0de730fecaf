"""How co-occurrence counting and GloVe epochs scale: one JSON line per measurement.

Counting: the co-occurrence stage (counting and writing the .npz) on the corpus repeated 1x, 2x, 4x, each in a
fresh subprocess so that its peak resident memory is its own; time should grow about linearly with the tokens,
and memory too until the budget caps it (then the count is sharded). GloVe: one epoch (shuffle plus steps) on
random subsets of the nonzeros of the 1x matrix; time should grow about linearly with the nonzeros. Ratios are
normalised per unit of work relative to the smallest measurement: ~1.0 means linear.

    python bench/glove_scaling.py /path/to/prepared-corpus [--factors 1 2 4] [--fractions 0.25 0.5 1]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from wordlab.corpus.format import PreparedCorpus
from wordlab.embeddings.cooccurrence.build import write_cooccurrences
from wordlab.embeddings.cooccurrence.config import DEFAULT_MEMORY_BUDGET, CooccurrenceConfig
from wordlab.embeddings.cooccurrence.counting import count_cooccurrences
from wordlab.embeddings.glove.config import GloveConfig
from wordlab.embeddings.glove.pairs import GlovePairs
from wordlab.embeddings.glove.training import epoch_pairs, initial_state, train_chunk, training_pairs


def memory_status(field: str) -> int:
    """VmRSS (resident now) or VmHWM (peak resident) of this process, in bytes.

    Not ``getrusage``'s ru_maxrss: a child inherits its parent's value at fork, so a child's peak would read as
    the parent's whenever the parent had more resident. VmHWM belongs to the process's own address space.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not found in /proc/self/status")


def repeated(corpus_dir: Path, factor: int, split: str) -> tuple[np.ndarray, np.ndarray, int]:
    corpus = PreparedCorpus.load(corpus_dir)
    tokens = np.asarray(corpus.tokens(split))
    offsets = np.asarray(corpus.line_offsets(split))
    tiled_offsets = np.concatenate(
        [offsets[:-1] + k * len(tokens) for k in range(factor)] + [[factor * len(tokens)]]
    ).astype(np.int64)
    return np.tile(tokens, factor), tiled_offsets, corpus.vocab_size


def write_repeated(corpus_dir: Path, factor: int, split: str, target: Path) -> None:
    tokens, offsets, _ = repeated(corpus_dir, factor, split)
    target.mkdir(parents=True)
    np.save(target / f"{split}.npy", tokens)
    np.save(target / f"{split}.lines.npy", offsets)
    shutil.copy(corpus_dir / "vocab.tsv", target / "vocab.tsv")


def count_once(corpus_dir: Path, args: argparse.Namespace) -> dict[str, object]:
    """Runs in a fresh process: the co-occurrence stage on a prepared corpus, and its peak memory."""
    vocab_size = PreparedCorpus.load(corpus_dir).vocab_size
    count_cooccurrences(np.arange(1000) % vocab_size, np.array([0, 1000]), vocab_size, window=2)  # compile
    baseline = memory_status("VmRSS")  # the interpreter, numba and the compiled kernels
    config = CooccurrenceConfig(
        window=args.window, memory_budget=args.memory_budget, threads=args.threads, split=args.split
    )
    with tempfile.TemporaryDirectory(prefix="glove-scaling-") as scratch:
        began = time.perf_counter()
        stats = write_cooccurrences(corpus_dir, Path(scratch) / "X.npz", config=config)
        seconds = time.perf_counter() - began
    return {
        "measure": "count",
        "tokens": stats.tokens,
        "window": args.window,
        "nonzeros": stats.nonzeros,
        "pairs": stats.pairs,
        "shards": stats.shards,
        "memory_budget": args.memory_budget,
        "seconds": round(seconds, 3),
        "peak_rss_bytes": memory_status("VmHWM"),
        "rss_before_count_bytes": baseline,
    }


def count_in_child(corpus_dir: Path, factor: int, args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="glove-scaling-corpus-") as scratch:
        repeated_dir = Path(scratch) / f"x{factor}"
        write_repeated(corpus_dir, factor, args.split, repeated_dir)
        command = [
            sys.executable,
            __file__,
            str(repeated_dir),
            "--child",
            "--window",
            str(args.window),
            "--memory-budget",
            str(args.memory_budget),
            "--split",
            args.split,
        ]
        if args.threads is not None:
            command += ["--threads", str(args.threads)]
        child = subprocess.run(command, capture_output=True, text=True)
    if child.returncode != 0:
        raise RuntimeError(f"counting {factor}x failed:\n{child.stderr}")
    return {"factor": factor, **json.loads(child.stdout.strip().splitlines()[-1])}


def glove_epochs(corpus_dir: Path, args: argparse.Namespace) -> list[dict[str, object]]:
    tokens, offsets, vocab_size = repeated(corpus_dir, 1, args.split)
    matrix, _ = count_cooccurrences(tokens, offsets, vocab_size, window=args.window, threads=args.threads)
    config = GloveConfig(dim=args.dim, x_max=args.x_max, threads=args.threads)
    everything = training_pairs(config, matrix)
    del matrix
    subset_order = epoch_pairs(everything, config, epoch=1000)  # a random subset: a prefix of a shuffle
    warm = GlovePairs(subset_order.records[:10_000].copy())
    train_chunk(initial_state(config, vocab_size), warm, 0, len(warm), config)  # compile outside the clock
    results = []
    for fraction in args.fractions:
        pairs = GlovePairs(subset_order.records[: round(fraction * len(subset_order))].copy())
        state = initial_state(config, vocab_size)
        scratch = GlovePairs(np.empty_like(pairs.records))
        began = time.perf_counter()
        ordered = epoch_pairs(pairs, config, 0, out=scratch)
        shuffled = time.perf_counter()
        result = train_chunk(state, ordered, 0, len(ordered), config)
        seconds = time.perf_counter() - began
        results.append(
            {
                "measure": "glove_epoch",
                "fraction": fraction,
                "nonzeros": len(pairs),
                "dim": args.dim,
                "seconds": round(seconds, 3),
                "shuffle_seconds": round(shuffled - began, 3),
                "steps_seconds": round(result.seconds, 3),
                "ns_per_nonzero": round(1e9 * seconds / len(pairs), 1),
                "mean_loss": result.mean_loss,
            }
        )
    return results


def with_ratios(rows: list[dict[str, object]], work: str) -> list[dict[str, object]]:
    """Seconds (and memory) per unit of work relative to the first row: 1.0 is exactly linear."""
    base = rows[0]
    for row in rows:
        scale = float(row[work]) / float(base[work])
        row["time_ratio_per_unit"] = round(float(row["seconds"]) / float(base["seconds"]) / scale, 3)
        if "peak_rss_bytes" in row:
            net = float(row["peak_rss_bytes"]) - float(row["rss_before_count_bytes"])
            base_net = float(base["peak_rss_bytes"]) - float(base["rss_before_count_bytes"])
            row["count_memory_bytes"] = int(net)
            row["memory_ratio_per_unit"] = round(net / base_net / scale, 3)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, help="prepared-corpus directory (vocab.tsv, train.npy, ...)")
    parser.add_argument("--split", default="train")
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.25, 0.5, 1.0])
    parser.add_argument("--window", type=int, default=10)
    parser.add_argument("--memory-budget", type=int, default=DEFAULT_MEMORY_BUDGET)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--x-max", type=float, default=10.0)
    parser.add_argument("--skip", choices=["count", "glove"], action="append", default=[])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(count_once(args.corpus, args)))
        return
    if "count" not in args.skip:
        rows = []
        for factor in args.factors:
            rows.append(count_in_child(args.corpus, factor, args))
        for row in with_ratios(rows, "tokens"):
            print(json.dumps(row), flush=True)
    if "glove" not in args.skip:
        for row in with_ratios(glove_epochs(args.corpus, args), "nonzeros"):
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
