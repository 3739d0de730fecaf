"""The UPOS tagger: tagged files checked with the `conllu` library, the jackknife's bookkeeping, a short real
training on a slice of EWT scored against a recount and udapi's CoNLL 2018 scorer, the command, and bad input."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import conllu
import numpy as np
import pytest
import torch
from datasets import Dataset

from wordlab.config import TrainerConfig
from wordlab.data.errors import DataFormatError
from wordlab.data.readers.conllu_reader import read_conllu
from wordlab.tagger import tag as tag_command
from wordlab.tagger.data import UPOS, folds
from wordlab.tagger.output import write_tagged
from wordlab.tagger.run import fold_training_rows, jackknife_tags, run_tagger

pytestmark = pytest.mark.usefixtures("one_torch_thread")
BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def ewt_slice(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The first sentences of each EWT split, as files of the same format (multiword tokens included)."""
    folder = tmp_path_factory.mktemp("ewt")
    files = {}
    for split, count in (("train", 400), ("dev", 120), ("test", 120)):
        text = (data_dir / "ud-english-ewt" / f"en_ewt-ud-{split}.conllu").read_text(encoding="utf-8")
        files[split] = folder / f"{split}.conllu"
        files[split].write_text("\n\n".join(text.split("\n\n")[:count]) + "\n\n", encoding="utf-8")
    return files


def test_tagged_file_differs_from_its_source_in_upos_only(ewt_slice: dict[str, Path], tmp_path: Path) -> None:
    sentences = read_conllu(ewt_slice["dev"])
    rng = np.random.default_rng(0)
    tags = [[UPOS[i] for i in rng.integers(0, len(UPOS), len(s.words))] for s in sentences]
    write_tagged(ewt_slice["dev"], tmp_path / "out.conllu", tags)
    source = conllu.parse(ewt_slice["dev"].read_text(encoding="utf-8"))
    written = conllu.parse((tmp_path / "out.conllu").read_text(encoding="utf-8"))
    assert len(written) == len(source) == len(tags)
    multiword = 0
    for before, after, sentence_tags in zip(source, written, tags, strict=True):
        assert before.metadata == after.metadata
        words = iter(sentence_tags)
        for old, new in zip(before, after, strict=True):
            if isinstance(old["id"], int):
                assert new["upos"] == next(words)
                assert {k: v for k, v in new.items() if k != "upos"} == {k: v for k, v in old.items() if k != "upos"}
            else:
                multiword += 1
                assert new == old
    assert multiword > 0  # the slice holds multiword tokens ("don't"), kept as they were


def test_wrong_number_of_tags_is_refused_with_the_line(ewt_slice: dict[str, Path], tmp_path: Path) -> None:
    sentences = read_conllu(ewt_slice["dev"])
    tags = [["NOUN"] * len(s.words) for s in sentences]
    tags[0] = tags[0][:-1]
    with pytest.raises(DataFormatError, match=r"dev\.conllu:\d+: sentence 1 has"):
        write_tagged(ewt_slice["dev"], tmp_path / "out.conllu", tags)
    assert not (tmp_path / "out.conllu").exists()


def test_folds_are_contiguous_and_cover_every_sentence_once() -> None:
    blocks = folds(103, 5)
    assert [len(b) for b in blocks] == [21, 21, 21, 20, 20]
    assert np.concatenate(blocks).tolist() == list(range(103))
    with pytest.raises(ValueError, match="2 <= k"):
        folds(3, 5)


@dataclass
class _Recorder:
    """Which sentences a model was trained on; it tags by remembering what it tagged."""

    trained_on: set[int]
    tagged: list[tuple[set[int], int]]

    def tag_encoded(self, rows: Dataset, batch_size: int = 0) -> list[list[str]]:
        self.tagged += [(self.trained_on, i) for i in rows["sentence"]]
        return [["X"] * n for n in rows["words"]]


