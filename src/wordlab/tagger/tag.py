"""A trained UPOS tagger applied to a user's own text: a CoNLL-U file, or tokenised text, one sentence per line.

    python -m wordlab.tagger.tag models/tagger/glove/bilstm/tagger.pt input.conllu --out tagged.conllu
    python -m wordlab.tagger.tag models/tagger/glove/bilstm/tagger.pt sentences.txt --tokenised --out tagged.conllu

From CoNLL-U only the FORM column is read (an untagged file may hold ``_`` for UPOS); every other column, comment,
multiword token and empty node is written back as it was, so the output can go straight to
``python -m wordlab.parser.parse``. Tokenised text (tokens separated by spaces, as UD splits them: ``does n't``)
becomes a CoNLL-U file of ID, FORM and the predicted UPOS, the other columns ``_``; the parser needs heads only in
the file it scores, so this too is its input. Bad input stops with the file, line and problem, and writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from conllu.models import Metadata, Token, TokenList

from wordlab.data.readers.conllu_reader import read_conllu
from wordlab.data.readers.text import read_token_lines
from wordlab.io import atomic_path
from wordlab.tagger.output import write_tagged
from wordlab.tagger.run import TrainedTagger


def conllu_of_tokens(sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]]) -> str:
    """A CoNLL-U text of ID, FORM and UPOS per token, every other column ``_``, serialised by ``conllu``."""
    blocks = []
    for tokens, upos in zip(sentences, tags, strict=True):
        words = [
            Token(id=i, form=form, lemma=None, upos=tag, xpos=None, feats=None, head=None, deprel=None, deps=None,
                  misc=None)
            for i, (form, tag) in enumerate(zip(tokens, upos, strict=True), 1)
        ]  # fmt: skip
        blocks.append(TokenList(words, metadata=Metadata(text=" ".join(tokens))).serialize())
    return "".join(blocks)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path, help="a tagger.pt file of a train_tagger stage")
    parser.add_argument("input", type=Path, help="the CoNLL-U file (or, with --tokenised, the text) to tag")
    parser.add_argument("--out", type=Path, required=True, help="where the tagged CoNLL-U goes")
    parser.add_argument(
        "--tokenised", action="store_true", help="the input is one sentence per line, tokens separated by spaces"
    )
    args = parser.parse_args(argv)
    try:
        tagger = TrainedTagger.load(args.model)
        if args.tokenised:
            sentences = read_token_lines(args.input)
            text = conllu_of_tokens(sentences, tagger.tag_tokens(sentences, progress=True))
            with atomic_path(args.out) as tmp:
                tmp.write_text(text, encoding="utf-8")
        else:
            write_tagged(args.input, args.out, tagger.tag(read_conllu(args.input), progress=True))
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
