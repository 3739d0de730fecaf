"""The Google word-analogy questions (Mikolov et al. 2013): ``a b c d`` asks for ``d`` in ``a : b :: c : ?``.

Results are reported per section and split into semantic and syntactic accuracy; the file marks the syntactic
sections only by their ``gram`` name prefix, so the split is decided here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wordlab.data.errors import DataFormatError
from wordlab.data.readers.lines import iter_lines


@dataclass(frozen=True, slots=True)
class AnalogyQuestion:
    section: str
    semantic: bool
    a: str
    b: str
    c: str
    d: str

    @property
    def words(self) -> tuple[str, str, str, str]:
        return (self.a, self.b, self.c, self.d)


def is_semantic(section: str) -> bool:
    """Mikolov et al. name the syntactic sections ``gram1-...`` to ``gram9-...``; the others are semantic."""
    return not section.startswith("gram")


def read_analogies(path: Path) -> list[AnalogyQuestion]:
    """Every question in file order, each carrying its section; words keep the file's case.

    A file without questions is refused: an accuracy over no questions is no result, and a truncated download
    should stop the run where the file is named.
    """
    path = Path(path)
    questions: list[AnalogyQuestion] = []
    section: str | None = None
    for line_number, line in iter_lines(path):
        if not line.strip():
            continue
        if line.startswith(":"):
            section = line[1:].strip()
            if not section or len(section.split()) != 1:
                raise DataFormatError(path, line_number, f"section header must be ': name', found {line.strip()!r}")
            continue
        words = line.split()
        if len(words) != 4:
            raise DataFormatError(path, line_number, f"expected 4 words, found {len(words)}: {line.strip()!r}")
        if section is None:
            raise DataFormatError(path, line_number, "question before the first ': section' header")
        questions.append(AnalogyQuestion(section, is_semantic(section), *words))
    if not questions:
        raise DataFormatError(path, 1, "no analogy questions in the file (only section headers and blank lines)")
    return questions
