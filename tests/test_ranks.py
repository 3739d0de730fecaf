"""DDP ranks without starting processes: the launchers' variables set by hand, checked against one process's view.

What must hold for 2 processes to train as 1: the ranks' shares of each global batch are disjoint and together are
that batch, every rank takes the same number of steps, and only rank 0's files reach their names.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wordlab import ranks
from wordlab.io import atomic_path, write_text_atomic
from wordlab.text.batching import EpochBatches

LAUNCHER_VARIABLES = ("RANK", "LOCAL_RANK", "NODE_RANK", "WORLD_SIZE", "SLURM_PROCID")


@pytest.fixture()
def as_rank(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Set this process up as ``rank`` of ``world`` the way torchrun does (RANK, WORLD_SIZE)."""
    for name in LAUNCHER_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def become(rank: int, world: int) -> None:
        monkeypatch.setenv("RANK", str(rank))
        monkeypatch.setenv("WORLD_SIZE", str(world))

    return become


def test_a_process_no_launcher_names_is_rank_0_of_1(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LAUNCHER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert (ranks.global_rank(), ranks.world_size(), ranks.is_writer()) == (0, 1, True)


@pytest.mark.parametrize(
    ("variables", "rank"),
    [
        ({"LOCAL_RANK": "0", "WORLD_SIZE": "2"}, 0),  # Lightning's launcher: the process that launched the others
        ({"LOCAL_RANK": "1", "WORLD_SIZE": "2"}, 1),  # and the one it started
        ({"LOCAL_RANK": "0", "NODE_RANK": "1", "WORLD_SIZE": "4"}, None),  # node 1's first process is not rank 0
        ({"RANK": "3", "LOCAL_RANK": "1", "WORLD_SIZE": "4"}, 3),  # torchrun names the global rank
        ({"SLURM_PROCID": "2"}, 2),
    ],
)
def test_the_rank_comes_from_the_launchers_variables(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], rank: int | None
) -> None:
    for name in LAUNCHER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    if rank is None:
        assert ranks.global_rank() != 0 and not ranks.is_writer()
    else:
        assert ranks.global_rank() == rank and ranks.is_writer() == (rank == 0)


@pytest.mark.parametrize(("n", "batch_size"), [(12, 4), (10, 4), (9, 4), (101, 10)])
def test_two_ranks_shares_are_the_single_process_batches(as_rank, n: int, batch_size: int) -> None:  # type: ignore[no-untyped-def]
    single = EpochBatches(n, batch_size, seed=7)
    single.set_epoch(3)
    as_rank(0, 1)
    whole = list(single)
    shares = []
    for rank in (0, 1):
        as_rank(rank, 2)
        shares.append(list(single))
    assert len(shares[0]) == len(shares[1])  # the same number of steps on both ranks
    kept = [batch for batch in whole if len(batch) >= 2]  # a one-item batch cannot be split: left out under DDP
    assert len(shares[0]) == len(kept)
    for batch, first, second in zip(kept, *shares, strict=True):
        assert not set(first) & set(second) and sorted(first + second) == sorted(batch)
        assert abs(len(first) - len(second)) <= 1
    assert sorted(i for batch in whole for i in batch) == list(range(n))  # one process: every item once


def test_the_order_is_drawn_from_seed_and_epoch() -> None:
    batches = EpochBatches(50, 8, seed=1)
    first = list(batches)
    assert list(batches) == first
    batches.set_epoch(1)
    assert list(batches) != first


def test_only_rank_0_files_reach_their_names(as_rank, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    as_rank(1, 2)
    write_text_atomic(tmp_path / "metrics.json", "{}")
    with atomic_path(tmp_path / "model.pt") as tmp:
        tmp.write_bytes(b"weights")
    assert list(tmp_path.iterdir()) == []  # nothing written, no temporary left behind
    as_rank(0, 2)
    write_text_atomic(tmp_path / "metrics.json", "{}")
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]
