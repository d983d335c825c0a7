"""Read the store back as pandas tables: decisions, episodes, runs.

Every loader takes a `Store`, a path, or None (the default store), and an optional run id or
list of run ids (None: every run). By default only finished episodes (``done`` or ``failed``)
are read, and only the subject's decisions. Rows come in a fixed order, so the same store
always gives the same table.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeAlias

from stratlens.errors import StoreError, UsageError
from stratlens.results._paths import resolve_store_path

if TYPE_CHECKING:
    import pandas as pd

    from stratlens.results.store import Store

StoreLike: TypeAlias = "Store | str | os.PathLike[str] | None"
RunSelector: TypeAlias = str | list[str] | tuple[str, ...] | None

_DECISION_SQL = """
SELECT d.run_id, d.model, e.game_id, d.episode_id, e.idx, e.seed, e.role, d.player, d.agent,
       d.step,
       d.action, d.action_label, d.legal_actions, d.parse_status, d.reasoning, d.raw_output,
       d.attempts, d.prompt_tokens, d.completion_tokens, d.reasoning_tokens, d.cost_usd,
       d.latency_s, d.logprobs, d.error, d.cached,
       json_extract(e.returns, '$[' || d.player || ']') AS payoff,
       e.status AS episode_status, r.protocol, r.opponent
FROM decisions d JOIN episodes e ON e.episode_id = d.episode_id JOIN runs r ON r.run_id = d.run_id
WHERE e.status IN ({statuses}) {agent} {runs}
ORDER BY d.run_id, e.game_id, e.role, e.idx, d.episode_id, d.step, d.player, d.id
"""

_EPISODE_SQL = """
SELECT e.run_id, r.model, r.protocol, r.opponent, e.game_id, e.episode_id, e.role, e.idx, e.seed,
       e.status, e.returns, e.subject_payoff,
       COALESCE(n.decisions, 0) AS decisions, COALESCE(n.failures, 0) AS failures,
       e.error, e.started_at, e.finished_at
FROM episodes e JOIN runs r ON r.run_id = e.run_id
LEFT JOIN (SELECT episode_id, COUNT(*) AS decisions, SUM(parse_status != 'ok') AS failures
           FROM decisions WHERE agent = 'subject' GROUP BY episode_id) n
       ON n.episode_id = e.episode_id
WHERE e.status IN ({statuses}) {runs}
ORDER BY e.run_id, e.game_id, e.role, e.idx, e.episode_id
"""

_RUN_SQL = """
SELECT r.*,
       (SELECT COUNT(*) FROM episodes e WHERE e.run_id = r.run_id AND e.status = 'done') AS n_done,
       (SELECT COUNT(*) FROM episodes e WHERE e.run_id = r.run_id AND e.status = 'failed')
           AS n_failed,
       (SELECT COUNT(*) FROM episodes e WHERE e.run_id = r.run_id AND e.status = 'running')
           AS n_running
