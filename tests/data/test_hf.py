"""Hugging Face DatasetDicts: Hub features and label names, published split sizes, torch round trip, cache."""

from __future__ import annotations

import hashlib
import os
import shutil
from itertools import islice
from pathlib import Path

import pytest
import torch
from datasets import ClassLabel, DatasetDict

from wordlab.data import hf
from wordlab.data.readers.conll2003 import read_conll2003
from wordlab.data.readers.conllu_reader import iter_conllu
from wordlab.data.registry import DATASETS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "data"
SPLITS = ["train", "validation", "test"]

# Label names copied from the Hub's loading scripts (huggingface/datasets: datasets/conll2003/conll2003.py and
# datasets/universal_dependencies/universal_dependencies.py), in their order.
HUB_POS = [
    '"', "''", "#", "$", "(", ")", ",", ".", ":", "``", "CC", "CD", "DT", "EX", "FW", "IN", "JJ", "JJR",
    "JJS", "LS", "MD", "NN", "NNP", "NNPS", "NNS", "NN|SYM", "PDT", "POS", "PRP", "PRP$", "RB", "RBR", "RBS",
    "RP", "SYM", "TO", "UH", "VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "WDT", "WP", "WP$", "WRB",
]  # fmt: skip
HUB_CHUNK = ["O"] + [
    f"{prefix}-{kind}"
    for kind in ["ADJP", "ADVP", "CONJP", "INTJ", "LST", "NP", "PP", "PRT", "SBAR", "UCP", "VP"]
    for prefix in "BI"
]
HUB_NER = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
HUB_UPOS = [
    "NOUN", "PUNCT", "ADP", "NUM", "SYM", "SCONJ", "ADJ", "PART", "DET", "CCONJ", "PROPN", "PRON", "X", "_",
    "ADV", "INTJ", "VERB", "AUX",
]  # fmt: skip
# The Hub's conll2003 dataset card: its first training example (IOB2 tags as ClassLabel ids).
HUB_CONLL2003_TRAIN_0 = {
    "id": "0",
    "tokens": ["EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", "."],
    "pos_tags": [22, 42, 16, 21, 35, 37, 16, 21, 7],
    "chunk_tags": [11, 21, 11, 12, 21, 22, 11, 12, 0],
    "ner_tags": [3, 0, 7, 0, 0, 0, 7, 0, 0],
}


def _files(data_dir: Path, dataset: str, splits: list[str] = SPLITS) -> dict[str, Path]:
    return {split: data_dir / DATASETS[dataset].files[split].relpath for split in splits}


