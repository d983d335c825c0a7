"""The results store on real SQLite files: schema, locations, writes, loaders, crashes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from stratlens.contracts import Decision, Usage
from stratlens.errors import StoreError, StoreLocationError, UsageError
from stratlens.results import (
    DEFAULT_STORE_PATH,
    SCHEMA_VERSION,
    Store,
    check_store_location,
    load_decisions,
    load_episodes,
    load_runs,
    open_store,
    resolve_store_path,
)
from stratlens.results._redact import looks_secret

LEGAL = {0: "Cooperate", 1: "Defect"}


def _run(store: Store, run_id: str = "run-a", **over: object) -> bool:
    args: dict[str, object] = {
        "model": "openai/gpt-4o",
        "model_args": {"temperature": "0.7"},
        "suite": "classic",
        "games": ["prisoners_dilemma", "stag_hunt"],
        "protocol": "cot",
        "opponent": "baseline/minimax",
        "episodes": 2,
        "seed": 7,
        "package_version": "0.1.0",
        "config": {"concurrency": 4},
    }
    args.update(over)
    return store.add_run(run_id, **args)  # type: ignore[arg-type]


def _ok(action: int, tokens: int = 10) -> Decision:
    return Decision(
        action,
        "ok",
        raw_output=f"ANSWER: {action}",
        reasoning="the other player defects",
        usage=Usage(prompt_tokens=tokens, completion_tokens=5, reasoning_tokens=3, cost_usd=0.25),
        latency_s=1.5,
    )


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as raw:
        rows = raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0] for r in rows}


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


# -- schema and opening --------------------------------------------------------------------


def test_new_store_has_schema_version_wal_and_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "s.db"
    with open_store(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 5
        pragmas = {
            p: store.conn.execute(f"PRAGMA {p}").fetchone()[0]
            for p in ("foreign_keys", "synchronous", "busy_timeout")
        }
        assert pragmas["foreign_keys"] == 1
        assert pragmas["synchronous"] == 1  # NORMAL
        assert pragmas["busy_timeout"] >= 1000
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # persistent
        version = raw.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert version == (str(SCHEMA_VERSION),)
    assert {"meta", "runs", "episodes", "decisions", "profiles", "fits", "cache"} <= _tables(path)


def test_reopening_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with open_store(path) as store:
        _run(store)
    with sqlite3.connect(path) as raw:
        schema = raw.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    for _ in range(2):
        with open_store(path) as store:
            assert store.get_run("run-a") is not None
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema
        assert raw.execute("SELECT key, value FROM meta").fetchall() == [
            ("schema_version", str(SCHEMA_VERSION))
        ]


def test_newer_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    open_store(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match="newer") as info:
        open_store(path)
    assert "\n" not in str(info.value)
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT value FROM meta").fetchone() == (str(SCHEMA_VERSION + 1),)


def test_garbage_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    garbage = b"this is not an SQLite database at all\n" * 200
    path.write_bytes(garbage)
    with pytest.raises(StoreError, match="not a database") as info:
        open_store(path)
    assert "\n" not in str(info.value)
    assert path.read_bytes() == garbage


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE notes (x TEXT)")
    with pytest.raises(StoreError, match="not a stratlens store"):
        open_store(path)
    assert _tables(path) == {"notes"}


# -- locations -----------------------------------------------------------------------------


def test_resolve_store_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("STRATLENS_STORE", raising=False)
    assert resolve_store_path(None) == DEFAULT_STORE_PATH == Path("results/stratlens.db")
    monkeypatch.setenv("STRATLENS_STORE", str(tmp_path / "env.db"))
    assert resolve_store_path(None) == tmp_path / "env.db"
    assert resolve_store_path(tmp_path / "given.db") == tmp_path / "given.db"


def test_check_store_location_refuses_without_creating(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "folder").mkdir()
    before = _files(tmp_path)
    with pytest.raises(StoreLocationError, match=r"file\.txt is not a folder"):
        check_store_location(tmp_path / "file.txt" / "store.db")
    with pytest.raises(StoreLocationError, match=r"file\.txt is not a folder"):
        check_store_location(tmp_path / "file.txt" / "deeper" / "store.db")
    with pytest.raises(StoreLocationError, match="is a folder"):
        check_store_location(tmp_path / "folder")
    with pytest.raises(StoreLocationError, match="is a folder"):
        Store(tmp_path / "folder")
    with pytest.raises(StoreLocationError, match="empty"):
        check_store_location("")
    with pytest.raises(StoreLocationError):
        Store(tmp_path / "file.txt" / "store.db")
    check_store_location(tmp_path / "new" / "nested" / "store.db")  # creatable: fine
    assert _files(tmp_path) == before


def test_check_store_location_accepts_an_existing_store(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    open_store(path).close()
    check_store_location(path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_check_store_location_refuses_a_read_only_folder(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(StoreLocationError, match="not writable"):
            check_store_location(locked / "sub" / "s.db")
    finally:
        locked.chmod(0o700)


# -- runs, episodes, decisions -------------------------------------------------------------


def test_add_run_is_idempotent_and_keeps_the_first(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        assert _run(store) is True
        assert _run(store, model="openai/other", seed=99) is False
        run = store.get_run("run-a")
    assert run is not None
    assert (run["model"], run["seed"], run["games"]) == (
        "openai/gpt-4o",
        7,
        ["prisoners_dilemma", "stag_hunt"],
    )
    assert run["config"] == {"concurrency": 4}


def _play(store: Store) -> None:
    """run-a: pd idx 0 done (subject P0), pd idx 1 failed, stag_hunt done (subject P1)."""
    _run(store)
    store.start_episode("e-pd-0", "run-a", "prisoners_dilemma", 0, 0, 11)
    store.add_decision("e-pd-0", "run-a", 0, 0, "subject", "openai/gpt-4o", _ok(1), None, LEGAL)
    store.add_decision(
        "e-pd-0", "run-a", 0, 1, "opponent", "baseline/minimax", _ok(0), "Cooperate", LEGAL
    )
    store.finish_episode("e-pd-0", "done", [5.0, 0.0], None, None)
    store.start_episode("e-pd-1", "run-a", "prisoners_dilemma", 0, 1, 12)
    bad = Decision(None, "unparseable", raw_output="maybe both?", attempts=3)
    store.add_decision("e-pd-1", "run-a", 0, 0, "subject", "openai/gpt-4o", bad, None, LEGAL)
    store.finish_episode("e-pd-1", "failed", None, None, "player 1: unparseable")
    store.start_episode("e-sh-0", "run-a", "stag_hunt", 1, 0, 13)
    store.add_decision("e-sh-0", "run-a", 0, 1, "subject", "openai/gpt-4o", _ok(0), None, LEGAL)
    store.add_decision("e-sh-0", "run-a", 1, 1, "subject", "openai/gpt-4o", _ok(1), None, LEGAL)
    store.finish_episode("e-sh-0", "done", [2.0, 3.0], None, None)
    store.start_episode("e-sh-1", "run-a", "stag_hunt", 1, 1, 14)  # left running
    store.add_decision("e-sh-1", "run-a", 0, 1, "subject", "openai/gpt-4o", _ok(1), None, LEGAL)


def test_flow_and_load_decisions(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        _play(store)
        assert store.count_episodes("run-a") == 2
        assert store.count_episodes("run-a", status=None) == 4
        assert store.count_decisions("run-a") == 6
        assert store.count_decisions("run-a", agent="opponent") == 1
        assert store.episode_status("run-a") == {
            "e-pd-0": "done",
            "e-pd-1": "failed",
            "e-sh-0": "done",
            "e-sh-1": "running",
        }
        df = load_decisions(store)
    required = {
        "run_id", "model", "game_id", "episode_id", "role", "player", "agent", "step", "action",
        "action_label", "parse_status", "reasoning", "raw_output", "payoff", "prompt_tokens",
        "completion_tokens", "reasoning_tokens", "cost_usd", "latency_s",
    }  # fmt: skip
    assert required <= set(df.columns)
    assert df["action"].dtype == pd.Int64Dtype()
    assert df["step"].dtype == "int64" and df["payoff"].dtype == "float64"
    # subject only, finished episodes only, ordered by game, role, idx, step
    assert list(df["episode_id"]) == ["e-pd-0", "e-pd-1", "e-sh-0", "e-sh-0"]
    assert list(df["agent"].unique()) == ["subject"]
    assert df["action"].tolist() == [1, pd.NA, 0, 1]
    assert df["action_label"].tolist()[0] == "Defect"  # filled from the legal actions
    assert df["parse_status"].tolist() == ["ok", "unparseable", "ok", "ok"]
    payoff = df["payoff"].tolist()
    assert payoff[0] == 5.0 and pd.isna(payoff[1]) and payoff[2:] == [3.0, 3.0]
    assert df["legal_actions"].iloc[0] == LEGAL
    assert df["prompt_tokens"].iloc[0] == 10 and df["cost_usd"].iloc[0] == 0.25
    assert df["attempts"].tolist() == [1, 3, 1, 1]


def test_load_filters_and_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.db"
    with open_store(path) as store:
        _play(store)
        _run(store, "run-b")
        store.start_episode("e-b", "run-b", "prisoners_dilemma", 0, 0, 1)
        store.add_decision("e-b", "run-b", 0, 0, "subject", "m", _ok(0), None, LEGAL)
        store.finish_episode("e-b", "done", [3.0, 3.0])
    everyone = load_decisions(str(path), run="run-a", include_opponents=True)
    assert everyone[["agent", "player", "payoff"]].values.tolist()[:2] == [
        ["subject", 0, 5.0],
        ["opponent", 1, 0.0],
    ]
    unfinished = load_decisions(path, run=["run-a"], include_unfinished=True)
    assert unfinished["episode_id"].tolist()[-1] == "e-sh-1"
    assert len(load_decisions(path)) == 5  # both runs
    monkeypatch.setenv("STRATLENS_STORE", str(path))
    assert load_decisions(None, run="run-b")["episode_id"].tolist() == ["e-b"]
    with pytest.raises(UsageError, match="run-x"):
        load_decisions(path, run=["run-a", "run-x"])
    with pytest.raises(StoreError, match="no store"):
        load_decisions(tmp_path / "missing.db")
    assert not (tmp_path / "missing.db").exists()

    episodes = load_episodes(path, run="run-a")
    assert episodes["episode_id"].tolist() == ["e-pd-0", "e-pd-1", "e-sh-0"]
    assert episodes["returns"].tolist()[0] == [5.0, 0.0]
    assert episodes["subject_payoff"].tolist()[2] == 3.0  # role 1's return
    assert episodes["decisions"].tolist() == [1, 1, 2]
    assert episodes["failures"].tolist() == [0, 1, 0]
    assert len(load_episodes(path, run="run-a", include_unfinished=True)) == 4

    runs = load_runs(path)
    assert runs["run_id"].tolist() == ["run-a", "run-b"]
    assert runs[["n_done", "n_failed", "n_running"]].values.tolist() == [[2, 1, 1], [1, 0, 0]]
    assert runs["games"].iloc[0] == ["prisoners_dilemma", "stag_hunt"]


def test_empty_store_loads_typed_empty_frames(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        df = load_decisions(store)
        assert len(df) == 0 and df["action"].dtype == pd.Int64Dtype()
        assert len(load_episodes(store)) == 0 and len(load_runs(store)) == 0


def test_restart_drops_the_unfinished_attempt(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        _run(store)
        store.start_episode("e1", "run-a", "prisoners_dilemma", 0, 0, 5)
        for step in range(3):
            store.add_decision("e1", "run-a", step, 0, "subject", "m", _ok(1), None, LEGAL)
        store.start_episode("e1", "run-a", "prisoners_dilemma", 0, 0, 5)
        assert store.count_decisions(episode_id="e1") == 0
        store.add_decision("e1", "run-a", 0, 0, "subject", "m", _ok(0), None, LEGAL)
        store.finish_episode("e1", "failed", error="timeout")
        store.start_episode("e1", "run-a", "prisoners_dilemma", 0, 0, 5)  # failed: retried
        assert store.count_decisions(episode_id="e1") == 0
        assert store.episode_status("run-a") == {"e1": "running"}
        with pytest.raises(ValueError, match="exists as"):
            store.start_episode("e1", "run-a", "stag_hunt", 0, 0, 5)
        with pytest.raises(ValueError, match="unknown run"):
            store.start_episode("e2", "run-zz", "stag_hunt", 0, 0, 5)


def test_done_episode_cannot_restart_or_change(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        _run(store)
        store.start_episode("e1", "run-a", "prisoners_dilemma", 0, 0, 5)
        store.add_decision("e1", "run-a", 0, 0, "subject", "m", _ok(1), None, LEGAL)
        with pytest.raises(ValueError, match="already has a decision"):
            store.add_decision("e1", "run-a", 0, 0, "subject", "m", _ok(0), None, LEGAL)
        with pytest.raises(ValueError, match="not among the legal"):
            store.add_decision("e1", "run-a", 1, 0, "subject", "m", _ok(7), None, LEGAL)
        with pytest.raises(ValueError, match="'subject' or 'opponent'"):
            store.add_decision("e1", "run-a", 1, 0, "judge", "m", _ok(0), None, LEGAL)  # type: ignore[arg-type]
        store.finish_episode("e1", "done", [1.0, 1.0])
        with pytest.raises(ValueError, match="is done"):
            store.start_episode("e1", "run-a", "prisoners_dilemma", 0, 0, 5)
        with pytest.raises(ValueError, match="is done, not running"):
            store.add_decision("e1", "run-a", 1, 0, "subject", "m", _ok(0), None, LEGAL)
        with pytest.raises(ValueError, match="is done, not running"):
            store.finish_episode("e1", "failed", error="late")
        with pytest.raises(ValueError, match="'done' or 'failed'"):
            store.finish_episode("e1", "running")
        assert store.count_decisions(episode_id="e1") == 1
        assert store.count_episodes("run-a") == 1


# -- secrets -------------------------------------------------------------------------------


def test_looks_secret() -> None:
    secret = ["api_key", "OPENAI_API_KEY", "hf_token", "access-token", "client_secret", "password"]
    plain = ["max_tokens", "max_completion_tokens", "tokenizer", "temperature", "top_p", "seed"]
    assert all(looks_secret(k) for k in secret)
    assert not any(looks_secret(k) for k in plain)


def test_secrets_never_reach_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_secret = "envsecret-7f3a9c1e5b"
    monkeypatch.setenv("MYPROVIDER_API_KEY", env_secret)
    secrets = [
        "hunter2-plain-pw",
        "tok-0123456789abcdef",
        "sk-" + "abcdefghijklmnopqrstuvwxyz",
        "bearer-zzz-9",
    ]
    model_args = {
        "api_key": secrets[2],
        "HF_TOKEN": secrets[1],
        "password": secrets[0],
        "extra_headers": {"Authorization": secrets[3]},
        "base_url": f"https://proxy.local/?k={env_secret}",
        "max_tokens": "256",
    }
    path = tmp_path / "s.db"
    with open_store(path) as store:
        _run(store, model_args=model_args, config={"model_args": model_args, "seed": 7})
        store.start_episode("e1", "run-a", "prisoners_dilemma", 0, 0, 5)
        err = Decision(None, "error", error=f"AuthenticationError: bad key {env_secret}")
        store.add_decision("e1", "run-a", 0, 0, "subject", "m", err, None, LEGAL)
        store.finish_episode("e1", "failed", error=f"401 with key {secrets[2]}")
        run = store.get_run("run-a")
        live = b"".join(p.read_bytes() for p in tmp_path.iterdir())  # .db, -wal, -shm
    assert run is not None
    assert run["model_args"]["api_key"] == "***"
    assert run["model_args"]["extra_headers"] == {"Authorization": "***"}
    assert run["model_args"]["max_tokens"] == "256"
    assert run["config"]["model_args"]["HF_TOKEN"] == "***"
    closed = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for secret in [*secrets, env_secret]:
        assert secret.encode() not in live
        assert secret.encode() not in closed
    assert b"AuthenticationError: bad key ***" in live + closed


# -- processes and threads -----------------------------------------------------------------

_CHILD_SETUP = """
import sys
from stratlens.contracts import Decision
from stratlens.results import open_store
path, episode = sys.argv[1], sys.argv[2]
legal = {0: "C", 1: "D"}
store = open_store(path)
store.add_run("run-a", model="m", model_args={}, suite=None, games=["g"], protocol="vanilla",
              opponent="o", episodes=2, seed=0, package_version="0", config={})
