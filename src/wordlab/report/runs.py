"""The report's MLflow child runs: one per compared row, so the dashboard shows methods side by side."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import pandas as pd

from wordlab.tracking import StageRun, flatten, log_child_run


def log_method_runs(
    run: StageRun,
    table: pd.DataFrame,
    overview: pd.DataFrame,
    method_configs: Mapping[str, Any],
    tags: Mapping[str, str],
) -> list[str]:
    """One child run per row of the overview (each embedding method, then random initialisation), so that the
    dashboard's compare view sets them side by side across tasks.

    A method's run has its config as params, every metric of its row of ``table`` and the overview's figures as
    ``overview.<key>``; the random row's run has the overview's figures alone. ``tags`` are the report run's
    provenance tags, copied to every child (all but ``dvc.stage``, which names the report's own stage).
    """
    children = []
    for row, figures in overview.iterrows():
        method = str(row)
        metrics = {f"overview.{key}": float(value) for key, value in figures.items() if value == value}  # NaN: absent
        params: dict[str, str] = {}
        if method in table.index:
            params = flatten(method_configs[method], prefix=f"embedding.{method}.")
            every_metric = cast(dict[str, float], table.loc[method].to_dict())
            metrics.update({key: float(value) for key, value in every_metric.items() if value == value})
        name = method if method in table.index else "random"
        child_tags = {"embedding.method": name, "wordlab.report_run": run.run_id}
        child_tags.update({k: v for k, v in tags.items() if k != "dvc.stage"})
        children.append(log_child_run(run, f"method:{name}", params, cast(dict[str, float], metrics), child_tags))
    return children
