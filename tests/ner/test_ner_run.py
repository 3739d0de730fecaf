"""``run_ner`` end to end on the first few hundred CoNLL-2003 sentences: outputs, scores, selection, determinism."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from mlflow import MlflowClient
from seqeval.metrics import f1_score
from seqeval.scheme import IOB2
from test_ner_support import composed_ner_entries, lowercase_vectors, single_thread, small_conll, trainer_config

from wordlab.data.errors import DataFormatError
from wordlab.data.readers.conll2003 import read_conll2003
from wordlab.ner import tag as tag_command
from wordlab.ner.predictions import read_predictions
from wordlab.ner.run import run_ner
from wordlab.nn.model_file import save_model_file
from wordlab.tracking import stage_run

QUICK = {
    "hidden": 16,
    "caps_dim": 3,
    "epochs": 2,
    "batch_size": 16,
    "regularization": {"dropout": 0.2, "early_stopping": {"patience": 1}},
    "seed": 5,
}


@pytest.fixture(scope="module", autouse=True)
def _one_thread() -> Iterator[None]:
    with single_thread():
        yield


@pytest.fixture(scope="module")
def conll(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return small_conll(data_dir, tmp_path_factory.mktemp("ner-run"))


@pytest.fixture(scope="module")
def vectors(conll: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return lowercase_vectors(conll, tmp_path_factory.mktemp("vectors") / "vectors.bin")


def run(name: str, cfg: dict, conll: dict[str, Path], vectors: Path | None, folder: Path, **kwargs) -> dict:
    return run_ner(
        name,
        cfg,
        vectors_path=vectors,
        files=conll,
        trainer_cfg=trainer_config(),
        out_dir=folder / "out",
        curves_dir=folder / "curves",
        cache_dir=folder.parent / "cache",
        log_every_n_steps=4,
        **kwargs,
    )


def test_bilstm_crf_run_writes_predictions_that_rescore_to_its_metrics(
    conll: dict[str, Path], vectors: Path, tmp_path: Path, mlflow_uri: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with stage_run(mlflow_uri, "ner-test", "ner", {}, {}) as stage:
        metrics = run(
            "crf",
            {"model": "bilstm", **QUICK, "epochs": 3, "char_filters": 4, "char_dim": 4},
            conll,
            vectors,
            tmp_path,
            run=stage,
            limit_train_batches=8,
        )
    out = tmp_path / "out"
    assert json.loads((out / "metrics.json").read_text()) == pytest.approx(metrics)
    for split, key in (("test", "test"), ("validation", "dev")):
        tokens, gold, predicted = read_predictions(out / f"predictions.{split}.conll")
        sentences = [s for document in read_conll2003(conll[split]) for s in document.sentences]
        assert tokens == [list(s.tokens) for s in sentences]
        assert gold == [list(s.ner_tags) for s in sentences]  # gold straight from the reader, in IOB2
        assert f1_score(gold, predicted, mode="strict", scheme=IOB2) == pytest.approx(metrics[f"ner.crf.{key}.f1"])
    assert 0.0 <= metrics["ner.crf.test.unk_rate"] < 0.5  # a third of the words have no vector
    for kind in ("PER", "ORG", "LOC", "MISC"):
        assert f"ner.crf.test.{kind}.f1" in metrics
    client = MlflowClient(mlflow_uri)
    history = [m.value for m in client.get_metric_history(stage.run_id, "ner.crf.val_f1")]
    for key in ("val_f1", "train_loss", "train_loss_epoch"):  # taggers sharing a run keep their own keys
        assert client.get_metric_history(stage.run_id, key) == []
    train_curve = (tmp_path / "curves" / "train.tsv").read_text().splitlines()[1:]
    logged = [(m.step, m.value) for m in client.get_metric_history(stage.run_id, "ner.crf.train_loss")]
    assert sorted(logged) == [(int(step), float(loss)) for step, _, loss in (row.split("\t") for row in train_curve)]
    assert len(history) == metrics["ner.crf.epochs_trained"]
    assert metrics["ner.crf.dev.f1"] == pytest.approx(max(history))  # the best dev epoch is the one reported
    assert history.index(max(history)) == metrics["ner.crf.best_epoch"]
    assert (tmp_path / "curves" / "val.tsv").read_text().count("\n") == 1 + len(history)
    _check_the_command_tags_as_the_stage_did(out, conll["test"], metrics["ner.crf.test.f1"], tmp_path, capsys)


def _check_the_command_tags_as_the_stage_did(
    out: Path, testb: Path, f1: float, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python -m wordlab.ner.tag`` on the test file, from the saved tagger alone (no vectors, no config): the
    predictions the stage wrote with the trained module in memory, and its test F1 (which seqeval recounted above)."""
    capsys.readouterr()
    tagged = tmp_path / "mine.conll"
    assert tag_command.main([str(out / "tagger.pt"), str(testb), "--out", str(tagged)]) == 0
    assert tagged.read_text() == (out / "predictions.test.conll").read_text()
    assert f"F1 {100 * f1:.2f}," in capsys.readouterr().err
    bad = tmp_path / "bad.conll"
    bad.write_text("EU NNP B-NP B-ORG\nrejects VBZ B-VP\n", encoding="utf-8")
    assert tag_command.main([str(out / "tagger.pt"), str(bad), "--out", str(tmp_path / "never.conll")]) == 2
    assert "bad.conll:2: expected 4 columns" in capsys.readouterr().err
    assert not (tmp_path / "never.conll").exists()
    other = tmp_path / "parser.pt"
    save_model_file(other, "wordlab parser", 1, {})
    assert tag_command.main([str(other), str(testb), "--out", str(tmp_path / "never.conll")]) == 2
    assert "a wordlab parser file, where a wordlab NER tagger file was expected" in capsys.readouterr().err


