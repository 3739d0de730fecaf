"""The one error every reader raises on bad input.

A data file that breaks its format must stop the run with the place to look: which file, which line, what is
wrong. Subclassing ValueError keeps ``except ValueError`` callers working.
"""

from __future__ import annotations

from pathlib import Path


class DataFormatError(ValueError):
    """``path:line: problem`` for a line of a data file that breaks its format (``line`` is 1-based)."""

    def __init__(self, path: str | Path, line: int, problem: str) -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        super().__init__(f"{self.path}:{line}: {problem}")

    def __reduce__(self) -> tuple[type[DataFormatError], tuple[Path, int, str]]:
        # The default reduce would replay __init__ with the formatted message only; worker processes
        # (DataLoader, datasets.map with num_proc) pickle exceptions back to the parent.
        return (type(self), (self.path, self.line, self.problem))
