"""Text styles of the stored traces, per model, with the behavioural styles and coherence.

`label_stored` labels every subject decision's reasoning trace in a store with a classifier
and keeps the labels in the store's ``trace_labels`` table under the classifier's key, so each
trace is labelled once per classifier; labels are written in chunks, so an interrupted run
resumes where it stopped. `profile_store` then gives, per model:

- ``text``: the share of each label among its labelled traces, with Wilson intervals (traces
  counted as independent), and ``unlabelled``: how many traces got no label, by reason
  (``uncertain``, ``unsupported_language``, ``error``);
- ``behavior``: the behavioural style weights of `stratlens.profiler.behavior.behavior_profile`
  with their 95% intervals and the goodness-of-fit test (``fit``: G², df, p, verdict),
  None when that fit is not available or fails, with the reason in ``behavior_error``;
- ``coherence``: the says-vs-does rate of `stratlens.profiler.coherence` with its interval.

The behavioural profiles are also kept in the store (`save_behaviour`), so that the
leaderboard shows each model's behavioural style.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stratlens.errors import UsageError
from stratlens.profiler.coherence import (
    StoredMove,
    model_coherence,
    predictions,
    wilson,
)
from stratlens.profiler.text._base import ABSTENTIONS, LABELS, TextClassifier, make_classifier

CHUNK = 64
#: Parametric-bootstrap refits behind each behavioural profile's fit-test p-value.
BEHAVIOR_DRAWS = 100

_SQL = """
SELECT d.id, d.run_id, d.model, e.game_id, d.episode_id, d.step, d.player, d.agent,
       d.action, d.reasoning, e.seed
FROM decisions d JOIN episodes e ON e.episode_id = d.episode_id
WHERE e.status IN ('done', 'failed') {runs}
ORDER BY d.run_id, e.game_id, e.role, e.idx, d.episode_id, d.step, d.player, d.id
"""


def _runs_clause(
    conn: sqlite3.Connection, run: str | Sequence[str] | None
) -> tuple[str, list[str]]:
    if run is None:
        return "", []
    runs = [run] if isinstance(run, str) else list(run)
    known = {r for (r,) in conn.execute("SELECT run_id FROM runs")}
    missing = [r for r in runs if r not in known]
    if missing:
        raise UsageError(f"no run {missing[0]!r} in the store")
    return f"AND d.run_id IN ({', '.join('?' * len(runs))})", runs


def _rows(conn: sqlite3.Connection, run: str | Sequence[str] | None) -> list[dict[str, Any]]:
    clause, params = _runs_clause(conn, run)
    cols = [
        "decision_id",
        "run_id",
        "model",
        "game_id",
        "episode_id",
        "step",
        "player",
        "agent",
        "action",
        "reasoning",
        "seed",
    ]
    return [dict(zip(cols, r, strict=True)) for r in conn.execute(_SQL.format(runs=clause), params)]


def open_existing(path: str | Path | None) -> Any:
    """The store at ``path`` (default: the usual store); a missing file is a `UsageError`."""
    from stratlens.results import open_store, resolve_store_path

    p = resolve_store_path(path)
    if not p.is_file():
        raise UsageError(f"no store at {p}")
    return open_store(p)


def label_stored(
    store: Any,
    clf: TextClassifier,
    run: str | Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Every subject decision with a trace, labelled (see the module docstring).

    Returns one dict per decision: ``decision_id``, ``run_id``, ``model``, ``game_id``,
    ``action``, ``label``, ``abstain``, ``scores``, ``evidence``. A trace the classifier
    declined to label (``uncertain``, ``unsupported_language``) is stored with the reason in
    the ``label`` column and returned with ``label`` None and ``abstain`` set; a trace the
    classifier failed on has both None and is not stored. A store opened read-only is labelled
    in memory and left as it is. ``progress(done, total)`` is called per chunk.
    """
    rows = [r for r in _rows(store.conn, run) if r["agent"] == "subject" and r["reasoning"].strip()]
    known: dict[int, tuple[str, dict[str, float], str]] = {}
    for did, label, scores, evidence in store.conn.execute(
        "SELECT decision_id, label, scores, evidence FROM trace_labels WHERE classifier = ?",
        (clf.key,),
    ):
        known[int(did)] = (label, json.loads(scores), evidence)
    todo = [r for r in rows if r["decision_id"] not in known]
    done = len(rows) - len(todo)
    if progress:
        progress(done, len(rows))
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start : start + CHUNK]
        answers = clf.classify([r["reasoning"] for r in chunk])
        now = datetime.now(UTC).isoformat(timespec="seconds")
        found = []
        for r, a in zip(chunk, answers, strict=True):
            outcome = a.label or a.abstain
            if outcome is None:
                continue
            scores = {k: float(a.scores.get(k, 0.0)) for k in LABELS}
            found.append((r["decision_id"], outcome, scores, a.evidence))
            known[r["decision_id"]] = (outcome, scores, a.evidence)
        if not store.readonly:  # a read-only store is labelled in memory only
            with store.transaction() as conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO trace_labels (decision_id, classifier, label, scores,"
                    " evidence, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [(d, clf.key, o, json.dumps(sc), ev, now) for d, o, sc, ev in found],
                )
        done += len(chunk)
        if progress:
            progress(done, len(rows))
    out = []
    for r in rows:
        outcome, scores, evidence = known.get(r["decision_id"], (None, {}, ""))
        out.append(
            {
                **{k: r[k] for k in ("decision_id", "run_id", "model", "game_id", "action")},
                "label": outcome if outcome in LABELS else None,
                "abstain": outcome if outcome in ABSTENTIONS else None,
                "scores": scores,
                "evidence": evidence,
            }
        )
    return out


