"""Entity-level precision, recall and F1 as the CoNLL-2003 shared task defines them, through seqeval.

An entity counts only when its type and both boundaries are right. seqeval's ``mode="strict"`` does that only
together with ``scheme=IOB2``: without a scheme it silently falls back to its lenient default, which (among other
things) accepts an entity opened by ``I-X`` after ``O``, a sequence strict IOB2 declares invalid. Tags must be
IOB2 on both sides, as the reader and the dataset produce them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

ENTITY_TYPES = ("PER", "ORG", "LOC", "MISC")
_OVERALL = "micro avg"


def entity_scores(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> dict[str, float]:
    """Flat ``precision``/``recall``/``f1`` overall, ``<TYPE>.<statistic>`` per type (with ``support``).

    Every CoNLL-2003 type is reported, 0 when it occurs in neither sequence set, so the keys never depend on the
    data; F1 is in [0, 1].
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold sentences but {len(predicted)} predicted")
    for i, (g, p) in enumerate(zip(gold, predicted, strict=True)):
        if len(g) != len(p):
            raise ValueError(f"sentence {i}: {len(g)} gold tags but {len(p)} predicted")
    with warnings.catch_warnings():
        # Without any entity seqeval's macro average is a mean of nothing; the micro average used here is 0.
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        report = classification_report(
            [list(s) for s in gold],
            [list(s) for s in predicted],
            mode="strict",
            scheme=IOB2,
            output_dict=True,
            zero_division=0,
        )
    metrics: dict[str, float] = {}
    overall = report.get(_OVERALL, {"precision": 0.0, "recall": 0.0, "f1-score": 0.0})
    metrics.update(
        precision=float(overall["precision"]), recall=float(overall["recall"]), f1=float(overall["f1-score"])
    )
    types = list(ENTITY_TYPES) + sorted(k for k in report if k not in ENTITY_TYPES and not k.endswith(" avg"))
    for kind in types:
        row = report.get(kind, {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 0})
        metrics[f"{kind}.precision"] = float(row["precision"])
        metrics[f"{kind}.recall"] = float(row["recall"])
        metrics[f"{kind}.f1"] = float(row["f1-score"])
        metrics[f"{kind}.support"] = float(row["support"])
    return metrics
