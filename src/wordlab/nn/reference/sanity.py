"""The first test every wordlab model gets: can it drive its training loss close to zero on one small batch?

A correct model with enough capacity memorises a handful of examples in a few hundred steps. If it cannot, the
bug is in the model, not in the data or the schedule: a loss that ignores part of its input, a ``detach`` that cuts
the graph, a wrong sign, a broken mask. The check also fails when a trainable parameter receives no gradient at
all, which is how a cut graph shows itself even when the remaining parameters could still memorise the batch.

It accepts the three shapes a model comes in:

- a ``LightningModule``: its ``training_step(batch, 0)`` gives the loss (a tensor or ``{"loss": ...}``);
- a plain ``torch.nn.Module``: ``loss_fn(module, batch)`` gives the loss (without ``loss_fn``, ``module(batch)``
  must return it);
- a step function ``step_fn(batch) -> loss``, with its ``parameters`` given explicitly.

The model is optimised in place (pass a fresh one), in training mode, with the module's own mode restored after,
under a forked and seeded torch RNG so that the check is reproducible and leaves the global RNG untouched. The
optimiser is Adam at ``lr`` unless ``optimizer`` (a factory taking the parameters) is given: the point is to test
the model, not the configured schedule.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

StepFn = Callable[[Any], Any]
OptimizerFactory = Callable[[list[nn.Parameter]], torch.optim.Optimizer]


@dataclass(frozen=True)
class OverfitResult:
    initial_loss: float
    best_loss: float
    final_loss: float
    steps: int
    losses: list[float]


def _as_loss(output: Any) -> torch.Tensor:
    if isinstance(output, dict):
        output = output.get("loss")
    if not isinstance(output, torch.Tensor) or output.numel() != 1:
        raise TypeError(f"the step must return a scalar loss tensor (or {{'loss': tensor}}), got {type(output)}")
    return output.reshape(())


def _resolve(
    model_or_step_fn: nn.Module | StepFn,
    loss_fn: Callable[[nn.Module, Any], torch.Tensor] | None,
    parameters: Iterable[nn.Parameter] | None,
) -> tuple[StepFn, list[tuple[str, nn.Parameter]], nn.Module | None]:
    if isinstance(model_or_step_fn, nn.Module):
        module = model_or_step_fn
        named = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
        training_step = getattr(module, "training_step", None)
        if loss_fn is not None:
            return (lambda batch: loss_fn(module, batch)), named, module
        if callable(training_step):  # a LightningModule (or anything shaped like one)
            return (lambda batch: training_step(batch, 0)), named, module
        return module, named, module
    if parameters is None:
        raise TypeError("a step function needs its parameters: assert_overfits_batch(step_fn, batch, parameters=...)")
    named = [(f"param{i}", p) for i, p in enumerate(parameters) if p.requires_grad]
    return model_or_step_fn, named, None


def assert_overfits_batch(
    model_or_step_fn: nn.Module | StepFn,
    batch: Any,
    *,
    loss_fn: Callable[[nn.Module, Any], torch.Tensor] | None = None,
    parameters: Iterable[nn.Parameter] | None = None,
    optimizer: OptimizerFactory | None = None,
    lr: float = 1e-2,
    max_steps: int = 500,
    tol: float = 0.05,
    require_all_gradients: bool = True,
    seed: int = 0,
) -> OverfitResult:
    """Optimise on ``batch`` alone until the loss is at most ``tol``; fail with a diagnosis if it never gets there."""
    step_fn, named, module = _resolve(model_or_step_fn, loss_fn, parameters)
    if not named:
        raise ValueError("the model has no trainable parameters")
    params = [p for _, p in named]
    opt = optimizer(params) if optimizer is not None else torch.optim.Adam(params, lr=lr)
    was_training = module.training if module is not None else None
    losses: list[float] = []
    try:
        with torch.random.fork_rng(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*self.log.*")  # Lightning warns when no Trainer is attached
            torch.manual_seed(seed)
            if module is not None:
                module.train()
            for step in range(max_steps):
                opt.zero_grad(set_to_none=True)
                loss = _as_loss(step_fn(batch))
                value = float(loss.detach())
                losses.append(value)
                if not math.isfinite(value):
                    raise AssertionError(f"loss became {value} at step {step} (losses so far: {losses[-5:]})")
                if value <= tol:
                    break
                loss.backward()
                if step == 0 and require_all_gradients:
                    _check_gradients_flow(named)
                opt.step()
    finally:
        if module is not None and was_training is not None:
            module.train(was_training)
    result = OverfitResult(losses[0], min(losses), losses[-1], len(losses), losses)
    if result.final_loss > tol:
        raise AssertionError(
            f"could not overfit one batch: loss {result.initial_loss:.4g} -> best {result.best_loss:.4g}, "
            f"final {result.final_loss:.4g} after {result.steps} steps (target <= {tol:g}). Check that the loss "
            f"depends on every input, the sign of the loss, and the learning rate (lr={lr:g}); a model that is too "
            f"small for the batch fails too."
        )
    return result


def _check_gradients_flow(named: list[tuple[str, nn.Parameter]]) -> None:
    detached = [name for name, p in named if p.grad is None]
    if detached:
        raise AssertionError(
            f"trainable parameters received no gradient (is the graph cut by detach(), or are they unused?): "
            f"{', '.join(detached)}"
        )