@pytest.fixture(scope="session")
def conll2003_dd(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> DatasetDict:
    return hf.conll2003_dataset_dict(_files(data_dir, "conll2003"), tmp_path_factory.mktemp("hf-conll2003"))


@pytest.fixture(scope="session")
def ud_dd(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> DatasetDict:
    # validation and test only: train goes through the same code and costs seconds of conllu parsing; its
    # reading is checked against the published counts in test_readers_conllu.
    return hf.ud_dataset_dict(
        _files(data_dir, "ud_english_ewt", ["validation", "test"]), tmp_path_factory.mktemp("hf-ud")
    )


def _labels(feature: object) -> list[str]:
    inner = feature.feature  # type: ignore[attr-defined]
    assert isinstance(inner, ClassLabel)
    return list(inner.names)


def test_conll2003_features_and_label_names_are_the_hubs(conll2003_dd: DatasetDict) -> None:
    features = conll2003_dd["train"].features

    assert list(features) == ["id", "tokens", "pos_tags", "chunk_tags", "ner_tags"]
    assert _labels(features["pos_tags"]) == HUB_POS
    assert _labels(features["chunk_tags"]) == HUB_CHUNK
    assert _labels(features["ner_tags"]) == HUB_NER
    assert conll2003_dd["train"][0] == HUB_CONLL2003_TRAIN_0


@pytest.mark.parametrize("split", SPLITS)
def test_conll2003_split_sizes_match_published(conll2003_dd: DatasetDict, split: str) -> None:
    expected = DATASETS["conll2003"].counts[split]

    assert conll2003_dd[split].num_rows == expected["sentences"]
    assert sum(map(len, conll2003_dd[split]["tokens"])) == expected["tokens"]


def test_conll2003_tags_decode_to_the_readers_iob2(conll2003_dd: DatasetDict, data_dir: Path) -> None:
    documents = read_conll2003(_files(data_dir, "conll2003")["validation"], scheme="iob2")
    sentences = [s for d in documents for s in d.sentences]
    split = conll2003_dd["validation"]
    ner = split.features["ner_tags"].feature

    assert [ner.int2str(ids) for ids in split["ner_tags"]] == [list(s.ner_tags) for s in sentences]
    assert split["id"] == [str(i) for i in range(len(sentences))]


def test_ud_features_and_label_names_are_the_hubs(ud_dd: DatasetDict) -> None:
    features = ud_dd["validation"].features

    assert list(features) == [
        "idx", "text", "tokens", "lemmas", "upos", "xpos", "feats", "head", "deprel", "deps", "misc",
    ]  # fmt: skip
    assert _labels(features["upos"]) == HUB_UPOS
    assert features["head"].feature.dtype == "string"


@pytest.mark.parametrize("split", ["validation", "test"])
def test_ud_split_sizes_match_published(ud_dd: DatasetDict, split: str) -> None:
    expected = DATASETS["ud_english_ewt"].counts[split]

    assert ud_dd[split].num_rows == expected["sentences"]
    assert sum(map(len, ud_dd[split]["tokens"])) == expected["words"]


def test_ud_columns_are_the_files_columns(ud_dd: DatasetDict, data_dir: Path) -> None:
    # Independent of the reader: the integer-id lines of the file, split on tabs.
    path = _files(data_dir, "ud_english_ewt")["validation"]
    rows = [
        line.split("\t")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#") and line.split("\t", 1)[0].isdigit()
    ]
    split = ud_dd["validation"]
    upos = split.features["upos"].feature

    def flat(column: str) -> list[str]:
        return [value for sentence in split[column] for value in sentence]

    assert flat("tokens") == [r[1] for r in rows]
    assert [upos.int2str(i) for i in flat("upos")] == [r[3] for r in rows]
    for index, column in [(4, "xpos"), (5, "feats"), (6, "head"), (7, "deprel"), (8, "deps"), (9, "misc")]:
        assert flat(column) == [r[index] for r in rows], column
    assert split["idx"][:2] == [s.sent_id for s in islice(iter_conllu(path), 2)]


@pytest.mark.parametrize(("config", "count", "names"), [
    ("fine", "trees", ["very negative", "negative", "neutral", "positive", "very positive"]),
    ("binary", "binary", ["negative", "positive"]),
])  # fmt: skip
def test_sst_configs_match_published_sizes(
    data_dir: Path, tmp_path: Path, config: hf.SstConfig, count: str, names: list[str]
) -> None:
    dd = hf.sst_dataset_dict(_files(data_dir, "sst"), tmp_path, config)

    assert {split: dd[split].num_rows for split in dd} == {s: DATASETS["sst"].counts[s][count] for s in SPLITS}
    assert dd["train"].features["label"].names == names
    assert list(dd["train"].features) == ["sentence", "tokens", "label"]
    assert dd["train"][0]["sentence"].startswith("The Rock is destined")
    assert dd["train"][0]["label"] == names.index("positive")


def test_torch_round_trip_after_mapping_tokens_to_ids(conll2003_dd: DatasetDict) -> None:
    split = conll2003_dd["test"].select(range(800))
    vocabulary = {word: i for i, word in enumerate(sorted({w for s in split["tokens"][:500] for w in s}))}
    unknown = len(vocabulary)

    encoded = split.map(lambda row: {"input_ids": [vocabulary.get(w, unknown) for w in row["tokens"]]})
    tensors = encoded.with_format("torch", columns=["input_ids", "ner_tags"])
    row = tensors[0]
    expected = [[vocabulary.get(w, unknown) for w in tokens] for tokens in split["tokens"]]

    assert isinstance(row["input_ids"], torch.Tensor) and row["input_ids"].dtype == torch.int64
    assert isinstance(row["ner_tags"], torch.Tensor) and row["ner_tags"].dtype == torch.int64
    assert [ids.tolist() for ids in tensors["input_ids"]] == expected
    assert [tags.tolist() for tags in tensors["ner_tags"]] == split["ner_tags"]
    assert any(unknown in ids for ids in expected)  # words outside the first 500 sentences map to unknown


def _snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_second_call_loads_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"train": FIXTURES / "sst_small.txt"}
    first = hf.sst_dataset_dict(files, tmp_path / "cache")
    before = _snapshot(tmp_path / "cache")

    def no_rebuild(path: Path) -> None:
        raise AssertionError(f"rebuilt from {path}")

    monkeypatch.setattr(hf, "read_sst", no_rebuild)
    second = hf.sst_dataset_dict(files, tmp_path / "cache")

    assert _snapshot(tmp_path / "cache") == before
    assert second["train"].to_list() == first["train"].to_list()
    assert second["train"].cache_files[0]["filename"].startswith(str(tmp_path / "cache"))


def test_cache_follows_file_contents_not_modification_times(tmp_path: Path) -> None:
    source = tmp_path / "sst.txt"
    shutil.copyfile(FIXTURES / "sst_small.txt", source)
    cache = tmp_path / "cache"
    hf.sst_dataset_dict({"train": source}, cache)
    built = sorted(p.name for p in cache.iterdir())

    os.utime(source, ns=(0, 0))  # same bytes, another mtime: same cache
    hf.sst_dataset_dict({"train": source}, cache)
    assert sorted(p.name for p in cache.iterdir()) == built

    source.write_text(source.read_text() + "(0 (0 Awful) (2 .))\n")  # new bytes: a new build
    changed = hf.sst_dataset_dict({"train": source}, cache)
    assert len(list(cache.iterdir())) == 2
    assert changed["train"][-1]["tokens"] == ["Awful", "."]
