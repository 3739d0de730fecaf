"""Accuracy and the confusion matrix of predicted labels against gold ones (class indices)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def accuracy(gold: Sequence[int], predicted: Sequence[int]) -> float:
    if len(gold) != len(predicted) or not gold:
        raise ValueError(f"accuracy needs as many predictions as gold labels (> 0), got {len(predicted)}, {len(gold)}")
    return float(np.mean(np.asarray(gold) == np.asarray(predicted)))


def confusion(gold: Sequence[int], predicted: Sequence[int], num_classes: int) -> np.ndarray:
    """Counts (num_classes, num_classes): row the gold class, column the predicted one."""
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(gold, dtype=np.int64), np.asarray(predicted, dtype=np.int64)), 1)
    return counts
