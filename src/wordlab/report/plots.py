"""The report's plots: learning curves, and 2-D PCA of word groups whose geometry the course discusses.

PCA is one SVD of a few dozen centred vectors, so numpy does it; scikit-learn would be a dependency for one line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from wordlab.io import atomic_path

# Word groups whose geometry the course discusses: country -> capital offsets, and verb tenses.
WORD_GROUPS: dict[str, list[tuple[str, ...]]] = {
    "countries and capitals": [
        ("france", "paris"),
        ("germany", "berlin"),
        ("italy", "rome"),
        ("spain", "madrid"),
        ("russia", "moscow"),
        ("japan", "tokyo"),
        ("china", "beijing"),
        ("egypt", "cairo"),
    ],
    "verb tenses": [
        ("walk", "walked", "walking"),
        ("go", "went", "going"),
        ("take", "took", "taking"),
        ("write", "wrote", "writing"),
        ("see", "saw", "seeing"),
        ("play", "played", "playing"),
    ],
}


def plot_learning_curves(curves: Mapping[str, pd.DataFrame], path: Path, title: str) -> None:
    """One line per curve (label -> frame with step and loss columns)."""
    figure, axis = plt.subplots(figsize=(7, 4))
    for label, frame in curves.items():
        axis.plot(frame["step"], frame["loss"], label=label)
    axis.set(xlabel="step", ylabel="loss", title=title)
    axis.legend()
    _save(figure, path)


def pca_2d(matrix: np.ndarray) -> np.ndarray:
    centred = matrix - matrix.mean(axis=0, keepdims=True)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    return centred @ components[:2].T


def plot_word_groups(words: Sequence[str], vectors: np.ndarray, path: Path, title: str) -> list[str]:
    """2-D PCA of each word group (one panel per group); returns the words that were missing."""
    index: dict[str, int] = {}
    for row, word in enumerate(words):
        index.setdefault(word.lower(), row)
    figure, axes = plt.subplots(1, len(WORD_GROUPS), figsize=(6 * len(WORD_GROUPS), 5))
    missing: list[str] = []
    for axis, (group, tuples) in zip(np.atleast_1d(axes), WORD_GROUPS.items(), strict=True):
        present = [t for t in tuples if all(w in index for w in t)]
        missing += [w for t in tuples for w in t if w not in index]
        axis.set_title(f"{title}: {group}")
        if len(present) < 2:
            axis.text(0.5, 0.5, "too few words in the vocabulary", ha="center", transform=axis.transAxes)
            continue
        flat = [w for t in present for w in t]
        points = pca_2d(np.asarray([vectors[index[w]] for w in flat], dtype=np.float64))
        for position, word in zip(points, flat, strict=True):
            axis.scatter(*position, s=12)
            axis.annotate(word, position, fontsize=8)
        cursor = 0
        for t in present:
            segment = points[cursor : cursor + len(t)]
            axis.plot(segment[:, 0], segment[:, 1], linewidth=0.8, alpha=0.6)
            cursor += len(t)
    _save(figure, path)
    return missing


def _save(figure: plt.Figure, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=110)
    plt.close(figure)
