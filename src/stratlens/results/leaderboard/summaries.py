"""Per-run summaries: everything the leaderboard needs from one run, computed once and cached.

A summary holds, for each game and role of the run, the unit rows the metrics resample (one
row per episode, `stratlens.results.metrics.game_columns`; one per decision for usage,
`USAGE_COLUMNS`), the text-style label counts per classifier, and the ids of a few decisions
for the trace viewer. Identical rows are kept once with a multiplicity; when more than
`CHUNKS` distinct rows remain, units are summed into `CHUNKS` chunks by a fixed hash of the
episode index (or decision id), and the chunks are resampled as units.

Summaries are stored in the ``analysis_cache`` table under a key made of the run id, the code
version and the run's fingerprint (its finished episodes and labels), so a run that has not
changed is never read again, and a resumed or relabelled run is summarised anew.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from stratlens._progress import Steps, report
from stratlens._version import __version__
from stratlens.errors import UnknownGameError
from stratlens.games import get_game, private_values, sample_chance
from stratlens.results.metrics import (
    BASE_COLUMNS,
    FAIL_KINDS,
    GameFacts,
    game_columns,
    game_facts,
    normalised,
    spe_actions,
    tree_rates,
)

SUMMARY_VERSION = "3"  # 2: an auction's groups hold "by_value"; 3: the signaling game's too
CODE_VERSION = f"summary-{SUMMARY_VERSION}/stratlens-{__version__}"
KIND = "leaderboard.run_summary"
CHUNKS = 128
SAMPLES = 2  # trace-viewer decisions per game and role and run: first episodes, then failures
REFERENCE_PREFIX = "baseline/"
_HASH = 2654435761  # Knuth's multiplicative hash, for chunk assignment

_EPISODES = """
SELECT episode_id, game_id, role, idx, status, subject_payoff, seed FROM episodes
WHERE run_id = ? AND status IN ('done', 'failed') ORDER BY game_id, role, idx, episode_id
"""
_DECISIONS = """
SELECT d.id, d.episode_id, d.step, d.action, d.parse_status, d.prompt_tokens,
       d.completion_tokens, d.reasoning_tokens, d.latency_s, d.cost_usd, length(d.reasoning)
FROM decisions d JOIN episodes e ON e.episode_id = d.episode_id
WHERE d.run_id = ? AND d.agent = 'subject' AND e.status IN ('done', 'failed')
ORDER BY d.id
"""
_MOVES = """
SELECT d.episode_id, d.step, d.action FROM decisions d
JOIN episodes e ON e.episode_id = d.episode_id
WHERE d.run_id = ? AND e.game_id = ? AND e.status IN ('done', 'failed') AND d.action IS NOT NULL
ORDER BY d.episode_id, d.step
"""
_LABELS = """
SELECT e.game_id, e.role, t.classifier, t.label, COUNT(*)
FROM trace_labels t JOIN decisions d ON d.id = t.decision_id
JOIN episodes e ON e.episode_id = d.episode_id
WHERE d.run_id = ? AND d.agent = 'subject' AND e.status IN ('done', 'failed')
GROUP BY e.game_id, e.role, t.classifier, t.label ORDER BY 1, 2, 3, 4
"""


def group_key(game_id: str, role: int) -> str:
    return f"{game_id}|{role}"


def fingerprints(conn: sqlite3.Connection) -> dict[str, list[Any]]:
    """Each run's fingerprint: finished episodes (count, done, last finish) and its labels."""
    out: dict[str, list[Any]] = {
        r[0]: [r[1], r[2], r[3]]
        for r in conn.execute(
            "SELECT r.run_id, COUNT(e.episode_id), COALESCE(SUM(e.status = 'done'), 0), "
            "MAX(e.finished_at) FROM runs r LEFT JOIN episodes e ON e.run_id = r.run_id "
            "AND e.status IN ('done', 'failed') GROUP BY r.run_id ORDER BY r.run_id"
        )
    }
    if conn.execute("SELECT 1 FROM trace_labels LIMIT 1").fetchone() is not None:
        for run_id, n, last in conn.execute(
            "SELECT d.run_id, COUNT(*), MAX(t.created_at) FROM trace_labels t "
            "JOIN decisions d ON d.id = t.decision_id GROUP BY d.run_id"
        ):
            if run_id in out:
                out[run_id] += [n, last]
    return out


def cache_key(run_id: str, fingerprint: list[Any]) -> str:
    blob = json.dumps([KIND, run_id, CODE_VERSION, fingerprint], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:40]