def test_the_jackknife_never_tags_a_sentence_with_a_model_that_saw_it(ewt_slice: dict[str, Path]) -> None:
    sentences = read_conllu(ewt_slice["train"])
    rows = Dataset.from_dict({"sentence": list(range(len(sentences))), "words": [len(s.words) for s in sentences]})
    tagged: list[tuple[set[int], int]] = []
    blocks = folds(len(sentences), 4)
    models = [
        _Recorder(set(rows.select(training.tolist())["sentence"]), tagged) for training in fold_training_rows(blocks)
    ]
    tags = jackknife_tags(sentences, rows, blocks, models, 32)
    assert len(tags) == len(sentences) and all(len(t) == len(s.words) for t, s in zip(tags, sentences, strict=True))
    assert sorted(i for _, i in tagged) == list(range(len(sentences)))  # every sentence tagged once
    assert all(i not in seen for seen, i in tagged)
    assert all(len(seen) >= len(sentences) * 3 // 4 - 1 for seen, _ in tagged)  # trained on the other 3 folds


def test_trainings_side_by_side_give_the_models_they_give_one_after_another(
    ewt_slice: dict[str, Path], tmp_path: Path
) -> None:
    """The full model and the jackknife's two fold models in two worker processes (one thread each) tag every file
    as the same three trainings run in this process on one thread: each training seeds itself."""
    settings = {"vectors": None, "epochs": 2, "jackknife": 2, "hidden": 16, "dim": 16, "min_count": 1}
    outputs = []
    for threads, processes in ((1, 1), (2, 2)):
        out = tmp_path / f"{processes}"
        trainer = TrainerConfig(num_threads=threads, parallel_fits=processes, enable_progress_bar=False,
                                limit_train_batches=3)  # fmt: skip
        metrics = run_tagger("tiny", settings, vectors_path=None, files=ewt_slice, out_dir=out, curves_dir=out / "c",
                             trainer_cfg=trainer, run=None)  # fmt: skip
        timings = json.loads((out / "timings.json").read_text())
        assert {"tagger.tiny.full.fit_seconds", "tagger.tiny.fold1.fit_seconds"} <= set(timings)
        outputs.append((metrics, *((out / f"tagged.{split}.conllu").read_text() for split in ("train", "dev", "test"))))
    assert outputs[0] == outputs[1]
    assert (tmp_path / "2" / "c" / "fold1" / "train.tsv").is_file()  # a worker's curves land where the stage's do


@pytest.fixture(scope="module")
def trained(ewt_slice: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float]]:
    out = tmp_path_factory.mktemp("tagger")
    settings = {"vectors": None, "epochs": 3, "jackknife": 2, "hidden": 32, "dim": 32, "min_count": 1}
    metrics = run_tagger("tiny", settings, vectors_path=None, files=ewt_slice, out_dir=out, curves_dir=out / "curves",
                         trainer_cfg=TrainerConfig(num_threads=1, enable_progress_bar=False), run=None)  # fmt: skip
    return out, metrics


def test_same_settings_and_seed_give_the_same_metrics_whatever_the_process_drew_before(
    ewt_slice: dict[str, Path], tmp_path: Path
) -> None:
    """The global generator's state before a training must not matter: the casing embedding draws from it, so a
    stage run after other work (or in a fresh process) once trained a different model."""
    import torch

    settings = {"vectors": None, "epochs": 1, "jackknife": 0, "hidden": 16, "dim": 16, "min_count": 1}
    trainer = TrainerConfig(num_threads=1, enable_progress_bar=False, limit_train_batches=4)
    results = []
    for draws in (1, 12345):  # two states no test left on purpose
        torch.rand(draws)
        out = tmp_path / str(draws)
        results.append(run_tagger("tiny", settings, vectors_path=None, files=ewt_slice, out_dir=out, curves_dir=out,
                                  trainer_cfg=trainer, run=None))  # fmt: skip
    assert results[0] == results[1]


