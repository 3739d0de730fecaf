"""Schemas of the toolkit's config groups, for the root schema in :mod:`wordlab.config`.

Each task's entry holds its own ``optimizer``, ``scheduler`` and ``regularization`` nodes, drawn from the option
files of ``conf/optimizer``, ``conf/scheduler`` and ``conf/regularization`` through the entry's defaults list.
Only ``regularization`` has a fixed set of keys and so a strict schema: a misspelt key (``droput``) or a wrong type
fails when the composed config is validated. ``optimizer`` and ``scheduler`` are Hydra ``_target_`` nodes whose
keys are the target's own arguments, so they are typed ``Any`` in a task's schema and checked instead by
instantiating them (:func:`wordlab.nn.optim.build_optimizer`), which rejects an unknown argument by name.

Kept free of torch and Lightning imports: the root config module imports it at every stage's start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from wordlab.target_signatures import signature_of


class StopMode(Enum):
    min = "min"  # the monitored metric should fall (a loss)
    max = "max"  # the monitored metric should rise (an accuracy, an F1)


@dataclass
class EarlyStoppingConfig:
    # Stop after this many validations without improvement; null disables early stopping.
    patience: int | None = None
    # A metric the LightningModule logs with self.log at validation time.
    monitor: str = "val_loss"
    mode: StopMode = StopMode.min
    # An improvement smaller than this does not reset the patience counter.
    min_delta: float = 0.0


@dataclass
class RegularizationConfig:
    # Inverted-dropout probability of zeroing an activation (0 disables); models pass it to their dropout layers.
    dropout: float = 0.0
    # L2 penalty (weight_decay / 2) * ||W||^2 on non-bias parameters only, applied by the optimiser's param groups.
    weight_decay: float = 0.0
    # After each step, rescale each unit's incoming weight vector (each row of an (out, in) weight) to at most
    # this L2 norm; null disables.
    max_norm: float | None = None
    # Rescale the gradient so that its global L2 norm is at most this before each step; null disables.
    grad_clip: float | None = None
    early_stopping: EarlyStoppingConfig = field(default_factory=EarlyStoppingConfig)


def check_entry_regularization(cfg: RegularizationConfig, group: str) -> None:
    """:func:`check_regularization` for a task entry's ``regularization`` node: the error names the group's key
    and carries ``full_key`` ``regularization`` for the config's file-and-line report."""
    try:
        check_regularization(cfg, prefix=f"{group}.regularization.")
    except ValueError as error:
        error.full_key = "regularization"  # type: ignore[attr-defined]
        raise


def check_regularization(cfg: RegularizationConfig, prefix: str = "regularization.") -> None:
    """The range checks a schema cannot express; raise ``ValueError`` naming the key (under ``prefix``)."""
    if not 0.0 <= cfg.dropout < 1.0:
        raise ValueError(f"{prefix}dropout must be in [0, 1), got {cfg.dropout}")
    if cfg.weight_decay < 0.0:
        raise ValueError(f"{prefix}weight_decay must be >= 0, got {cfg.weight_decay}")
    for key in ("max_norm", "grad_clip"):
        value = getattr(cfg, key)
        if value is not None and value <= 0.0:
            raise ValueError(f"{prefix}{key} must be positive or null, got {value}")
    patience = cfg.early_stopping.patience
    if patience is not None and patience < 0:
        raise ValueError(f"{prefix}early_stopping.patience must be >= 0 or null, got {patience}")


# Keys of a scheduler node that tell Lightning when to step it rather than being the scheduler's own arguments.
SCHEDULER_STEPPING_KEYS = frozenset({"interval", "monitor"})


def check_target_node(node: Any, key: str, extra_keys: frozenset[str] = frozenset()) -> None:
    """Check a Hydra ``_target_`` node's keys against the target's signature, at start-up rather than at training.

    A misspelt argument (``lrr``) would otherwise pass validation, since the node's keys are the target's own, and
    fail only when a model instantiates it, an hour in. The target is imported here (torch for an optimiser), or
    its signature read from what an earlier stage recorded (:mod:`wordlab.target_signatures`), but not called.
    Raises ``ValueError`` naming the unknown key (as ``full_key``, under ``key``, the node's own key) or the target
    that does not exist.
    """
    if node is None:
        return
    target = node.get("_target_") if hasattr(node, "get") else None
    if target is None:
        return
    try:
        signature = signature_of(str(target))
    except (ImportError, AttributeError, ValueError) as error:
        failure = ValueError(f"_target_ {target!r} cannot be imported: {error}")
        failure.full_key = f"{key}._target_"  # type: ignore[attr-defined]
        raise failure from None
    if signature.takes_any_keyword:
        return
    parameters = signature.parameters
    allowed = set(parameters) | {"_target_", "_partial_", "_convert_", "_recursive_", "_args_"} | set(extra_keys)
    for name in node:
        if name not in allowed:
            takes = sorted(set(parameters) - {"params"})
            unknown = ValueError(f"{name!r} is not an argument of {target} (it takes {takes})")
            unknown.full_key = f"{key}.{name}"  # type: ignore[attr-defined]
            raise unknown
