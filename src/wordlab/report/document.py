"""The report as a person reads it, ``reports/comparison.md``: what the run was, the cross-task overview (see
:mod:`wordlab.report.overview`), then one section per task. The sections are also written alone
(``parser.md``, ...) for readers of one task.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from wordlab.io import atomic_path


def write_document(
    out_dir: Path, run_name: str, description: str, overview: str, note: str, sections: Sequence[str]
) -> None:
    about = f"Experiment `{run_name}`" + (f": {description.strip()}" if description.strip() else ".")
    parts = [
        "# wordlab: which word vectors help which task\n",
        about + "\n",
        overview + "\n",
        note + "\n",
        *[section.rstrip("\n") + "\n" for section in sections],
    ]
    with atomic_path(out_dir / "comparison.md") as tmp:
        tmp.write_text("\n".join(parts), encoding="utf-8")
