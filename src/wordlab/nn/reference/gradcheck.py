"""Central-difference gradient checking, used by the tests of every model in wordlab.

A hand-derived gradient is trusted only once it agrees with ``(f(x + h) - f(x - h)) / 2h``, whose error is
O(h^2) rather than the O(h) of a one-sided difference. Checking every entry of every parameter costs two loss
evaluations per entry, so the checker samples ``samples_per_param`` entries of each parameter (all of them when
the parameter is smaller), with a fixed seed so that a failure reproduces.

Relative error, per entry, with ``a`` the analytic and ``n`` the numerical derivative::

    rel(a, n) = max(|a - n| - noise, 0) / max(|a| + |n|, tiny)

With ``noise = 0`` this is the familiar scale-free ``|a - n| / (|a| + |n|)``, in [0, 1]: 1e-7 means about seven
agreeing digits. ``tiny`` (1e-12) only guards the 0/0 of an entry both agree is zero, which then scores 0.

``noise`` is the round-off the numerical derivative cannot avoid: the loss is known to about ``eps_mach * |f|``,
so ``(f(x + h) - f(x - h)) / 2h`` is uncertain by about ``eps_mach * (|f(x + h)| + |f(x - h)|) / 2h``; the checker
allows ``NOISE_FACTOR`` (10) times that, for round-off accumulated inside the loss. Without this allowance every
gradient entry below about ``1e-3 * |f|`` would fail a 1e-6 tolerance with h = 1e-6 however right it is, since
its numerical estimate has fewer than six good digits. A real mistake differs by far more than the round-off and
is unaffected. :func:`assert_gradients_match` (against autograd, exact to round-off) uses ``noise = 0``.
Check in float64: with float32 a step of 1e-6 is lost entirely, and the checker refuses float32 parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

Index = tuple[int, ...]

TINY = 1e-12
NOISE_FACTOR = 10.0
_EPS_MACH = float(np.finfo(np.float64).eps)


def relative_error(
    analytic: np.ndarray | float, numeric: np.ndarray | float, noise: np.ndarray | float = 0.0, tiny: float = TINY
) -> np.ndarray:
    """Entry-wise ``max(|a - n| - noise, 0) / max(|a| + |n|, tiny)`` (see the module docstring)."""
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    excess = np.maximum(np.abs(analytic - numeric) - noise, 0.0)
    return excess / np.maximum(np.abs(analytic) + np.abs(numeric), tiny)


def round_off(plus: float, minus: float, eps: float) -> float:
    """The allowance for round-off in ``(plus - minus) / 2 eps`` (see the module docstring)."""
    return NOISE_FACTOR * _EPS_MACH * (abs(plus) + abs(minus)) / (2.0 * eps)


@dataclass(frozen=True)
class EntryCheck:
    name: str
    index: Index
    analytic: float
    numeric: float
    relative_error: float
    noise: float = 0.0


@dataclass(frozen=True)
class GradCheckResult:
    """The outcome of one check: the worst relative error overall and per parameter, and where it occurred."""

    max_relative_error: float
    per_param: dict[str, float]
    worst: tuple[str, Index]
    entries: list[EntryCheck] = field(repr=False, default_factory=list)

    def report(self, tol: float | None = None) -> str:
        """A readable table: each parameter's worst entry, flagged where it exceeds ``tol``."""
        name, index = self.worst
        lines = [f"gradient check: max relative error {self.max_relative_error:.3e} at {name}{list(index)}"]
        worst_by_param: dict[str, EntryCheck] = {}
        for entry in self.entries:
            best = worst_by_param.get(entry.name)
            if best is None or entry.relative_error > best.relative_error:
                worst_by_param[entry.name] = entry
        for name, entry in worst_by_param.items():
            flag = "  FAIL" if tol is not None and entry.relative_error > tol else ""
            lines.append(
                f"  {name}{list(entry.index)}: analytic {entry.analytic:+.10e}  numeric {entry.numeric:+.10e}"
                f"  (round-off {entry.noise:.1e})  rel {entry.relative_error:.3e}{flag}"
            )
        return "\n".join(lines)