def _compress(rows: npt.NDArray[np.float64], chunk: npt.NDArray[np.int64]) -> dict[str, Any]:
    """Distinct rows with multiplicities, or `CHUNKS` chunk sums when there are too many."""
    if len(rows) == 0:
        return {"rows": [], "mult": []}
    # More distinct values in one column than chunks: more distinct rows too, so the chunks
    # are summed without finding the distinct rows first (their order is not used then).
    many = len(rows) > CHUNKS and any(
        len(np.unique(rows[:, j])) > CHUNKS for j in range(rows.shape[1])
    )
    if not many:
        uniq, mult = np.unique(rows, axis=0, return_counts=True)
    if many or len(uniq) > CHUNKS:
        sums = np.zeros((CHUNKS, rows.shape[1]))
        np.add.at(sums, chunk % CHUNKS, rows)
        used = np.bincount(chunk % CHUNKS, minlength=CHUNKS) > 0
        uniq, mult = sums[used], np.ones(int(used.sum()), dtype=np.int64)
    return {"rows": uniq.tolist(), "mult": [int(m) for m in mult]}


def _chunks(ids: npt.ArrayLike) -> npt.NDArray[np.int64]:
    return (np.asarray(ids, dtype=np.int64) * _HASH) % (1 << 32)


def _tree_columns(
    facts: GameFacts, role: int, dec: pd.DataFrame, moves: pd.DataFrame
) -> npt.NDArray[np.float64]:
    """Per valid decision: eq deviation, cooperation and trust numerators/denominators."""
    history: dict[str, list[tuple[int, int]]] = {}
    for eid, step, action in moves.itertuples(index=False):
        history.setdefault(eid, []).append((int(step), int(action)))
    out = np.zeros((len(dec), 6))
    # subgame perfection reads a tree of perfect information: a game with hidden types (the
    # signaling game) has no such reading, so it counts no equilibrium deviation
    perfect = "sender_types" not in facts.params
    for i, (eid, step, action) in enumerate(zip(dec.episode_id, dec.step, dec.action, strict=True)):
        past = tuple(a for s, a in history.get(eid, []) if s < step)
        coop, trust = tree_rates(facts, role, past, int(action))
        if perfect:
            out[i] = (
                float(int(action) not in spe_actions(facts.game_id, past)),
                1.0,
                *coop,
                *trust,
            )
        else:
            out[i] = (0.0, 0.0, *coop, *trust)
    return out


def _group(
    facts: GameFacts,
    role: int,
    eps: pd.DataFrame,
    dec: pd.DataFrame,
    moves: pd.DataFrame | None,
    reference: bool,
) -> dict[str, Any]:
    k = facts.n_actions[role]
    n_ep = len(eps)
    code = pd.Index(eps.episode_id).get_indexer(dec.episode_id).astype(np.int64)
    ok = (dec.parse_status == "ok").to_numpy()
    rows = np.zeros((n_ep, len(game_columns(k))))
    base = {c: i for i, c in enumerate(game_columns(k))}
    rows[:, base["episodes"]] = 1.0
    rows[:, base["decisions"]] = np.bincount(code, minlength=n_ep)
    fails = np.zeros(n_ep)
    for kind in FAIL_KINDS:
        hit = np.bincount(code[(dec.parse_status == kind).to_numpy()], minlength=n_ep)
        rows[:, base[f"fail_{kind}"]] = hit
        fails += hit
    actions = dec.action.to_numpy(dtype=float, na_value=np.nan)[ok].astype(np.int64)
    counts = np.bincount(code[ok] * k + actions, minlength=n_ep * k).reshape(n_ep, k)
    rows[:, len(BASE_COLUMNS) :] = counts
    if facts.kind == "tree" and moves is not None and ok.any():
        extra = _tree_columns(facts, role, dec[ok], moves)
        for j, name in enumerate(("eq_dev", "eq_den", "coop_num", "coop_den")):
            rows[:, base[name]] = np.bincount(code[ok], weights=extra[:, j], minlength=n_ep)
        for j, name in enumerate(("trust_num", "trust_den")):
            rows[:, base[name]] = np.bincount(code[ok], weights=extra[:, 4 + j], minlength=n_ep)
    payoff = eps.subject_payoff.to_numpy(dtype=float, na_value=np.nan)
    outcome = np.isfinite(payoff)
    done = (eps.status == "done").to_numpy() & (outcome | (fails > 0))
    per_round = payoff / np.maximum(counts.sum(axis=1), 1) if facts.kind == "repeated" else payoff
    lo, hi = facts.payoff_range[role]
    norm = np.where(outcome, np.nan_to_num(normalised(per_round, lo, hi)), 0.0)
    values = {
        "done": done, "outcome": outcome, "payoff": np.where(outcome, payoff, 0.0), "norm": norm,
    }  # fmt: skip
    for name, v in values.items():
        rows[:, base[name]] = v
        rows[:, base[f"ref_{name}"]] = v if reference else 0.0
    usage = np.column_stack(
        [
            np.ones(len(dec)),
            *(
                dec[c].to_numpy(dtype=float)
                for c in ("prompt_tokens", "completion_tokens", "reasoning_tokens")
            ),
            dec.latency_s.to_numpy(dtype=float),
            dec.cost_usd.to_numpy(dtype=float),
            dec.reasoning_chars.to_numpy(dtype=float),
        ]
    )
    idx = eps.idx.to_numpy(dtype=np.int64)
    ids = dec.id.to_numpy(dtype=np.int64)
    first = np.full(n_ep, np.iinfo(np.int64).max)
    np.minimum.at(first, code, ids)  # each episode's first decision (none: the maximum)
    has = np.bincount(code, minlength=n_ep) > 0
    by_idx = [int(first[e]) for e in np.argsort(idx, kind="stable") if has[e]]
    failed = dec[~ok].id.head(SAMPLES)
    samples = by_idx[:SAMPLES] + [int(v) for v in failed]
    return {
        "game": _compress(rows, _chunks(idx)),
        "usage": _compress(usage, _chunks(dec.id.to_numpy())),
        "samples": list(dict.fromkeys(samples)),
        "styles": {},
    }


