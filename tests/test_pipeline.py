"""Real `dvc repro` runs of the pipeline in a temporary copy of the repository (smoke configuration)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from gensim.models import KeyedVectors
from mlflow import MlflowClient

from wordlab.corpus.format import PreparedCorpus

METHODS = ["skipgram", "cbow", "glove"]


def dvc(*args: str) -> str:
    done = subprocess.run(["dvc", *args], capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def _edit_params(repo: Path, dotted: str, value: object) -> None:
    path = repo / "params.yaml"
    params = yaml.safe_load(path.read_text())
    *parents, leaf = dotted.split(".")
    node = params
    for key in parents:
        node = node[key]
    node[leaf] = value
    path.write_text(yaml.safe_dump(params, sort_keys=False))


def _select_methods(repo: Path, methods: list[str]) -> None:
    """The smoke configuration with only these embedding methods (every task stage runs once per method)."""
    import sys

    overrides = ["experiment=smoke", f"embedding=[{','.join(methods)}]"]
    subprocess.run([sys.executable, "-m", "wordlab.config", *overrides], check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qam", "methods"], check=True, capture_output=True)


# The default suite runs the whole graph once with GloVe alone (the method that needs every upstream stage); the
# stages' per-method fan-out is the same code for every method, and the slow run covers all three.
@pytest.mark.parametrize(
    "methods", [pytest.param(["glove"], id="glove"), pytest.param(METHODS, marks=pytest.mark.slow, id="all-methods")]
)
def test_repro_runs_once_then_does_nothing_and_ignores_params_it_does_not_read(
    repo_copy: Path, methods: list[str]
) -> None:
    if methods != METHODS:
        _select_methods(repo_copy, methods)
    first = dvc("repro")
    assert "Running stage 'prepare_corpus'" in first
    assert "Running stage 'count_cooccurrence'" in first
    for method in METHODS:
        if method not in methods:
            assert f"Running stage 'train_embeddings@{method}'" not in first
            continue
        assert f"Running stage 'train_embeddings@{method}'" in first
        trained = json.loads((repo_copy / "metrics" / "embeddings" / f"{method}.json").read_text())
        vectors = KeyedVectors.load_word2vec_format(
            repo_copy / "models" / "embeddings" / method / "vectors.bin", binary=True
        )
        assert len(vectors) == trained["vocab_size"] > 1000
        assert (repo_copy / "models" / "ner" / method / "window" / "tagger.pt").is_file()  # what ner.tag applies
        assert f"Running stage 'train_parser@{method}'" in first
        _check_parser_outputs(repo_copy, method)
        assert f"Running stage 'train_tagger@{method}'" in first
        assert f"Running stage 'train_parser_predicted@{method}'" in first
        _check_tagger_and_predicted_tag_parser(repo_copy, method)
        assert f"Running stage 'train_classifier@{method}'" in first
        _check_classifier_outputs(repo_copy, method)
    _check_report_and_method_runs(repo_copy, methods)
    _check_language_models(repo_copy, methods, first)
    stats = json.loads((repo_copy / "metrics" / "corpus_stats.json").read_text())
    corpus = PreparedCorpus.load(repo_copy / "data" / "prepared")
    assert stats["vocab_size"] == corpus.vocab_size
    assert stats["splits"]["train"]["lines"] == 2000  # the smoke configuration's max_lines
    outputs = {p: p.stat().st_mtime_ns for p in (repo_copy / "data" / "prepared").iterdir()}
    outputs.update({p: p.stat().st_mtime_ns for p in (repo_copy / "models").rglob("*.npy")})

    second = dvc("repro")
    assert "Running stage" not in second and "Data and pipelines are up to date" in second
    assert {p: p.stat().st_mtime_ns for p in outputs} == outputs

    # Key-level params: a key no stage reads changes nothing (trainer.max_epochs: every task entry sets its own
    # epochs), and only the n-gram model reads lm.kneser_ney.* (a leaf stage, so the check stays cheap; the
    # embedding stages' keys are checked the same way by the DVC structure: each reads embedding.<method> only).
    _edit_params(repo_copy, "trainer.max_epochs", 3)
    _edit_params(repo_copy, "lm.kneser_ney.order", 3)
    rerun = dvc("repro")
    assert "Running stage 'train_lm@kneser_ney'" in rerun and "Running stage 'report'" in rerun
    assert rerun.count("Running stage") == 2, rerun

    client = MlflowClient(f"sqlite:///{repo_copy / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("wordlab")
    runs = client.search_runs(
        [experiment.experiment_id], "tags.`dvc.stage` = 'prepare_corpus'", order_by=["attributes.start_time ASC"]
    )
    (run,) = runs  # one per execution, none for the repros that skipped the stage
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert run.info.status == "FINISHED"
    # The run opens after the corpus is read, but starts when the stage did: MLflow's Duration is the stage's.
    assert run.info.end_time - run.info.start_time >= 1000 * run.data.metrics["stage_seconds"]
    assert run.data.params["corpus.max_lines"] == "2000"
    assert run.data.tags["dvc.stage"] == "prepare_corpus"
    assert run.data.tags["git.commit"] == commit
    assert run.data.metrics["splits.train.lines"] == 2000
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"config.yaml", "corpus_stats.json", "vocab.tsv"} <= artifacts


def _check_parser_outputs(repo: Path, method: str) -> None:
    """Each parser entry wrote CoNLL-U that reads back, a model file, dev curves, and metrics the report shows."""
    from wordlab.data.readers.conllu_reader import read_conllu

    metrics = json.loads((repo / "metrics" / "parser" / f"{method}.json").read_text())
    for entry in ("chen_manning", "chen_manning_random"):
        folder = repo / "models" / "parser" / method / entry
        parsed = read_conllu(folder / "predictions.test.conllu")
        assert len(parsed) == 2077  # EWT test, every sentence parsed
        assert (folder / "parser.pt").stat().st_size > 0
        assert 0.0 < metrics[f"parser.{entry}.test.las"] <= metrics[f"parser.{entry}.test.uas"] <= 1.0
        dev_curve = (repo / "curves" / "parser_dev" / method / f"{entry}.tsv").read_text().splitlines()
        assert dev_curve[0] == "step\tepoch\tuas\tlas" and len(dev_curve) == 2  # one epoch in the smoke run
    section = (repo / "reports" / "parser.md").read_text()
    assert f"| {method} " in section and f"random ({method}'s vocabulary)" in section


def _check_tagger_and_predicted_tag_parser(repo: Path, method: str) -> None:
    """The tagger's test accuracy is a recount of its tagged file against the treebank (read by `conllu`); the
    predicted-tag parser trained and parsed every test sentence; both report sections show the method."""
    import conllu

    from wordlab.data.readers.conllu_reader import read_conllu

    data = Path(os.environ["WORDLAB_DATA_DIR"]) / "ud-english-ewt" / "en_ewt-ud-test.conllu"
    tagged = repo / "models" / "tagger" / method / "bilstm" / "tagged.test.conllu"
    pairs = [(g["upos"], t["upos"])
             for gs, ts in zip(conllu.parse(data.read_text()), conllu.parse(tagged.read_text()), strict=True)
             for g, t in zip(gs, ts, strict=True) if isinstance(g["id"], int)]  # fmt: skip
    metrics = json.loads((repo / "metrics" / "tagger" / f"{method}.json").read_text())
    assert metrics["tagger.bilstm.test.accuracy"] == pytest.approx(sum(g == t for g, t in pairs) / len(pairs))
    parsed = read_conllu(
        repo / "models" / "parser_predicted" / method / "chen_manning_predicted" / "predictions.test.conllu"
    )
    assert len(parsed) == 2077
    assert [w.upos for s in parsed for w in s.words] == [t for _, t in pairs]  # parsed with the tagger's tags
    parser_metrics = json.loads((repo / "metrics" / "parser_predicted" / f"{method}.json").read_text())
    assert 0.0 < parser_metrics["parser.chen_manning_predicted.test.las"] <= 1.0
    assert f"| {method} " in (repo / "reports" / "tagger.md").read_text()
    assert f"| {method} · chen_manning_predicted " in (repo / "reports" / "parser.md").read_text()


def _check_classifier_outputs(repo: Path, method: str) -> None:
    """Each classifier entry scored every SST sentence of its task (the published counts), its accuracy is the
    share of rows of its predictions file whose prediction is right, and the report shows it."""
    metrics = json.loads((repo / "metrics" / "classify" / f"{method}.json").read_text())
    sentences = {"binary": 1821, "fine": 2210}  # SST test sentences (binary: neutral dropped), the data README
    for entry in ("bilstm", "bilstm_random"):
        assert (repo / "models" / "classify" / method / entry / "classifier.binary.pt").stat().st_size > 0
        for task, count in sentences.items():
            rows = pd.read_csv(repo / "predictions" / "classify" / method / entry / f"predictions.{task}.test.tsv",
                               sep="\t", quoting=3, keep_default_na=False)  # fmt: skip
            assert len(rows) == count
            share = float((rows["actual"] == rows["predicted"]).mean())
            assert metrics[f"classify.{entry}.{task}.test.accuracy"] == pytest.approx(share, abs=1e-12)
    section = (repo / "reports" / "classify.md").read_text()
    assert f"| {method} " in section and f"random ({method}'s vocabulary)" in section
    # the technique table comes from the benchmark's committed results, each row's test mean recomputed here
    results = repo / "bench" / "results" / "sst_techniques.jsonl"
    runs = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    assert "measured by the benchmark, not by this run" in section
    for technique, task in {(run["technique"], run["task"]) for run in runs}:
        tests = [run["test"] for run in runs if (run["technique"], run["task"]) == (technique, task)]
        assert f"{statistics.fmean(tests):.2f}" in section


def _check_language_models(repo: Path, methods: list[str], log: str) -> None:
    """The smoke run's language models: the n-gram, and the LSTM from each method's vectors; each metrics file says
    what its perplexity is, each model file samples, and the report has the section."""
    from wordlab.lm.generate import sample
    from wordlab.lm.saved import load_model

    assert "Running stage 'train_lm@kneser_ney'" in log
    files = [repo / "metrics" / "lm" / "kneser_ney.json"]
    models = [repo / "models" / "lm" / "kneser_ney" / "model.pt"]
    for method in methods:
        assert f"Running stage 'train_lm_vectors@{method}'" in log
        files.append(repo / "metrics" / "lm_vectors" / f"{method}.json")
        models.append(repo / "models" / "lm_vectors" / method / "lstm_d100" / "model.pt")
        assert (models[-1].parent / "gradients.png").stat().st_size > 0
        metrics = json.loads(files[-1].read_text())
        assert metrics["lm.lstm_d100.pretrained_rows"] > 1000  # PTB words with a vector of the smoke corpus
    for path in files:
        metrics = json.loads(path.read_text())
        (name,) = {key.split(".")[1] for key in metrics}
        assert "<eos> included" in metrics[f"lm.{name}.perplexity"]
        assert 1.0 < metrics[f"lm.{name}.test.ppl"] < 10_000.0  # below the uniform model's 10,000
    for path in models:
        network, vocabulary = load_model(path)
        assert len(vocabulary) == 10_000 and len(sample(network, vocabulary, ["the"], words=5, seed=1)) == 5
    section = (repo / "reports" / "lm.md").read_text()
    assert "| kneser_ney " in section and all(f"| {method} · lstm_d100 " in section for method in methods)


def _check_report_and_method_runs(repo: Path, methods: list[str]) -> None:
    """The report's full table has a row per method with the metrics the evaluation stages wrote; the overview
    for people shows each task's headline figure from those files as a percentage (or rho, or perplexity), with a
    random-initialisation row and the best of each column in bold; the same figures are the DVC metric; MLflow holds
    one child run per overview row under the report's run, and the stages' runs name the datasets they read."""
    from wordlab.data.registry import DATASETS

    table = pd.read_csv(repo / "reports" / "comparison.csv", index_col="method")
    assert table.index.tolist() == methods
    for method in methods:
        intrinsic = json.loads((repo / "metrics" / "intrinsic" / f"{method}.json").read_text())
        for key in ("analogy.3cosadd.total", "analogy.coverage", "similarity.wordsim353.spearman"):
            assert table.loc[method, key] == pytest.approx(intrinsic[key], rel=1e-5, abs=1e-9)
        extrinsic = json.loads((repo / "metrics" / "ner" / f"{method}.json").read_text())
        for key in ("ner.window.test.f1", "ner.window_random.test.f1", "ner.window.test.PER.f1"):
            assert table.loc[method, key] == pytest.approx(extrinsic[key], rel=1e-5, abs=1e-9)
        assert (repo / "reports" / "plots" / f"pca_{method}.png").stat().st_size > 0
    assert (repo / "reports" / "plots" / "learning_curves.png").stat().st_size > 0

    report = (repo / "reports" / "comparison.md").read_text()
    assert "Experiment `smoke`: the tests' quick run" in report
    lines = [line for line in report.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    first_table = report.split("\n\n| ", 1)[1].split("\n\n", 1)[0].splitlines()  # up to the blank line after it
    for line in first_table[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = dict(zip(header[1:], cells[1:], strict=True))
    assert list(rows) == [*methods, "random initialisation"]
    first = methods[0]
    files = {kind: json.loads((repo / "metrics" / kind / f"{first}.json").read_text())
             for kind in ("intrinsic", "ner", "parser", "classify", "lm_vectors")}  # fmt: skip
    twin_file = repo / "metrics" / "lm" / "lstm_d100.json"  # the smoke selection does not train it
    twin_lm = f"{json.loads(twin_file.read_text())['lm.lstm_d100.test.ppl']:.1f}" if twin_file.is_file() else "—"
    expected = {
        (first, "vectors: analogies"): f"{100 * files['intrinsic']['analogy.3cosadd.total']:.2f}%",
        (first, "NER: F1"): f"{100 * files['ner']['ner.window.test.f1']:.2f}%",
        ("random initialisation", "NER: F1"): f"{100 * files['ner']['ner.window_random.test.f1']:.2f}%",
        (first, "parser: LAS"): f"{100 * files['parser']['parser.chen_manning.test.las']:.2f}%",
        ("random initialisation", "SST: binary"):
            f"{100 * files['classify']['classify.bilstm_random.binary.test.accuracy']:.2f}%",
        (first, "LM: perplexity"):
            f"{files['lm_vectors']['lm.lstm_d100.test.ppl']:.1f}",
        ("random initialisation", "LM: perplexity"): twin_lm,
        ("random initialisation", "vectors: WS-353"): "—",
    }  # fmt: skip
    for (row, column), text in expected.items():
        assert rows[row][column].strip("*") == text, (row, column)
    for column in header[1:]:  # one best per column at least, and only the best: lowest perplexity, else highest
        values = {row: float(cells[column].strip("*%")) for row, cells in rows.items() if cells[column] != "—"}
        best = (min if column == "LM: perplexity" else max)(values.values())
        assert {row for row in values if rows[row][column].startswith("**")} == {
            row for row, value in values.items() if value == best
        }, column
    assert "## Named entities" in report and "## Dependency parsing" in report and "## Language models" in report
    overview = json.loads((repo / "reports" / "overview.json").read_text())
    assert overview[first]["ner_f1_pct"] == pytest.approx(100 * files["ner"]["ner.window.test.f1"])
    shown = dvc("metrics", "show")  # every stage's metrics files, the cross-task table among them
    assert "reports/overview.json" in shown and "metrics/corpus_stats.json" in shown

    client = MlflowClient(f"sqlite:///{repo / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("wordlab")
    (report_run,) = client.search_runs([experiment.experiment_id], "tags.`dvc.stage` = 'report'")
    children = client.search_runs([experiment.experiment_id], f"tags.`mlflow.parentRunId` = '{report_run.info.run_id}'")
    assert sorted(r.data.tags["embedding.method"] for r in children) == sorted([*methods, "random"])
    for child in children:
        method = child.data.tags["embedding.method"]
        row = method if method != "random" else "random initialisation"
        for key, value in overview[row].items():
            assert child.data.metrics.get(f"overview.{key}") == (None if value is None else pytest.approx(value))
        if method != "random":
            analogies = table.loc[method, "analogy.3cosadd.total"]
            assert child.data.metrics["analogy.3cosadd.total"] == pytest.approx(analogies)
            assert child.data.params[f"embedding.{method}.dim"] == "100"
    (ner_run,) = client.search_runs([experiment.experiment_id], f"tags.`dvc.stage` = 'evaluate_ner@{first}'")
    (read,) = ner_run.inputs.dataset_inputs
    conll = DATASETS["conll2003"].files
    assert read.dataset.name == "conll2003" and read.dataset.source_type == "local"
    tags = {tag.key: tag.value for tag in read.tags}
    assert {role: tags[f"sha256.{role}"] for role in conll} == {role: f.sha256 for role, f in conll.items()}


@pytest.mark.slow
def test_hydra_sweep_through_the_dvc_queue_with_two_workers(repo_copy: Path) -> None:
    """A Hydra sweep queued in DVC and run by two queue workers at once: both experiments finish, DVC shows both,
    and the one sqlite MLflow store holds each one's stage runs under its experiment name."""
    dvc("exp", "run", "--queue", "-S", "corpus=wikitext2,ptb", "-S", "experiment=smoke", "-S", "embedding=glove")
    dvc("queue", "start", "-j", "2")
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        status = dvc("queue", "status")
        if "Queued" not in status and "Running" not in status:
            break
        time.sleep(5)
    else:
        pytest.fail(f"the queue did not finish:\n{status}")
    assert status.count("Success") == 2, status
    shown = json.loads(dvc("exp", "show", "--json"))
    experiments = {exp["name"]: exp for rev in shown for exp in rev.get("experiments") or []}
    assert [exp["executor"]["state"] for exp in experiments.values()] == ["success", "success"]
    client = MlflowClient(f"sqlite:///{repo_copy / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("wordlab").experiment_id], max_results=1000)
    runs = [run for run in runs if "mlflow.parentRunId" not in run.data.tags]  # the stages' (not the report's rows)
    assert len(runs) > 10
    by_experiment: dict[str, set[str]] = {}
    for run in runs:
        assert run.info.status == "FINISHED"
        by_experiment.setdefault(run.data.tags["dvc.experiment"], set()).add(run.data.params["corpus.name"])
    assert by_experiment.keys() == experiments.keys()
    assert sorted(corpus for corpora in by_experiment.values() for corpus in corpora) == ["ptb", "wikitext2"]
    # The two workers ran side by side: each experiment's runs overlap the other's in time.
    spans = {name: (min(r.info.start_time for r in runs if r.data.tags["dvc.experiment"] == name),
                    max(r.info.end_time for r in runs if r.data.tags["dvc.experiment"] == name))
             for name in by_experiment}  # fmt: skip
    (first_start, first_end), (second_start, second_end) = spans.values()
    assert first_start < second_end and second_start < first_end


# The stages whose models Lightning trains with autograd, so DDP spreads them over processes.
DDP_STAGES = [
    "evaluate_ner@glove",
    "train_tagger@glove",
    "train_parser@glove",
    "train_parser_predicted@glove",
    "train_classifier@glove",
    "train_lm_vectors@glove",
]


@pytest.mark.slow
def test_every_lightning_stage_trains_with_ddp(repo_copy: Path) -> None:
    """`trainer=ddp` through the whole smoke pipeline: each Lightning stage trains in 2 processes, and each stage
    still has one MLflow run and its outputs; the embedding stage stays one process."""
    import sys

    overrides = ["experiment=smoke", "embedding=[glove]", "trainer=ddp"]
    subprocess.run([sys.executable, "-m", "wordlab.config", *overrides], check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qam", "ddp"], check=True, capture_output=True)
    # One stream, so that each stage's log (stderr) follows its "Running stage" line (stdout).
    done = subprocess.run(["dvc", "repro"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-5000:]
    sections = {part.split("'", 1)[0]: part for part in done.stdout.split("Running stage '")[1:]}
    for stage in DDP_STAGES:
        assert "Initializing distributed: GLOBAL_RANK: 1, MEMBER: 2/2" in sections[stage], stage
    assert "GLOBAL_RANK" not in sections["train_embeddings@glove"]
    client = MlflowClient(f"sqlite:///{repo_copy / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("wordlab").experiment_id], max_results=1000)
    stage_runs = [run.data.tags["dvc.stage"] for run in runs if "mlflow.parentRunId" not in run.data.tags]
    assert sorted(stage_runs) == sorted(sections)  # one run per stage: rank 1 opened none
    assert all(run.info.status == "FINISHED" for run in runs)
    _check_parser_outputs(repo_copy, "glove")
    _check_classifier_outputs(repo_copy, "glove")
    assert "Running stage" not in dvc("repro")


@pytest.mark.slow
def test_exp_run_with_one_embedding_trains_and_evaluates_that_method_only(repo_copy: Path) -> None:
    out = dvc("exp", "run", "-S", "embedding=cbow", "-S", "experiment=smoke")
    assert "Running stage 'train_embeddings@cbow'" in out
    assert "train_embeddings@skipgram" not in out and "train_embeddings@glove" not in out
    trained = json.loads((repo_copy / "metrics" / "embeddings" / "cbow.json").read_text())
    vectors_file = repo_copy / "models" / "embeddings" / "cbow" / "vectors.bin"
    vectors = KeyedVectors.load_word2vec_format(vectors_file, binary=True)
    assert len(vectors) == trained["vocab_size"]
    assert yaml.safe_load((repo_copy / "params.yaml").read_text())["embedding"]["cbow"]["model"] == "word2vec"
    _check_report_and_method_runs(repo_copy, ["cbow"])
