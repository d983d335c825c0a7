"""Where the store lives: the default path, the environment override, and a pre-flight check."""

from __future__ import annotations

import os
from pathlib import Path

from stratlens.errors import StoreLocationError, UsageError

DEFAULT_STORE_PATH = Path("results") / "stratlens.db"
STORE_ENV_VAR = "STRATLENS_STORE"


def resolve_store_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The store file to use: ``path``, else ``$STRATLENS_STORE``, else `DEFAULT_STORE_PATH`."""
    if path is None:
        path = os.environ.get(STORE_ENV_VAR) or DEFAULT_STORE_PATH
    return Path(path).expanduser()


def check_store_location(path: str | os.PathLike[str]) -> None:
    """Raise `StoreLocationError` unless a store can be created or written at ``path``.

    Creates nothing. The store needs its folder to be writable as well as the file itself,
    since SQLite keeps its ``-wal`` and ``-shm`` files beside it.
    """
    if str(path) == "":
        raise StoreLocationError("store path is empty")
    p = Path(path).expanduser()
    if p.is_dir():
        raise StoreLocationError(f"store path {p} is a folder, not a file")
    folder = p.absolute().parent
    if os.path.lexists(p):
        if not p.is_file():
            raise StoreLocationError(f"store path {p} is not a regular file")
        if not os.access(p, os.R_OK | os.W_OK):
            raise StoreLocationError(f"store file {p} is not writable")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise StoreLocationError(f"store folder {folder} is not writable")
        return
    existing = folder
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise StoreLocationError(f"cannot create store {p}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise StoreLocationError(f"cannot create store {p}: {existing} is not writable")


def location_writable(path: str | os.PathLike[str]) -> bool:
    """Whether a store could be written at ``path`` (`check_store_location` passes)."""
    try:
        check_store_location(path)
    except StoreLocationError:
        return False
    return True


def require_runs(path: str | os.PathLike[str] | None = None) -> Path:
    """The store file at ``path`` (see `resolve_store_path`), if it holds at least one run.

    Reads it read-only and creates nothing: a missing, empty or non-SQLite file, or a store
    without runs, is a `UsageError` naming the file.
    """
    import sqlite3

    from stratlens._sqlite import connect_readonly, is_sqlite_file

    p = resolve_store_path(path)
    if p.is_dir():
        raise StoreLocationError(f"store path {p} is a folder, not a file")
    if not p.is_file():
        raise UsageError(f"no store at {p} (run `stratlens eval` first, or pass --store)")
    if p.stat().st_size == 0:
        raise UsageError(f"no runs in {p}: the file is empty")
    if not is_sqlite_file(p):
        raise UsageError(f"{p} is not a stratlens store (not an SQLite file)")
    try:
        conn = connect_readonly(p, 5.0)
    except sqlite3.Error as exc:
        raise UsageError(f"cannot read store {p}: {exc}") from None
    try:
        tables = {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master")}
        if "runs" not in tables:
            raise UsageError(f"no runs in {p}: it has no runs table (not a stratlens store?)")
        n = int(conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
    finally:
        conn.close()
    if n == 0:
        raise UsageError(f"no runs in {p}")
    return p
