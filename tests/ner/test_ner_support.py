"""Shared helpers of the NER tests (plain functions; each test module makes its own fixtures from them)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
import yaml
from hydra.errors import ConfigCompositionException
from omegaconf import DictConfig, OmegaConf

from wordlab import config
from wordlab.config import TrainerConfig
from wordlab.data.hf import conll2003_dataset_dict
from wordlab.data.readers.conll2003 import DOCSTART
from wordlab.ner.data import Batch, batches, encode_splits
from wordlab.text.vectors import Vectors
from wordlab.text.vocab import WordVocabulary, vocabulary_from_tokens


def ner_options(project_root: Path) -> list[str]:
    """The options of conf/ner, by file name."""
    found = sorted(p.stem for p in (project_root / "conf" / "ner").glob("*.yaml"))
    assert found, "conf/ner is empty"
    return found


def composed_ner_entries(project_root: Path) -> dict:
    """Every conf/ner option composed as the pipeline composes it: ``ner.<name>`` entries, plain data."""
    choice = f"ner=[{','.join(ner_options(project_root))}]"
    try:  # the root defaults list selects some taggers: override its choice with every option
        text = config.compose(project_root / "conf", [choice])
    except ConfigCompositionException:  # it selects none: add the group
        text = config.compose(project_root / "conf", [f"+{choice}"])
    return yaml.safe_load(text)["ner"]


SOURCES = {"train": "eng.train", "validation": "eng.testa", "test": "eng.testb"}
# Sentences kept per split: enough for every entity type to occur, few enough for seconds-long runs.
SIZES = {"train": 300, "validation": 80, "test": 80}


def write_head(source: Path, target: Path, sentences: int) -> Path:
    """The first ``sentences`` sentences of a CoNLL-2003 file, byte for byte (documents markers included)."""
    kept: list[str] = []
    seen = 0
    with open(source, encoding="utf-8") as handle:
        previous_blank = True
        for line in handle:
            kept.append(line)
            blank = not line.strip()
            if blank and not previous_blank and not kept[-2].startswith(DOCSTART):
                seen += 1
                if seen == sentences:
                    break
            previous_blank = blank
    target.write_text("".join(kept), encoding="utf-8")
    return target


def small_conll(data_dir: Path, folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {
        split: write_head(data_dir / "conll2003" / name, folder / name, SIZES[split]) for split, name in SOURCES.items()
    }


def lowercase_vectors(files: dict[str, Path], path: Path, dim: int = 8, seed: int = 0, skip: int = 3) -> Path:
    """Random lower-cased vectors for the files' words, every ``skip``-th word left out so that UNK occurs."""
    from wordlab.data.readers.conll2003 import read_conll2003

    words = sorted(
        {
            token.lower()
            for file in files.values()
            for document in read_conll2003(file)
            for sentence in document.sentences
            for token in sentence.tokens
        }
    )
    kept = [word for i, word in enumerate(words) if i % skip]
    rng = np.random.default_rng(seed)
    Vectors(kept, rng.normal(0.0, 0.5, size=(len(kept), dim)).astype(np.float32)).save_word2vec_format(
        path, binary=path.suffix == ".bin"
    )
    return path


def trainer_config() -> DictConfig:
    """The CPU trainer, quiet and on one thread (the test machine's cores are shared)."""
    return OmegaConf.structured(TrainerConfig(enable_progress_bar=False, num_threads=1))


def tag_names() -> list[str]:
    from wordlab.data.hf import CONLL2003_NER_NAMES

    return list(CONLL2003_NER_NAMES)


def first_batch(files: dict[str, Path], cache_dir: Path, size: int = 8, min_count: int = 1) -> tuple[Batch, int]:
    """The first ``size`` training sentences with an entity, through the datasets path; and the vocabulary size."""
    raw = conll2003_dataset_dict(files, cache_dir)
    with_entities = raw["train"].filter(lambda row: any(tag != 0 for tag in row["ner_tags"]))
    vocabulary: WordVocabulary = vocabulary_from_tokens(
        (t for tokens in with_entities["tokens"] for t in tokens), min_count, True
    )
    raw["train"] = with_entities.select(range(size))
    encoded = encode_splits(raw, vocabulary)
    return next(iter(batches(encoded["train"], size, shuffle=False))), len(vocabulary)


@contextmanager
def single_thread() -> Iterator[None]:
    """One torch thread (the machine's cores are shared), then the process-wide settings as they were."""
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)
