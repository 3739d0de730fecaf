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
from wordlab.data.errors import DataFormatError
from wordlab.data.readers.lines import iter_lines
from wordlab.io import atomic_path


def read_sentences(path: Path) -> list[list[str]]:
    sentences = []
    for line_number, line in iter_lines(path):
        tokens = line.split()
        if not tokens:
            raise DataFormatError(path, line_number, "an empty line: one sentence per line is expected")
        sentences.append(tokens)
    if not sentences:
        raise DataFormatError(path, 1, "no sentences in the file")
    return sentences


def classify_lines(model: TrainedClassifier, sentences: Sequence[Sequence[str]]) -> list[str]:
    """``label<TAB>probability<TAB>sentence`` per sentence."""
    probabilities = model.probabilities(sentences)
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
        lines = classify_lines(model, read_sentences(args.sentences))
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