def test_the_plateau_schedule_cuts_the_rate_after_each_epoch_without_a_better_dev_f1(
    conll: dict[str, Path], vectors: Path, tmp_path: Path, mlflow_uri: str, project_root: Path
) -> None:
    """bilstm_crf's own schedule node (mode max on val_f1), with patience 0 so that a short run shows cuts: the rate
    each epoch trained at, as logged, follows the dev F1 of the epochs before it."""
    composed = composed_ner_entries(project_root)["bilstm_crf"]
    schedule = {**composed["scheduler"], "patience": 0}
    lr0 = 0.02
    cfg = {
        "model": "bilstm",
        **QUICK,
        "epochs": 6,
        "regularization": {"dropout": 0.2, "early_stopping": {"patience": None}},
        "scheduler": schedule,
        "optimizer": {**composed["optimizer"], "lr": lr0},
    }
    with stage_run(mlflow_uri, "ner-test", "ner", {}, {}) as stage:
        run("crf", cfg, conll, vectors, tmp_path, run=stage)
    client = MlflowClient(mlflow_uri)

    def history(key: str) -> list[float]:
        return [m.value for m in sorted(client.get_metric_history(stage.run_id, key), key=lambda m: m.step)]

    dev_f1, rates = history("ner.crf.val_f1"), history("ner.crf.lr")
    assert len(dev_f1) == len(rates) == 6
    expected, best, rate, improved = [lr0, lr0], dev_f1[0], lr0, 0  # the first F1 is always the best yet
    for f1 in dev_f1[1:-1]:  # torch's relative threshold: a better F1 beats the best by that fraction of it
        if f1 > best * (1 + schedule["threshold"]):
            best, improved = f1, improved + 1
        else:
            rate *= schedule["factor"]
        expected.append(rate)
    assert rates == pytest.approx(expected, rel=1e-6)
    assert best > 0 and improved > 0 and rate < lr0, "the run must both improve and stall to tell max from min"


def test_same_config_and_seed_give_the_same_metrics(conll: dict[str, Path], vectors: Path, tmp_path: Path) -> None:
    cfg = {"model": "window", **QUICK, "epochs": 1}
    first = run("w", cfg, conll, vectors, tmp_path / "a", run=None, limit_train_batches=6)
    second = run("w", cfg, conll, vectors, tmp_path / "b", run=None, limit_train_batches=6)
    assert first == second
    predictions = "predictions.test.conll"
    assert (tmp_path / "a" / "out" / predictions).read_bytes() == (tmp_path / "b" / "out" / predictions).read_bytes()
    other = run("w", {**cfg, "seed": 6}, conll, vectors, tmp_path / "c", run=None, limit_train_batches=6)
    assert other != first  # the seed does reach the model


def test_without_vectors_the_vocabulary_is_the_training_set(conll: dict[str, Path], tmp_path: Path) -> None:
    cfg = {"model": "window", "vectors": None, "min_count": 1, **QUICK, "epochs": 1}
    metrics = run("r", cfg, conll, None, tmp_path, run=None, limit_train_batches=4)
    train_words = {t.lower() for d in read_conll2003(conll["train"]) for s in d.sentences for t in s.tokens}
    assert metrics["ner.r.vocab_size"] <= len(train_words) + 3
    assert metrics["ner.r.test.unk_rate"] > 0.0  # test words unseen in 300 training sentences


def test_bad_inputs_are_refused_naming_the_file(conll: dict[str, Path], vectors: Path, tmp_path: Path) -> None:
    cfg = {"model": "window", **QUICK}
    with pytest.raises(ValueError, match="files must map exactly"):
        run("x", cfg, {"train": conll["train"]}, vectors, tmp_path, run=None)
    bad = tmp_path / "bad.txt"
    bad.write_text("EU NNP B-NP B-ORG\nrejects VBZ B-VP\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=rf"{bad}:2:"):
        run("x", cfg, {**conll, "test": bad}, vectors, tmp_path, run=None)
    unrelated = tmp_path / "unrelated.txt"
    unrelated.write_text("1 2\nzzzz 0.5 0.5\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"{unrelated}: no token"):
        run("x", cfg, conll, unrelated, tmp_path, run=None)
    with pytest.raises(ValueError, match="dropout"):
        run("x", {**cfg, "regularization": {"dropout": 1.5}}, conll, vectors, tmp_path, run=None)


@pytest.mark.slow
def test_window_tagger_learns_full_conll2003_without_vectors(data_dir: Path, tmp_path: Path) -> None:
    """Three epochs from random vectors on the full data (minutes on 2 cores); Collobert et al. report 81.47 F1
    for this model fully trained, so a working pipeline is well past 70 after three."""
    folder = data_dir / "conll2003"
    files = {"train": folder / "eng.train", "validation": folder / "eng.testa", "test": folder / "eng.testb"}
    cfg = {"model": "window", "vectors": None, "epochs": 3, "regularization": {"early_stopping": {"patience": None}}}
    metrics = run("full", cfg, files, None, tmp_path, run=None)
    assert metrics["ner.full.dev.f1"] > 0.70
    assert metrics["ner.full.test.f1"] > 0.70
