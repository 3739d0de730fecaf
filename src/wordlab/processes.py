"""Independent trainings of one stage side by side, in worker processes of their own.

A small recurrent network's batches (a tagger's 32 sentences, a classifier's 25 phrases) are too small for two
threads to share one matrix product well, so on a 2-core machine two one-thread trainings finish sooner than the same
two trainings one after another on two threads. ``fit_in_processes`` runs such trainings (a jackknife's fold models
beside the full model) in spawned worker processes: a forked copy of a process whose torch has already started its
OpenMP threads can deadlock.

What crosses to a worker is pickled: the fitting function must be module-level and its argument plain data (arrays,
datasets, dataclasses), and a script that starts such trainings at its top level needs the ``if __name__ ==
"__main__":`` guard every spawning program needs (a worker imports the script again; the stage scripts have it).
Each training seeds itself, so a result depends on its argument and the thread count alone, not on which worker ran
it or in what order.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

_Spec = TypeVar("_Spec")
_Result = TypeVar("_Result")


def _start_worker(threads: int, log_level: int) -> None:
    import torch

    torch.set_num_threads(threads)
    # A spawned process starts with no logging set up: the trainings' per-epoch lines would be lost.
    logging.basicConfig(level=log_level, format="%(message)s")


def fit_plan(trainer_cfg: Any) -> tuple[int, int]:
    """(worker processes, torch threads per training) that the trainer config's ``parallel_fits`` and
    ``num_threads`` give: one process keeps every thread, several share them."""
    processes = int(getattr(trainer_cfg, "parallel_fits", 1))
    threads = int(trainer_cfg.num_threads)
    return processes, threads if processes == 1 else max(1, threads // processes)


def fit_in_processes(
    fit: Callable[[_Spec], _Result], specs: Sequence[_Spec], *, processes: int, threads: int
) -> list[_Result]:
    """``fit(spec)`` for every spec, in up to ``processes`` worker processes of ``threads`` torch threads each,
    the results in the specs' order. With ``processes`` 1 (or a single spec) they run here, one after another, on
    the threads this process already has. Give the longest training first: the pool hands out specs in order."""
    if processes < 1 or threads < 1:
        raise ValueError(f"processes and threads must be at least 1, got {processes} and {threads}")
    if processes == 1 or len(specs) <= 1:
        return [fit(spec) for spec in specs]
    workers = min(processes, len(specs))
    level = logging.getLogger().getEffectiveLevel()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(threads, level)) as pool:
        return list(pool.map(fit, specs))
