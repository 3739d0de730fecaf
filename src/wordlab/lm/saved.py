"""A trained language model as one self-contained file: what :mod:`wordlab.lm.generate` and users load.

The file holds the network's class name and constructor arguments, its weights and the vocabulary (or, for the
Kneser-Ney baseline, its trie levels' arrays), so that it can be rebuilt without the config that trained it
(``torch.load`` with ``weights_only=True``: plain tensors, strings and numbers only, no pickled code).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from wordlab.lm.data import LMVocabulary
from wordlab.lm.fixed_window import FixedWindowLM
from wordlab.lm.kneser_ney import KneserNeyLM
from wordlab.lm.recurrent import RecurrentLM
from wordlab.nn.model_file import load_model_file, save_model_file

FORMAT_VERSION = 1
MODEL_KIND = "wordlab language model"
NETWORKS: dict[str, type[nn.Module]] = {"RecurrentLM": RecurrentLM, "FixedWindowLM": FixedWindowLM}
LanguageModel = nn.Module | KneserNeyLM  # what a model file holds: a network, or the counted baseline


def save_model(path: Path, network: nn.Module, arguments: dict[str, Any], vocabulary: LMVocabulary) -> None:
    """Write ``network`` (built as ``type(network)(len(vocabulary), **arguments)``) and its vocabulary."""
    kind = type(network).__name__
    if kind not in NETWORKS:
        raise ValueError(f"cannot save a {kind}: only {sorted(NETWORKS)}")
    payload = {
        "network": kind,
        "arguments": {key: value for key, value in arguments.items() if key != "pretrained"},
        "state_dict": network.state_dict(),
        "vocabulary": list(vocabulary.words),
    }
    save_model_file(path, MODEL_KIND, FORMAT_VERSION, payload)


def save_ngram(path: Path, model: KneserNeyLM, vocabulary: LMVocabulary) -> None:
    """Write a fitted Kneser-Ney model (its trie levels as tensors) and its vocabulary."""
    payload = {
        "network": "KneserNeyLM",
        "arguments": {},
        "state_dict": _as_tensors(model.state()),
        "vocabulary": list(vocabulary.words),
    }
    save_model_file(path, MODEL_KIND, FORMAT_VERSION, payload)


def load_model(path: Path) -> tuple[LanguageModel, LMVocabulary]:
    """The model (a network in eval mode, or the n-gram model) and vocabulary saved at ``path``; ValueError if it
    is not such a file."""
    path = Path(path)
    if path.is_dir():
        path = path / "model.pt"
    payload = load_model_file(path, MODEL_KIND, FORMAT_VERSION, weights_only=True)
    vocabulary = LMVocabulary(tuple(payload["vocabulary"]))
    if payload["network"] == "KneserNeyLM":
        return KneserNeyLM.from_state(_as_arrays(payload["state_dict"])), vocabulary
    network = NETWORKS[payload["network"]](len(vocabulary), **payload["arguments"])
    network.load_state_dict(payload["state_dict"])
    return network.eval(), vocabulary


def _as_tensors(value: Any) -> Any:
    """numpy arrays as tensors, through dicts and lists: a ``weights_only`` file holds no numpy objects."""
    if isinstance(value, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(value))
    if isinstance(value, dict):
        return {key: _as_tensors(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_tensors(item) for item in value]
    return value


def _as_arrays(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.numpy()
    if isinstance(value, dict):
        return {key: _as_arrays(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_arrays(item) for item in value]
    return value
