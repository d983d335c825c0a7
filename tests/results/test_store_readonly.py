"""A store that cannot be written (a shared or read-only copy) can still be read: the loaders,
the leaderboard, `fit --no-save` and `compare` of stored runs open it read-only, skip the
caches they cannot write, and leave the file as it was.

The commands run in a subprocess that cannot write the store's folder: under root, with the
capabilities that bypass file permissions dropped (`setpriv`), since root ignores them.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from stratlens.cli import main
from stratlens.errors import StoreError
from stratlens.results.store import Store

ROOT = os.name == "posix" and os.geteuid() == 0
CAPS = "-dac_override,-dac_read_search"
pytestmark = pytest.mark.skipif(
    os.name != "posix" or (ROOT and shutil.which("setpriv") is None),
    reason="needs POSIX permissions (and setpriv under root)",
)


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[str]]]:
    """A store with two runs, in a folder that is read-only (0555, the file 0444)."""
    folder = tmp_path_factory.mktemp("shared") / "ro"
    folder.mkdir()
    store = folder / "s.db"
    for model in ("baseline/random", "baseline/trust"):
        argv = ["eval", "--model", model, "--game", "stag_hunt", "--episodes", "3",
                "--store", str(store), "--no-progress", "--json"]  # fmt: skip
        assert main(argv) == 0
    conn = sqlite3.connect(store)
    runs = [str(r[0]) for r in conn.execute("SELECT run_id FROM runs ORDER BY run_id")]
    conn.close()
    store.chmod(0o444)
    folder.chmod(0o555)
    yield store, runs
    folder.chmod(0o755)
    store.chmod(0o644)


def _as_reader(*argv: str) -> subprocess.CompletedProcess[str]:
    prefix = ["setpriv", f"--bounding-set={CAPS}", f"--inh-caps={CAPS}", "--"] if ROOT else []
    return subprocess.run(
        [*prefix, sys.executable, *argv], capture_output=True, text=True, timeout=120, check=False
    )


def _unchanged(store: Path, before: bytes) -> None:
    assert store.read_bytes() == before
    assert sorted(p.name for p in store.parent.iterdir()) == ["s.db"]  # no -wal, no -shm


def test_the_loaders_read_a_read_only_store(locked: tuple[Path, list[str]]) -> None:
    store, _ = locked
    before = store.read_bytes()
    code = (
        "import sys; from stratlens import load_decisions; "
        "from stratlens.results import load_episodes, load_runs; "
        f"p = {str(store)!r}; "
        "print(len(load_decisions(p)), len(load_episodes(p)), len(load_runs(p)))"
    )
    out = _as_reader("-c", code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["12", "12", "2"]
    _unchanged(store, before)


@pytest.mark.parametrize("cache", ["--no-cache", "cache"])
def test_the_leaderboard_of_a_read_only_store(
    locked: tuple[Path, list[str]], tmp_path: Path, cache: str
) -> None:
    store, _ = locked
    before = store.read_bytes()
    out_dir = tmp_path / "lb"
    argv = ["-m", "stratlens.cli", "leaderboard", "--store", str(store), "--out", str(out_dir),
            "--bootstrap", "100"]  # fmt: skip
    out = _as_reader(*argv, *([cache] if cache.startswith("--") else []))
    assert out.returncode == 0, out.stderr
    assert "leaderboard: 2 models" in out.stdout
    assert (out_dir / "leaderboard.md").is_file()
    _unchanged(store, before)


def test_fit_and_compare_of_a_read_only_store(
    locked: tuple[Path, list[str]], tmp_path: Path
) -> None:
    store, runs = locked
    before = store.read_bytes()
    fit = _as_reader("-m", "stratlens.cli", "fit", "--store", str(store), "--no-save", "--json")
    assert fit.returncode == 0, fit.stderr
    compare = _as_reader("-m", "stratlens.cli", "compare", *runs, "--store", str(store),
                         "--out", str(tmp_path / "cmp"), "--bootstrap", "100",
                         "--classifier", "none", "--json")  # fmt: skip
    assert compare.returncode == 0, compare.stderr
    _unchanged(store, before)


def test_a_read_only_store_refuses_writes_in_one_line(locked: tuple[Path, list[str]]) -> None:
    store, _ = locked
    with Store(store, readonly=True) as opened:
        assert opened.readonly
        with pytest.raises(StoreError, match="is open read-only"), opened.transaction():
            pass
    with pytest.raises(StoreError, match="no store at"):
        Store(store.parent / "none.db", readonly=True)


def test_profile_reads_a_read_only_store_and_writes_nothing(locked: tuple[Path, list[str]]) -> None:
    store, _ = locked
    before = store.read_bytes()
    # (an in-process test run as root may have left -wal/-shm beside it: compare, don't assume)
    names = sorted(p.name for p in store.parent.iterdir())
    out = _as_reader(
        "-m", "stratlens.cli", "profile", "--store", str(store), "--classifier", "keywords",
        "--json",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["model"] for r in rows] == ["baseline/random", "baseline/trust"]
    assert all(r["text"]["n"] == 6 for r in rows)  # stag hunt, 2 roles x 3 episodes, labelled
    assert store.read_bytes() == before
    assert sorted(p.name for p in store.parent.iterdir()) == names
