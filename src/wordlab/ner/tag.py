"""A trained NER tagger applied to a user's own CoNLL-2003-format file.

    python -m wordlab.ner.tag models/ner/glove/window/tagger.pt input.conll --out tagged.conll

The input is read as the shared task wrote it (``token POS chunk NER``, single spaces, ``-DOCSTART-`` lines
optional; an unannotated file may put ``O`` in the NER column). The output is what conlleval and seqeval read:
``token gold predicted`` per token, a blank line after each sentence, tags in IOB2. The file's own NER column
is the gold one, and the entity-level scores against it are printed (meaningless, and said so, when the column
holds no entity). Bad input stops with the file, line and problem, and writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from wordlab.data.readers.conll2003 import iter_conll2003
from wordlab.ner.predictions import write_predictions
from wordlab.ner.scoring import entity_scores
from wordlab.ner.trained import TrainedNer


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path, help="a tagger.pt file of an evaluate_ner stage")
    parser.add_argument("conll", type=Path, help="the CoNLL-2003-format file to tag")
    parser.add_argument("--out", type=Path, required=True, help="where the 'token gold predicted' file goes")
    args = parser.parse_args(argv)
    try:
        tagger = TrainedNer.load(args.model)
        sentences = [s for document in iter_conll2003(args.conll, scheme="iob2") for s in document.sentences]
        tokens = [list(s.tokens) for s in sentences]
        gold = [list(s.ner_tags) for s in sentences]
        predicted = tagger.tag(tokens, progress=True)
        write_predictions(args.out, tokens, gold, predicted)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    words = sum(len(t) for t in tokens)
    print(f"{len(sentences)} sentences, {words} tokens tagged into {args.out}", file=sys.stderr)
    if any(tag != "O" for tags in gold for tag in tags):
        scores = entity_scores(gold, predicted)
        print(
            f"against the file's NER column: F1 {100 * scores['f1']:.2f}, precision {100 * scores['precision']:.2f}, "
            f"recall {100 * scores['recall']:.2f}",
            file=sys.stderr,
        )
    else:
        print("the file's NER column holds no entity: no score", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
