"""Stages run as a user runs them, on hand-made bad configurations and inputs: each fails at start-up with one
message (file, line, problem, what to do) and its own exit code, writes nothing outside the project, and opens no
MLflow run for work it never started."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from wordlab import config
from wordlab.stage import EXIT_BAD_DATA, EXIT_CONFIG, EXIT_MISSING_DATA

PROJECT = Path(__file__).resolve().parents[2]
# Names that must never become part of a path: parent steps, absolute paths, separators, hidden names.
ESCAPING_NAMES = ["..", "../../../../ESCAPED", "/tmp/ESCAPED", "a/b", "a\\b", ".hidden", "a b"]


@pytest.fixture()
def project(tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder deep inside tmp_path (so that ``..`` steps stay in it) holding the smoke configuration."""
    root = tmp_path / "a" / "b" / "c" / "d" / "project"
    root.mkdir(parents=True)
    (root / "params.yaml").write_text(config.compose(PROJECT / "conf", ["experiment=smoke"]), encoding="utf-8")
    monkeypatch.setenv("WORDLAB_DATA_DIR", str(data_dir))
    monkeypatch.delenv("WORDLAB_DEBUG", raising=False)
    return root


def _edit(root: Path, edit: dict) -> Path:
    path = root / "params.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    for dotted, value in edit.items():
        *parents, leaf = dotted.split("|")  # '|' separates keys, since names under test may hold dots
        node = params
        for key in parents:
            node = node[key]
        node[leaf] = value
    path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    return path


