"""LAS, UAS and UPOS accuracy of a parsed CoNLL-U file against the gold one by udapi's ``eval.Conll18`` block.

udapi (from the package registry) reimplements the CoNLL 2018 shared task's official scorer: words aligned by
form, punctuation counted, relations compared without subtypes. It is the independent scorer the parser benchmark
and the parser's tests hold wordlab's own scoring against.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path


def conll18_scores(gold: Path, predicted: Path) -> dict[str, float]:
    """``uas``, ``las`` and ``upos`` (F1, as fractions; with gold tokenisation they equal the accuracies) and
    ``words``."""
    from udapi.block.eval.conll18 import Conll18
    from udapi.block.read.conllu import Conllu
    from udapi.core.document import Document

    document = Document()
    Conllu(files=str(gold), zone="gold").apply_on_document(document)
    Conllu(files=str(predicted), zone="pred", ignore_sent_id=True).apply_on_document(document)
    scorer = Conll18(gold_zone="gold", print_results=False)
    with contextlib.redirect_stdout(io.StringIO()):
        scorer.apply_on_document(document)
    count = scorer.total_count
    if count["gold"] != count["pred"] or count["Words"] != count["gold"]:
        raise ValueError(f"{predicted}: words do not align with {gold} ({count['pred']} vs {count['gold']})")
    both = count["pred"] + count["gold"]
    return {
        "uas": 2 * count["UAS"] / both,
        "las": 2 * count["LAS"] / both,
        "upos": 2 * count["UPOS"] / both,
        "words": float(count["gold"]),
    }
