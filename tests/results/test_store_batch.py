"""An episode's decisions written with its end, in one transaction; several episodes claimed and
finished in one; the v4 → v5 migration."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from stratlens.results import SCHEMA_VERSION, load_decisions, open_store
from stratlens.results._ownership import LeaseError, Owner
from stratlens.results.store import Finished, PendingDecision
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


def _ep(n: int) -> tuple[str, str, str, int, int, int]:
    return (f"e{n}", "run-a", "prisoners_dilemma", 0, n, 100 + n)


def test_claiming_several_episodes_at_once_answers_each_as_one_claim_would(
    tmp_path: Path,
) -> None:
    me, other = Owner.here(), Owner.here(host="elsewhere.example", pid=1)
    with open_store(tmp_path / "s.db") as store:
        _run(store)
        store.start_episode(*_ep(1), owner=me)
        store.finish_episode("e1", "done", [1.0, 1.0], owner=me)
        store.start_episode(*_ep(2), owner=other)  # a live owner elsewhere
        store.start_episode(*_ep(3), owner=me)  # an attempt of ours left unfinished
        store.add_decision("e3", "run-a", 0, 0, "subject", "m", _ok(1), None, LEGAL, owner=me)
        claims = store.claim_episodes([_ep(n) for n in (0, 1, 2, 3, 4)], owner=me)
        assert [c.status for c in claims] == ["claimed", "done", "owned", "claimed", "claimed"]
        assert claims[2].holder is not None and claims[2].holder.host == "elsewhere.example"
        assert store.count_decisions(episode_id="e3") == 0  # the old attempt dropped
        status = store.episode_status("run-a")
        assert status == {"e0": "running", "e1": "done", "e2": "running", "e3": "running",
                          "e4": "running"}  # fmt: skip
        owners = dict(store.conn.execute("SELECT episode_id, owner FROM episodes").fetchall())
        assert owners["e2"] == other.id and {owners[e] for e in ("e0", "e3", "e4")} == {me.id}
        with pytest.raises(ValueError, match="claimed twice"):
            store.claim_episodes([_ep(5), _ep(5)], owner=me)
        with pytest.raises(ValueError, match="unknown run 'run-b'"):  # none of the batch claimed
            store.claim_episodes([_ep(6), ("e7", "run-b", "prisoners_dilemma", 0, 0, 1)])
        with pytest.raises(ValueError, match="exists as"):
            store.claim_episodes([_ep(8), ("e0", "run-a", "stag_hunt", 0, 0, 100)], owner=me)
        assert set(store.episode_status("run-a")) == {"e0", "e1", "e2", "e3", "e4"}


def test_finishing_several_episodes_leaves_the_ones_taken_over_to_their_owner(
    tmp_path: Path,
) -> None:
    me, other = Owner.here(host="elsewhere.example", pid=1), Owner.here()
    path = tmp_path / "s.db"
    with open_store(path, lease_s=0.2) as store:
        _run(store)
        store.claim_episodes([_ep(n) for n in range(3)], owner=me)
        time.sleep(0.3)  # my lease lapsed: another owner takes e1 over
        assert store.claim_episode(*_ep(1), owner=other).status == "claimed"
        ended = [
            Finished(f"e{n}", "done", [1.0, 2.0], decisions=[_pending(0, 0), _pending(0, 1)])
            for n in range(3)
        ]
        refused = store.finish_episodes(ended, owner=me)
        assert list(refused) == ["e1"] and isinstance(refused["e1"], LeaseError)
        assert refused["e1"].holder is not None and refused["e1"].holder.owner == other.id
        assert store.episode_status("run-a") == {"e0": "done", "e1": "running", "e2": "done"}
        payoffs = dict(store.conn.execute("SELECT episode_id, subject_payoff FROM episodes"))
        assert payoffs == {"e0": 1.0, "e1": None, "e2": 1.0}
        with pytest.raises(ValueError, match="is done, not running"):  # nothing of it written
            store.finish_episodes([Finished("e1", "done", [0.0, 0.0]), ended[0]], owner=other)
        with pytest.raises(ValueError, match="closed twice"):
            store.finish_episodes([ended[1], ended[1]], owner=other)
    assert _count(path) == 4
