"""What the store and the response cache share: one SQLite file in WAL mode, opened by many
processes at once, written through ``BEGIN IMMEDIATE`` transactions.

A leaf module: it imports nothing of stratlens.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

T = TypeVar("T")


def connect(path: str | os.PathLike[str], timeout: float) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), shareable across threads."""
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    return conn


def connect_readonly(path: str | os.PathLike[str], timeout: float) -> sqlite3.Connection:
    """A read-only connection that creates nothing: no file, no table, no ``-wal``/``-shm``
    where the folder is not writable.

    ``mode=ro`` first; a WAL file in a read-only folder without its ``-shm`` cannot be opened
    that way, and is then opened ``immutable`` (nobody can be writing it there). Raises
    ``sqlite3.Error`` when the file is not a database.
    """
    uri = Path(path).resolve().as_uri()
    conn = sqlite3.connect(
        f"{uri}?mode=ro", timeout=timeout, uri=True, isolation_level=None, check_same_thread=False
    )
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        conn.close()
        conn = sqlite3.connect(
            f"{uri}?immutable=1", uri=True, isolation_level=None, check_same_thread=False
        )
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    return conn


def is_sqlite_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` starts with SQLite's file header (an empty file does not)."""
    with open(path, "rb") as f:
        return f.read(16) == b"SQLite format 3\x00"


def retry_while_busy(step: Callable[[], T], timeout: float) -> T:
    """Run ``step`` until it does not fail with "database is locked/busy", up to ``timeout``.

    While another process switches a new file to WAL mode, SQLite may answer "database is
    locked" at once instead of waiting for the busy timeout; ``step`` must be idempotent or
    transactional.
    """
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            return step()
        except sqlite3.OperationalError as exc:
            busy = "locked" in str(exc) or "busy" in str(exc)
            if not busy or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


class SQLiteFile:
    """One connection to one file; a context manager, safe to share between threads.

    Subclasses open the connection, set ``self._conn`` and say what closed access raises.
    """

    path: Path
    _conn: sqlite3.Connection | None

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._conn = None

    def _closed_error(self) -> Exception:
        return RuntimeError(f"{self.path} is closed")

    @property
    def conn(self) -> sqlite3.Connection:
        """The underlying connection (autocommit mode); write through `transaction`."""
        if self._conn is None:
            raise self._closed_error()
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; rolled back if the block raises."""
        with self._lock:
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