def _by_value(
    facts: GameFacts, role: int, eps: pd.DataFrame, dec: pd.DataFrame, reference: bool
) -> dict[str, Any]:
    """A private-value auction's unit rows split by the subject's drawn value (``"5"`` →
    the compressed rows of the episodes where it drew 5), the draw replayed from the seed."""
    spec = get_game(facts.game_id)
    drawn = np.array([private_values(spec, int(seed))[role] for seed in eps.seed], dtype=int)
    out: dict[str, Any] = {}
    for value in sorted(set(drawn.tolist())):
        ep = eps[drawn == value]
        d = dec[dec.episode_id.isin(ep.episode_id)]
        out[str(value)] = _group(facts, role, ep, d, None, reference)["game"]
    return out


def _by_signal_state(
    facts: GameFacts,
    role: int,
    eps: pd.DataFrame,
    dec: pd.DataFrame,
    moves: pd.DataFrame,
    reference: bool,
) -> dict[str, Any]:
    """The signaling game's unit rows split by the subject's information state: the
    sender's type (``"type A"``, the chance draw replayed from the seed), the responder's
    signal (``"signal Left"``, the sender's stored move at step 0)."""
    spec = get_game(facts.game_id)
    if role == 0:
        names = spec.params["sender_types"]
        root = spec.game().new_initial_state()
        state_of = {
            str(e): f"type {names[sample_chance(root, np.random.default_rng(int(seed)))]}"
            for e, seed in zip(eps.episode_id, eps.seed, strict=True)
        }
    else:
        signals = spec.action_labels[0]
        first = moves[moves.step == 0]
        state_of = {
            str(e): f"signal {signals[int(a)]}"
            for e, a in zip(first.episode_id, first.action, strict=True)
        }
    contexts = np.array([state_of.get(str(e), "") for e in eps.episode_id], dtype=object)
    out: dict[str, Any] = {}
    for context in sorted({c for c in contexts.tolist() if c}):
        ep = eps[contexts == context]
        d = dec[dec.episode_id.isin(ep.episode_id)]
        out[context] = _group(facts, role, ep, d, None, reference)["game"]
    return out