def _stage(root: Path, script: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(PROJECT / "pipelines" / script), "--params", "params.yaml", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def _one_clean_message(done: subprocess.CompletedProcess, code: int, *needles: str) -> None:
    assert done.returncode == code, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, done.stderr[-3000:]
    assert "what to do:" in done.stderr
    for needle in needles:
        assert needle in done.stderr, (needle, done.stderr[-3000:])


def _runs(root: Path) -> list[tuple[str, str]]:
    database = root / "mlflow.db"
    if not database.exists():
        return []
    with sqlite3.connect(database) as connection:
        return list(connection.execute("select name, status from runs"))


@pytest.mark.parametrize("name", ESCAPING_NAMES)
def test_an_entry_or_split_name_that_would_escape_is_refused_when_the_config_loads(project: Path, name: str) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    edits = [
        {"ner": {**params["ner"], name: params["ner"]["window"]}},
        {"embedding": {**params["embedding"], name: params["embedding"]["skipgram"]}},
        {"corpus|splits": ["train", name]},
    ]
    for edit in edits:
        path = _edit(project, edit)
        with pytest.raises(config.ConfigError, match="not a safe name"):
            config.load(path)
        (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def test_a_tagger_named_to_escape_writes_nothing_anywhere_and_opens_no_run(project: Path, tmp_path: Path) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    _edit(project, {"ner": {"../../../../ESCAPED": params["ner"]["window"]}})
    vectors = project / "models" / "embeddings" / "skipgram"
    vectors.mkdir(parents=True)
    before = sorted(tmp_path.rglob("*"))
    done = _stage(
        project, "evaluate_ner.py", "--method", "skipgram", "--vectors", str(vectors.relative_to(project)),
        "--out", "models/ner/skipgram", "--metrics", "metrics/ner/skipgram.json", "--curves", "curves/ner/skipgram",
    )  # fmt: skip
    _one_clean_message(done, EXIT_CONFIG, "../../../../ESCAPED", "not a safe name", "params.yaml:")
    assert sorted(tmp_path.rglob("*")) == before
    assert not (project / "mlflow.db").exists()


@pytest.mark.parametrize("method", ["..", "../x", "/tmp/x", "a/b"])
def test_a_stage_method_that_would_escape_is_refused(project: Path, method: str) -> None:
    done = _stage(
        project, "train_embeddings.py", "--method", method, "--input", "data/prepared", "--out", "models/x",
        "--metrics", "metrics/x.json", "--curves", "curves/x",
    )  # fmt: skip
    _one_clean_message(done, EXIT_CONFIG, "not a safe name")
    assert not (project / "mlflow.db").exists()


@pytest.mark.parametrize("out", ["../outside", "/tmp/wordlab-outside-{pid}", "data/../../outside"])
def test_an_output_outside_the_project_is_refused_before_anything_is_written(project: Path, out: str) -> None:
    out = out.format(pid=os.getpid())
    done = _stage(project, "prepare_corpus.py", "--out", out, "--metrics", "metrics/corpus_stats.json")
    _one_clean_message(done, EXIT_CONFIG, "outside the project")
    assert not (project / out).resolve().exists()
    assert not (project / "metrics").exists() and not (project / "mlflow.db").exists()


def test_a_missing_input_is_named_with_what_to_do_and_opens_no_run(project: Path) -> None:
    done = _stage(
        project, "count_cooccurrence.py", "--corpus", "data/prepared", "--out", "data/cooccurrence",
        "--metrics", "metrics/cooccurrence_stats.json",
    )  # fmt: skip
    _one_clean_message(done, EXIT_MISSING_DATA, "data/prepared", "does not exist", "dvc repro")
    assert _runs(project) == []


def test_a_missing_dataset_with_downloads_off_fails_at_once_and_opens_no_run(project: Path, tmp_path: Path) -> None:
    empty, cache = tmp_path / "no-data", tmp_path / "cache"
    empty.mkdir()
    _edit(project, {"data|allow_download": False, "data|cache_dir": str(cache)})
    done = _stage(project, "prepare_corpus.py", env={"WORDLAB_DATA_DIR": str(empty)})
    _one_clean_message(done, EXIT_MISSING_DATA, "wiki.train.tokens", str(empty))
    assert _runs(project) == [] and not (project / "data").exists()
    assert not cache.exists() or not any(cache.rglob("*"))


def test_a_flipped_byte_in_a_dataset_is_refused_before_any_work(project: Path, tmp_path: Path, data_dir: Path) -> None:
    mirror = tmp_path / "mirror" / "wikitext-2"
    mirror.mkdir(parents=True)
    for source in (data_dir / "wikitext-2").glob("wiki.*.tokens"):
        content = bytearray(source.read_bytes())
        if source.name == "wiki.valid.tokens":
            content[100] ^= 0x01
        (mirror / source.name).write_bytes(bytes(content))
    done = _stage(project, "prepare_corpus.py", env={"WORDLAB_DATA_DIR": str(mirror.parent)})
    _one_clean_message(done, EXIT_MISSING_DATA, "wiki.valid.tokens", "sha256")
    assert _runs(project) == [] and not (project / "data").exists()


def test_malformed_data_gets_its_own_exit_code_and_a_traceback_only_when_debugging(project: Path) -> None:
    questions = project / "questions.txt"
    questions.write_bytes(b": capital-common-countries\nAthens Greece Baghdad Iraq\nAthens Greece \xff\xfe Iraq\n")
    _edit(project, {"evaluation|analogy|questions": "questions.txt"})
    vectors = project / "models" / "embeddings" / "skipgram"
    vectors.mkdir(parents=True)
    (vectors / "vectors.bin").write_bytes(
        b"2 2\nathens \x00\x00\x80?\x00\x00\x80?\ngreece \x00\x00\x80?\x00\x00\x00\x00\n"
    )
    args = ["--method", "skipgram", "--vectors", "models/embeddings/skipgram", "--metrics", "metrics/intrinsic/s.json"]
    done = _stage(project, "evaluate_intrinsic.py", *args)
    _one_clean_message(done, EXIT_BAD_DATA, "questions.txt:3:", "UTF-8")
    assert _runs(project) == []
    debugged = _stage(project, "evaluate_intrinsic.py", *args, env={"WORDLAB_DEBUG": "1"})
    assert debugged.returncode != 0 and "Traceback" in debugged.stderr and "questions.txt:3:" in debugged.stderr


def test_a_stage_that_fails_after_its_run_opened_leaves_the_run_failed(project: Path) -> None:
    prepared = project / "data" / "prepared"
    prepared.mkdir(parents=True)  # there, but empty: the corpus cannot be read
    done = _stage(
        project, "train_embeddings.py", "--method", "skipgram", "--input", "data/prepared",
        "--out", "models/embeddings/skipgram", "--metrics", "metrics/embeddings/skipgram.json",
        "--curves", "curves/embeddings/skipgram",
    )  # fmt: skip
    assert done.returncode != 0
    assert _runs(project) == [("embeddings@skipgram", "FAILED")]


def test_an_unknown_optimizer_argument_fails_when_the_config_loads(project: Path) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    optimizer = {**params["ner"]["window"]["optimizer"], "lrr": 0.1}
    path = _edit(project, {"ner|window|optimizer": optimizer})
    with pytest.raises(
        config.ConfigError, match=r"'ner\.window\.optimizer\.lrr'.*not an argument of torch\.optim\.Adam"
    ):
        config.load(path)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), start=1) if "lrr" in text)
    with pytest.raises(config.ConfigError, match=f"params.yaml:{line}:"):
        config.load(path)


