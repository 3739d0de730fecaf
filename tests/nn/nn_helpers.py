"""Helpers shared by the toolkit's tests (a module of its own: pytest's conftest files are not importable)."""

from __future__ import annotations

import copy
import functools
import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, OmegaConf

CONF_DIR = Path(__file__).resolve().parents[2] / "conf"
OPTIMIZERS = ("sgd", "nesterov", "adagrad", "rmsprop", "adam")


@functools.cache
def _composed(group: str, option: str, extra: tuple[str, ...]) -> dict[str, Any]:
    with initialize_config_dir(str(CONF_DIR), version_base=None):
        cfg = compose(config_name=None, overrides=[f"+{group}={option}", *extra])
    OmegaConf.resolve(cfg)  # interpolations (weight decay from the regularization group) resolved in context
    container = OmegaConf.to_container(cfg[group])
    assert isinstance(container, dict)
    return container


def compose_group(group: str, option: str, *extra: str) -> DictConfig:
    """One option of a config group, composed by Hydra as a model's config would include it (then resolved).

    ``extra`` are further overrides, e.g. ``"optimizer.lr=0.1"`` or ``"+regularization=standard"``.
    """
    return OmegaConf.create(copy.deepcopy(_composed(group, option, extra)))


_LIGHTNING_ENVIRONMENT = ("PL_GLOBAL_SEED", "PL_SEED_WORKERS", "CUBLAS_WORKSPACE_CONFIG")


@contextmanager
def quiet_single_thread() -> Iterator[None]:
    """Train quietly on one thread, then undo the process-wide settings Lightning changes (for other tests)."""
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    environment = {name: os.environ.get(name) for name in _LIGHTNING_ENVIRONMENT}
    loggers = [logging.getLogger(name) for name in ("lightning.pytorch", "lightning.fabric", "mlflow")]
    levels = [logger.level for logger in loggers]
    torch.set_num_threads(1)
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)
        for name, value in environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
