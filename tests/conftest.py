"""Shared fixtures: every test that writes uses its own temporary store.

The tests never touch the working directory's ``results/`` (the user's own store and response
cache): the default store and cache point into a temporary folder for the whole session, for
this process and the CLI processes it starts, whatever the user's environment says (so does the
file of game structure features, which would otherwise go to ``~/.cache``); and the
session fails if ``results/`` changed while it ran.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

#: The session's stand-in for ``results/``: where the default store and cache live.
SESSION_RESULTS = Path(tempfile.mkdtemp(prefix="stratlens-tests-"))
os.environ["STRATLENS_STORE"] = str(SESSION_RESULTS / "stratlens.db")
os.environ["STRATLENS_CACHE"] = str(SESSION_RESULTS / "cache.db")
os.environ["STRATLENS_STRUCTURE_CACHE"] = str(SESSION_RESULTS / "structure.json")
_USER_RESULTS = Path.cwd() / "results"


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder``: (size, mtime in ns)."""
    if not folder.is_dir():
        return {}
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            st = p.stat()
            out[str(p.relative_to(folder))] = (st.st_size, st.st_mtime_ns)
    return out


_BEFORE = _listing(_USER_RESULTS)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(SESSION_RESULTS, ignore_errors=True)
    after = _listing(_USER_RESULTS)
    if after != _BEFORE:
        changed = sorted(k for k in after.keys() | _BEFORE.keys() if after.get(k) != _BEFORE.get(k))
        print(f"\nthe tests changed {_USER_RESULTS}: {', '.join(changed)}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Runs ``python -m stratlens.cli ARGS`` in a fresh process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "stratlens.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        check=False,
    )
