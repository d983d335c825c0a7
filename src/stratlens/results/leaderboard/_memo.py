"""The leaderboard's intermediate results, kept in the store and keyed by their inputs.

A regeneration after one new run recomputes only what that run changes: each expensive step
(an entry's bootstrap, a style fit, one outcome of the structure analysis, a figure) is looked
up under a key made of the step's kind, the code version and a digest of everything it reads
(`digest`), so an entry is never reused once any of its inputs differ. Values are JSON in the
store's ``analysis_cache`` table (kinds under `PREFIX`, no run id); arrays travel as the
base64 of their float64 bytes, so a value read back is bit for bit the one computed.

After a regeneration `write_memo` stores the fresh values and drops every memo entry that
this regeneration did not use, so the table holds one leaderboard's worth of steps.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from stratlens.results.leaderboard.summaries import CODE_VERSION

PREFIX = "leaderboard.memo."
#: Part of every key: raised whenever a step's value changes form or meaning.
MEMO_VERSION = "3"  # 2: a human cell and shift keep their information state; 3: styles per state
T = TypeVar("T")


def digest(*parts: Any) -> str:
    """A hex digest of JSON-ready parts (arrays by their shape, dtype and bytes)."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            a = np.ascontiguousarray(part)
            h.update(f"array{a.shape}{a.dtype.str}".encode())
            h.update(a.tobytes())
        elif isinstance(part, bytes):
            h.update(b"bytes%d" % len(part))
            h.update(part)
        else:
            h.update(json.dumps(part, sort_keys=True, default=_jsonable).encode())
        h.update(b"\x00")
    return h.hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return digest(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"cannot digest {type(value).__name__}")


def pack(a: npt.ArrayLike) -> dict[str, Any]:
    """A float64 array as JSON (shape and the base64 of its compressed bytes), exact; one of
    whole numbers is kept as 32-bit integers."""
    arr = np.ascontiguousarray(np.asarray(a, dtype="<f8"))
    dtype = "<f8"
    if arr.size and np.isfinite(arr).all() and np.abs(arr).max() < 2**31:
        as_int = arr.astype("<i4")
        if np.array_equal(as_int, arr) and not (np.signbit(arr) & (arr == 0)).any():
            arr, dtype = as_int, "<i4"
    raw = zlib.compress(arr.tobytes(), 1)
    return {"shape": list(arr.shape), "dtype": dtype, "z": base64.b64encode(raw).decode()}


def unpack(value: dict[str, Any]) -> npt.NDArray[np.float64]:
    raw = zlib.decompress(base64.b64decode(value["z"]))
    return np.frombuffer(raw, dtype=value["dtype"]).reshape(value["shape"]).astype(np.float64)


class Memo:
    """Look-ups and fresh values of one regeneration (``enabled=False``: compute all)."""

    def __init__(self, conn: sqlite3.Connection | None, *, enabled: bool = True) -> None:
        self.conn = conn
        self.enabled = enabled and conn is not None
        self.fresh: dict[str, tuple[str, str]] = {}  # key -> (kind, JSON)
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0
        #: The fresh run summaries, for `summaries.write_cache` (set by the caller).
        self.summaries: list[tuple[str, str, str]] = []

    def get(
        self,
        kind: str,
        parts: list[Any],
        compute: Callable[[], T],
        encode: Callable[[T], Any],
        decode: Callable[[Any], T],
    ) -> T:
        """The value of step ``kind`` on inputs ``parts``: read back, or computed and kept.

        The value is always what ``decode(encode(...))`` gives, fresh or read back, so a
        regeneration from the cache and one from scratch build from identical values.
        """
        key = digest(PREFIX + kind, MEMO_VERSION, CODE_VERSION, *parts)[:40]
        self.used.add(key)
        blob = self.fresh.get(key, (kind, None))[1]
        if blob is None and self.enabled:
            assert self.conn is not None
            row = self.conn.execute(
                "SELECT value FROM analysis_cache WHERE key = ? AND kind = ?",
                (key, PREFIX + kind),
            ).fetchone()
            blob = None if row is None else str(row[0])
            if blob is not None:
                try:
                    value = decode(json.loads(blob))
                except (ValueError, KeyError, TypeError, IndexError):
                    blob = None  # unreadable (written by other code): computed anew
                else:
                    self.hits += 1
                    return value
        if blob is None:
            self.misses += 1
            blob = json.dumps(encode(compute()), allow_nan=True)
            self.fresh[key] = (kind, blob)
        return decode(json.loads(blob))

    def cached(self, kind: str, parts: list[Any], compute: Callable[[], Any]) -> Any:
        """`get` of a JSON-ready value (lists come back for tuples)."""
        return self.get(kind, parts, compute, _same, _same)


def _same(value: Any) -> Any:
    return value


def write_memo(conn: sqlite3.Connection, memo: Memo) -> bool:
    """Store the fresh values and drop the memo entries this regeneration did not use."""
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    try:
        conn.execute("BEGIN IMMEDIATE")
        stale = [
            (key,)
            for (key,) in conn.execute(
                "SELECT key FROM analysis_cache WHERE kind >= ? AND kind < ?",
                (PREFIX, PREFIX[:-1] + chr(ord(PREFIX[-1]) + 1)),
            )
            if key not in memo.used
        ]
        conn.executemany("DELETE FROM analysis_cache WHERE key = ?", stale)
        conn.executemany(
            "INSERT OR REPLACE INTO analysis_cache (key, kind, run_id, value, created_at) "
            "VALUES (?, ?, NULL, ?, ?)",
            [(key, PREFIX + kind, blob, now) for key, (kind, blob) in memo.fresh.items()],
        )
        conn.execute("COMMIT")
    except sqlite3.Error:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        return False
    return True
