"""Schema of the ``corpus`` config group: which dataset, which splits, how to tokenise, how to cut the vocabulary.

Torch-free, like every schema module: :mod:`wordlab.config` imports it at every stage's start-up. The stage hands
the validated objects themselves to :func:`wordlab.corpus.prepare.prepare_corpus`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from omegaconf import MISSING

from wordlab.config import check_name
from wordlab.corpus.tokenize import Tokenizer


class OovMode(Enum):
    unk = "unk"  # words outside the vocabulary become the unknown token (language models)
    drop = "drop"  # words outside the vocabulary are removed (word2vec and GloVe)


@dataclass
class VocabConfig:
    min_count: int = 1
    max_size: int | None = None
    unk: str = "<unk>"
    oov: OovMode = OovMode.unk


@dataclass
class CorpusConfig:
    name: str = MISSING
    dataset: str = MISSING
    # Registry file roles to prepare; the vocabulary comes from the first.
    splits: list[str] = field(default_factory=lambda: ["train"])
    # Read only the first N lines of each split (quick runs and tests); null reads everything.
    max_lines: int | None = None
    tokenizer: Tokenizer = field(default_factory=Tokenizer)
    vocab: VocabConfig = field(default_factory=VocabConfig)

    def __post_init__(self) -> None:
        for split in self.splits:  # each names files of the prepared corpus
            check_name(split, "corpus split")


SCHEMA = CorpusConfig
