"""The MLflow dashboard as a person meets it: `mlflow ui` over a smoke pipeline's store, read in a real browser.

Debian's chromium, driven through its chromedriver by selenium, opens the URL the README gives and the compare page
of the report's method runs; what the test reads is the page's rendered text, so a column MLflow leaves empty or a
metric it does not show fails here even when the store holds it. Slow: it runs the smoke pipeline first.

    apt-get install chromium chromium-driver   # once
    .venv/bin/python -m pytest -m slow tests/test_dashboard.py
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from mlflow import MlflowClient

from test_pipeline import _select_methods, dvc

pytestmark = pytest.mark.slow

# The README's dashboard URL, after its host and port: the runs table of the wordlab experiment, in MLflow's
# "model training" view (MLflow 3 otherwise opens on its GenAI overview of traces, empty for wordlab).
RUNS_PAGE = "#/experiments/{experiment}/runs?workflowType=machine_learning"
STAGE_RUNS = ("prepare_corpus", "embeddings@glove", "ner@glove", "parser@glove", "tagger@glove", "classifier@glove",
              "lm@kneser_ney", "lm_vectors@glove", "report")  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def dashboard(repo_copy: Path) -> Iterator[tuple[str, MlflowClient, Path]]:
    """The base URL of `mlflow ui` over a finished smoke pipeline (GloVe alone), its client, and the repo."""
    _select_methods(repo_copy, ["glove"])
    dvc("repro")
    port = _free_port()
    store = f"sqlite:///{repo_copy / 'mlflow.db'}"
    log = (repo_copy / "mlflow-ui.log").open("w")
    command = [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", store, "--host", "127.0.0.1",
               "--port", str(port)]  # fmt: skip
    server = subprocess.Popen(command, cwd=repo_copy, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "health", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((repo_copy / "mlflow-ui.log").read_text()) from None
                time.sleep(0.5)
        yield base, MlflowClient(store), repo_copy
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.fail("the dashboard test needs Debian's browser and driver: apt-get install chromium chromium-driver")
    options = Options()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1600,900"):  # fmt: skip
        options.add_argument(argument)
    session = webdriver.Chrome(service=Service(driver), options=options)
    try:
        yield session
    finally:
        session.quit()


def _wait_for_text(browser: object, wanted: list[str], seconds: float = 60) -> str:
    """The page's visible text once every string of ``wanted`` is in it (the pages render after their requests)."""
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + seconds
    while True:
        text = browser.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
        missing = [w for w in wanted if w not in text]
        if not missing:
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"not shown after {seconds} s: {missing}\n--- the page showed:\n{text}")
        time.sleep(0.5)


def _metric_rows(browser: object) -> dict[str, list[str]]:
    """The compare page's metrics table as {metric: shown values, one per run column, left to right}.

    MLflow renders it as two virtualised grids, keys and values, that draw only the rows in view: each grid is
    scrolled through and its cells collected by position; a key and its values share their offset from the top."""
    cells = browser.execute_async_script(  # type: ignore[attr-defined]
        """
        const done = arguments[arguments.length - 1];
        (async () => {
          const grids = [...document.querySelectorAll('.ReactVirtualized__Grid')];
          const found = [];
          for (const [g, grid] of grids.entries()) {
            for (let top = 0; top <= grid.scrollHeight; top += grid.clientHeight / 2) {
              grid.scrollTop = top;
              await new Promise(r => setTimeout(r, 80));
              for (const cell of grid.querySelectorAll('.ReactVirtualized__Grid__innerScrollContainer > *')) {
                found.push([g, cell.style.top, parseFloat(cell.style.left), cell.innerText.trim()]);
              }
            }
          }
          done(found);
        })();
        """
    )
    by_grid: dict[int, dict[str, dict[float, str]]] = {}
    for grid, top, left, text in cells:
        by_grid.setdefault(grid, {}).setdefault(top, {})[left] = text
    metric_grids = [
        g for g, rows in by_grid.items() if any(v.startswith("overview.") for r in rows.values() for v in r.values())
    ]
    assert len(metric_grids) == 1, f"expected one grid of metric names, found {len(metric_grids)}"
    (keys,) = [by_grid.pop(g) for g in metric_grids]
    (values,) = [rows for rows in by_grid.values() if set(rows) >= set(keys)][:1] or [{}]
    table: dict[str, list[str]] = {}
    for top, key_cells in keys.items():
        shown = values.get(top, {})
        table[min(key_cells.values(), key=len)] = [shown[left] for left in sorted(shown)]
    return table


def test_the_readme_url_shows_the_runs_table_and_the_compare_page_every_method_with_its_headline_figures(
    dashboard: tuple[str, MlflowClient, Path], browser: object
) -> None:
    base, client, repo = dashboard
    experiment = client.get_experiment_by_name("wordlab")
    browser.get(base + RUNS_PAGE.format(experiment=experiment.experiment_id))  # type: ignore[attr-defined]
    runs_page = _wait_for_text(browser, ["Runs", *STAGE_RUNS])
    assert "Token Usage" not in runs_page  # not the GenAI overview
    # The Dataset and Source columns are filled: a dataset with its digest, the stage script that ran.
    (ner_run,) = client.search_runs([experiment.experiment_id], "tags.`dvc.stage` = 'evaluate_ner@glove'")
    ner_input = ner_run.inputs.dataset_inputs[0].dataset
    assert f"{ner_input.name} ({ner_input.digest})" in runs_page
    assert "evaluate_ner.py" in runs_page and "train_parser.py" in runs_page
    browser.save_screenshot(str(repo / "reports" / "dashboard-runs.png"))  # type: ignore[attr-defined]

    report = client.search_runs(
        [experiment.experiment_id], "tags.`dvc.stage` = 'report'", order_by=["attributes.start_time DESC"]
    )[0]
    methods = client.search_runs([experiment.experiment_id], f"tags.`mlflow.parentRunId` = '{report.info.run_id}'")
    assert sorted(r.info.run_name for r in methods) == ["method:glove", "method:random"]
    ids = json.dumps([r.info.run_id for r in methods])
    browser.get(f"{base}#/compare-runs?runs={ids}&experiments={json.dumps([experiment.experiment_id])}")  # type: ignore[attr-defined]
    compare_page = _wait_for_text(browser, ["Comparing 2 Runs", "method:glove", "method:random"])
    browser.save_screenshot(str(repo / "reports" / "dashboard-compare.png"))  # type: ignore[attr-defined]
    columns = [name for name in compare_page.split("Run Name:", 1)[1].split() if name.startswith("method:")][:2]
    rows = _metric_rows(browser)
    headline = {key for r in methods for key in r.data.metrics if key.startswith("overview.")}
    assert len(headline) >= 8  # analogies, similarity, NER, UPOS, LAS (2), perplexity, SST (2)
    for key in sorted(headline):
        assert key in rows, f"{key} is not on the compare page"
        for column, shown in zip(columns, rows[key], strict=True):
            (run,) = [r for r in methods if r.info.run_name == column]
            stored = run.data.metrics.get(key)
            if stored is None:
                assert shown in ("", "-", "NaN"), (key, column, shown)
            else:
                assert float(shown) == pytest.approx(stored, rel=1e-4, abs=0.01), (key, column, shown)