FROM runs r WHERE 1 {runs}
ORDER BY r.created_at, r.run_id
"""

_DECISION_TYPES = {
    "idx": "int64",
    "seed": "int64",
    "role": "int64",
    "player": "int64",
    "step": "int64",
    "action": "Int64",
    "attempts": "int64",
    "prompt_tokens": "int64",
    "completion_tokens": "int64",
    "reasoning_tokens": "int64",
    "cost_usd": "float64",
    "latency_s": "float64",
    "cached": "bool",
    "payoff": "float64",
}
_EPISODE_TYPES = {
    "role": "int64",
    "idx": "int64",
    "seed": "int64",
    "subject_payoff": "float64",
    "decisions": "int64",
    "failures": "int64",
}
_RUN_TYPES = {
    "episodes": "int64",
    "seed": "int64",
    "n_done": "int64",
    "n_failed": "int64",
    "n_running": "int64",
}


@contextmanager
def _opened(store: StoreLike) -> Iterator[Store]:
    from stratlens.results.store import Store  # store.py re-exports these loaders

    if isinstance(store, Store):
        yield store
        return
    path = resolve_store_path(store)
    if not path.is_file():
        raise StoreError(f"no store at {path}")
    with Store(path) as opened:
        yield opened


def _run_ids(run: RunSelector) -> list[str] | None:
    if run is None:
        return None
    return [run] if isinstance(run, str) else list(run)


def _run_clause(conn: sqlite3.Connection, column: str, runs: list[str] | None) -> str:
    """`` AND column IN (…)`` for the selected runs; unknown run ids are a `UsageError`."""
    if runs is None:
        return ""
    marks = ", ".join("?" * len(runs))
    known = {r[0] for r in conn.execute(f"SELECT run_id FROM runs WHERE run_id IN ({marks})", runs)}
    missing = [r for r in runs if r not in known]
    if missing:
        raise UsageError(f"no run {', '.join(map(repr, missing))} in the store")
    return f"AND {column} IN ({marks})"


def _statuses(include_unfinished: bool) -> str:
    return "'done', 'failed', 'running'" if include_unfinished else "'done', 'failed'"


def _frame(
    conn: sqlite3.Connection, sql: str, params: list[str], types: dict[str, str]
) -> pd.DataFrame:
    import pandas as pd

    cur = conn.execute(sql, params)
    columns = [d[0] for d in cur.description]
    frame = pd.DataFrame.from_records(cur.fetchall(), columns=columns)
    return frame.astype(types)


def _decode(values: Any, hook: Any = None) -> list[Any]:
    """JSON text → objects; a missing value (None, or NaN in a string column) → None."""
    return [json.loads(v, object_hook=hook) if isinstance(v, str) else None for v in values]


def _int_keys(obj: dict[str, Any]) -> dict[Any, Any]:
    return {int(k) if k.lstrip("-").isdigit() else k: v for k, v in obj.items()}


def load_decisions(
    store: StoreLike = None,
    run: RunSelector = None,
    include_opponents: bool = False,
    include_unfinished: bool = False,
) -> pd.DataFrame:
    """One row per decision, with its episode's facts and the deciding player's ``payoff``.

    ``action`` is a nullable integer column (``Int64``): a decision that named no legal action
    has none. ``legal_actions`` holds ``{id: label}`` dicts. ``payoff`` is NaN while the
    episode has no returns (failed or unfinished). ``cached`` says the answer came from the
    response cache (False for decisions stored before schema version 3).
    """
    runs = _run_ids(run)
    with _opened(store) as opened, opened.snapshot() as conn:
        clause = _run_clause(conn, "d.run_id", runs)
        sql = _DECISION_SQL.format(
            statuses=_statuses(include_unfinished),
            agent="" if include_opponents else "AND d.agent = 'subject'",
            runs=clause,
        )
        frame = _frame(conn, sql, runs or [], _DECISION_TYPES)
    frame["legal_actions"] = _decode(frame["legal_actions"], _int_keys)
    frame["logprobs"] = _decode(frame["logprobs"])
    return frame


def load_episodes(
    store: StoreLike = None, run: RunSelector = None, include_unfinished: bool = False
) -> pd.DataFrame:
    """One row per episode: status, ``returns`` (a list per episode), the subject's payoff,
    and its number of decisions and of execution failures (``parse_status`` not ``ok``)."""
    runs = _run_ids(run)
    with _opened(store) as opened, opened.snapshot() as conn:
        sql = _EPISODE_SQL.format(
            statuses=_statuses(include_unfinished), runs=_run_clause(conn, "e.run_id", runs)
        )
        frame = _frame(conn, sql, runs or [], _EPISODE_TYPES)
    frame["returns"] = _decode(frame["returns"])
    return frame


def load_runs(store: StoreLike = None, run: RunSelector = None) -> pd.DataFrame:
    """One row per run: its configuration (JSON columns decoded) and episode counts."""
    runs = _run_ids(run)
    with _opened(store) as opened, opened.snapshot() as conn:
        sql = _RUN_SQL.format(runs=_run_clause(conn, "r.run_id", runs))
        frame = _frame(conn, sql, runs or [], _RUN_TYPES)
    for column in ("model_args", "games", "config"):
        frame[column] = _decode(frame[column])
    return frame