def text_shares(labels: Sequence[str]) -> dict[str, dict[str, float | None]]:
    """Each label's share of ``labels`` with its Wilson 95% interval."""
    counts = Counter(labels)
    n = len(labels)
    out: dict[str, dict[str, float | None]] = {}
    for k in LABELS:
        low, high = wilson(counts[k], n)
        out[k] = {
            "share": counts[k] / n if n else None,
            "low": low if n else None,
            "high": high if n else None,
            "count": counts[k],
        }
    return out


def _behavior(
    store: Any, run: str | Sequence[str] | None, draws: int
) -> tuple[dict[str, Any], str | None]:
    """Behavioural profiles by model (``draws`` bootstrap refits each), or ({}, the reason
    they are missing)."""
    try:
        from stratlens.profiler.behavior import behavior_profile
    except ImportError as exc:
        return {}, f"behavioural fit not available: {exc}"
    from stratlens.results import load_decisions

    runs = run if run is None or isinstance(run, str) else list(run)
    frame = load_decisions(store, run=runs, include_opponents=True)
    try:
        profiles = behavior_profile(frame, draws=draws)
    except (ValueError, ArithmeticError) as exc:
        return {}, f"behavioural fit failed: {exc}"
    return {str(model): prof.to_dict() for model, prof in profiles.items()}, None


def _move(r: dict[str, Any]) -> StoredMove:
    return StoredMove(
        r["decision_id"],
        r["episode_id"],
        r["game_id"],
        r["step"],
        r["player"],
        r["action"],
        r["agent"] == "subject",
        r["seed"],
    )


def save_behaviour(store: Any, behaviour: dict[str, Any], rows: Sequence[dict[str, Any]]) -> None:
    """Keep each model's behavioural profile where the leaderboard reads it: the ``fits``
    table, method ``style_mixture``, over all its games (`_persist.record_fits`, which replaces
    the last one); nothing on a store opened read-only."""
    from stratlens.profiler._persist import record_fits

    if not behaviour or store.readonly:
        return
    runs: dict[str, set[str]] = {}
    for r in rows:
        runs.setdefault(str(r["model"]), set()).add(str(r["run_id"]))
    record_fits(
        store,
        (
            (model, sorted(runs.get(model, ())), None, "style_mixture", prof,
             prof.get("loglik"), int(prof.get("n_decisions") or 0))
            for model, prof in sorted(behaviour.items())
        ),
    )  # fmt: skip


def profile_store(
    store: str | Path | None = None,
    *,
    run: str | Sequence[str] | None = None,
    classifier: str | TextClassifier = "offline",
    options: dict[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    draws: int | None = None,
) -> list[dict[str, Any]]:
    """Per model: text style shares, behavioural weights, coherence (module docstring).

    ``draws``: parametric-bootstrap refits behind each behavioural fit's p-value (default
    `BEHAVIOR_DRAWS`; 0 for the χ² p alone).
    """
    draws = BEHAVIOR_DRAWS if draws is None else int(draws)
    if draws < 0:
        raise UsageError(f"the number of bootstrap draws must be >= 0, got {draws}")
    clf = (
        make_classifier(classifier, **(options or {}))
        if isinstance(classifier, str)
        else classifier
    )
    with open_existing(store) as opened:
        labelled = label_stored(opened, clf, run, progress)
        rows = _rows(opened.conn, run)
        moves = [_move(r) for r in rows]
        behaviour, why = _behavior(opened, run, draws)
        save_behaviour(opened, behaviour, rows)
    predicted = predictions(moves)
    models = sorted({r["model"] for r in labelled} | set(behaviour))
    out = []
    for model in models:
        ours = [r for r in labelled if r["model"] == model]
        mine = [r for r in ours if r["label"] is not None]
        entry: dict[str, Any] = {
            "model": model,
            "text": {
                "classifier": clf.key,
                "n": len(mine),
                "shares": text_shares([r["label"] for r in mine]),
                "unlabelled": dict(
                    sorted(Counter(r["abstain"] or "error" for r in ours if not r["label"]).items())
                ),
            },
            "behavior": behaviour.get(model),
            "coherence": model_coherence(mine, predicted).to_json(),
        }
        if entry["behavior"] is None:
            entry["behavior_error"] = why or "no behavioural fit for this model"
        out.append(entry)
    return out
