"""A trained UPOS tagger applied to any CoNLL-U file: the same file back, its UPOS column predicted.

    python -m wordlab.tagger.tag models/tagger/glove/bilstm/tagger.pt input.conllu --out tagged.conllu

Only the FORM column is read (an untagged file may hold ``_`` for UPOS); every other column, comment, multiword
token and empty node is written back as it was, so the output can go straight to
``python -m wordlab.parser.parse``. Bad input stops with the file, line and problem, and writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from wordlab.data.readers.conllu_reader import read_conllu
from wordlab.tagger.output import write_tagged
from wordlab.tagger.run import TrainedTagger


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path, help="a tagger.pt file of a train_tagger stage")
    parser.add_argument("conllu", type=Path, help="the CoNLL-U file to tag")
    parser.add_argument("--out", type=Path, required=True, help="where the tagged CoNLL-U goes")
    args = parser.parse_args(argv)
    try:
        tagger = TrainedTagger.load(args.model)
        sentences = read_conllu(args.conllu)
        write_tagged(args.conllu, args.out, tagger.tag(sentences))
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