store.start_episode(episode, "run-a", "g", 0, int(episode[-1]), 0)
"""

_CRASH_CHILD = (
    _CHILD_SETUP
    + """
step = 0
while True:
    store.add_decision(episode, "run-a", step, 0, "subject", "m", Decision(step % 2, "ok"),
                       None, legal)
    step += 1
    if step == 25:
        print("ready", flush=True)
"""
)

_WRITER_CHILD = (
    _CHILD_SETUP
    + """
print("ready", flush=True)
sys.stdin.readline()
for step in range(200):
    store.add_decision(episode, "run-a", step, 0, "subject", "m", Decision(step % 2, "ok"),
                       None, legal)
store.finish_episode(episode, "done", [1.0, 2.0])
store.close()
"""
)


def _spawn(script: str, path: Path, episode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, str(path), episode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_killed_writer_leaves_a_readable_store(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with open_store(path) as store:
        _run(store)
        store.start_episode("ep0", "run-a", "g", 0, 0, 0)
        store.add_decision("ep0", "run-a", 0, 0, "subject", "m", _ok(1), None, LEGAL)
        store.finish_episode("ep0", "done", [1.0, 0.0])
    child = _spawn(_CRASH_CHILD, path, "ep1")
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready", child.stderr
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
        for stream in (child.stdin, child.stdout, child.stderr):
            if stream is not None:
                stream.close()
    assert child.returncode == -signal.SIGKILL
    with open_store(path) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.episode_status("run-a") == {"ep0": "done", "ep1": "running"}
        written = store.count_decisions(episode_id="ep1")
        assert written >= 25
        assert load_decisions(store)["episode_id"].tolist() == ["ep0"]
        partial = load_decisions(store, include_unfinished=True)
        steps = partial.loc[partial["episode_id"] == "ep1", "step"].tolist()
        assert steps == list(range(written))  # every committed decision whole, no gaps
        store.start_episode("ep1", "run-a", "g", 0, 1, 0)
        assert store.count_decisions(episode_id="ep1") == 0


def test_two_processes_write_concurrently(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "s.db"  # both processes create and migrate it at once
    children = [_spawn(_WRITER_CHILD, path, f"ep{k}") for k in (1, 2)]
    try:
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready", child.communicate()[1]
        outcomes = [child.communicate("go\n", timeout=120) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    for child, (_, err) in zip(children, outcomes, strict=True):
        assert child.returncode == 0, err
        assert "locked" not in err
    with open_store(path) as store:
        assert store.count_decisions("run-a") == 400
        assert store.count_episodes("run-a") == 2
        df = load_decisions(store)
    for episode in ("ep1", "ep2"):
        assert df.loc[df["episode_id"] == episode, "step"].tolist() == list(range(200))


def test_threads_share_one_store(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        _run(store)
        for k in range(4):
            store.start_episode(f"t{k}", "run-a", "g", 0, k, k)

        def write(k: int) -> None:
            for step in range(50):
                store.add_decision(f"t{k}", "run-a", step, 0, "subject", "m", _ok(1), None, LEGAL)

        threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert store.count_decisions("run-a") == 200


def test_done_without_returns_is_an_execution_failure(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        _run(store)
        store.start_episode("e1", "run-a", "stag_hunt", 1, 0, 5)
        bad = Decision(None, "illegal", raw_output="ANSWER: 9")
        store.add_decision("e1", "run-a", 0, 1, "subject", "m", bad, None, LEGAL)
        store.finish_episode("e1", "done", None, None, "player 2: illegal")
        with pytest.raises(ValueError, match="finite"):
            store.finish_episode("e1", "done", [float("nan"), 1.0])
        episodes = load_episodes(store)
        decisions = load_decisions(store)
    assert episodes["status"].tolist() == ["done"] and episodes["returns"].tolist() == [None]
    assert pd.isna(episodes["subject_payoff"].iloc[0]) and episodes["failures"].tolist() == [1]
    assert decisions["action"].isna().tolist() == [True] and pd.isna(decisions["payoff"].iloc[0])


def test_a_version_1_store_is_migrated_in_place(tmp_path: Path) -> None:
    from stratlens.results import _schema

    path = tmp_path / "v1.db"
    raw = sqlite3.connect(path)
    for sql in _schema.MIGRATIONS[0]:
        raw.execute(sql)
    raw.execute("INSERT INTO meta(key, value) VALUES ('schema_version', '1')")
    raw.execute(
        "INSERT INTO runs VALUES ('r1', 't', 'baseline/random', '{}', NULL, '[]', 'vanilla', "
        "'baseline/belief', 1, 0, '0.1', '{}')"
    )
    raw.commit()
    raw.close()
    with open_store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
        assert {"trace_labels", "analysis_cache"} <= tables
        assert store.get_run("r1") is not None


def test_a_version_2_store_gains_the_cached_column(tmp_path: Path) -> None:
    from stratlens.agents import Decision
    from stratlens.results import _schema

    path = tmp_path / "v2.db"
    raw = sqlite3.connect(path)
    for statements in _schema.MIGRATIONS[:2]:
        for sql in statements:
            raw.execute(sql)
    raw.execute("INSERT INTO meta(key, value) VALUES ('schema_version', '2')")
    raw.commit()
    raw.close()
    with open_store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        _run(store)
        store.start_episode("e1", "run-a", "prisoners_dilemma", 0, 0, 1)
        store.add_decision(
            "e1",
            "run-a",
            0,
            0,
            "subject",
            "m",
            Decision(0, "ok"),
            "row 0",
            {0: "row 0", 1: "row 1"},
        )
        store.add_decision(
            "e1",
            "run-a",
            0,
            1,
            "subject",
            "m",
            Decision(1, "ok", cached=True),
            "column 1",
            {0: "column 0", 1: "column 1"},
        )
        store.finish_episode("e1", "done", [1.0, 1.0], 1.0, None)
        decisions = load_decisions(store)
    assert decisions.cached.tolist() == [False, True]
