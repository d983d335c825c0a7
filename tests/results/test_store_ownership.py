"""Episode ownership (leases) and the size limit of stored decisions, on real store files."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stratlens.contracts import Decision
from stratlens.results import SCHEMA_VERSION, load_decisions, open_store
from stratlens.results._ownership import LeaseError, LeaseKeeper, Owner
from stratlens.results._sizes import DEFAULT_MAX_REPLY_BYTES, fit_text
from tests.results.test_store import LEGAL, _ok, _run

EP = ("e1", "run-a", "prisoners_dilemma", 0, 0, 5)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_live_owner_keeps_its_episode(tmp_path: Path) -> None:
    # ``b`` is on another host: only the lease's expiry can tell that it is gone
    a, b = Owner.here(), Owner.here(host="elsewhere.example", pid=1)
    with open_store(tmp_path / "s.db") as store:
        _run(store)
        assert store.claim_episode(*EP, owner=a).status == "claimed"
        store.add_decision("e1", "run-a", 0, 0, "subject", "m", _ok(1), None, LEGAL, owner=a)
        claim = store.claim_episode(*EP, owner=b)
        assert claim.status == "owned" and claim.holder is not None
        assert claim.holder.pid == os.getpid()
        with pytest.raises(LeaseError, match="being played by another owner"):
            store.start_episode(*EP, owner=b)
        with pytest.raises(LeaseError):
            store.add_decision("e1", "run-a", 0, 1, "subject", "m", _ok(0), None, LEGAL, owner=b)
        with pytest.raises(LeaseError):
            store.finish_episode("e1", "done", [1.0, 1.0], owner=b)
        assert store.count_decisions(episode_id="e1") == 1  # a's decision untouched
        store.finish_episode("e1", "done", [1.0, 2.0], owner=a)
        assert store.claim_episode(*EP, owner=b).status == "done"
        assert store.episode_status("run-a") == {"e1": "done"}


def test_an_expired_lease_is_taken_over_and_the_old_owner_refused(tmp_path: Path) -> None:
    a = Owner.here(host="elsewhere.example", pid=1)
    b = Owner.here()
    with open_store(tmp_path / "s.db", lease_s=0.2) as store:
        _run(store)
        store.start_episode(*EP, owner=a)
        store.add_decision("e1", "run-a", 0, 0, "subject", "m", _ok(1), None, LEGAL, owner=a)
        assert store.claim_episode(*EP, owner=b).status == "owned"
        time.sleep(0.3)  # a stopped renewing
        assert store.claim_episode(*EP, owner=b).status == "claimed"
        assert store.count_decisions(episode_id="e1") == 0  # a's attempt dropped
        with pytest.raises(LeaseError):
            store.add_decision("e1", "run-a", 1, 0, "subject", "m", _ok(1), None, LEGAL, owner=a)
        with pytest.raises(LeaseError):
            store.finish_episode("e1", "done", [1.0, 1.0], owner=a)
        store.finish_episode("e1", "failed", error="timeout", owner=b)
        assert store.episode_status("run-a") == {"e1": "failed"}


def test_a_dead_process_on_this_host_holds_nothing(tmp_path: Path) -> None:
    gone = Owner.here(pid=_dead_pid())
    with open_store(tmp_path / "s.db", lease_s=3600) as store:
        _run(store)
        store.start_episode(*EP, owner=gone)
        assert store.claim_episode(*EP).status == "claimed"


def test_the_keeper_renews_and_then_releases(tmp_path: Path) -> None:
    a, b = Owner.here(), Owner.here(host="elsewhere.example", pid=1)
    with open_store(tmp_path / "s.db", lease_s=0.3) as store:
        _run(store)
        with LeaseKeeper(store, a, 0.3):
            store.start_episode(*EP, owner=a)
            time.sleep(0.8)  # past two leases: renewed meanwhile
            assert store.claim_episode(*EP, owner=b).status == "owned"
        # released at the end of the block: anyone may play it at once
        (until,) = store.conn.execute("SELECT lease_until FROM episodes").fetchone()
        assert until is None
        assert store.claim_episode(*EP, owner=b).status == "claimed"


def test_a_version_3_store_is_migrated_and_its_unfinished_episode_replayed(
    tmp_path: Path,
) -> None:
    from stratlens.results import _schema

    path = tmp_path / "v3.db"
    raw = sqlite3.connect(path)
    for statements in _schema.MIGRATIONS[:3]:
        for sql in statements:
            raw.execute(sql)
    raw.execute("INSERT INTO meta(key, value) VALUES ('schema_version', '3')")
    raw.execute(
        "INSERT INTO runs VALUES ('run-a', 't', 'm', '{}', NULL, '[]', 'vanilla', "
        "'baseline/belief', 1, 0, '0.1', '{}')"
    )
    for eid, status in (("e0", "done"), ("e1", "running")):
        raw.execute(
            "INSERT INTO episodes (episode_id, run_id, game_id, role, idx, seed, status, "
            f"returns, started_at) VALUES ('{eid}', 'run-a', 'prisoners_dilemma', 0, "
            f"{eid[1]}, 5, '{status}', '[1.0, 1.0]', 't')"
        )
        raw.execute(
            "INSERT INTO decisions (episode_id, run_id, step, player, agent, model, action, "
            "legal_actions, parse_status, raw_output, reasoning, attempts, prompt_tokens, "
            "completion_tokens, reasoning_tokens, cost_usd, latency_s) VALUES "
            f"('{eid}', 'run-a', 0, 0, 'subject', 'm', 1, '{{}}', 'ok', 'ANSWER: 1', "
            "'old reasoning', 1, 1, 1, 0, 0, 0)"
        )
    raw.commit()
    raw.close()
    with open_store(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 5
        assert load_decisions(store).reasoning.tolist() == ["old reasoning"]
        # an episode left running by an older version has no owner: it is replayed
        store.start_episode("e1", "run-a", "prisoners_dilemma", 0, 1, 5)
        assert store.count_decisions(episode_id="e1") == 0


def test_reasoning_inside_the_output_is_stored_once(tmp_path: Path) -> None:
    thought = "They defected last round, so I defect. " * 40
    raw = f"{thought}\nFinal answer: Defect"
    with open_store(tmp_path / "s.db") as store:
        _run(store)
        store.start_episode(*EP)
        d = Decision(1, "ok", raw_output=raw, reasoning=thought.strip())
        store.add_decision("e1", "run-a", 0, 0, "subject", "m", d, None, LEGAL)
        store.finish_episode("e1", "done", [1.0, 1.0])
        text, start = store.conn.execute(
            "SELECT reasoning_text, reasoning_start FROM decisions"
        ).fetchone()
        assert (text, start) == ("", 0)
        row = load_decisions(store).iloc[0]
    assert row.reasoning == thought.strip() and row.raw_output == raw


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


@pytest.mark.parametrize("native", [False, True])
def test_a_200_kb_reply_adds_at_most_the_cap(tmp_path: Path, native: bool) -> None:
    padding = "Let me think about this carefully once more. " * 4500  # ~200 KB
    raw = f"{padding}\nFinal answer: Defect"
    # the reasoning is the visible chain of thought (inside the reply) or a native field
    reasoning = padding.strip() if not native else "native: " + padding
    assert len(raw.encode()) > 200_000
    path = tmp_path / "s.db"
    with open_store(path) as store:
        _run(store)
        store.start_episode(*EP)
        small = Decision(1, "ok", raw_output="Final answer: Defect")
        store.add_decision("e1", "run-a", 0, 0, "subject", "m", small, None, LEGAL)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = _size(path)
        huge = Decision(1, "ok", raw_output=raw, reasoning=reasoning)
        store.add_decision("e1", "run-a", 1, 0, "subject", "m", huge, None, LEGAL)
        store.finish_episode("e1", "done", [1.0, 1.0])
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        grown = _size(path) - before
        cut, raw_bytes = store.conn.execute(
            "SELECT truncated, raw_bytes FROM decisions WHERE step = 1"
        ).fetchone()
        row = load_decisions(store).iloc[1]
    assert grown <= DEFAULT_MAX_REPLY_BYTES + 8192, grown  # the cap, plus pages and the row
    assert raw_bytes == len(raw.encode()) and cut > 0
    # the beginning and the end (the answer) are kept, the cut is marked
    assert row.raw_output.endswith("Final answer: Defect")
    assert row.raw_output.startswith("Let me think")
    assert "bytes cut by the store" in row.raw_output
    stored = len(row.raw_output.encode()) + (len(row.reasoning.encode()) if native else 0)
    assert stored <= DEFAULT_MAX_REPLY_BYTES


def test_fit_text_keeps_a_span_inside_a_cut_output() -> None:
    raw = "a" * 5000 + "REASON" + "b" * 5000 + "Final answer: 1"
    kept = fit_text(raw, "REASON", 1024)
    assert kept.reasoning_start is not None and kept.reasoning_len is not None
    assert len(kept.raw_output.encode()) <= 1024 and kept.truncated > 0
    # the reasoning lay in the part cut away: its span is the marker's place, empty
    assert kept.raw_output[kept.reasoning_start :][: kept.reasoning_len] == ""
    short = fit_text("why\nFinal answer: 1", "why", 1024)
    assert (short.raw_output, short.reasoning_start, short.reasoning_len) == (
        "why\nFinal answer: 1", 0, 3,
    )  # fmt: skip


def test_a_bad_reply_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stratlens.errors import UsageError

    monkeypatch.setenv("STRATLENS_MAX_REPLY_BYTES", "lots")
    with pytest.raises(UsageError, match="STRATLENS_MAX_REPLY_BYTES"):
        open_store(tmp_path / "s.db")
    assert not (tmp_path / "s.db").exists()
