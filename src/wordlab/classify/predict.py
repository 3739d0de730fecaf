"""A trained classifier applied to a user's own sentences: one sentence per line in, a label per line out.

    python -m wordlab.classify.predict models/classify/glove/bilstm/classifier.binary.pt reviews.txt [--out FILE]

Each line is read as whitespace-separated tokens (SST's own tokenisation splits punctuation and clitics, as in
``does n't``: tokenise alike for the best results). The output is a TSV, ``label``, ``probability`` and the
sentence, line for line; an empty line is refused with its file and line number, since it has nothing to classify.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from wordlab.classify.trained import TrainedClassifier
from wordlab.data.readers.text import read_token_lines
from wordlab.io import atomic_path


def classify_lines(model: TrainedClassifier, sentences: Sequence[Sequence[str]], progress: bool = False) -> list[str]:
    """``label<TAB>probability<TAB>sentence`` per sentence."""
    probabilities = model.probabilities(sentences, progress=progress)
    best = probabilities.argmax(axis=1)
    return [f"{model.label_names[k]}\t{probabilities[i, k]:.6f}\t{' '.join(sentences[i])}" for i, k in enumerate(best)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path, help="a classifier.<task>.pt file of a train_classifier stage")
    parser.add_argument("sentences", type=Path, help="one sentence per line, tokens separated by spaces")
    parser.add_argument("--out", type=Path, help="write the TSV here (default: standard output)")
    args = parser.parse_args(argv)
    try:
        model = TrainedClassifier.load(args.model)
        lines = classify_lines(model, read_token_lines(args.sentences), progress=True)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    text = "label\tprobability\tsentence\n" + "\n".join(lines) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        with atomic_path(args.out) as tmp:
            tmp.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
