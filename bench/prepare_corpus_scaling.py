"""Corpus preparation cost against corpus size, beside gensim's vocabulary scan of the same text.

For 1x, 2x and 4x enwiki-17m (by repetition) each measurement runs in a fresh process, so its peak memory is its
own: wordlab's ``prepare_corpus`` (the enwiki17m corpus config) and gensim's ``Word2Vec.build_vocab`` over the
same file (whitespace tokens; gensim's own reading and counting of a corpus, the step users compare with). One
JSON line per size: seconds and peak RSS of each, their ratio, and wordlab's seconds per million tokens, whose
flatness across sizes is the linearity check.

    python bench/prepare_corpus_scaling.py --data-dir ../shared/data [--scales 1 2 4]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from data_folder import data_dir

WORDLAB_CHILD = """
import json, resource, sys, time
from pathlib import Path
from wordlab.config import NumberMode, OovMode, PunctuationMode
from wordlab.corpus.prepare import VocabSpec, prepare_corpus
from wordlab.corpus.tokenize import Tokenizer
source, out = Path(sys.argv[1]), Path(sys.argv[2])
started = time.perf_counter()
stats = prepare_corpus(
    {"train": source}, out,
    Tokenizer(lowercase=True, numbers=NumberMode.keep, punctuation=PunctuationMode.strip),
    VocabSpec(min_count=5, oov=OovMode.drop),
)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "peak_bytes": peak, "tokens": stats.splits["train"].tokens}))
"""

GENSIM_CHILD = """
import json, logging, resource, sys, time
from gensim.models import Word2Vec
started = time.perf_counter()
model = Word2Vec(vector_size=100, min_count=5, workers=2)
model.build_vocab(corpus_file=sys.argv[1])
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "peak_bytes": peak, "tokens": model.corpus_total_words}))
"""


def _run(child: str, *args: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", child, *args], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=data_dir())
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    source = args.data_dir / "enwiki-17m" / "enwiki-17m.txt"
    base_seconds = None
    with tempfile.TemporaryDirectory() as scratch:
        for scale in args.scales:
            corpus = Path(scratch) / f"enwiki-x{scale}.txt"
            with open(corpus, "wb") as sink:
                for _ in range(scale):
                    sink.write(source.read_bytes())
            ours = _run(WORDLAB_CHILD, str(corpus), str(Path(scratch) / f"prepared-x{scale}"))
            peer = _run(GENSIM_CHILD, str(corpus))
            corpus.unlink()
            base_seconds = base_seconds or ours["seconds"] / scale
            print(
                json.dumps(
                    {
                        "benchmark": "prepare_corpus_scaling",
                        "scale": scale,
                        "tokens": ours["tokens"],
                        "wordlab_seconds": round(ours["seconds"], 2),
                        "wordlab_peak_mb": round(ours["peak_bytes"] / 2**20, 1),
                        "gensim_build_vocab_seconds": round(peer["seconds"], 2),
                        "gensim_peak_mb": round(peer["peak_bytes"] / 2**20, 1),
                        "speed_ratio_gensim_over_wordlab": round(peer["seconds"] / ours["seconds"], 3),
                        "wordlab_seconds_per_million_tokens": round(ours["seconds"] / ours["tokens"] * 1e6, 3),
                        "time_vs_linear_from_1x": round(ours["seconds"] / (base_seconds * scale), 3),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
