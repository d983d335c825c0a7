"""The response cache: one SQLite file of model responses, content-addressed.

The key of a request is the SHA-256 of the model string, every generation parameter sent
(temperature, max_tokens, reasoning effort, thinking budget, logprobs, seed, api_base, …),
the messages and the sample index (the decision's seed: two episodes with the same prompt are
two samples). Change any of them and the request misses. Only successful responses are kept,
so a rerun repeats exactly the calls that failed. A response longer than the reply size limit
(``$STRATLENS_MAX_REPLY_BYTES``, 64 KiB by default, as for the store) is not kept: a rerun asks
for it again rather than the cache holding a hostile or runaway reply whole.

The file is in WAL mode with a busy timeout, and every write is a single statement (its own
short transaction), so several processes may share it. Default location: ``$STRATLENS_CACHE``, else
``results/cache.db``. It holds responses only, never a credential.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from stratlens._limits import resolve_max_reply_bytes
from stratlens._sqlite import (
    SQLiteFile,
    connect,
    connect_readonly,
    is_sqlite_file,
    retry_while_busy,
)
from stratlens.errors import UsageError

DEFAULT_CACHE_PATH = Path("results") / "cache.db"
CACHE_ENV_VAR = "STRATLENS_CACHE"
KEY_VERSION = 1

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS responses (
        key        TEXT PRIMARY KEY,            -- SHA-256 of the request (see request_key)
        model      TEXT NOT NULL,
        params     TEXT NOT NULL,               -- JSON: the generation parameters
        messages   TEXT NOT NULL,               -- SHA-256 of the messages alone
        sample     INTEGER NOT NULL,
        value      TEXT NOT NULL,               -- JSON: the response
        created_at TEXT NOT NULL,
        hits       INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS responses_messages ON responses(messages)",
    "CREATE INDEX IF NOT EXISTS responses_model ON responses(model)",
)


def resolve_cache_path(path: str | os.PathLike[str] | None = None) -> Path:
    """``path``, else ``$STRATLENS_CACHE``, else `DEFAULT_CACHE_PATH`."""
    if path is None:
        path = os.environ.get(CACHE_ENV_VAR) or DEFAULT_CACHE_PATH
    return Path(path).expanduser()


def check_cache_file(path: str | os.PathLike[str]) -> None:
    """Raise `UsageError` when ``path`` exists and is not a response cache (not SQLite, or
    SQLite with other tables, such as a results store). Reads it read-only; creates nothing."""
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"cache path {p} is a folder, not a file")
    if not p.is_file() or p.stat().st_size == 0:
        return
    if not is_sqlite_file(p):
        raise UsageError(f"{p} is not a response cache (not an SQLite file)")
    try:
        conn = connect_readonly(p, 5.0)
        try:
            tables = {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise UsageError(f"cannot read cache {p}: {exc}") from None
    if tables and "responses" not in tables:
        what = "a results store" if "runs" in tables else "another SQLite file"
        raise UsageError(f"{p} is not a response cache ({what}); pass the cache with --cache")


def _digest(obj: Any) -> str:
    data = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


@dataclass(frozen=True)
class CacheRequest:
    """Everything that decides a response: the parts of the key."""

    model: str
    params: Mapping[str, Any]
    messages: Sequence[Mapping[str, Any]]
    sample: int

    @cached_property
    def messages_digest(self) -> str:
        return _digest([dict(m) for m in self.messages])

    @cached_property
    def key(self) -> str:
        return _digest(
            {
                "v": KEY_VERSION,
                "model": self.model,
                "params": dict(self.params),
                "messages": self.messages_digest,
                "sample": int(self.sample),
            }
        )


@dataclass
class CacheStats:
    path: str
    entries: int
    bytes: int
    hits: int  # lifetime hits, over every process that used the file
    models: list[dict[str, Any]] = field(default_factory=list)


def _prepare(conn: sqlite3.Connection, timeout: float) -> None:
    """WAL and ``synchronous=NORMAL``."""

    def step() -> None:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")

    retry_while_busy(step, timeout)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class ResponseCache(SQLiteFile):
    """A response cache file; a context manager. ``hits`` and ``misses`` count this object's,
    ``too_large`` the responses it did not keep (over ``max_value_bytes``)."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        timeout: float = 60.0,
        max_value_bytes: int | None = None,
    ):
        self.max_value_bytes = resolve_max_reply_bytes(max_value_bytes)
        self.too_large = 0
        self.path = resolve_cache_path(path)
        check_cache_file(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        super().__init__()
        self._conn = connect(self.path, timeout)
        try:
            _prepare(self._conn, timeout)
            with self.transaction() as conn:
                for sql in _SCHEMA:
                    conn.execute(sql)
        except BaseException:
            self.close()
            raise
        self.hits = 0
        self.misses = 0

    def _closed_error(self) -> Exception:
        return RuntimeError(f"cache {self.path} is closed")

    def get(self, request: CacheRequest) -> dict[str, Any] | None:
        """The cached response of ``request``, or None (counted as a hit or a miss)."""
        key = request.key
        with self._lock:
            row = self.conn.execute("SELECT value FROM responses WHERE key = ?", (key,)).fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        with self._lock:  # one statement: its own transaction
            self.conn.execute("UPDATE responses SET hits = hits + 1 WHERE key = ?", (key,))
        value: dict[str, Any] = json.loads(row[0])
        return value

    def put(self, request: CacheRequest, value: Mapping[str, Any]) -> None:
        """Keep a response; an entry already there (another process's) is left as it is, and
        one longer than ``max_value_bytes`` is not kept."""
        data = json.dumps(dict(value), sort_keys=True, ensure_ascii=False)
        if len(data.encode()) > self.max_value_bytes:
            self.too_large += 1
            return
        row = (
            request.key,
            request.model,
            json.dumps(dict(request.params), sort_keys=True),
            request.messages_digest,
            int(request.sample),
            data,
            _now(),
        )
        with self._lock:  # one statement: its own transaction
            self.conn.execute(
                "INSERT OR IGNORE INTO responses (key, model, params, messages, sample, value, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )

    def explain(self, request: CacheRequest) -> str:
        """Why ``request`` misses (or that it hits): the nearest entry for the same messages."""
        with self._lock:
            if self.conn.execute(
                "SELECT 1 FROM responses WHERE key = ?", (request.key,)
            ).fetchone():
                return "cached"
            rows = self.conn.execute(
                "SELECT model, params, sample FROM responses WHERE messages = ? LIMIT 50",
                (request.messages_digest,),
            ).fetchall()
        if not rows:
            return "no cached response for these messages"
        now = {"model": request.model, **dict(request.params), "sample": request.sample}
        best: list[str] | None = None
        for model, params, sample in rows:
            then = {"model": model, **json.loads(params), "sample": sample}
            diff = [
                f"{k}: cached {then.get(k)!r}, now {now.get(k)!r}"
                for k in sorted(set(now) | set(then))
                if then.get(k) != now.get(k)
            ]
            if best is None or len(diff) < len(best):
                best = diff
        return "cached for these messages with other settings (" + "; ".join(best or []) + ")"

    def stats(self) -> CacheStats:
        with self._lock:
            total = self.conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(hits), 0) FROM responses"
            ).fetchone()
            models = self.conn.execute(
                "SELECT model, COUNT(*), COALESCE(SUM(hits), 0), "
                "COALESCE(SUM(LENGTH(value)), 0) FROM responses GROUP BY model ORDER BY model"
            ).fetchall()
        size = sum(
            p.stat().st_size
            for p in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm"))
            if p.exists()
        )
        return CacheStats(
            path=str(self.path),
            entries=int(total[0]),
            bytes=size,
            hits=int(total[1]),
            models=[
                {"model": m, "entries": int(n), "hits": int(h), "response_bytes": int(b)}
                for m, n, h, b in models
            ],
        )

    def clear(self, model: str | None = None) -> int:
        """Remove every response (or one model's); return how many were removed."""
        with self.transaction() as conn:
            if model is None:
                cur = conn.execute("DELETE FROM responses")
            else:
                cur = conn.execute("DELETE FROM responses WHERE model = ?", (model,))
            removed = cur.rowcount
        with self._lock:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            if model is None:
                self.conn.execute("VACUUM")
        return int(removed)
