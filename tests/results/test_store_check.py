"""`stratlens store check`: a store damaged as versions before episode ownership left it is
found, repaired, and completed by rerunning its command."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from stratlens import evaluate, load_decisions
from stratlens.cli import main
from stratlens.results import open_store
from stratlens.results.check import check_store

RUN = {"model": "baseline/belief", "games": ["prisoners_dilemma", "sequential",
       "iterated_prisoners_dilemma_random_stop"], "episodes": 3, "seed": 4}  # fmt: skip
COLUMNS = ["episode_id", "step", "player", "agent", "action", "parse_status", "payoff"]


def _table(path: Path) -> pd.DataFrame:
    df = load_decisions(str(path), include_opponents=True)
    return df[COLUMNS].sort_values(COLUMNS[:4]).reset_index(drop=True)


def _damage(path: Path) -> list[str]:
    """What two processes playing one run left with older versions: done episodes with one of
    their decisions gone, or all of them, and (another kind) payoffs that are not the game's."""
    with sqlite3.connect(path) as con:
        pd_eps = [r[0] for r in con.execute(
            "SELECT episode_id FROM episodes WHERE game_id = 'prisoners_dilemma' "
            "ORDER BY episode_id")]  # fmt: skip
        con.execute(
            "DELETE FROM decisions WHERE episode_id = ? AND agent = 'opponent'", (pd_eps[0],)
        )
        con.execute("DELETE FROM decisions WHERE episode_id = ?", (pd_eps[1],))
        (seq,) = con.execute(
            "SELECT episode_id FROM episodes WHERE game_id = 'sequential' LIMIT 1"
        ).fetchone()
        con.execute("UPDATE episodes SET returns = '[99.0, 0.0]' WHERE episode_id = ?", (seq,))
        (ipd,) = con.execute(
            "SELECT episode_id FROM episodes WHERE game_id LIKE 'iterated%' LIMIT 1"
        ).fetchone()
        con.execute(
            "DELETE FROM decisions WHERE episode_id = ? AND step = (SELECT MAX(step) FROM "
            "decisions WHERE episode_id = ?)",
            (ipd, ipd),
        )
    return [pd_eps[0], pd_eps[1], seq, ipd]


def test_check_finds_the_damage_repair_fixes_it_and_a_rerun_completes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean, damaged = tmp_path / "clean.db", tmp_path / "damaged.db"
    for path in (clean, damaged):
        evaluate(store=str(path), **RUN)  # type: ignore[arg-type]
    assert main(["store", "check", "--store", str(clean)]) == 0
    assert "0 damaged" in capsys.readouterr().out
    with open_store(clean) as store:
        report = check_store(store)
        assert report.ok and report.checked == report.replayed == 3 * (2 + 1 + 2)

    broken = _damage(damaged)
    assert main(["store", "check", "--store", str(damaged), "--json"]) == 1
    found = json.loads(capsys.readouterr().out)
    problems = {d["episode_id"]: d["problem"] for d in found["damaged"]}
    assert set(problems) == set(broken)
    assert problems[broken[0]] == "no decision of player 2 at step 0"
    assert problems[broken[1]] == "no decision of player 1, player 2 at step 0"
    assert "payoffs [99.0, 0.0] differ from the replay's" in problems[broken[2]]
    assert "no decision of" in problems[broken[3]]
    # a rerun before the repair trusts the store: the damage stays
    assert evaluate(store=str(damaged), **RUN).played == 0  # type: ignore[arg-type]

    assert main(["store", "check", "--store", str(damaged), "--repair"]) == 0
    out = capsys.readouterr().out
    assert "4 damaged" in out and "marked 4 episodes not done" in out
    with open_store(damaged) as store:
        assert store.count_episodes(status="running") == 4
    again = evaluate(store=str(damaged), **RUN)  # type: ignore[arg-type]
    assert (again.played, again.failed) == (4, 0)
    assert main(["store", "check", "--store", str(damaged)]) == 0
    capsys.readouterr()
    pd.testing.assert_frame_equal(_table(clean), _table(damaged))


def test_check_of_a_missing_store_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["store", "check", "--store", str(tmp_path / "none.db")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"stratlens: error: no store at {tmp_path / 'none.db'}"
    assert not (tmp_path / "none.db").exists()
