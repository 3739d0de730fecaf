"""What every language-model stage writes beside its model, whichever kind of model it trained.

Shared by the n-gram and the neural runs, so that the report reads one layout: ``metrics.json`` (what the config
and seed determine, with the definition of perplexity stated in it), ``timings.json`` (what varies from run to
run) and the model file under :data:`MODEL_FILE`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from wordlab.io import write_json_atomic
from wordlab.tracking import StageRun

log = logging.getLogger(__name__)

MODEL_FILE = "model.pt"
TIMINGS_FILE = "timings.json"
PERPLEXITY_DEFINITION = (
    "exp of the mean negative log-likelihood per predicted token over the whole split, <eos> included "
    "(PyTorch word_language_model's evaluate)"
)


def write_results(
    name: str, out_dir: Path, metrics: dict[str, Any], timings: dict[str, float], run: StageRun | None
) -> None:
    """Write the metrics and timings files (atomically), log the perplexities and send both to MLflow."""
    metrics[f"lm.{name}.perplexity"] = PERPLEXITY_DEFINITION  # the metrics file says what its figures are
    write_json_atomic(Path(out_dir) / "metrics.json", metrics)
    write_json_atomic(Path(out_dir) / TIMINGS_FILE, timings)
    log.info(
        "lm.%s: valid perplexity %.2f, test %.2f (%s)",
        name, metrics[f"lm.{name}.valid.ppl"], metrics[f"lm.{name}.test.ppl"],
        ", ".join(f"{key.rsplit('.', 1)[-1]} {value:.1f}" for key, value in timings.items()),
    )  # fmt: skip
    if run is not None:
        run.log_metrics({key: value for key, value in metrics.items() if isinstance(value, float)} | timings)
