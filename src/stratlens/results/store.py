"""The results store: one SQLite file, the contract between play and analysis.

The runner writes runs, episodes and decisions through `Store`; analysis reads them back with
`load_decisions`, `load_episodes` and `load_runs` (see `stratlens.results._load`).

The file is in WAL mode with ``synchronous=NORMAL``, foreign keys on and a busy timeout, so
several processes may write to it at once. Every write is one ``BEGIN IMMEDIATE … COMMIT``
transaction: a process killed at any moment leaves the old state or the new one, a crash loses
at most the episodes in flight (the runner writes an episode's decisions with its end, in one
transaction, and those of reference agents several episodes at a time: see
`stratlens._episode.EpisodeRunner`; the next run plays them again from their seeds), and an
episode counts only once it is ``done``. Several episodes are claimed (`claim_episodes`) and
finished (`finish_episodes`) in one transaction each as one call per episode would.

An episode being played has an owner holding a lease (`stratlens.results._ownership`): no
other owner restarts, writes or finishes it while the lease lives, so two processes playing
one run never play the same episode. A decision's text is stored once and capped in size
(`stratlens.results._sizes`). `stratlens.results.check` replays done episodes to find damage.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from stratlens._sqlite import SQLiteFile
from stratlens.errors import StoreError
from stratlens.results._episodes import (
    Ending,
    EpisodeStatus,
    EpisodeWrites,
    insert_decisions,
    legal_json,
    now_iso,
)
from stratlens.results._load import load_decisions, load_episodes, load_runs
from stratlens.results._open import open_readonly, open_writable
from stratlens.results._ownership import DEFAULT_LEASE_S, LeaseError, Owner, check_owner
from stratlens.results._paths import (
    DEFAULT_STORE_PATH,
    STORE_ENV_VAR,
    check_store_location,
    location_writable,
    resolve_store_path,
)
from stratlens.results._pending import AgentRole, Finished, PendingDecision
from stratlens.results._redact import env_secrets, redact, scrub_text
from stratlens.results._schema import SCHEMA_VERSION
from stratlens.results._sizes import fit_text, resolve_max_reply_bytes

if TYPE_CHECKING:
    from stratlens.contracts import Decision

DEFAULT_TIMEOUT_S = 60.0
_AGENTS: tuple[str, ...] = ("subject", "opponent")


def _json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)


class Store(EpisodeWrites, SQLiteFile):
    """One connection to a store file; a context manager. Safe to share between threads.

    ``readonly``: True opens the file read-only (it must exist; nothing is created or
    migrated, and a write raises `StoreError`); False needs a writable location; None (the
    default) opens an existing file read-only where it cannot be written (a shared or
    read-only copy), writable otherwise.

    ``owner`` is who plays the episodes this connection starts, unless a call names another
    (default: a new `Owner` for this process); ``lease_s`` how long its leases last unless
    renewed. ``max_reply_bytes`` caps what is kept of one decision's text (default
    ``$STRATLENS_MAX_REPLY_BYTES`` or 64 KiB).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        readonly: bool | None = None,
        owner: Owner | None = None,
        lease_s: float = DEFAULT_LEASE_S,
        max_reply_bytes: int | None = None,
    ) -> None:
        self.path = resolve_store_path(path)
        self.owner = owner or Owner.here()
        if not lease_s > 0:
            raise ValueError(f"a lease lasts a positive number of seconds, not {lease_s}")
        self.lease_s = float(lease_s)
        self.max_reply_bytes = resolve_max_reply_bytes(max_reply_bytes)
        if readonly is None:
            readonly = self.path.is_file() and not location_writable(self.path)
        self.readonly = readonly
        where = f"store {self.path}"
        super().__init__()
        if readonly:
            if not self.path.is_file():
                raise StoreError(f"no store at {self.path}")
            conn, self.schema_version = open_readonly(self.path, where, timeout)
        else:
            check_store_location(self.path)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn, self.schema_version = open_writable(self.path, where, timeout)
        self._conn = conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        if self.readonly:
            raise StoreError(f"store {self.path} is open read-only (its location is not writable)")
        with super().transaction() as conn:
            yield conn

    # -- connection and transactions ---------------------------------------------------

    def _closed_error(self) -> Exception:
        return StoreError(f"store {self.path} is closed")

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query in the block sees the same committed state."""
        with self._lock:
            conn = self.conn
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    def __repr__(self) -> str:
        state = "closed" if self._conn is None else f"schema v{self.schema_version}"
        return f"Store({str(self.path)!r}, {state})"

    # -- runs --------------------------------------------------------------------------

    def add_run(
        self,
        run_id: str,
        *,
        model: str,
        model_args: Mapping[str, Any],
        suite: str | None,
        games: Sequence[str],
        protocol: str,
        opponent: str,
        episodes: int,
        seed: int,
        package_version: str,
        config: Mapping[str, Any],
    ) -> bool:
        """Record a run; True when it is new. An existing run is left as it is.

        Secret-looking entries of ``model_args`` and ``config`` are stored as ``"***"``.
        """
        secrets = env_secrets()
        row = (
            run_id,
            now_iso(),
            model,
            _json(redact(dict(model_args), secrets)),
            suite,
            _json(list(games)),
            protocol,
            opponent,
            int(episodes),
            int(seed),
            package_version,
            _json(redact(dict(config), secrets)),
        )
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row
            )
            return cur.rowcount == 1

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        """A run's row (JSON columns decoded), or None."""
        with self._lock:
            cur = self.conn.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,))
            row = cur.fetchone()
            names = [d[0] for d in cur.description]
        if row is None:
            return None
        out = dict(zip(names, row, strict=True))
        for key in ("model_args", "games", "config"):
            out[key] = json.loads(out[key])
        return out

    # -- decisions ---------------------------------------------------------------------

    def decision_row(
        self,
        episode_id: str,
        run_id: str | None,
        step: int,
        player: int,
        agent: AgentRole,
        model: str,
        decision: Decision,
        action_label: str | None,
        legal_actions: Mapping[int, str],
    ) -> tuple[Any, ...]:
        """The ``decisions`` row of one decision (checked, its text capped), not yet written
        (``run_id`` None: the episode's, filled in by `finish_episode`)."""
        if agent not in _AGENTS:
            raise ValueError(f"agent must be 'subject' or 'opponent', not {agent!r}")
        action = decision.action
        if action is not None and action not in legal_actions:
            raise ValueError(f"action {action} is not among the legal actions {legal_actions}")
        if action_label is None and action is not None:
            action_label = legal_actions[action]
        usage = decision.usage
        text = fit_text(decision.raw_output, decision.reasoning, self.max_reply_bytes)
        return (
            episode_id,
            run_id,
            int(step),
            int(player),
            agent,
            model,
            action,
            action_label,
            legal_json(legal_actions),
            decision.parse_status,
            text.raw_output,
            text.reasoning_text,
            text.reasoning_start,
            text.reasoning_len,
            text.raw_bytes,
            text.reasoning_bytes,
            text.truncated,
            int(decision.attempts),
            int(usage.prompt_tokens),
            int(usage.completion_tokens),
            int(usage.reasoning_tokens),
            float(usage.cost_usd),
            float(decision.latency_s),
            None if decision.logprobs is None else _json(decision.logprobs),
            None if decision.error is None else scrub_text(decision.error),
            int(decision.cached),
        )

    def add_decision(
        self,
        episode_id: str,
        run_id: str,
        step: int,
        player: int,
        agent: AgentRole,
        model: str,
        decision: Decision,
        action_label: str | None,
        legal_actions: Mapping[int, str],
        *,
        owner: Owner | None = None,
    ) -> int:
        """Record one decision of a running episode, in its own transaction; return its id.
        Only the episode's owner may (`LeaseError` for anyone else).

        ``action_label`` defaults to the label of the action in ``legal_actions``. What is kept
        of the raw output and the reasoning is capped at ``max_reply_bytes`` (see `_sizes`).
        The runner writes an episode's decisions with its end instead (`finish_episode`'s
        ``decisions``), in one transaction.
        """
        row = self.decision_row(
            episode_id, run_id, step, player, agent, model, decision, action_label, legal_actions
        )
        me = owner or self.owner
        with self.transaction() as conn:
            found = conn.execute(
                "SELECT run_id, status, owner, owner_host, owner_pid, lease_until FROM episodes "
                "WHERE episode_id = ?",
                (episode_id,),
            ).fetchone()
            if found is None:
                raise ValueError(f"unknown episode {episode_id!r}: start it first")
            if found[0] != run_id:
                raise ValueError(f"episode {episode_id!r} belongs to run {found[0]!r}")
            if found[1] != "running":
                raise ValueError(f"episode {episode_id!r} is {found[1]}, not running")
            check_owner(episode_id, found[2:6], me)
            return insert_decisions(conn, [row])

    def finish_episode(
        self,
        episode_id: str,
        status: str,
        returns: Sequence[float] | None = None,
        subject_payoff: float | None = None,
        error: str | None = None,
        *,
        owner: Owner | None = None,
        decisions: Sequence[PendingDecision] = (),
    ) -> None:
        """Close a running episode as ``done`` or ``failed`` (see `close_episode`), writing its
        ``decisions`` in the same transaction (one ``executemany``): a process killed before
        leaves none of them, and the episode's next claim plays it again from the start."""
        rows = [self.decision_row(episode_id, None, *d) for d in decisions]
        self.close_episode(
            episode_id, status, returns, subject_payoff, error, owner=owner, decisions=rows
        )

    def finish_episodes(
        self, finished: Sequence[Finished], *, owner: Owner | None = None
    ) -> dict[str, LeaseError]:
        """`finish_episode` for several episodes in one transaction (see `close_episodes`):
        those ``owner`` no longer holds are left to their owner, with nothing of theirs
        written (their `LeaseError` by id); any other refusal writes none of them."""
        return self.close_episodes(
            [
                Ending(
                    f.episode_id,
                    f.status,
                    f.returns,
                    f.subject_payoff,
                    f.error,
                    [self.decision_row(f.episode_id, f.run_id, *d) for d in f.decisions],
                )
                for f in finished
            ],
            owner=owner,
        )

    # -- counts ------------------------------------------------------------------------

    def count_episodes(
        self, run_id: str | None = None, status: EpisodeStatus | None = "done"
    ) -> int:
        """Episodes of a run (all runs when None) with ``status`` (any when None)."""
        sql, params = "SELECT COUNT(*) FROM episodes WHERE 1", list[str]()
        if run_id is not None:
            sql, params = sql + " AND run_id = ?", [*params, run_id]
        if status is not None:
            sql, params = sql + " AND status = ?", [*params, status]
        with self._lock:
            return int(self.conn.execute(sql, params).fetchone()[0])

    def count_decisions(
        self,
        run_id: str | None = None,
        *,
        episode_id: str | None = None,
        agent: AgentRole | None = None,
    ) -> int:
        """Decisions stored for a run and/or an episode, of one agent or both."""
        sql, params = "SELECT COUNT(*) FROM decisions WHERE 1", list[str]()
        for column, value in (("run_id", run_id), ("episode_id", episode_id), ("agent", agent)):
            if value is not None:
                sql, params = sql + f" AND {column} = ?", [*params, value]
        with self._lock:
            return int(self.conn.execute(sql, params).fetchone()[0])


def open_store(
    path: str | os.PathLike[str] | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    owner: Owner | None = None,
    lease_s: float = DEFAULT_LEASE_S,
    max_reply_bytes: int | None = None,
) -> Store:
    """Open (creating and migrating as needed) the store at ``path`` (see `resolve_store_path`);
    see `Store` for ``owner``, ``lease_s`` and ``max_reply_bytes``."""
    return Store(
        path, timeout=timeout, owner=owner, lease_s=lease_s, max_reply_bytes=max_reply_bytes
    )


__all__ = [
    "DEFAULT_STORE_PATH",
    "SCHEMA_VERSION",
    "STORE_ENV_VAR",
    "AgentRole",
    "Finished",
    "PendingDecision",
    "Store",
    "check_store_location",
    "load_decisions",
    "load_episodes",
    "load_runs",
    "open_store",
    "resolve_store_path",
]
