"""The learning-curve file format, readable and writable without Lightning (see :mod:`wordlab.nn.curves`).

Tab-separated, header ``step<TAB>epoch<TAB>loss``, one fully populated row per point, floats written with
``repr`` so that they read back to the same bits.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from wordlab.io import atomic_path

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ("step", "epoch", "loss")
TRAIN_FILE = "train.tsv"
TRAIN_EPOCH_FILE = "train_epoch.tsv"
VAL_FILE = "val.tsv"

Row = tuple[int, int, float]


def write_curve(path: Path, rows: Sequence[Row]) -> None:
    """Write one curve file atomically, header first, ``repr`` floats so values round-trip exactly."""
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as out:
        out.write("\t".join(COLUMNS) + "\n")
        for step, epoch, loss in rows:
            out.write(f"{int(step)}\t{int(epoch)}\t{float(loss)!r}\n")  # numpy scalars would repr as np.float64(...)


def read_curve(path: str | Path) -> pd.DataFrame:
    """One curve file as a pandas DataFrame (columns step, epoch, loss)."""
    import pandas as pd

    return pd.read_csv(path, sep="\t")