@pytest.mark.parametrize(
    ("conf_file", "edit", "replacement", "key"),
    [
        ("embedding/skipgram.yaml", "negatives: 5", "negativs: 5", "embedding.skipgram.negativs"),
        ("corpus/wikitext2.yaml", "min_count: 1", "min_count: five", "corpus.vocab.min_count"),
        ("ner/window.yaml", "half_window: 2", "half_window: -1", "ner.window.half_window"),
    ],
)
def test_a_mistake_written_in_conf_is_reported_at_its_place_in_conf(
    tmp_path: Path, conf_file: str, edit: str, replacement: str, key: str
) -> None:
    import shutil

    shutil.copytree(PROJECT / "conf", tmp_path / "conf")
    target = tmp_path / "conf" / conf_file
    text = target.read_text()
    assert edit in text, f"{conf_file} no longer holds {edit!r}"
    target.write_text(text.replace(edit, replacement, 1))
    (tmp_path / "params.yaml").write_text(config.compose(tmp_path / "conf"))
    with pytest.raises(config.ConfigError) as caught:
        config.load(tmp_path / "params.yaml")
    line = next(i for i, row in enumerate(target.read_text().splitlines(), start=1) if replacement in row)
    message = str(caught.value)
    assert message.startswith(f"{target}:{line}:"), message
    assert key in message and "params.yaml:" in message


def test_a_failed_experiment_run_puts_the_committed_params_back(repo_copy: Path) -> None:
    committed = (repo_copy / "params.yaml").read_text()
    done = subprocess.run(
        ["dvc", "exp", "run", "-S", "embedding.skipgram.dim=-3"], capture_output=True, text=True, timeout=600
    )
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "embedding.skipgram" in output and "dim" in output and "back as committed" in output, output[-3000:]
    assert (repo_copy / "params.yaml").read_text() == committed
    assert not (repo_copy / "data" / "prepared").exists()


# A minute of two real trainings and a SIGKILL: under the slow marker to keep the default suite inside 10 minutes
# (in-process resume of the embedding kernels is in tests/embeddings).
@pytest.mark.slow
def test_a_killed_training_resumes_to_the_same_vectors_and_its_run_is_closed_killed(project: Path) -> None:
    _edit(project, {"embedding|skipgram|chunk_words": 20_000, "embedding|skipgram|epochs": 2})
    done = _stage(project, "prepare_corpus.py")
    assert done.returncode == 0, done.stderr[-3000:]

    def train(name: str) -> list[str]:
        return [
            sys.executable, str(PROJECT / "pipelines" / "train_embeddings.py"), "--params", "params.yaml",
            "--method", "skipgram", "--input", "data/prepared", "--out", f"models/{name}",
            "--metrics", f"metrics/{name}.json", "--curves", f"curves/{name}", "--checkpoints", f"checkpoints/{name}",
        ]  # fmt: skip

    whole = subprocess.run(train("whole"), cwd=project, capture_output=True, text=True, timeout=300)
    assert whole.returncode == 0, whole.stderr[-3000:]
    killed = subprocess.Popen(train("killed"), cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while not list((project / "checkpoints" / "killed").rglob("last.ckpt")) and time.monotonic() < deadline:
            assert killed.poll() is None, "training ended before its first checkpoint: nothing to interrupt"
            time.sleep(0.05)
        killed.send_signal(signal.SIGKILL)
    finally:
        killed.wait(timeout=60)
    assert killed.returncode == -signal.SIGKILL
    assert not (project / "models" / "killed").exists()  # nothing half-written
    resumed = subprocess.run(train("killed"), cwd=project, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resuming from" in resumed.stderr
    for name in ("vectors.bin", "vectors.txt", "V.npy", "U.npy"):
        assert (project / "models" / "killed" / name).read_bytes() == (project / "models" / "whole" / name).read_bytes()
    assert sorted(status for name, status in _runs(project) if name.startswith("train_embeddings")) == [
        "FINISHED",
        "FINISHED",
        "KILLED",
    ]
