"""Parse a tagged CoNLL-U file with a trained parser: ``python -m wordlab.parser.parse PARSER IN.conllu OUT.conllu``.

``PARSER`` is the ``parser.pt`` a ``train_parser`` stage wrote (``models/parser/<method>/<entry>/parser.pt``), one
network or an ensemble. The input needs words and UPOS, and FEATS for a parser trained with ``feats_dim`` (its
heads and relations, if any, are replaced); the output is CoNLL-U with the parser's heads and relations, written
atomically. Bad input stops with the file and line.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import torch

from wordlab.data.errors import DataFormatError
from wordlab.data.readers.conllu_reader import read_conllu
from wordlab.parser.output import write_conllu
from wordlab.parser.run import TrainedParser

log = logging.getLogger("wordlab.parser.parse")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path, help="a parser.pt written by a train_parser stage")
    parser.add_argument("input", type=Path, help="CoNLL-U with words and UPOS")
    parser.add_argument("output", type=Path)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.set_num_threads(args.threads)
    try:
        trained = TrainedParser.load(args.model)
        sentences = read_conllu(args.input)
    except (DataFormatError, ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 3 if isinstance(error, FileNotFoundError) else 4
    began = time.perf_counter()
    parses = trained.parse(sentences, progress=True)
    seconds = time.perf_counter() - began
    write_conllu(args.output, sentences, parses)
    log.info("%d sentences parsed in %.2f s (%.0f sentences/s): %s", len(parses), seconds, len(parses) / seconds,
             args.output)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
