"""Session fixtures: the real question and similarity files, and the vectors evaluated on them."""

from __future__ import annotations

from pathlib import Path

import pytest
from evaluation_vectors import Embeddings, plant_analogies, train_on_wikitext

from wordlab.data.readers.analogy import AnalogyQuestion, read_analogies
from wordlab.data.registry import DATASETS


@pytest.fixture(scope="session")
def analogy_path(data_dir: Path) -> Path:
    return data_dir / DATASETS["google_analogies"].files["questions"].relpath


@pytest.fixture(scope="session")
def analogy_questions(analogy_path: Path) -> list[AnalogyQuestion]:
    return read_analogies(analogy_path)


@pytest.fixture(scope="session")
def similarity_paths(data_dir: Path) -> dict[str, Path]:
    return {name: data_dir / DATASETS[name].files["pairs"].relpath for name in ("wordsim353", "simlex999")}


@pytest.fixture(scope="session")
def trained_vectors(data_dir: Path) -> Embeddings:
    return train_on_wikitext(data_dir / DATASETS["wikitext2"].files["train"].relpath)


@pytest.fixture(scope="session")
def planted_vectors(analogy_questions: list[AnalogyQuestion]) -> Embeddings:
    return plant_analogies(analogy_questions)
