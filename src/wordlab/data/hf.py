"""The labelled datasets as ``datasets.DatasetDict`` objects shaped like their Hugging Face Hub versions.

Users who know the Hub's ``conll2003``, ``universal_dependencies`` (en_ewt) and SST get the features they
expect, built from the local, hash-pinned files through wordlab's own readers: ``datasets`` 4+ no longer runs
the Hub's loading scripts, and nothing here may touch the network.

Each DatasetDict is saved as Arrow under the folder the caller passes (a run's own folder), in a subfolder
keyed on the sha256 of the source files; ``datasets``' own fingerprints follow file modification times, which
a fresh checkout or a copy changes without changing a byte.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

import pyarrow as pa
from datasets import ClassLabel, Dataset, DatasetDict, DatasetInfo, Features, Sequence, Value, load_from_disk

from wordlab.data.locate import sha256_of
from wordlab.data.readers.conll2003 import read_conll2003
from wordlab.data.readers.conllu_reader import read_conllu
from wordlab.data.readers.sst import BINARY_LABELS, FINE_LABELS, binary_label, read_sst
from wordlab.io import atomic_directory

# Bump when a builder's output changes for the same source files: old caches then stop matching.
BUILD_VERSION = 1
SOURCE_FILE = "wordlab_source.json"

# Names and order as in the Hub's conll2003 script, so that label ids agree with models trained on it.
CONLL2003_POS_NAMES = (
    '"', "''", "#", "$", "(", ")", ",", ".", ":", "``", "CC", "CD", "DT", "EX", "FW", "IN", "JJ", "JJR",
    "JJS", "LS", "MD", "NN", "NNP", "NNPS", "NNS", "NN|SYM", "PDT", "POS", "PRP", "PRP$", "RB", "RBR", "RBS",
    "RP", "SYM", "TO", "UH", "VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "WDT", "WP", "WP$", "WRB",
)  # fmt: skip
CONLL2003_CHUNK_NAMES = (
    "O", "B-ADJP", "I-ADJP", "B-ADVP", "I-ADVP", "B-CONJP", "I-CONJP", "B-INTJ", "I-INTJ", "B-LST", "I-LST",
    "B-NP", "I-NP", "B-PP", "I-PP", "B-PRT", "I-PRT", "B-SBAR", "I-SBAR", "B-UCP", "I-UCP", "B-VP", "I-VP",
)  # fmt: skip
CONLL2003_NER_NAMES = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC")
# The Hub's universal_dependencies script: the 17 UPOS tags and "_" (its multiword-token lines), its order.
UD_UPOS_NAMES = (
    "NOUN", "PUNCT", "ADP", "NUM", "SYM", "SCONJ", "ADJ", "PART", "DET", "CCONJ", "PROPN", "PRON", "X", "_",
    "ADV", "INTJ", "VERB", "AUX",
)  # fmt: skip

CONLL2003_FEATURES = Features(
    {
        "id": Value("string"),
        "tokens": Sequence(Value("string")),
        "pos_tags": Sequence(ClassLabel(names=list(CONLL2003_POS_NAMES))),
        "chunk_tags": Sequence(ClassLabel(names=list(CONLL2003_CHUNK_NAMES))),
        "ner_tags": Sequence(ClassLabel(names=list(CONLL2003_NER_NAMES))),
    }
)
UD_FEATURES = Features(
    {
        "idx": Value("string"),
        "text": Value("string"),
        "tokens": Sequence(Value("string")),
        "lemmas": Sequence(Value("string")),
        "upos": Sequence(ClassLabel(names=list(UD_UPOS_NAMES))),
        **{name: Sequence(Value("string")) for name in ("xpos", "feats", "head", "deprel", "deps", "misc")},
    }
)
SstConfig = Literal["fine", "binary"]
SST_FEATURES: dict[str, Features] = {
    config: Features(
        {
            "sentence": Value("string"),
            "tokens": Sequence(Value("string")),
            "label": ClassLabel(names=list(names)),
        }
    )
    for config, names in (("fine", FINE_LABELS), ("binary", BINARY_LABELS))
}


def conll2003_dataset_dict(files: Mapping[str, Path], cache_dir: Path) -> DatasetDict:
    """CoNLL-2003 as the Hub's ``conll2003``: one row per sentence, chunk and NER tags in IOB2.

    ``files`` maps split names (train, validation, test) to the published ``eng.*`` files.
    """

    def build() -> DatasetDict:
        return DatasetDict({split: _conll2003_split(Path(path)) for split, path in files.items()})

    return _cached("conll2003", files, Path(cache_dir), build)


def ud_dataset_dict(files: Mapping[str, Path], cache_dir: Path) -> DatasetDict:
    """A UD treebank as the Hub's ``universal_dependencies`` configs, integer-id words only.

    As on the Hub, ``head`` is a string; ``xpos``, ``feats``, ``deps`` and ``misc`` hold the CoNLL-U column as
    written (``_`` when empty), where the Hub's script stored Python reprs of conllu's parsed values.
    """

    def build() -> DatasetDict:
        return DatasetDict({split: _ud_split(Path(path)) for split, path in files.items()})

    return _cached("ud", files, Path(cache_dir), build)


def sst_dataset_dict(files: Mapping[str, Path], cache_dir: Path, config: SstConfig = "fine") -> DatasetDict:
    """SST sentences (root labels only): ``fine`` has the five classes, ``binary`` drops neutral (label 2)."""
    if config not in SST_FEATURES:
        raise ValueError(f"unknown SST config {config!r}: expected 'fine' or 'binary'")

    def build() -> DatasetDict:
        return DatasetDict({split: _sst_split(Path(path), config) for split, path in files.items()})

    return _cached(f"sst-{config}", files, Path(cache_dir), build)


def _conll2003_split(path: Path) -> Dataset:
    sentences = [sentence for document in read_conll2003(path, scheme="iob2") for sentence in document.sentences]
    pos_ids, chunk_ids, ner_ids = (
        _ids(names, path) for names in (CONLL2003_POS_NAMES, CONLL2003_CHUNK_NAMES, CONLL2003_NER_NAMES)
    )
    return _dataset(
        {
            "id": [str(i) for i in range(len(sentences))],
            "tokens": [list(s.tokens) for s in sentences],
            "pos_tags": [[pos_ids(tag) for tag in s.pos_tags] for s in sentences],
            "chunk_tags": [[chunk_ids(tag) for tag in s.chunk_tags] for s in sentences],
            "ner_tags": [[ner_ids(tag) for tag in s.ner_tags] for s in sentences],
        },
        CONLL2003_FEATURES,
    )


def _ud_split(path: Path) -> Dataset:
    sentences = read_conllu(path)
    upos_ids = _ids(UD_UPOS_NAMES, path)
    columns: dict[str, list] = {name: [] for name in UD_FEATURES}
    for index, sentence in enumerate(sentences):
        words = sentence.words
        columns["idx"].append(sentence.sent_id if sentence.sent_id is not None else str(index))
        columns["text"].append(sentence.text if sentence.text is not None else " ".join(w.form for w in words))
        columns["tokens"].append([w.form for w in words])
        columns["lemmas"].append([w.lemma for w in words])
        columns["upos"].append([upos_ids(w.upos) for w in words])
        columns["xpos"].append([w.xpos if w.xpos is not None else "_" for w in words])
        columns["feats"].append([_join_pairs(w.feats, "=") for w in words])
        columns["head"].append([str(w.head) for w in words])
        columns["deprel"].append([w.deprel for w in words])
        columns["deps"].append([_join_pairs(w.deps, ":") for w in words])
        columns["misc"].append([_join_pairs(w.misc, "=") for w in words])
    return _dataset(columns, UD_FEATURES)


def _join_pairs(pairs: tuple[tuple[str, str], ...], separator: str) -> str:
    """A CoNLL-U key-value column back as written: ``_`` when empty, a bare key when its value is empty."""
    if not pairs:
        return "_"
    return "|".join(f"{key}{separator}{value}" if value else key for key, value in pairs)


def _sst_split(path: Path, config: SstConfig) -> Dataset:
    rows: dict[str, list] = {"sentence": [], "tokens": [], "label": []}
    for tree in read_sst(path):
        label = tree.label if config == "fine" else binary_label(tree.label)
        if label is None:
            continue
        rows["sentence"].append(" ".join(tree.tokens))
        rows["tokens"].append(list(tree.tokens))
        rows["label"].append(label)
    return _dataset(rows, SST_FEATURES[config])


def _dataset(columns: dict[str, list], features: Features) -> Dataset:
    """A Dataset straight from columns whose labels are already ids (``Dataset.from_dict`` would re-encode
    every one of them in Python, seconds for CoNLL-2003)."""
    table = pa.Table.from_pydict(columns, schema=features.arrow_schema)
    return Dataset(table, info=DatasetInfo(features=features))


def _ids(names: tuple[str, ...], path: Path) -> Callable[[str], int]:
    """Label name to its ClassLabel id; an unknown name is a file the Hub's label set cannot describe."""
    index = {name: i for i, name in enumerate(names)}

    def to_id(name: str) -> int:
        try:
            return index[name]
        except KeyError:
            raise ValueError(f"{path}: label {name!r} is not among the Hub's {len(names)} names") from None

    return to_id


