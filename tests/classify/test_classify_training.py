"""Sentence classifiers trained with the real Lightning Trainer: one-batch overfitting for each encoder, and a
short run on a slice of SST whose outputs are checked against recounts, the members' own probabilities, the
command, a second run, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import lightning.pytorch as pl
import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from wordlab.classify import predict as predict_command
from wordlab.classify.config import ClassifierConfig, classifier_settings
from wordlab.classify.data import pad_examples
from wordlab.classify.module import ClassifierModule
from wordlab.classify.network import SentenceClassifier
from wordlab.classify.run import mean_centred, run_classifier
from wordlab.classify.trained import TrainedClassifier
from wordlab.config import TrainerConfig, validate
from wordlab.data.errors import DataFormatError
from wordlab.data.readers.text import read_token_lines
from wordlab.data.registry import DATASETS
from wordlab.text.vocab import NUM_SPECIALS, WordVocabulary

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_one_batch_is_learned_by_heart(cell: str) -> None:
    generator = torch.Generator().manual_seed(0)
    rows = [(torch.randint(NUM_SPECIALS, 40, (int(n),), generator=generator), i % 5)
            for i, n in enumerate(torch.randint(1, 9, (15,), generator=generator))]  # fmt: skip
    batch = pad_examples(rows)
    table = np.random.default_rng(0).normal(0, 0.1, (40, 16)).astype(np.float32)
    network = SentenceClassifier(table, 5, cell=cell, hidden=24, dropout=0.0, generator=generator)
    module = ClassifierModule(network, optimizer={"_target_": "torch.optim.Adam", "lr": 0.02})
    trainer = pl.Trainer(max_epochs=120, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False)  # fmt: skip
    trainer.fit(module, torch.utils.data.DataLoader([batch], batch_size=None))
    network.eval()
    with torch.no_grad():
        scores = network(batch["word_ids"], batch["mask"])
    assert (scores.argmax(-1) == batch["labels"]).all()
    assert float(torch.nn.functional.cross_entropy(scores, batch["labels"])) < 0.05


@pytest.fixture(scope="module")
def sst_slice(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The first trees of each SST split, as files of the same format (the real data, not a copy in the repo)."""
    folder = tmp_path_factory.mktemp("sst")
    files = {}
    for split, name, count in (("train", "train", 60), ("validation", "dev", 40), ("test", "test", 40)):
        lines = (data_dir / DATASETS["sst"].files[split].relpath).read_text(encoding="utf-8").splitlines()
        files[name] = folder / f"{name}.txt"
        files[name].write_text("\n".join(lines[:count]) + "\n", encoding="utf-8")
    return files


SETTINGS = {"vectors": None, "epochs": 2, "ensemble": 2, "hidden": 16, "dim": 16, "batch_size": 25, "seed": 7}
TRAINER = TrainerConfig(num_threads=1, enable_progress_bar=False)


@pytest.fixture(scope="module")
def trained(sst_slice: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float]]:
    out = tmp_path_factory.mktemp("classify")
    metrics = run_classifier("tiny", SETTINGS, vectors_path=None, files=sst_slice, trainer_cfg=TRAINER,
                             out_dir=out, curves_dir=out / "curves", run=None)  # fmt: skip
    return out, metrics


def _predictions(out: Path, task: str, split: str) -> pd.DataFrame:
    return pd.read_csv(out / f"predictions.{task}.{split}.tsv", sep="\t", quoting=3, keep_default_na=False)


@pytest.mark.parametrize("task", ["binary", "fine"])
def test_accuracy_is_the_share_of_right_rows(trained: tuple[Path, dict[str, float]], task: str) -> None:
    out, metrics = trained
    for split in ("dev", "test"):
        rows = _predictions(out, task, split)
        right = rows.actual == rows.predicted
        assert metrics[f"classify.tiny.{task}.{split}.accuracy"] == pytest.approx(right.mean())
        counts = pd.read_csv(out / f"confusion.{task}.{split}.tsv", sep="\t", index_col=0)
        assert np.trace(counts.to_numpy()) == right.sum()
        assert counts.to_numpy().sum() == len(rows)
    assert len(_predictions(out, "fine", "dev")) == 40  # every sentence of the slice
    assert len(_predictions(out, "binary", "dev")) < 40  # its neutral sentences dropped


def test_ensemble_averages_its_members_probabilities(trained: tuple[Path, dict[str, float]]) -> None:
    out, _ = trained
    model = TrainedClassifier.load(out / "classifier.binary.pt")
    rows = _predictions(out, "binary", "dev")
    sentences = [s.split(" ") for s in rows.sentence]
    # each member by hand: one sentence at a time, no padding, softmax of its scores
    averaged = np.zeros((len(sentences), 2))
    for network in model.members:
        network.eval()
        with torch.no_grad():
            for i, tokens in enumerate(sentences):
                ids = torch.tensor([model.vocabulary.ids(tokens)])
                averaged[i] += torch.softmax(network(ids, torch.ones_like(ids, dtype=torch.bool)), -1)[0].numpy()
    averaged /= len(model.members)
    assert len(model.members) == 2
    assert not np.allclose(model.members[0].output.weight.detach(), model.members[1].output.weight.detach())
    names = list(model.label_names)
    np.testing.assert_array_equal([names[k] for k in averaged.argmax(1)], rows.predicted)
    np.testing.assert_allclose(averaged.max(1), rows.probability, atol=2e-6)


