"""A trained classifier as a file: its networks (one, or an ensemble's members), vocabulary and labels.

The file is self-contained, so that :mod:`wordlab.classify.predict` classifies a user's own sentences without the
configuration or the vectors it was trained from. An ensemble predicts the average of its members' class
probabilities.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from wordlab.classify.data import Examples, encode, scoring_batches
from wordlab.classify.network import SentenceClassifier
from wordlab.nn.model_file import load_model_file, save_model_file
from wordlab.text.vocab import WordVocabulary

FILE_VERSION = 1
MODEL_KIND = "wordlab sentence classifier"


@dataclasses.dataclass
class TrainedClassifier:
    members: list[SentenceClassifier]
    vocabulary: WordVocabulary
    label_names: tuple[str, ...]
    # What rebuilds a member's network: cell, hidden, layers, bidirectional, pooling, batch_norm, own_rows.
    shape: dict[str, Any]

    @torch.no_grad()
    def probabilities(
        self, sentences: Sequence[Sequence[str]], batch_size: int = 256, progress: bool = False
    ) -> np.ndarray:
        """Class probabilities (sentences, classes), the members' average."""
        rows = encode(Examples([tuple(s) for s in sentences], [0] * len(sentences)), self.vocabulary)
        total = np.zeros((len(rows), len(self.label_names)))
        for network in self.members:
            was_training = network.training
            network.eval()
            try:
                batches = tqdm(
                    scoring_batches(rows, batch_size), desc="classifying", unit="batch", disable=not progress
                )
                parts = [torch.softmax(network(b["word_ids"], b["mask"]), dim=-1) for b in batches]
            finally:
                network.train(was_training)
            total += torch.cat(parts).double().numpy()
        return total / len(self.members)

    def save(self, path: Path) -> None:
        payload = {
            "state_dicts": [network.state_dict() for network in self.members],
            "dim": self.members[0].embedding.dim,
            "vocabulary": self.vocabulary.as_dict(),
            "label_names": self.label_names,
            "shape": self.shape,
        }
        save_model_file(path, MODEL_KIND, FILE_VERSION, payload)

    @classmethod
    def load(cls, path: Path) -> TrainedClassifier:
        payload = load_model_file(path, MODEL_KIND, FILE_VERSION)
        vocabulary = WordVocabulary.from_dict(payload["vocabulary"])
        shape = dict(payload["shape"])
        table = np.zeros((len(vocabulary), int(payload["dim"])), np.float32)
        members = []
        for state in payload["state_dicts"]:
            network = SentenceClassifier(
                table, len(payload["label_names"]), dropout=0.0, generator=torch.Generator(), **shape
            )
            network.load_state_dict(state)
            members.append(network)
        return cls(members, vocabulary, tuple(payload["label_names"]), shape)
