"""Signatures of config ``_target_`` callables recorded between stage processes: what is read back must be what
``inspect`` reads from the installed package, and a recorded signature must never let a misspelt key through."""

from __future__ import annotations

import importlib.metadata
import inspect
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from wordlab import target_signatures
from wordlab.nn.config import check_target_node

SGD = "torch.optim.SGD"


@pytest.fixture()
def memory(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "cache" / "target-signatures.json"
    target_signatures.remember_in(path)
    yield path
    target_signatures.remember_in(None)


def _inspected(function: object) -> set[str]:
    return set(inspect.signature(function).parameters)  # type: ignore[arg-type]


def test_a_signature_is_recorded_with_the_installed_version_and_equals_inspect(memory: Path) -> None:
    signature = target_signatures.signature_of(SGD)
    assert signature.parameters == _inspected(torch.optim.SGD) and not signature.takes_any_keyword
    recorded = json.loads(memory.read_text())[SGD]
    assert recorded["version"] == importlib.metadata.version("torch")
    assert set(recorded["parameters"]) == _inspected(torch.optim.SGD)


def test_a_recorded_signature_is_read_back_and_one_of_another_version_is_read_again(memory: Path) -> None:
    memory.parent.mkdir(parents=True)
    planted = {"version": importlib.metadata.version("torch"), "parameters": ["params", "lr", "planted"]}
    memory.write_text(json.dumps({SGD: planted | {"takes_any_keyword": False}}))
    assert target_signatures.signature_of(SGD).parameters == {"params", "lr", "planted"}  # from the file

    memory.write_text(json.dumps({SGD: planted | {"version": "0.0.1", "takes_any_keyword": False}}))
    assert target_signatures.signature_of(SGD).parameters == _inspected(torch.optim.SGD)
    assert json.loads(memory.read_text())[SGD]["version"] == importlib.metadata.version("torch")


def test_a_damaged_file_is_read_as_empty_and_replaced(memory: Path) -> None:
    memory.parent.mkdir(parents=True)
    memory.write_text('{"torch.optim.SGD": {"vers')
    assert target_signatures.signature_of(SGD).parameters == _inspected(torch.optim.SGD)
    assert SGD in json.loads(memory.read_text())


def test_a_misspelt_argument_fails_with_the_signature_recorded(memory: Path) -> None:
    target_signatures.signature_of(SGD)  # recorded
    with pytest.raises(ValueError, match=re.escape("'lrr' is not an argument of torch.optim.SGD")) as failure:
        check_target_node({"_target_": SGD, "lrr": 0.1}, "optimizer")
    assert failure.value.full_key == "optimizer.lrr"  # type: ignore[attr-defined]
    check_target_node({"_target_": SGD, "lr": 0.1, "momentum": 0.9}, "optimizer")


def test_a_target_that_does_not_exist_is_refused_and_not_recorded(memory: Path) -> None:
    with pytest.raises(ValueError, match="cannot be imported") as failure:
        check_target_node({"_target_": "torch.optim.NoSuchOptimizer", "lr": 0.1}, "optimizer")
    assert failure.value.full_key == "optimizer._target_"  # type: ignore[attr-defined]
    assert not memory.exists()