def test_command_labels_a_users_sentences_as_the_stage_did(
    trained: tuple[Path, dict[str, float]], tmp_path: Path
) -> None:
    out, _ = trained
    rows = _predictions(out, "fine", "test")
    text = tmp_path / "mine.txt"
    text.write_text("\n".join(rows.sentence) + "\n", encoding="utf-8")
    assert predict_command.main([str(out / "classifier.fine.pt"), str(text), "--out", str(tmp_path / "out.tsv")]) == 0
    labelled = pd.read_csv(tmp_path / "out.tsv", sep="\t", quoting=3, keep_default_na=False)
    assert labelled.label.tolist() == rows.predicted.tolist()
    text.write_text("a fine film\n\nanother\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"mine\.txt:2: an empty line"):
        read_token_lines(text)


def test_same_settings_and_seed_give_the_same_metrics_also_side_by_side(
    trained: tuple[Path, dict[str, float]], sst_slice: dict[str, Path], tmp_path: Path
) -> None:
    """A second run gives every metric of the first, also with its four trainings (two tasks, two members each)
    side by side in two one-thread worker processes (``trainer.parallel_fits``): each training seeds itself."""
    out, first = trained
    side_by_side = TrainerConfig(num_threads=2, parallel_fits=2, enable_progress_bar=False)
    again = run_classifier("tiny", SETTINGS, vectors_path=None, files=sst_slice, trainer_cfg=side_by_side,
                           out_dir=tmp_path, curves_dir=tmp_path / "curves", run=None)  # fmt: skip
    assert again == first
    for name in ("predictions.fine.test.tsv", "predictions.binary.dev.tsv"):
        assert (tmp_path / name).read_text() == (out / name).read_text()
    assert json.loads((tmp_path / "timings.json").read_text())["classify.tiny.train_seconds"] > 0


def test_a_malformed_tree_stops_with_file_and_line_and_writes_nothing(
    sst_slice: dict[str, Path], tmp_path: Path
) -> None:
    bad = tmp_path / "train.txt"
    lines = sst_slice["train"].read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4][:-1]  # the fifth tree loses its last ')'
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"train\.txt:5: unbalanced brackets"):
        run_classifier("bad", SETTINGS, vectors_path=None, files={**sst_slice, "train": bad}, trainer_cfg=TRAINER,
                       out_dir=tmp_path / "out", curves_dir=tmp_path / "curves", run=None)  # fmt: skip
    assert not (tmp_path / "out").exists()


def test_mean_centring_moves_only_the_pretrained_rows() -> None:
    vocabulary = WordVocabulary(("a", "b", "c", "own"), normalise_digits=True, own_rows=1)
    table = np.arange(len(vocabulary) * 2, dtype=np.float32).reshape(-1, 2) ** 1.5
    centred = mean_centred(table, vocabulary)
    pretrained = table[NUM_SPECIALS : NUM_SPECIALS + 3]
    np.testing.assert_allclose(centred[NUM_SPECIALS : NUM_SPECIALS + 3], pretrained - pretrained.mean(axis=0))
    np.testing.assert_array_equal(centred[:NUM_SPECIALS], table[:NUM_SPECIALS])
    np.testing.assert_array_equal(centred[-1], table[-1])


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [("word_dropout", 1.0, "must be in"), ("tasks", ["binary", "binary"], "names a task twice"),
     ("pooling", "attention", "pooling"), ("ensemble", 0, "must be >= 1")],
)  # fmt: skip
def test_bad_settings_fail_at_start_up_naming_the_key(key: str, value: object, problem: str) -> None:
    params = yaml.safe_load((Path(__file__).resolve().parents[2] / "params.yaml").read_text())
    params["classify"]["bilstm"][key] = value
    with pytest.raises(ValueError, match=problem) as raised:
        validate(params)
    assert f"classify.bilstm.{key}" in str(raised.value)
    assert isinstance(classifier_settings({}), ClassifierConfig)


def test_metrics_file_holds_what_the_run_returned(trained: tuple[Path, dict[str, float]]) -> None:
    out, metrics = trained
    assert json.loads((out / "metrics.json").read_text()) == metrics
    seconds = {f"classify.tiny.{part}_seconds" for part in ("binary.fit", "fine.fit", "train")}
    assert set(json.loads((out / "timings.json").read_text())) == seconds
