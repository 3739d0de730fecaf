"""A task entry as ``experiment=paper`` composes it from ``conf/``: what ``dvc exp run -S experiment=paper`` trains.

The benchmarks train this, not the schema dataclass's defaults, so that a figure in the README is the figure of the
configuration a user runs (the two differ, for one, in the optimizer node: ``conf/`` gives the tagger fused Adam).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from wordlab.config import compose

PROJECT = Path(__file__).resolve().parents[1]


def paper_entry(group: str, name: str, **changes: Any) -> dict[str, Any]:
    """``<group>.<name>`` of the full-size configuration as plain data, with ``changes`` laid over it."""
    composed = yaml.safe_load(compose(PROJECT / "conf", ["experiment=paper", f"{group}=[{name}]"]))
    return {**composed[group][name], **changes}
