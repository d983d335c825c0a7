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
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

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
    key = tuple(legal_actions.items())  # an integer-like key hashes and compares as its int
    text = _LEGAL_JSON.get(key)
    if text is None:
        named = {str(int(k)): v for k, v in key}
        text = json.dumps(named, sort_keys=True, ensure_ascii=False)
        if len(_LEGAL_JSON) < 4096:
            _LEGAL_JSON[tuple((int(k), v) for k, v in key)] = text
    return text


def insert_decisions(conn: sqlite3.Connection, rows: Sequence[Sequence[object]]) -> int:
    """Insert decision rows (see `Store.decision_row`) in the open transaction; the last id."""
    try:
        if len(rows) == 1:
            return int(conn.execute(_INSERT_DECISION, rows[0]).lastrowid or 0)
        conn.executemany(_INSERT_DECISION, rows)
    except sqlite3.IntegrityError:
        if len(rows) == 1:
            which = f"episode {rows[0][0]!r} already has a decision of player {rows[0][3]} at step"
            raise ValueError(f"{which} {rows[0][2]}") from None
        ids = list(dict.fromkeys(str(r[0]) for r in rows))
        where = "episode" if len(ids) == 1 else "one of the episodes"
        named = ", ".join(map(repr, ids))
        raise ValueError(
            f"{where} {named} already has a decision among these {len(rows)}"
        ) from None
    return 0


#: An episode to claim: (episode_id, run_id, game_id, role, idx, seed).
EpisodeKey = tuple[str, str, str, int, int, int]


class Ending(NamedTuple):
    """How one episode ends (see `EpisodeWrites.close_episode`): ``decisions`` are rows of
    `Store.decision_row` of this episode, their run_id the episode's or None (filled in)."""

    episode_id: str
    status: str
    returns: Sequence[float] | None = None
    subject_payoff: float | None = None
    error: str | None = None
    decisions: Sequence[Sequence[object]] = ()


def _floats_json(values: list[float]) -> str:
    """``json.dumps(values)`` of finite floats (JSON writes a float as its `repr`)."""
    return "[" + ", ".join(map(repr, values)) + "]"


_CLAIMED, _DONE = Claim("claimed"), Claim("done")  # immutable: one of each serves all
_IN_BATCH = 500  # ids per ``IN (...)`` query (SQLite's old limit is 999 parameters)


