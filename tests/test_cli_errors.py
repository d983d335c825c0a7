"""What a new user meets on the wrong input: one line naming the real problem, exit 2, and
nothing written; `--version`; a reader that closes the pipe early."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from stratlens.cli import main

F_SETPIPE_SZ = 1031  # Linux's fcntl to resize a pipe's buffer


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stratlens: error:"), err
    return lines[0]


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def results_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("store") / "s.db"
    argv = ["eval", "--model", "baseline/random", "--game", "stag_hunt", "--episodes", "1",
            "--store", str(store), "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    return store


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("/no/such/dir", "/no/such/dir: no such folder"),
        ("ckpts/step-*", "ckpts/step-*: no such folder"),
        ("baseline/random@step=abc", "@step= takes a whole number of steps, got 'abc'"),
    ],
)
def test_compare_names_the_real_problem(
    spec: str, needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "s.db"
    assert main(["compare", spec, "--store", str(store)]) == 2
    assert needle in _one_line(capsys.readouterr().err)
    assert not store.exists()


def test_cache_commands_refuse_a_file_that_is_not_a_cache(
    tmp_path: Path, results_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100)
    for cmd in ("stats", "clear"):
        assert main(["cache", cmd, "--cache", str(text)]) == 2
        assert "not a response cache (not an SQLite file)" in _one_line(capsys.readouterr().err)
    assert text.read_text() == "not a database\n" * 100
    before = _tables(results_store)
    for argv in (
        ["cache", "clear", "--cache", str(results_store)],
        ["cache", "stats", "--cache", str(results_store)],
        ["eval", "--model", "baseline/random", "--game", "stag_hunt", "--episodes", "2",
         "--store", str(tmp_path / "t.db"), "--cache", str(results_store)],
    ):  # fmt: skip
        assert main(argv) == 2
        assert "not a response cache (a results store)" in _one_line(capsys.readouterr().err)
    assert _tables(results_store) == before and "responses" not in before
    assert not (tmp_path / "t.db").exists()


@pytest.mark.parametrize("kind", ["missing", "empty", "no runs"])
def test_leaderboard_of_a_store_without_runs_says_so(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, out = tmp_path / "s.db", tmp_path / "lb"
    if kind == "empty":
        store.write_bytes(b"")
    elif kind == "no runs":
        from stratlens.results.store import open_store

        open_store(store).close()
    before = store.read_bytes() if store.exists() else None
    assert main(["leaderboard", "--store", str(store), "--out", str(out)]) == 2
    said = "no store at" if kind == "missing" else "no runs in"
    assert f"{said} {store}" in _one_line(capsys.readouterr().err)
    assert not out.exists()
    assert (store.read_bytes() if store.exists() else None) == before


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"stratlens {version('stratlens')}"


def test_a_reader_that_closes_the_pipe_gets_no_traceback() -> None:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "stratlens.cli", "games", "list", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    fcntl.fcntl(proc.stdout.fileno(), F_SETPIPE_SZ, 4096)  # far less than the output
    assert proc.stdout.read(1) == b"["
    proc.stdout.close()  # `| head -c 1`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert err == ""
