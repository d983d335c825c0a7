"""The runner and episodes owned by another process: left to a live owner, replayed once its
lease lapses; ``--no-wait`` reports them in one line and exits 1."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from stratlens import evaluate
from stratlens.cli import main
from stratlens.results import open_store
from stratlens.results._ownership import Owner
from stratlens.runner import EvalConfig, plan, run_async

RUN = {"model": "baseline/trust", "games": ["stag_hunt"], "episodes": 2, "seed": 3}
OTHER = Owner.here(host="elsewhere.example", pid=4211)


def _hold_one(path: Path, lease_s: float) -> str:
    """A finished run with one episode taken back by a live process on another host."""
    evaluate(store=str(path), **RUN)  # type: ignore[arg-type]
    config = EvalConfig(RUN["model"], tuple(RUN["games"]), episodes=2, seed=3)  # type: ignore[arg-type]
    task = plan(config)[1]
    with open_store(path, owner=OTHER, lease_s=lease_s) as store:
        assert store.reopen_episodes({task.episode_id: "taken back for the test"}) == 1
        args = (task.episode_id, config.run_id, task.game_id, task.role, task.idx, task.seed)
        assert store.claim_episode(*args).status == "claimed"
    return task.episode_id


def test_no_wait_reports_the_episode_played_elsewhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.db"
    held = _hold_one(path, lease_s=600)
    report = evaluate(store=str(path), wait=False, **RUN)  # type: ignore[arg-type]
    assert (report.played, report.elsewhere, report.skipped) == (0, 1, 3)
    assert report.elsewhere_by == "pid 4211 on host elsewhere.example"
    argv = ["eval", "--model", "baseline/trust", "--game", "stag_hunt", "--episodes", "2",
            "--seed", "3", "--store", str(path), "--no-wait", "--no-progress"]  # fmt: skip
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "stratlens: 1 episodes are being played by another process (pid 4211 on host "
        "elsewhere.example); rerun when it ends"
    ]
    with open_store(path) as store:
        assert store.episode_status(report.run_id)[held] == "running"


def test_a_run_waits_for_the_owner_and_replays_once_its_lease_lapses(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    held = _hold_one(path, lease_s=1.5)
    said: list[str] = []
    t0 = time.monotonic()
    config = EvalConfig(RUN["model"], tuple(RUN["games"]), episodes=2, seed=3)  # type: ignore[arg-type]
    report = asyncio.run(run_async(config, str(path), notify=said.append))
    assert time.monotonic() - t0 >= 1.0  # it waited for the lease
    assert (report.played, report.waited, report.elsewhere, report.failed) == (1, 1, 0, 0)
    assert said == [
        "waiting for 1 episodes being played by another process "
        "(pid 4211 on host elsewhere.example)"
    ]
    with open_store(path) as store:
        assert store.episode_status(report.run_id)[held] == "done"
        assert store.count_decisions(episode_id=held) == 2
