"""Optimisers and learning-rate schedules built from the ``optimizer`` and ``scheduler`` config groups.

Both groups are Hydra ``_target_`` nodes with ``_partial_: true``: instantiating one gives a factory still waiting
for its parameters (optimiser) or its optimiser (schedule), so that any model's config can switch either by name.

Weight decay is the L2 penalty of the ``regularization`` group. The optimiser files read it by interpolation
(``weight_decay: ${oc.select:regularization.weight_decay,0.0}``) so that it is set in one place, and
:func:`build_optimizer` applies it through two parameter groups so that biases are never decayed: a bias only
shifts a unit's operating point, and shrinking it towards zero adds bias to the model without reducing variance.

A ``scheduler`` node may carry two keys of its own that are not arguments of the torch class, and which
:func:`build_scheduler` removes before instantiating: ``interval`` (``epoch`` or ``step``: when Lightning steps the
schedule) and ``monitor`` (the metric a plateau schedule watches). ``_target_: null`` means no schedule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import torch
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from wordlab.nn.init import is_bias

if TYPE_CHECKING:
    from lightning.pytorch.utilities.types import LRSchedulerConfigType, OptimizerConfig, OptimizerLRSchedulerConfig

SCHEDULER_KEYS = ("interval", "monitor")
_LENGTH_ARGUMENTS = ("total_iters", "T_max")  # filled from total_steps when null


def _plain(cfg: Mapping[str, Any] | DictConfig | None) -> dict[str, Any]:
    if cfg is None:
        return {}
    if isinstance(cfg, DictConfig):
        container = OmegaConf.to_container(cfg, resolve=True)
        assert isinstance(container, dict)
        return cast(dict[str, Any], container)
    return dict(cfg)


def split_decay_groups(
    named_parameters: Iterable[tuple[str, torch.nn.Parameter]],
    weight_decay: float,
    no_decay: Callable[[str, torch.nn.Parameter], bool] | None = None,
) -> list[dict[str, Any]]:
    """Two param groups: decayed weights, and undecayed biases (by name, :func:`wordlab.nn.init.is_bias`).

    Frozen parameters are left out. ``no_decay(name, param)`` overrides which parameters escape the decay.
    """
    exempt = no_decay or (lambda name, _param: is_bias(name))
    decay: list[torch.nn.Parameter] = []
    keep: list[torch.nn.Parameter] = []
    for name, param in named_parameters:
        if param.requires_grad:
            (keep if exempt(name, param) else decay).append(param)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": keep, "weight_decay": 0.0}]
    return [group for group in groups if group["params"]]


def build_optimizer(
    cfg: Mapping[str, Any] | DictConfig,
    named_parameters: Iterable[tuple[str, torch.nn.Parameter]],
    *,
    weight_decay: float | None = None,
    no_decay: Callable[[str, torch.nn.Parameter], bool] | None = None,
    lr_scales: Mapping[str, float] | None = None,
) -> torch.optim.Optimizer:
    """Instantiate the configured optimiser over ``named_parameters`` with weight decay on non-bias params only.

    The decay is ``weight_decay`` if given, else the node's own ``weight_decay`` key, else 0. ``lr_scales``
    (parameter name -> multiple) trains those parameters at that multiple of the node's ``lr``.
    """
    node = _plain(cfg)
    if not node.get("_target_"):
        raise ValueError("optimizer config has no _target_ (e.g. torch.optim.Adam)")
    configured = node.pop("weight_decay", None)
    decay = float(weight_decay if weight_decay is not None else (configured or 0.0))
    node["_partial_"] = True
    factory = instantiate(node, _convert_="all")
    named = list(named_parameters)
    scales = dict(lr_scales or {})
    unknown = sorted(set(scales) - {name for name, _ in named})
    if unknown:
        raise ValueError(f"learning-rate scales name no parameter of the model: {unknown}")
    if scales and "lr" not in node:
        raise ValueError("a learning-rate scale needs the optimizer node's lr")
    groups = split_decay_groups([(n, p) for n, p in named if n not in scales], decay, no_decay)
    for name, param in named:  # a scaled parameter: its own group(s), decayed by the same rule
        if name in scales:
            lr = float(node["lr"]) * float(scales[name])
            groups += [{**group, "lr": lr} for group in split_decay_groups([(name, param)], decay, no_decay)]
    if not groups:
        raise ValueError("no trainable parameters to optimise")
    return factory(groups)


@dataclass(frozen=True)
class Schedule:
    """A built schedule and when Lightning should step it."""

    scheduler: Any  # torch.optim.lr_scheduler.LRScheduler or ReduceLROnPlateau
    interval: str = "epoch"
    monitor: str | None = None

    def lightning_config(self) -> LRSchedulerConfigType:
        """The ``lr_scheduler`` entry of a LightningModule's ``configure_optimizers`` return value."""
        entry: LRSchedulerConfigType = {"scheduler": self.scheduler, "interval": self.interval, "frequency": 1}
        if self.monitor is not None:
            entry["monitor"] = self.monitor
        return entry


def build_scheduler(
    cfg: Mapping[str, Any] | DictConfig | None,
    optimizer: torch.optim.Optimizer,
    *,
    total_steps: int | None = None,
) -> Schedule | None:
    """Instantiate the configured schedule for ``optimizer``; ``None`` when the node is empty or ``_target_: null``.

    A null ``total_iters``/``T_max`` (the length of a linear or cosine decay) is filled from ``total_steps``, in
    the schedule's own interval (Lightning's ``trainer.estimated_stepping_batches`` for ``interval: step``).
    """
    node = _plain(cfg)
    if not node.get("_target_"):
        return None
    interval = str(node.pop("interval", "epoch"))
    monitor = node.pop("monitor", None)
    if interval not in ("epoch", "step"):
        raise ValueError(f"scheduler interval must be 'epoch' or 'step', got {interval!r}")
    for key in _LENGTH_ARGUMENTS:
        if key in node and node[key] is None:
            if total_steps is None:
                raise ValueError(f"scheduler {node['_target_']} needs {key}: set it, or pass total_steps")
            node[key] = int(total_steps)
    node["_partial_"] = True
    scheduler = instantiate(node, _convert_="all")(optimizer)
    is_plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    if is_plateau and monitor is None:
        raise ValueError("a plateau schedule needs 'monitor' (the metric it watches, e.g. val_loss)")
    return Schedule(scheduler, interval, str(monitor) if is_plateau else None)


def configure_optimizers(
    optimizer_cfg: Mapping[str, Any] | DictConfig,
    scheduler_cfg: Mapping[str, Any] | DictConfig | None,
    named_parameters: Iterable[tuple[str, torch.nn.Parameter]],
    *,
    weight_decay: float | None = None,
    total_steps: int | None = None,
) -> OptimizerConfig | OptimizerLRSchedulerConfig:
    """What a LightningModule's ``configure_optimizers`` returns, built from the two config nodes."""
    optimizer = build_optimizer(optimizer_cfg, named_parameters, weight_decay=weight_decay)
    schedule = build_scheduler(scheduler_cfg, optimizer, total_steps=total_steps)
    if schedule is None:
        return {"optimizer": optimizer}
    return {"optimizer": optimizer, "lr_scheduler": schedule.lightning_config()}
