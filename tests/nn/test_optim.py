"""Optimiser and schedule configs: every file composes and instantiates, and each does what its name says.

The update rules are checked against textbook numpy implementations fed the hyperparameters read from the
composed config, so a wrong target, a missing nesterov flag or a mistyped argument shows up as a wrong trajectory.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from nn_helpers import CONF_DIR, OPTIMIZERS, compose_group
from omegaconf import OmegaConf
from omegaconf.errors import ConfigKeyError, ValidationError

from wordlab.nn.callbacks import MaxNorm, regularization_trainer_kwargs
from wordlab.nn.config import RegularizationConfig, check_regularization
from wordlab.nn.curves import read_curve
from wordlab.nn.optim import build_optimizer, build_scheduler, configure_optimizers


def _options(group: str) -> list[str]:
    return sorted(path.stem for path in (CONF_DIR / group).glob("*.yaml"))


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))


def test_every_group_holds_the_documented_options() -> None:
    assert set(_options("optimizer")) >= set(OPTIMIZERS)
    assert set(_options("scheduler")) >= {"none", "step", "exponential", "linear", "plateau"}
    assert "none" in _options("regularization")


@pytest.mark.parametrize("option", _options("optimizer"))
def test_every_optimizer_file_composes_and_instantiates(option: str) -> None:
    cfg = compose_group("optimizer", option)
    optimizer = build_optimizer(cfg, _model().named_parameters())
    assert type(optimizer).__module__.startswith("torch.optim")
    assert optimizer.param_groups[0]["lr"] == cfg.lr


@pytest.mark.parametrize("option", _options("scheduler"))
def test_every_scheduler_file_composes_and_instantiates(option: str) -> None:
    cfg = compose_group("scheduler", option)
    optimizer = torch.optim.SGD(_model().parameters(), lr=0.1)
    schedule = build_scheduler(cfg, optimizer, total_steps=100)
    assert (schedule is None) == (cfg._target_ is None)
    if schedule is not None:
        entry = configure_optimizers(
            {"_target_": "torch.optim.SGD", "lr": 0.1}, cfg, _model().named_parameters(), total_steps=100
        )["lr_scheduler"]
        assert entry["interval"] in ("step", "epoch")


@pytest.mark.parametrize("option", _options("regularization"))
def test_every_regularization_file_fits_the_schema_and_builds(option: str) -> None:
    cfg = OmegaConf.merge(OmegaConf.structured(RegularizationConfig), compose_group("regularization", option))
    check_regularization(cfg)
    kwargs = regularization_trainer_kwargs(cfg)
    assert ("gradient_clip_val" in kwargs) == (cfg.grad_clip is not None)
    assert any(isinstance(c, MaxNorm) for c in kwargs["callbacks"]) == (cfg.max_norm is not None)


@pytest.mark.parametrize(
    ("override", "error"),
    [("+regularization.droput=0.5", ConfigKeyError), ("regularization.dropout=lots", ValidationError)],
)
def test_regularization_schema_rejects_typos_and_wrong_types(override: str, error: type[Exception]) -> None:
    key, value = override.lstrip("+").split("=")
    raw = OmegaConf.create({"regularization": OmegaConf.to_container(compose_group("regularization", "none"))})
    OmegaConf.update(raw, key, value, force_add=True)
    with pytest.raises(error):
        OmegaConf.merge(OmegaConf.structured(RegularizationConfig), raw.regularization)


def test_out_of_range_regularization_fails_with_the_key() -> None:
    with pytest.raises(ValueError, match="dropout"):
        check_regularization(RegularizationConfig(dropout=1.0))
    with pytest.raises(ValueError, match="grad_clip"):
        check_regularization(RegularizationConfig(grad_clip=0.0))


def test_a_mistyped_optimizer_argument_fails() -> None:
    cfg = compose_group("optimizer", "adam", "+optimizer.momentom=0.9")
    with pytest.raises(Exception, match="momentom"):
        build_optimizer(cfg, _model().named_parameters())


# --- weight decay -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("option", OPTIMIZERS)
def test_weight_decay_shrinks_weights_and_leaves_biases_untouched(option: str) -> None:
    cfg = compose_group("optimizer", option, "+regularization=standard")
    assert cfg.weight_decay == compose_group("regularization", "standard").weight_decay > 0
    model = _model()
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    optimizer = build_optimizer(cfg, model.named_parameters())
    for _ in range(3):  # a loss with zero gradient: only the decay can move anything
        optimizer.zero_grad()
        (0.0 * sum(p.sum() for p in model.parameters())).backward()
        optimizer.step()
    for name, param in model.named_parameters():
        if name.endswith("bias"):
            torch.testing.assert_close(param, before[name], rtol=0, atol=0)
        else:
            assert param.detach().norm() < before[name].norm(), name


def test_sgd_weight_decay_is_the_l2_gradient() -> None:
    cfg = compose_group("optimizer", "sgd", "+regularization=standard")
    lr, decay = cfg.lr, cfg.weight_decay
    model = _model()
    weight = model[0].weight.detach().clone()
    optimizer = build_optimizer(cfg, model.named_parameters())
    (0.0 * model[0].weight.sum()).backward()
    optimizer.step()
    torch.testing.assert_close(model[0].weight.detach(), weight * (1 - lr * decay))


# --- update rules against textbook implementations ---------------------------------------------------------


def _reference(option: str, cfg, theta: np.ndarray, grad_fn, steps: int) -> np.ndarray:
    lr = cfg.lr
    state = {"m": np.zeros_like(theta), "v": np.zeros_like(theta), "b": np.zeros_like(theta)}
    for t in range(1, steps + 1):
        g = grad_fn(theta)
        if option == "sgd":
            theta = theta - lr * g
        elif option == "nesterov":  # b = mu b + g; step along g + mu b (Sutskever et al., as torch writes it)
            state["b"] = cfg.momentum * state["b"] + g
            theta = theta - lr * (g + cfg.momentum * state["b"])
        elif option == "adagrad":
            state["v"] += g * g
            theta = theta - lr * g / (np.sqrt(state["v"]) + cfg.eps)
        elif option == "rmsprop":
            state["v"] = cfg.alpha * state["v"] + (1 - cfg.alpha) * g * g
            theta = theta - lr * g / (np.sqrt(state["v"]) + cfg.eps)
        elif option == "adam":
            beta1, beta2 = cfg.betas
            state["m"] = beta1 * state["m"] + (1 - beta1) * g
            state["v"] = beta2 * state["v"] + (1 - beta2) * g * g
            m_hat, v_hat = state["m"] / (1 - beta1**t), state["v"] / (1 - beta2**t)
            theta = theta - lr * m_hat / (np.sqrt(v_hat) + cfg.eps)
    return theta


@pytest.mark.parametrize("option", OPTIMIZERS)
def test_optimizer_follows_its_textbook_update_rule(option: str) -> None:
    cfg = compose_group("optimizer", option)
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 4))
    hessian = a @ a.T / 4 + np.eye(4)
    start = rng.normal(size=4)

    def grad(theta: np.ndarray) -> np.ndarray:  # of the quadratic 0.5 theta^T H theta
        return hessian @ theta

    theta = torch.nn.Parameter(torch.tensor(start))
    optimizer = build_optimizer(cfg, [("theta", theta)])
    for _ in range(10):
        optimizer.zero_grad()
        (0.5 * theta @ torch.from_numpy(hessian) @ theta).backward()
        optimizer.step()
    expected = _reference(option, cfg, start, grad, 10)
    np.testing.assert_allclose(theta.detach().numpy(), expected, rtol=1e-10, atol=1e-12)
    assert not np.allclose(expected, start)


# --- schedules against their closed forms ------------------------------------------------------------------


def _lrs(cfg, steps: int, metrics: list[float] | None = None) -> list[float]:
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=0.5)
    schedule = build_scheduler(cfg, optimizer, total_steps=steps)
    assert schedule is not None
    lrs = []
    for t in range(steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if metrics is None:
            schedule.scheduler.step()
        else:
            schedule.scheduler.step(metrics[t])
    return lrs


@pytest.mark.parametrize("option", ["step", "exponential", "linear"])
def test_schedule_follows_its_closed_form(option: str) -> None:
    cfg = compose_group("scheduler", option)
    steps = 20
    if option == "step":
        expected = [0.5 * cfg.gamma ** (t // cfg.step_size) for t in range(steps)]
    elif option == "exponential":
        expected = [0.5 * cfg.gamma**t for t in range(steps)]
    else:  # total_iters filled from total_steps
        expected = [0.5 * (cfg.start_factor + (cfg.end_factor - cfg.start_factor) * t / steps) for t in range(steps)]
    np.testing.assert_allclose(_lrs(cfg, steps), expected, rtol=1e-10)


def test_plateau_schedule_cuts_the_rate_after_patience_flat_epochs() -> None:
    cfg = compose_group("scheduler", "plateau")
    metrics = [1.0, 0.9, 0.8] + [0.8] * 10
    lrs = _lrs(cfg, len(metrics), metrics)
    first_cut = 3 + cfg.patience + 1  # the improving epochs, then patience flat ones, then the cut
    assert lrs[:first_cut] == [0.5] * first_cut
    assert lrs[first_cut] == pytest.approx(0.5 * cfg.factor)
    assert build_scheduler(cfg, torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1)).monitor == cfg.monitor


def test_schedule_errors_name_the_missing_piece() -> None:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1)
    with pytest.raises(ValueError, match="total_iters"):
        build_scheduler(compose_group("scheduler", "linear"), optimizer)
    plateau = OmegaConf.to_container(compose_group("scheduler", "plateau"))
    del plateau["monitor"]
    with pytest.raises(ValueError, match="monitor"):
        build_scheduler(plateau, optimizer)
    assert math.isclose(optimizer.param_groups[0]["lr"], 1.0)


# --- inside real trainings (the session's toy runs: one optimiser and one schedule each) -------------------------


@pytest.mark.parametrize("option", OPTIMIZERS)
def test_the_schedule_is_stepped_by_lightning_as_configured(toy_runs, option: str) -> None:
    run = toy_runs[option]
    schedule = run.module.scheduler_cfg or {"_target_": None}
    lr0 = run.module.optimizer_cfg["lr"]
    epochs, batches = run.trainer.max_epochs, run.trainer.num_training_batches
    final = run.trainer.optimizers[0].param_groups[0]["lr"]
    target = (schedule["_target_"] or "").rsplit(".", 1)[-1]
    if not target:
        expected = lr0
    elif target == "StepLR":
        expected = lr0 * schedule["gamma"] ** (epochs // schedule["step_size"])
    elif target == "ExponentialLR":
        expected = lr0 * schedule["gamma"] ** epochs
    elif target == "LinearLR":  # stepped every batch, over the whole run
        assert schedule["interval"] == "step"
        expected = lr0 * schedule["end_factor"]
    else:  # replay the run's validation curve into the same plateau schedule
        assert target == "ReduceLROnPlateau"
        param = torch.nn.Parameter(torch.zeros(1))
        replay = build_scheduler(schedule, torch.optim.SGD([param], lr=lr0))
        for loss in read_curve(run.directory / "val.tsv")["loss"]:
            replay.scheduler.step(loss)
        expected = replay.scheduler.optimizer.param_groups[0]["lr"]
    assert final == pytest.approx(expected, rel=1e-9)
    assert (final != lr0) == bool(target), "a configured schedule must have changed the rate in this run"
    assert epochs * batches == run.trainer.global_step


def test_a_learning_rate_scale_gives_that_parameter_a_scaled_sgd_step() -> None:
    cfg = compose_group("optimizer", "sgd", "+regularization=standard")
    lr, decay = cfg.lr, cfg.weight_decay
    model = _model()
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    optimizer = build_optimizer(cfg, model.named_parameters(), lr_scales={"0.weight": 0.1, "2.bias": 0.5})
    loss = (model(torch.ones(2, 3)) ** 2).sum()
    loss.backward()
    grads = {name: p.grad.detach().clone() for name, p in model.named_parameters()}
    optimizer.step()
    expected = {"0.weight": (0.1, decay), "2.bias": (0.5, 0.0), "0.bias": (1.0, 0.0), "2.weight": (1.0, decay)}
    for name, param in model.named_parameters():
        scale, l2 = expected[name]  # plain SGD: w - scale * lr * (grad + l2 * w); biases never decayed
        reference = before[name] - scale * lr * (grads[name] + l2 * before[name])
        torch.testing.assert_close(param.detach(), reference, msg=name)
    with pytest.raises(ValueError, match="lr"):
        build_optimizer({"_target_": "torch.optim.Adam"}, _model().named_parameters(), lr_scales={"0.weight": 0.1})
