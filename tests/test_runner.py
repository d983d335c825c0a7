"""The runner: every reference agent on every game, seeds, resume, interruption."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from stratlens import evaluate, load_decisions
from stratlens.games import iter_games, list_games
from stratlens.runner import EvalConfig, plan

REFERENCE_AGENTS = [
    ("baseline/random", {}),
    ("baseline/minimax", {}),
    ("baseline/trust", {}),
    ("baseline/belief", {"k": "2"}),
    ("baseline/nash", {}),
    ("baseline/qre", {"lam": "0.5"}),
]
ALL_GAMES = [g.id for g in iter_games()]

STABLE_COLUMNS = ["game_id", "role", "player", "step", "action", "parse_status", "payoff"]


def _stable(df: pd.DataFrame) -> pd.DataFrame:
    return df[[*STABLE_COLUMNS, "episode_id"]].reset_index(drop=True)


@pytest.mark.parametrize(("model", "args"), REFERENCE_AGENTS)
def test_each_reference_agent_plays_every_game(
    model: str, args: dict[str, str], store_path: Path
) -> None:
    report = evaluate(model, model_args=args, games=ALL_GAMES, episodes=1, store=str(store_path))
    assert report.failed == 0
    df = load_decisions(str(store_path))
    # one episode per game and collected role, every one finished with a valid move
    episodes = df.groupby(["game_id", "role"]).episode_id.nunique()
    expected = {(g.id, r) for g in iter_games() for r in g.roles}
    assert set(episodes.index) == expected
    assert (episodes == 1).all()
    assert (df.parse_status == "ok").all()
    assert df.action.notna().all()
    assert df.payoff.notna().all()
    # every action is one of the labels the game gives that player
    for row in df.itertuples():
        spec = next(g for g in iter_games() if g.id == row.game_id)
        assert spec.action_labels[row.player][row.action] == row.action_label


def test_same_seed_same_run_and_rerun_adds_nothing(tmp_path: Path) -> None:
    kw = {"suite": "classic", "episodes": 3, "seed": 7}
    evaluate("baseline/random", store=str(tmp_path / "a.db"), **kw)  # type: ignore[arg-type]
    evaluate("baseline/random", store=str(tmp_path / "b.db"), **kw)  # type: ignore[arg-type]
    a = _stable(load_decisions(str(tmp_path / "a.db")))
    b = _stable(load_decisions(str(tmp_path / "b.db")))
    pd.testing.assert_frame_equal(a, b)

    again = evaluate("baseline/random", store=str(tmp_path / "a.db"), **kw)  # type: ignore[arg-type]
    assert again.played == 0 and again.skipped == again.planned
    pd.testing.assert_frame_equal(a, _stable(load_decisions(str(tmp_path / "a.db"))))

    other = evaluate(
        "baseline/random", store=str(tmp_path / "c.db"), suite="classic", episodes=3, seed=8
    )
    c = _stable(load_decisions(str(tmp_path / "c.db")))
    assert other.run_id != again.run_id
    assert not a.action.equals(c.action)


def test_run_id_ignores_how_a_model_is_asked() -> None:
    """A run resumed with other threads, a longer timeout or more retries is the same run;
    a generation parameter makes it another."""
    base = EvalConfig(model="hf/ckpt", games=("stag_hunt",), model_args={"temperature": "0"})
    for neutral in ({"threads": "2"}, {"timeout": "90"}, {"retries": "5"}):
        same = EvalConfig(
            model="hf/ckpt", games=("stag_hunt",), model_args={"temperature": "0", **neutral}
        )
        assert same.run_id == base.run_id
    hotter = EvalConfig(model="hf/ckpt", games=("stag_hunt",), model_args={"temperature": "1"})
    assert hotter.run_id != base.run_id


def test_plan_is_deterministic_and_covers_roles() -> None:
    config = EvalConfig(model="baseline/random", games=("sequential", "stag_hunt"), episodes=4)
    tasks = plan(config)
    assert tasks == plan(config)
    # the paper's sequential game collects player 1 only
    assert sum(t.game_id == "sequential" for t in tasks) == 4
    assert sum(t.game_id == "stag_hunt" for t in tasks) == 8
    assert len({t.episode_id for t in tasks}) == len(tasks)
    assert len({t.seed for t in tasks}) == len(tasks)


def test_self_play_and_opponents_recorded(store_path: Path) -> None:
    evaluate(
        "baseline/trust",
        games=["iterated_prisoners_dilemma"],
        episodes=1,
        opponent="self",
        store=str(store_path),
    )
    both = load_decisions(str(store_path), include_opponents=True)
    assert set(both.agent) == {"subject", "opponent"}
    assert set(both.model) == {"baseline/trust"}
    # two trust-based players keep the joint-payoff cell for all ten rounds
    assert (both.action_label.str.endswith(" 0")).all()
    assert len(both) == 2 * 10 * 2  # 2 roles x 10 rounds x 2 players


def _done_episodes(path: Path) -> int:
    try:
        with sqlite3.connect(path, timeout=5) as con:
            return int(
                con.execute("select count(*) from episodes where status='done'").fetchone()[0]
            )
    except sqlite3.Error:
        return 0


def test_sigkill_midway_then_rerun_matches_uninterrupted(tmp_path: Path) -> None:
    args = [
        "eval",
        "--model",
        "baseline/qre",
        "-M",
        "lam=0.3",
        "--suite",
        "repeated",
        "--episodes",
        "6",
        "--seed",
        "3",
        "--no-progress",
        "--max-connections",
        "2",
    ]
    clean = tmp_path / "clean.db"
    subprocess.run(
        [sys.executable, "-m", "stratlens.cli", *args, "--store", str(clean)],
        check=True,
        capture_output=True,
    )
    total = _done_episodes(clean)
    assert total > 10

    killed = tmp_path / "killed.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "stratlens.cli", *args, "--store", str(killed)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _done_episodes(killed) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = _done_episodes(killed)
    assert 0 < partial < total

    subprocess.run(
        [sys.executable, "-m", "stratlens.cli", *args, "--store", str(killed)],
        check=True,
        capture_output=True,
    )
    a = _stable(load_decisions(str(clean), include_opponents=True))
    b = _stable(load_decisions(str(killed), include_opponents=True))
    pd.testing.assert_frame_equal(a, b)
    assert _done_episodes(killed) == total
    with sqlite3.connect(killed) as con:
        statuses = {s for (s,) in con.execute("select status from episodes")}
    assert statuses == {"done"}


def test_suites_hold_the_catalog() -> None:
    ids = {g.id for g in list_games()}
    assert len(ids) >= 30
    assert len(list_games("jia2025")) == 14


def test_replay_from_the_episode_seed_retraces_what_was_played(store_path: Path) -> None:
    """`stratlens.games.replay` draws chance as the runner did: a random-stop episode rebuilt
    from its stored moves and seed stops exactly where the played one stopped."""
    from stratlens.games import get_game, replay

    game = "iterated_prisoners_dilemma_random_stop"
    evaluate("baseline/belief", games=[game], episodes=4, seed=5, store=str(store_path))
    df = load_decisions(str(store_path), include_opponents=True)
    lengths = set()
    for _, rows in df.groupby("episode_id"):
        moves = {(int(r.step), int(r.player)): int(r.action) for r in rows.itertuples()}
        views = replay(get_game(game), int(rows.seed.iloc[0]), moves)
        assert set(views) == set(moves)
        lengths.add(len(moves))
    assert len(lengths) > 1  # the stopping time differs between episodes


def test_evaluate_works_inside_a_running_event_loop(tmp_path: Path) -> None:
    # A notebook runs its cells inside an event loop: asyncio.run would refuse to start there.
    import asyncio

    async def cell() -> tuple[int, int]:
        report = evaluate("baseline/trust", games=["stag_hunt"], episodes=2,
                          store=str(tmp_path / "s.db"))  # fmt: skip
        return report.played, report.failed

    assert asyncio.run(cell()) == (4, 0)
    assert len(load_decisions(str(tmp_path / "s.db"))) == 4