def _rows_of(
    conn: sqlite3.Connection, select: str, ids: Sequence[str]
) -> dict[str, tuple[Any, ...]]:
    """``select`` (its first column the episode id) for the episodes ``ids``, by id."""
    found: dict[str, tuple[Any, ...]] = {}
    for i in range(0, len(ids), _IN_BATCH):
        chunk = ids[i : i + _IN_BATCH]
        sql = f"{select} WHERE episode_id IN ({', '.join('?' * len(chunk))})"
        found.update((row[0], row) for row in conn.execute(sql, chunk))
    return found


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
        episode = (episode_id, run_id, game_id, role, idx, seed)
        return self.claim_episodes([episode], owner=owner, lease_s=lease_s)[0]

    def claim_episodes(
        self,
        episodes: Sequence[EpisodeKey],
        *,
        owner: Owner | None = None,
        lease_s: float | None = None,
    ) -> list[Claim]:
        """`claim_episode` for several episodes (``(episode_id, run_id, game_id, role, idx,
        seed)`` each, ids distinct) in one transaction: a `Claim` for each, in order. A refusal
        (`ValueError`: an unknown run, an id that exists as another episode) claims none."""
        me = owner or self.owner
        until = time.time() + (self.lease_s if lease_s is None else float(lease_s))
        mine = (me.id, me.host, me.pid, until)
        ids = [e[0] for e in episodes]
        if len(set(ids)) != len(ids):
            raise ValueError("an episode is claimed twice in one batch")
        claims: list[Claim] = []
        new: list[tuple[object, ...]] = []
        again: list[str] = []
        started = now_iso()
        with self.transaction() as conn:
            found = _rows_of(
                conn,
                "SELECT episode_id, run_id, game_id, role, idx, seed, status, owner, owner_host, "
                "owner_pid, lease_until FROM episodes",
                ids,
            )
            for episode_id, run_id, game_id, role, idx, seed in episodes:
                attrs = (run_id, game_id, int(role), int(idx), int(seed))
                row = found.get(episode_id)
                if row is None:
                    new.append((episode_id, *attrs, started, *mine))
                    claims.append(_CLAIMED)
                    continue
                if row[6] == "done":
                    claims.append(_DONE)
                    continue
                if tuple(row[1:6]) != attrs:
                    raise ValueError(
                        f"episode {episode_id!r} exists as {tuple(row[1:6])}, not {attrs}"
                    )
                holder = holder_of(row[7:11])
                theirs = holder is not None and holder.owner != me.id
                if row[6] == "running" and theirs and lease_live(holder):
                    claims.append(Claim("owned", holder))  # a live other owner plays it
                    continue
                again.append(episode_id)
                claims.append(_CLAIMED)
            if new:
                try:  # the run's foreign key: a new episode of an unknown run is refused
                    conn.executemany(
                        "INSERT INTO episodes (episode_id, run_id, game_id, role, idx, seed, "
                        "status, started_at, owner, owner_host, owner_pid, lease_until) "
                        "VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)",
                        new,
                    )
                except sqlite3.IntegrityError:
                    runs = list(dict.fromkeys(str(n[1]) for n in new))
                    known = {r for (r,) in conn.execute("SELECT run_id FROM runs")}
                    unknown = ", ".join(repr(r) for r in runs if r not in known)
                    raise ValueError(
                        f"unknown run {unknown}: add the run before its episodes"
                    ) from None
            if again:  # an earlier attempt, unfinished or failed: played again from the start
                conn.executemany(
                    "DELETE FROM decisions WHERE episode_id = ?", [(e,) for e in again]
                )
                conn.executemany(
                    "UPDATE episodes SET status = 'running', returns = NULL, "
                    "subject_payoff = NULL, error = NULL, started_at = ?, finished_at = NULL, "
                    "owner = ?, owner_host = ?, owner_pid = ?, lease_until = ? "
                    "WHERE episode_id = ?",
                    [(started, *mine, e) for e in again],
                )
        return claims

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
        ending = Ending(episode_id, status, returns, subject_payoff, error, decisions)
        refused = self.close_episodes([ending], owner=owner)
        if refused:
            raise refused[episode_id]

    def close_episodes(
        self, endings: Sequence[Ending], *, owner: Owner | None = None
    ) -> dict[str, LeaseError]:
        """`close_episode` for several episodes (ids distinct) in one transaction. Those
        ``owner`` does not hold are left as they are, with nothing of theirs written: the
        `LeaseError` of each, by id. Any other refusal (`ValueError`) writes none of them."""
        for end in endings:
            if end.status not in _FINAL:
                raise ValueError(f"an episode finishes as 'done' or 'failed', not {end.status!r}")
            if end.returns is not None and not all(map(math.isfinite, end.returns)):
                given = [float(x) for x in end.returns]
                raise ValueError(f"episode {end.episode_id!r}: returns must be finite, got {given}")
        ids = [end.episode_id for end in endings]
        if len(set(ids)) != len(ids):
            raise ValueError("an episode is closed twice in one batch")
        me = owner or self.owner
        refused: dict[str, LeaseError] = {}
        rows: list[Sequence[object]] = []
        updates: list[tuple[object, ...]] = []
        finished = now_iso()
        with self.transaction() as conn:
            found = _rows_of(
                conn,
                "SELECT episode_id, status, role, owner, owner_host, owner_pid, lease_until, "
                "run_id FROM episodes",
                ids,
            )
            for end in endings:
                episode_id = end.episode_id
                row = found.get(episode_id)
                if row is None:
                    raise ValueError(f"unknown episode {episode_id!r}")
                if row[1] != "running":
                    raise ValueError(f"episode {episode_id!r} is {row[1]}, not running")
                for d in end.decisions:  # (a refusal here writes none of the batch)
                    if d[0] != episode_id:
                        raise ValueError(f"decisions of another episode than {episode_id!r}")
                try:
                    check_owner(episode_id, row[3:7], me)
                except LeaseError as exc:
                    refused[episode_id] = exc
                    continue
                run_id = row[7]
                for d in end.decisions:
                    if d[1] is None:  # the episode's run, filled in
                        rows.append((d[0], run_id, *d[2:]))
                    elif d[1] == run_id:
                        rows.append(d)
                    else:
                        raise ValueError(
                            f"decisions of run {d[1]!r} for {episode_id!r} of {run_id!r}"
                        )
                values = None if end.returns is None else [float(x) for x in end.returns]
                payoff = end.subject_payoff
                if payoff is None and values is not None and 0 <= row[2] < len(values):
                    payoff = values[row[2]]
                updates.append(
                    (
                        end.status,
                        None if values is None else _floats_json(values),
                        None if payoff is None else float(payoff),
                        None if end.error is None else scrub_text(end.error),
                        finished,
                        episode_id,
                    )
                )
            if rows:
                insert_decisions(conn, rows)
            conn.executemany(
                "UPDATE episodes SET status = ?, returns = ?, subject_payoff = ?, error = ?, "
                "finished_at = ?, lease_until = NULL WHERE episode_id = ?",
                updates,
            )
        return refused

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
