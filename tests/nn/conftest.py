"""Real short trainings of the toy classifier, run once per session and shared by the curve and diagnosis tests.

Every run logs to one sqlite MLflow store (creating a store costs seconds) and writes its curves to its own
directory. The runs use one torch thread (faster for models this small, and the machine is shared) and restore
the process-wide settings Lightning changes (deterministic algorithms) so that other tests are unaffected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import torch
from nn_helpers import OPTIMIZERS, compose_group, quiet_single_thread

SCHEDULES = {
    "sgd": ("step", "scheduler.step_size=1"),
    "nesterov": ("exponential",),
    "adagrad": ("none",),
    "rmsprop": ("plateau", "scheduler.patience=0", "scheduler.threshold=0.5"),  # cuts unless val halves
    "adam": ("linear",),
}


@pytest.fixture(autouse=True)
def _one_torch_thread(one_torch_thread: None) -> None:
    """The toolkit's tests use tiny tensors (the root conftest's one_torch_thread, for every test here)."""


@dataclass
class Runs:
    """The session's trainings, by name, with the store they logged to."""

    uri: str
    root: Path
    runs: dict[str, Any] = field(default_factory=dict)
    probes: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.runs[name]


class GradientProbe:
    """Records, per step, the gradient norm before clipping and the parameter change the step made."""

    def __init__(self) -> None:
        self.grad_norms: list[float] = []
        self.step_norms: list[float] = []
        self._before: list[torch.Tensor] = []

    def on_before_optimizer_step(self, trainer: Any, pl_module: Any, optimizer: Any) -> None:
        grads = [p.grad.reshape(-1) for p in pl_module.parameters() if p.grad is not None]
        self.grad_norms.append(float(torch.cat(grads).norm()))
        self._before = [p.detach().clone() for p in pl_module.parameters()]

    def on_train_batch_end(self, trainer: Any, pl_module: Any, *args: Any) -> None:
        deltas = [(p.detach() - b).reshape(-1) for p, b in zip(pl_module.parameters(), self._before, strict=True)]
        self.step_norms.append(float(torch.cat(deltas).norm()))


class CurveReader:
    """Reads the curve files from disk at every epoch end, after LearningCurves has written them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.rows_per_epoch: list[dict[str, int]] = []

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        counts = {}
        for name in ("train.tsv", "train_epoch.tsv", "val.tsv"):
            lines = (self.directory / name).read_text(encoding="utf-8").splitlines()
            counts[name] = len(lines) - 1
        self.rows_per_epoch.append(counts)


def _as_callback(probe_type: type, *args: Any) -> Any:
    from lightning.pytorch.callbacks import Callback

    return type(probe_type.__name__, (probe_type, Callback), {})(*args)


@pytest.fixture(scope="session")
def toy_runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """Short trainings: one per optimiser config, a repeat, and planted failures for the diagnosis."""
    from wordlab.nn.config import EarlyStoppingConfig, RegularizationConfig
    from wordlab.nn.reference.toy import ToyClassifier, fit_toy, make_blobs

    root = tmp_path_factory.mktemp("nn_runs")
    runs = Runs(uri=f"sqlite:///{root / 'mlflow.db'}", root=root)
    task = make_blobs(n_train=128, n_val=64, seed=0)
    memorise = make_blobs(n_train=32, n_val=64, random_labels=True, seed=1)
    separable = make_blobs(n_train=128, n_val=64, spread=0.5, seed=0)

    def fit(name: str, task_: Any, optimizer: Any, *, epochs: int, batch: int = 16, **kwargs: Any) -> Any:
        hidden = kwargs.pop("hidden", 32)
        scheduler = kwargs.pop("scheduler", None)
        module = ToyClassifier(
            task_.num_features, task_.num_classes, hidden=hidden, optimizer=optimizer, scheduler=scheduler
        )
        run = fit_toy(
            module,
            task_,
            curves_dir=root / name,
            tracking_uri=runs.uri,
            run_name=name,
            max_epochs=epochs,
            batch_size=batch,
            **kwargs,
        )
        runs.runs[name] = run
        return run

    with quiet_single_thread():
        # One run per optimiser config, each with a schedule config too (step_size 1 so three epochs show it).
        for name in OPTIMIZERS:
            schedule = compose_group("scheduler", *SCHEDULES[name])
            fit(name, task, compose_group("optimizer", name), epochs=3, scheduler=schedule)
        repeat = compose_group("scheduler", *SCHEDULES["adam"])
        fit("adam_repeat", task, compose_group("optimizer", "adam"), epochs=3, scheduler=repeat)
        # Planted symptoms, each from a real training.
        fast = compose_group("optimizer", "adam", "optimizer.lr=0.03")
        fit("overfitting", memorise, fast, epochs=20, batch=32, hidden=64)
        stop = RegularizationConfig(early_stopping=EarlyStoppingConfig(patience=2))
        fit("early_stopped", memorise, fast, epochs=20, batch=32, hidden=64, regularization=stop)
        fit("too_high_lr", task, compose_group("optimizer", "sgd", "optimizer.lr=20"), epochs=5)
        fit("too_low_lr", task, compose_group("optimizer", "sgd", "optimizer.lr=1e-5"), epochs=5)
        fit("underfitting", task, compose_group("optimizer", "sgd", "optimizer.lr=2e-3"), epochs=5)
        reader = runs.probes["reader"] = _as_callback(CurveReader, root / "well_trained")
        adam = compose_group("optimizer", "adam", "optimizer.lr=0.02")
        fit("well_trained", separable, adam, epochs=5, extra_callbacks=[reader])
        # Regularisers acting inside the training loop.
        sgd = compose_group("optimizer", "sgd", "optimizer.lr=1.0")
        for name, clip in (("unclipped", None), ("clipped", 0.5)):
            probe = _as_callback(GradientProbe)
            runs.probes[name] = probe
            fit(name, task, sgd, epochs=1, regularization=RegularizationConfig(grad_clip=clip), extra_callbacks=[probe])
        fit("max_norm", task, fast, epochs=2, regularization=RegularizationConfig(max_norm=0.5))
    return runs
