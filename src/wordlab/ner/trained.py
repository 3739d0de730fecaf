"""A trained NER tagger as one file: its config entry, weights, vocabulary and tag names.

The file is self-contained, so that :mod:`wordlab.ner.tag` tags a user's own CoNLL-2003 file without the vectors
or the ``params.yaml`` it was trained from: the network is rebuilt from the saved entry over a zero table of the
saved shape, then given the saved weights (which include the table).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from datasets import Dataset, DatasetDict
from tqdm import tqdm

from wordlab.ner.build import build_tagger
from wordlab.ner.config import NerConfig, ner_settings
from wordlab.ner.data import batches, encode_splits
from wordlab.ner.module import PRETRAINED_ROWS, NerTagger
from wordlab.nn.model_file import load_model_file, save_model_file
from wordlab.text.vocab import WordVocabulary

FILE_VERSION = 1
MODEL_KIND = "wordlab NER tagger"


@dataclasses.dataclass
class TrainedNer:
    module: NerTagger
    settings: NerConfig
    vocabulary: WordVocabulary

    @property
    def tag_names(self) -> tuple[str, ...]:
        return self.module.tag_names

    @torch.no_grad()
    def tag(self, sentences: Sequence[Sequence[str]], batch_size: int = 128, progress: bool = False) -> list[list[str]]:
        """IOB2 tags of every sentence of tokens, in their order."""
        if any(len(tokens) == 0 for tokens in sentences):
            raise ValueError("an empty sentence: a tagger needs at least one token")
        rows = Dataset.from_dict(
            {"tokens": [list(s) for s in sentences], "ner_tags": [[0] * len(s) for s in sentences]}
        )
        encoded = encode_splits(DatasetDict({"input": rows}), self.vocabulary)["input"]
        was_training = self.module.training
        self.module.eval()
        try:
            loader = batches(encoded, batch_size, shuffle=False)
            shown = tqdm(loader, desc="tagging", unit="batch", disable=not progress)
            return [tags for batch in shown for tags in self.module.predict_batch(batch)]
        finally:
            self.module.train(was_training)

    def save(self, path: Path) -> None:
        payload = {
            "settings": dataclasses.asdict(self.settings),
            "dim": int(self.module.get_parameter(PRETRAINED_ROWS).shape[1]),
            "vocabulary": self.vocabulary.as_dict(),
            "tag_names": list(self.tag_names),
            "state_dict": self.module.state_dict(),
        }
        save_model_file(path, MODEL_KIND, FILE_VERSION, payload)

    @classmethod
    def load(cls, path: Path) -> TrainedNer:
        payload = load_model_file(path, MODEL_KIND, FILE_VERSION)
        settings = ner_settings(payload["settings"])
        vocabulary = WordVocabulary.from_dict(payload["vocabulary"])
        table = np.zeros((len(vocabulary), int(payload["dim"])), np.float32)
        module = build_tagger(settings, table, payload["tag_names"], own_rows=vocabulary.own_rows)
        module.load_state_dict(payload["state_dict"])
        return cls(module.eval(), settings, vocabulary)
