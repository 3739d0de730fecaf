"""A trained language model as one self-contained file: what :mod:`wordlab.lm.generate` and users load.

The file holds the network's class name and constructor arguments, its weights and the vocabulary, so that it can
be rebuilt without the config that trained it (``torch.load`` with ``weights_only=True``: plain tensors, strings
and numbers only, no pickled code).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import nn

from wordlab.lm.data import LMVocabulary
from wordlab.lm.fixed_window import FixedWindowLM
from wordlab.lm.recurrent import RecurrentLM
from wordlab.nn.model_file import load_model_file, save_model_file

FORMAT_VERSION = 1
MODEL_KIND = "wordlab language model"
NETWORKS: dict[str, type[nn.Module]] = {"RecurrentLM": RecurrentLM, "FixedWindowLM": FixedWindowLM}


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


def load_model(path: Path) -> tuple[nn.Module, LMVocabulary]:
    """The network (in eval mode) and vocabulary saved at ``path``; ValueError if it is not such a file."""
    path = Path(path)
    if path.is_dir():
        path = path / "model.pt"
    payload = load_model_file(path, MODEL_KIND, FORMAT_VERSION, weights_only=True)
    vocabulary = LMVocabulary(tuple(payload["vocabulary"]))
    network = NETWORKS[payload["network"]](len(vocabulary), **payload["arguments"])
    network.load_state_dict(payload["state_dict"])
    return network.eval(), vocabulary