def _recount(gold: Path, tagged: Path) -> float:
    pairs = [(g["upos"], t["upos"])
             for gs, ts in zip(conllu.parse(gold.read_text()), conllu.parse(tagged.read_text()), strict=True)
             for g, t in zip(gs, ts, strict=True) if isinstance(g["id"], int)]  # fmt: skip
    return float(np.mean([g == t for g, t in pairs]))


def test_accuracy_is_a_recount_of_the_tagged_files(
    trained: tuple[Path, dict[str, float]], ewt_slice: dict[str, Path]
) -> None:
    out, metrics = trained
    sys.path.insert(0, str(BENCH))
    from conll18 import conll18_scores  # bench/conll18.py: udapi's eval.Conll18, the benchmark's scorer

    for split, key in (("dev", "dev.accuracy"), ("test", "test.accuracy"), ("train", "train.jackknife_accuracy")):
        tagged = out / f"tagged.{split}.conllu"
        assert metrics[f"tagger.tiny.{key}"] == pytest.approx(_recount(ewt_slice[split], tagged))
        official = conll18_scores(ewt_slice[split], tagged)["upos"]
        assert metrics[f"tagger.tiny.{key}"] == pytest.approx(official, abs=1e-9)
    # it learned: above the most frequent tag's share of the test words
    gold = [w.upos for s in read_conllu(ewt_slice["test"]) for w in s.words]
    assert metrics["tagger.tiny.test.accuracy"] > max(gold.count(t) for t in UPOS) / len(gold)
    assert json.loads((out / "metrics.json").read_text()) == metrics


def test_command_tags_a_file_as_the_stage_did(
    trained: tuple[Path, dict[str, float]], ewt_slice: dict[str, Path], tmp_path: Path
) -> None:
    out, _ = trained
    assert tag_command.main([str(out / "tagger.pt"), str(ewt_slice["test"]), "--out", str(tmp_path / "t.conllu")]) == 0
    assert (tmp_path / "t.conllu").read_text() == (out / "tagged.test.conllu").read_text()
    bad = tmp_path / "bad.conllu"
    bad.write_text("1\tHello\t_\t_\t_\t_\tx\t_\t_\t_\n\n", encoding="utf-8")
    assert tag_command.main([str(out / "tagger.pt"), str(bad), "--out", str(tmp_path / "never.conllu")]) == 2
    assert not (tmp_path / "never.conllu").exists()


def test_command_tags_tokenised_text_as_it_tags_the_same_words_in_conllu(
    trained: tuple[Path, dict[str, float]], ewt_slice: dict[str, Path], tmp_path: Path
) -> None:
    out, _ = trained
    sentences = read_conllu(ewt_slice["test"])
    text = tmp_path / "mine.txt"
    text.write_text("".join(" ".join(w.form for w in s.words) + "\n" for s in sentences), encoding="utf-8")
    tagged = tmp_path / "mine.conllu"
    assert tag_command.main([str(out / "tagger.pt"), str(text), "--tokenised", "--out", str(tagged)]) == 0
    from_text = [[w["upos"] for w in s] for s in conllu.parse(tagged.read_text())]
    from_conllu = [[w["upos"] for w in s if isinstance(w["id"], int)]
                   for s in conllu.parse((out / "tagged.test.conllu").read_text())]  # fmt: skip
    assert from_text == from_conllu
    assert [[w["form"] for w in s] for s in conllu.parse(tagged.read_text())] == [
        [w.form for w in s.words] for s in sentences
    ]
    text.write_text("a fine film\n\nanother\n", encoding="utf-8")
    assert tag_command.main([str(out / "tagger.pt"), str(text), "--tokenised", "--out", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()
    # A model of another task is refused by what it is, not with a traceback.
    parser_like = tmp_path / "other.pt"
    torch.save({"version": 1, "state_dicts": []}, parser_like)
    assert tag_command.main([str(parser_like), str(text), "--tokenised", "--out", str(tmp_path / "x")]) == 2
