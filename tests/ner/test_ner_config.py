"""conf/ner composes with Hydra, every entry fits its schema, baselines differ only in random_init, typos fail."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from omegaconf.errors import ConfigKeyError, ValidationError
from test_ner_support import composed_ner_entries, ner_options

from wordlab.ner.config import NER_SCHEMAS, validate_ner_entry
from wordlab.nn.optim import build_optimizer, build_scheduler


@pytest.fixture(scope="module")
def composed(project_root: Path) -> dict:
    return composed_ner_entries(project_root)


def test_every_option_lands_under_its_own_name_and_validates(project_root: Path, composed: dict) -> None:
    assert sorted(composed) == ner_options(project_root)
    for name, entry in composed.items():
        validated = validate_ner_entry(entry)
        assert validated.model in NER_SCHEMAS, name
        assert {key for key in entry if key not in validated} == set(), name  # nothing dropped or unknown
        parameter = torch.nn.Parameter(torch.zeros(2, 2))
        optimizer = build_optimizer(
            validated.optimizer, [("w", parameter)], weight_decay=validated.regularization.weight_decay
        )
        assert optimizer.param_groups[0]["lr"] == entry["optimizer"]["lr"]
        build_scheduler(validated.scheduler, optimizer, total_steps=10)


def test_each_random_baseline_is_its_model_with_random_vectors(composed: dict) -> None:
    baselines = [name for name in composed if name.endswith("_random")]
    assert baselines
    for name in baselines:
        base = dict(composed[name.removesuffix("_random")])
        random = dict(composed[name])
        assert random.pop("random_init") is True and base.pop("random_init") is False
        assert random == base


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        ({"hiden": 10}, ConfigKeyError),
        ({"hidden": "wide"}, ValidationError),
        ({"crf": True}, ConfigKeyError),  # a BiLSTM key on a window entry
        ({"model": "transformer"}, ValueError),
        ({"regularization": {"dropout": 1.0}}, ValueError),
        ({"half_window": -1}, ValueError),
    ],
)
def test_mistakes_fail_naming_the_key(composed: dict, edit: dict, error: type[Exception]) -> None:
    entry = {**composed["window"], **edit}
    with pytest.raises(error, match=next(iter(edit))):
        validate_ner_entry(entry)