def _cached(kind: str, files: Mapping[str, Path], cache_dir: Path, build: Callable[[], DatasetDict]) -> DatasetDict:
    """Load ``kind`` from its cache folder for these exact file contents, built and saved first if absent.

    The folder is written under a temporary name and renamed into place whole, so a folder with its source
    record is always complete; a build that dies leaves nothing that a later call would trust. (A later
    ``.map`` on the returned splits writes its own cache files beside the Arrow data, as ``datasets`` does
    for any dataset loaded from disk; the saved data itself is never rewritten.)
    """
    hashes = {split: sha256_of(Path(path)) for split, path in sorted(files.items())}
    key = hashlib.sha256(json.dumps([kind, BUILD_VERSION, hashes]).encode()).hexdigest()
    target = cache_dir / f"{kind}-{key[:16]}"
    if not (target / SOURCE_FILE).is_file():
        dataset_dict = build()
        source = {
            "kind": kind,
            "build_version": BUILD_VERSION,
            "files": {split: {"name": Path(files[split]).name, "sha256": sha} for split, sha in hashes.items()},
        }
        with atomic_directory(target) as tmp:
            dataset_dict.save_to_disk(str(tmp))
            (tmp / SOURCE_FILE).write_text(json.dumps(source, indent=2) + "\n", encoding="utf-8")
    loaded = load_from_disk(str(target))
    if not isinstance(loaded, DatasetDict):
        raise TypeError(f"{target} holds a single Dataset, not the DatasetDict wordlab saved there")
    return loaded