def summarize_run(conn: sqlite3.Connection, run: Mapping[str, Any]) -> dict[str, Any]:
    """The summary of one run (a JSON-ready dict) read from the store."""
    run_id = str(run["run_id"])
    eps = pd.read_sql_query(_EPISODES, conn, params=(run_id,))
    dec = pd.read_sql_query(_DECISIONS, conn, params=(run_id,))
    dec.columns = [*dec.columns[:-1], "reasoning_chars"]
    dec["action"] = dec["action"].astype("Int64")
    episode_group = eps.set_index("episode_id")[["game_id", "role"]]
    joined = dec.join(episode_group, on="episode_id")
    reference = str(run["opponent"]).startswith(REFERENCE_PREFIX)
    groups: dict[str, Any] = {}
    unknown: list[str] = []
    # One pass splits the decisions by game and role (each part keeps the decisions' order).
    parts = dict(iter(joined.groupby(["game_id", "role"], sort=False)))
    for (game_id, role), ep in eps.groupby(["game_id", "role"], sort=True):
        try:
            facts = game_facts(str(game_id))
        except UnknownGameError:
            unknown.append(str(game_id))
            continue
        d = parts.get((game_id, role), joined.iloc[:0])
        moves = None
        if facts.kind == "tree":
            moves = pd.read_sql_query(_MOVES, conn, params=(run_id, str(game_id)))
        key = group_key(str(game_id), int(str(role)))
        groups[key] = _group(facts, int(str(role)), ep, d, moves, reference)
        if "private_values" in facts.params:
            groups[key]["by_value"] = _by_value(facts, int(str(role)), ep, d, reference)
        elif "sender_types" in facts.params and moves is not None:
            groups[key]["by_value"] = _by_signal_state(
                facts, int(str(role)), ep, d, moves, reference
            )
    for game_id, role, classifier, label, n in conn.execute(_LABELS, (run_id,)):
        key = group_key(str(game_id), int(role))
        if key in groups:
            groups[key]["styles"].setdefault(str(classifier), {})[str(label)] = int(n)
    return {
        "run_id": run_id,
        "model": str(run["model"]),
        "protocol": str(run["protocol"]),
        "opponent": str(run["opponent"]),
        "created_at": str(run["created_at"]),
        "reference": reference,
        "groups": groups,
        "unknown_games": sorted(set(unknown)),
    }


def load_summaries(
    conn: sqlite3.Connection, *, use_cache: bool = True, steps: Steps | None = None
) -> tuple[list[dict[str, Any]], dict[str, int], list[tuple[str, str, str]]]:
    """Every run's summary in run order, counts of those computed and reused, and the fresh
    ones as ``(key, run_id, json)`` for `write_cache`.

    With ``use_cache`` a cached summary under the run's current key is reused. Reads only.
    """
    runs = conn.execute(
        "SELECT run_id, model, protocol, opponent, created_at FROM runs ORDER BY created_at, run_id"
    ).fetchall()
    prints = fingerprints(conn)
    keys = {r[0]: cache_key(r[0], prints.get(r[0], [])) for r in runs}
    cached: dict[str, str] = {}
    if use_cache and keys:
        for key, value in conn.execute(
            "SELECT key, value FROM analysis_cache WHERE kind = ?", (KIND,)
        ):
            cached[key] = value
    out: list[dict[str, Any]] = []
    fresh: list[tuple[str, str, str]] = []
    for i, (run_id, model, protocol, opponent, created) in enumerate(runs):
        report(steps, "run summaries", i, len(runs))
        blob = cached.get(keys[run_id])
        if blob is None:
            row = dict(run_id=run_id, model=model, protocol=protocol, opponent=opponent)
            summary = summarize_run(conn, {**row, "created_at": created})
            blob = json.dumps(summary, sort_keys=True, allow_nan=False)
            fresh.append((keys[run_id], run_id, blob))
        summary = json.loads(blob)  # the same path for fresh and cached summaries
        summary["digest"] = hashlib.sha256(blob.encode()).hexdigest()  # what it holds
        out.append(summary)
    report(steps, "run summaries", len(runs), len(runs))
    stats = {"runs": len(runs), "computed": len(fresh), "reused": len(runs) - len(fresh)}
    return out, stats, fresh


def write_cache(conn: sqlite3.Connection, fresh: list[tuple[str, str, str]]) -> bool:
    """Store fresh summaries, replacing each run's stale ones; False if the store refused."""
    if not fresh:
        return True
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    try:
        conn.execute("BEGIN IMMEDIATE")
        for key, run_id, blob in fresh:
            conn.execute(
                "DELETE FROM analysis_cache WHERE kind = ? AND run_id = ? AND key != ?",
                (KIND, run_id, key),
            )
            conn.execute(
                "INSERT OR REPLACE INTO analysis_cache (key, kind, run_id, value, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (key, KIND, run_id, blob, now),
            )
        conn.execute("COMMIT")
    except sqlite3.Error:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        return False
    return True
