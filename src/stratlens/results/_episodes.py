"""The episode half of `Store`: claiming an episode under a lease, finishing it, reopening it.

A mixin of `stratlens.results.store.Store` (which provides the connection, the transactions,
the default owner and lease); see `stratlens.results._ownership` for what a lease means.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from stratlens.results._ownership import (
    Claim,
    LeaseError,
    Owner,
    check_owner,
    holder_of,
    lease_live,
)
from stratlens.results._redact import scrub_text

if TYPE_CHECKING:
    import threading

_FINAL: tuple[str, ...] = ("done", "failed")
EpisodeStatus = Literal["running", "done", "failed"]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


_INSERT_DECISION = (
    "INSERT INTO decisions (episode_id, run_id, step, player, agent, model, action, "
    "action_label, legal_actions, parse_status, raw_output, reasoning_text, reasoning_start, "
    "reasoning_len, raw_bytes, reasoning_bytes, truncated, attempts, prompt_tokens, "
    "completion_tokens, reasoning_tokens, cost_usd, latency_s, logprobs, error, cached) "
    f"VALUES ({', '.join('?' * 26)})"
)
_LEGAL_JSON: dict[tuple[tuple[int, str], ...], str] = {}


def legal_json(legal_actions: Mapping[int, str]) -> str:
    """The stored JSON of a set of legal actions (computed once per distinct set)."""
    key = tuple((int(k), v) for k, v in legal_actions.items())
    text = _LEGAL_JSON.get(key)
    if text is None:
        text = json.dumps({str(k): v for k, v in key}, sort_keys=True, ensure_ascii=False)
        if len(_LEGAL_JSON) < 4096:
            _LEGAL_JSON[key] = text
    return text


def insert_decisions(conn: sqlite3.Connection, rows: Sequence[Sequence[object]]) -> int:
    """Insert decision rows (see `Store.decision_row`) in the open transaction; the last id."""
    try:
        if len(rows) == 1:
            return int(conn.execute(_INSERT_DECISION, rows[0]).lastrowid or 0)
        conn.executemany(_INSERT_DECISION, rows)
    except sqlite3.IntegrityError:
        which = (
            f"of player {rows[0][3]} at step {rows[0][2]}"
            if len(rows) == 1
            else f"among these {len(rows)}"
        )
        raise ValueError(f"episode {rows[0][0]!r} already has a decision {which}") from None
    return 0


class EpisodeWrites:
    """Episode rows: status for resuming, claims and leases, finishing, reopening."""

    owner: Owner
    lease_s: float
    _lock: threading.RLock

    if TYPE_CHECKING:  # provided by `Store`

        @property
        def conn(self) -> sqlite3.Connection: ...

        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def episode_status(self, run_id: str) -> dict[str, str]:
        """``{episode_id: status}`` of a run's episodes, for resuming it."""
        with self._lock:
            rows = self.conn.execute(
                "SELECT episode_id, status FROM episodes WHERE run_id = ? ORDER BY episode_id",
                (run_id,),
            ).fetchall()
        return {eid: status for eid, status in rows}

    def claim_episode(
        self,
        episode_id: str,
        run_id: str,
        game_id: str,
        role: int,
        idx: int,
        seed: int,
        *,
        owner: Owner | None = None,
        lease_s: float | None = None,
    ) -> Claim:
        """Take an episode to play it: mark it running under ``owner``'s lease.

        An episode not done and not held by a live other owner is ``claimed`` (the decisions
        of an earlier unfinished attempt are dropped); a done one is left as it is (``done``);
        one whose owner is alive is left to it (``owned``, with its holder). ``owner`` defaults
        to this store's, ``lease_s`` to its lease.
        """
        me = owner or self.owner
        until = time.time() + (self.lease_s if lease_s is None else float(lease_s))
        attrs = (run_id, game_id, int(role), int(idx), int(seed))
        mine = (me.id, me.host, me.pid, until)
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT run_id, game_id, role, idx, seed, status, owner, owner_host, owner_pid, "
                "lease_until FROM episodes WHERE episode_id = ?",
                (episode_id,),
            ).fetchone()
            if row is None:
                try:  # the run's foreign key: a new episode of an unknown run is refused
                    conn.execute(
                        "INSERT INTO episodes (episode_id, run_id, game_id, role, idx, seed, "
                        "status, started_at, owner, owner_host, owner_pid, lease_until) "
                        "VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)",
                        (episode_id, *attrs, now_iso(), *mine),
                    )
                except sqlite3.IntegrityError:
                    raise ValueError(
                        f"unknown run {run_id!r}: add the run before its episodes"
                    ) from None
                return Claim("claimed")
            if row[5] == "done":
                return Claim("done")
            if tuple(row[:5]) != attrs:
                raise ValueError(f"episode {episode_id!r} exists as {tuple(row[:5])}, not {attrs}")
            holder = holder_of(row[6:10])
            theirs = holder is not None and holder.owner != me.id
            if row[5] == "running" and theirs and lease_live(holder):
                return Claim("owned", holder)  # a live other owner plays it: leave it alone
            conn.execute("DELETE FROM decisions WHERE episode_id = ?", (episode_id,))
            conn.execute(
                "UPDATE episodes SET status = 'running', returns = NULL, subject_payoff = NULL, "
                "error = NULL, started_at = ?, finished_at = NULL, owner = ?, owner_host = ?, "
                "owner_pid = ?, lease_until = ? WHERE episode_id = ?",
                (now_iso(), *mine, episode_id),
            )
            return Claim("claimed")

    def start_episode(
        self,
        episode_id: str,
        run_id: str,
        game_id: str,
        role: int,
        idx: int,
        seed: int,
        *,
        owner: Owner | None = None,
    ) -> None:
        """`claim_episode`, raising where it cannot claim: a ``done`` episode cannot be
        restarted (`ValueError`), one held by a live other owner neither (`LeaseError`)."""
        claim = self.claim_episode(episode_id, run_id, game_id, role, idx, seed, owner=owner)
        if claim.status == "done":
            raise ValueError(f"episode {episode_id!r} is done; it cannot be restarted")
        if claim.status == "owned":
            raise LeaseError(episode_id, claim.holder)

    def renew_leases(self, owner: Owner | None = None, lease_s: float | None = None) -> int:
        """Extend the leases of ``owner``'s running episodes; return how many."""
        me = owner or self.owner
        until = time.time() + (self.lease_s if lease_s is None else float(lease_s))
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE episodes SET lease_until = ? WHERE owner = ? AND status = 'running'",
                (until, me.id),
            )
            return int(cur.rowcount)

    def release_leases(self, owner: Owner | None = None) -> int:
        """Give up ``owner``'s running episodes (anyone may play them now); return how many."""
        me = owner or self.owner
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE episodes SET owner = NULL, owner_host = NULL, owner_pid = NULL, "
                "lease_until = NULL WHERE owner = ? AND status = 'running'",
                (me.id,),
            )
            return int(cur.rowcount)

    def close_episode(
        self,
        episode_id: str,
        status: str,
        returns: Sequence[float] | None = None,
        subject_payoff: float | None = None,
        error: str | None = None,
        *,
        owner: Owner | None = None,
        decisions: Sequence[Sequence[object]] = (),
    ) -> None:
        """Close a running episode as ``done`` or ``failed``; only its owner may
        (`LeaseError` for anyone else). ``decisions`` (rows of `Store.decision_row` of this
        episode, their run_id None) are written in the same transaction: all or none.
        `Store.finish_episode` is this with the decisions as the runner keeps them.

        A ``done`` episode without ``returns`` ended on an answer that named no legal action
        (an execution failure, a result); a ``failed`` one ended on an error and may be
        restarted. ``subject_payoff`` defaults to the subject's entry of ``returns``.
        """
        if status not in _FINAL:
            raise ValueError(f"an episode finishes as 'done' or 'failed', not {status!r}")
        values = None if returns is None else [float(x) for x in returns]
        if values is not None and not all(math.isfinite(x) for x in values):
            raise ValueError(f"episode {episode_id!r}: returns must be finite, got {values}")
        me = owner or self.owner
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT status, role, owner, owner_host, owner_pid, lease_until, run_id "
                "FROM episodes WHERE episode_id = ?",
                (episode_id,),
            ).fetchone()
            if row is None:
                raise ValueError(f"unknown episode {episode_id!r}")
            if row[0] != "running":
                raise ValueError(f"episode {episode_id!r} is {row[0]}, not running")
            check_owner(episode_id, row[2:6], me)
            if any(d[0] != episode_id for d in decisions):
                raise ValueError(f"decisions of another episode than {episode_id!r}")
            if decisions:
                run_id = row[6]
                insert_decisions(conn, [(d[0], run_id, *d[2:]) for d in decisions])
            payoff = subject_payoff
            if payoff is None and values is not None and 0 <= row[1] < len(values):
                payoff = values[row[1]]
            conn.execute(
                "UPDATE episodes SET status = ?, returns = ?, subject_payoff = ?, error = ?, "
                "finished_at = ?, lease_until = NULL WHERE episode_id = ?",
                (
                    status,
                    None if values is None else json.dumps(values),
                    None if payoff is None else float(payoff),
                    None if error is None else scrub_text(error),
                    now_iso(),
                    episode_id,
                ),
            )

    def reopen_episodes(self, reasons: Mapping[str, str]) -> int:
        """Mark done episodes not done (running, with no owner), each with its reason as the
        error, so that the next run plays them again; return how many. One transaction."""
        with self.transaction() as conn:
            n = 0
            for episode_id, reason in reasons.items():
                cur = conn.execute(
                    "UPDATE episodes SET status = 'running', returns = NULL, "
                    "subject_payoff = NULL, error = ?, finished_at = NULL, owner = NULL, "
                    "owner_host = NULL, owner_pid = NULL, lease_until = NULL "
                    "WHERE episode_id = ? AND status = 'done'",
                    (scrub_text(reason), episode_id),
                )
                n += cur.rowcount
            return n
