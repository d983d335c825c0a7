"""An episode's decisions written with its end, in one transaction; the v4 → v5 migration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from stratlens.results import SCHEMA_VERSION, load_decisions, open_store
from stratlens.results._ownership import LeaseError, Owner
from stratlens.results.store import PendingDecision
from tests.results.test_store import LEGAL, _ok, _run

EP = ("e1", "run-a", "prisoners_dilemma", 0, 0, 5)


def _pending(step: int, player: int, action: int = 1) -> PendingDecision:
    return PendingDecision(step, player, "subject", "m", _ok(action), None, LEGAL)


def _count(path: Path) -> int:
    with sqlite3.connect(path) as con:
        return int(con.execute("SELECT COUNT(*) FROM decisions").fetchone()[0])


def test_finish_writes_the_episodes_decisions_with_it(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        _run(store)
        store.start_episode(*EP)
        store.finish_episode("e1", "done", [1.0, 2.0], decisions=[_pending(0, 0), _pending(1, 0)])
        dec = load_decisions(store)
        row = store.conn.execute("SELECT run_id, legal_actions FROM decisions LIMIT 1").fetchone()
    assert dec.step.tolist() == [0, 1] and dec.action.tolist() == [1, 1]
    assert row == ("run-a", '{"0": "Cooperate", "1": "Defect"}')


def test_a_refused_finish_writes_none_of_the_decisions(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    a, b = Owner.here(), Owner.here(host="elsewhere.example", pid=1)
    with open_store(path) as store:
        _run(store)
        store.start_episode(*EP, owner=a)
        with pytest.raises(LeaseError):  # not the owner: nothing written, still running
            store.finish_episode("e1", "done", [1.0, 1.0], owner=b, decisions=[_pending(0, 0)])
        with pytest.raises(ValueError, match="already has a decision among these 2"):
            store.finish_episode("e1", "done", [1.0, 1.0], owner=a, decisions=[_pending(0, 0)] * 2)
        with pytest.raises(ValueError, match="not among the legal actions"):
            store.finish_episode("e1", "done", [1.0, 1.0], owner=a, decisions=[_pending(0, 0, 7)])
        status = store.episode_status("run-a")
    assert _count(path) == 0 and status == {"e1": "running"}


def test_an_episode_of_an_unknown_run_is_refused(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        with pytest.raises(ValueError, match="unknown run 'run-a'"):
            store.claim_episode(*EP)
        assert store.episode_status("run-a") == {}


def test_a_version_4_store_loses_the_duplicate_index_and_keeps_its_rows(tmp_path: Path) -> None:
    from stratlens.results import _schema

    path = tmp_path / "v4.db"
    with open_store(path) as store:
        _run(store)
        store.start_episode(*EP)
        store.finish_episode("e1", "done", [1.0, 1.0], decisions=[_pending(0, 0)])
    raw = sqlite3.connect(path)  # back to what version 4 made
    raw.execute("CREATE INDEX decisions_episode ON decisions(episode_id)")
    raw.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    raw.commit()
    raw.close()
    assert SCHEMA_VERSION == 5 == len(_schema.MIGRATIONS)
    with open_store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        names = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
        plan = " ".join(
            str(r[-1])
            for r in store.conn.execute(
                "EXPLAIN QUERY PLAN SELECT * FROM decisions WHERE episode_id = 'e1'"
            )
        )
        assert len(load_decisions(store)) == 1
    assert "decisions_episode" not in names and "decisions_run" in names
    assert "USING INDEX sqlite_autoindex_decisions" in plan