def _validate(params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
    if set(params) != set(grads):
        raise ValueError(
            f"params and grads name different arrays: only in params {sorted(set(params) - set(grads))}, "
            f"only in grads {sorted(set(grads) - set(params))}"
        )
    for name, array in params.items():
        if not isinstance(array, np.ndarray):
            raise TypeError(f"param {name!r} must be a numpy array the loss reads (perturbed in place)")
        if array.dtype != np.float64:
            raise TypeError(
                f"param {name!r} is {array.dtype}; central differences need float64 (with float32 a step of "
                f"1e-6 is lost in round-off): build the checked model in float64"
            )
        if np.shape(grads[name]) != array.shape:
            raise ValueError(f"gradient of {name!r} has shape {np.shape(grads[name])}, param has {array.shape}")


def _sample(size: int, count: int, rng: np.random.Generator) -> np.ndarray:
    if size <= count:
        return np.arange(size)
    return np.sort(rng.choice(size, size=count, replace=False))


def check_gradients(
    loss_fn: Callable[[], float],
    params: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    *,
    eps: float = 1e-6,
    samples_per_param: int = 20,
    seed: int = 0,
) -> GradCheckResult:
    """Compare ``grads`` with central differences of ``loss_fn`` on a random subset of each parameter's entries.

    ``loss_fn()`` must recompute the loss from the arrays in ``params``; the checker perturbs those arrays in place
    and restores every entry afterwards, even when ``loss_fn`` raises.
    """
    _validate(params, grads)
    rng = np.random.default_rng(seed)
    entries: list[EntryCheck] = []
    for name, array in params.items():
        flat = array.reshape(-1)  # a view: writes reach the array loss_fn reads
        if flat.size and not np.shares_memory(flat, array):
            raise ValueError(f"param {name!r} is not contiguous; pass an array whose entries can be set in place")
        analytic = np.asarray(grads[name], dtype=np.float64).reshape(-1)
        for position in _sample(flat.size, samples_per_param, rng):
            original = flat[position]
            try:
                flat[position] = original + eps
                plus = float(loss_fn())
                flat[position] = original - eps
                minus = float(loss_fn())
            finally:
                flat[position] = original
            numeric = (plus - minus) / (2.0 * eps)
            a = float(analytic[position])
            noise = round_off(plus, minus, eps)
            finite = np.isfinite(numeric) and np.isfinite(a)
            error = float(relative_error(a, numeric, noise)) if finite else float("inf")
            index = tuple(int(i) for i in np.unravel_index(position, array.shape))
            entries.append(EntryCheck(name, index, a, numeric, error, noise))
    if not entries:
        raise ValueError("nothing to check: every parameter is empty")
    per_param = {name: 0.0 for name in params}
    for entry in entries:
        per_param[entry.name] = max(per_param[entry.name], entry.relative_error)
    worst = max(entries, key=lambda entry: entry.relative_error)
    return GradCheckResult(worst.relative_error, per_param, (worst.name, worst.index), entries)


def assert_gradients_close(
    loss_fn: Callable[[], float],
    params: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    *,
    eps: float = 1e-6,
    samples_per_param: int = 20,
    seed: int = 0,
    tol: float = 1e-6,
) -> GradCheckResult:
    """:func:`check_gradients`, failing with a per-parameter report when the worst relative error exceeds ``tol``."""
    result = check_gradients(loss_fn, params, grads, eps=eps, samples_per_param=samples_per_param, seed=seed)
    if not result.max_relative_error <= tol:
        header = f"analytic gradients disagree with central differences (tol {tol:g})"
        raise AssertionError(f"{header}\n{result.report(tol)}")
    return result


def assert_gradients_match(
    analytic: Mapping[str, np.ndarray], reference: Mapping[str, np.ndarray], *, tol: float = 1e-6
) -> dict[str, float]:
    """Compare two complete sets of gradients (e.g. hand-derived against autograd) entry by entry.

    Returns each array's worst relative error; fails listing every array above ``tol``.
    """
    if set(analytic) != set(reference):
        raise AssertionError(f"different gradient names: {sorted(analytic)} vs {sorted(reference)}")
    errors: dict[str, float] = {}
    problems: list[str] = []
    for name in analytic:
        a, r = np.asarray(analytic[name]), np.asarray(reference[name])
        if a.shape != r.shape:
            problems.append(f"  {name}: shape {a.shape} vs reference {r.shape}")
            continue
        rel = relative_error(a, r)
        errors[name] = float(rel.max()) if rel.size else 0.0
        if not errors[name] <= tol:
            at = np.unravel_index(int(np.argmax(rel)), rel.shape)
            problems.append(
                f"  {name}{list(map(int, at))}: analytic {a[at]:+.10e} reference {r[at]:+.10e} rel {errors[name]:.3e}"
            )
    if problems:
        raise AssertionError(f"gradients disagree with the reference (tol {tol:g}):\n" + "\n".join(problems))
    return errors
