"""Google analogies against the published question and section counts, and malformed lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from wordlab.data.errors import DataFormatError
from wordlab.data.readers.analogy import AnalogyQuestion, read_analogies
from wordlab.data.registry import DATASETS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "data"


@pytest.fixture(scope="session")
def questions(data_dir: Path) -> list[AnalogyQuestion]:
    return read_analogies(data_dir / DATASETS["google_analogies"].files["questions"].relpath)


def test_counts_match_published(questions: list[AnalogyQuestion]) -> None:
    expected = DATASETS["google_analogies"].counts["questions"]
    sections = {q.section: q.semantic for q in questions}

    assert len(questions) == expected["questions"]
    assert len(sections) == expected["sections"]
    assert sum(sections.values()) == expected["semantic_sections"]
    assert len(sections) - sum(sections.values()) == 9  # Mikolov et al. (2013): nine syntactic categories


def test_sections_are_kept_in_file_order_with_their_questions(questions: list[AnalogyQuestion]) -> None:
    # The paper's first semantic and last syntactic categories, and the first question of the file.
    assert questions[0] == AnalogyQuestion("capital-common-countries", True, "Athens", "Greece", "Baghdad", "Iraq")
    assert questions[0].words == ("Athens", "Greece", "Baghdad", "Iraq")
    assert questions[-1].section == "gram9-plural-verbs"
    assert not questions[-1].semantic
    order = list(dict.fromkeys(q.section for q in questions))
    assert all(not s.startswith("gram") for s in order[:5])
    assert all(s.startswith("gram") for s in order[5:])


def _line_of(path: Path, marker: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if line.strip() == marker)


@pytest.mark.parametrize(
    ("fixture", "marker", "problem"),
    [
        ("analogy_three_words.txt", "Athens Greece Bangkok", "4 words"),
        ("analogy_no_section.txt", "Athens Greece Baghdad Iraq", "before the first"),
    ],
)
def test_malformed_line_names_file_and_line(fixture: str, marker: str, problem: str) -> None:
    path = FIXTURES / fixture

    with pytest.raises(DataFormatError) as caught:
        read_analogies(path)

    assert (caught.value.path, caught.value.line) == (path, _line_of(path, marker))
    assert problem in str(caught.value)
