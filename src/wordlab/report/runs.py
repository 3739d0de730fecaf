"""The report's MLflow child runs: one per compared row, so the dashboard shows methods side by side."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import pandas as pd

from wordlab.tracking import StageRun, flatten, log_child_run


def log_method_runs(
    run: StageRun, table: pd.DataFrame, method_configs: Mapping[str, Any], tags: Mapping[str, str]
) -> list[str]:
    """One child run per embedding method (row of ``table``): its config as params, its metrics, comparable.

    ``method_configs`` maps each method to its plain config entry; ``tags`` are the report run's provenance tags,
    copied to every child (all but ``dvc.stage``, which names the report's own stage).
    """
    children = []
    for method, row in table.iterrows():
        params = flatten(method_configs[str(method)], prefix=f"embedding.{method}.")
        # The keys are the table's column names (metric names). NaN: metric absent.
        metrics = cast(dict[str, float], {key: float(value) for key, value in row.items() if value == value})
        child_tags = {"embedding.method": str(method), "wordlab.report_run": run.run_id}
        child_tags.update({k: v for k, v in tags.items() if k != "dvc.stage"})
        children.append(log_child_run(run, f"method:{method}", params, metrics, child_tags))
    return children
