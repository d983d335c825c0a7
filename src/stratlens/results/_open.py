"""Opening a store file: writable (WAL, pragmas, migrations) or read-only (creates nothing)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable

from stratlens._sqlite import connect, connect_readonly, retry_while_busy
from stratlens.errors import StoreError
from stratlens.results._schema import SCHEMA_VERSION, check_version, migrate, read_version


def _prepare(conn: sqlite3.Connection, where: str, timeout: float) -> int:
    """Set the pragmas and migrate; return the schema version."""

    def step() -> int:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError(f"{where} cannot use WAL mode (got {mode}); use a local disk")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        return migrate(conn, where)

    return retry_while_busy(step, timeout)


def _opened(
    connect_to: Callable[[], sqlite3.Connection],
    prepare: Callable[[sqlite3.Connection], int],
    where: str,
) -> tuple[sqlite3.Connection, int]:
    """``connect_to()`` and ``prepare`` on it; the connection is closed if preparing fails, and
    SQLite's errors become one `StoreError` naming ``where``."""
    try:
        conn = connect_to()
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {where}: {exc}") from None
    try:
        return conn, prepare(conn)
    except sqlite3.Error as exc:
        conn.close()
        raise StoreError(f"cannot open {where}: {exc}") from None
    except BaseException:
        conn.close()
        raise


def open_writable(
    path: str | os.PathLike[str], where: str, timeout: float
) -> tuple[sqlite3.Connection, int]:
    """A connection in WAL mode to a store migrated to `SCHEMA_VERSION`, and its version."""
    return _opened(
        lambda: connect(path, timeout), lambda conn: _prepare(conn, where, timeout), where
    )


def open_readonly(
    path: str | os.PathLike[str], where: str, timeout: float
) -> tuple[sqlite3.Connection, int]:
    """A read-only connection and the schema version; an older schema cannot be read (it
    would need migrating), a newer one is refused as for a writable store."""

    def prepare(conn: sqlite3.Connection) -> int:
        version = read_version(conn, where)
        check_version(version, where)
        if version < SCHEMA_VERSION:
            raise StoreError(
                f"{where} has schema version {version} and is read-only; open it once where "
                f"it can be written to migrate it to version {SCHEMA_VERSION}"
            )
        return version

    return _opened(lambda: connect_readonly(path, timeout), prepare, where)
