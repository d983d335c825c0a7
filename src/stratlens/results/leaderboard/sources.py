"""What the leaderboard reads from the store besides the run summaries: the newest run's
time, the profiler's behavioural fits and profiles, and the text of the sampled traces."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Sequence
from typing import Any

from stratlens.profiler._gof import NO_STYLE_FITS

#: The profiler's style labels, in display order (others follow, sorted).
STYLE_LABELS = ("minimax", "trust_based", "belief_anticipation", "other")
_CHUNK = 500


def newest_run(conn: sqlite3.Connection) -> str:
    """``created_at`` of the newest run ('' for an empty store)."""
    row = conn.execute("SELECT MAX(created_at) FROM runs").fetchone()
    return str(row[0]) if row and row[0] is not None else ""


def _decode(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def behaviour(conn: sqlite3.Connection, model: str) -> list[dict[str, Any]]:
    """The latest profile and fit of each (method, game) for ``model``, profiles first.

    Whatever the profiler stored is passed on as it is (``scores`` / ``params`` decoded from
    JSON); an empty list when it has stored nothing for the model.
    """
    out: list[dict[str, Any]] = []
    for row in conn.execute(
        "SELECT method, game_id, label, scores, n FROM profiles WHERE id IN "
        "(SELECT MAX(id) FROM profiles WHERE model = ? GROUP BY method, game_id) "
        "ORDER BY method, game_id IS NOT NULL, game_id",
        (model,),
    ):
        out.append(
            {"source": "profile", "method": row[0], "game_id": row[1], "label": row[2],
             "values": _decode(row[3]), "n": row[4], "loglik": None}
        )  # fmt: skip
    for row in conn.execute(
        "SELECT method, game_id, params, loglik, n FROM fits WHERE id IN "
        "(SELECT MAX(id) FROM fits WHERE model = ? GROUP BY method, game_id) "
        "ORDER BY method, game_id IS NOT NULL, game_id",
        (model,),
    ):
        out.append(
            {"source": "fit", "method": row[0], "game_id": row[1], "label": None,
             "values": _decode(row[2]), "n": row[4], "loglik": row[3]}
        )  # fmt: skip
    return out


def _weights(values: Any) -> dict[str, float] | None:
    """Style weights inside a stored profile or fit, if it has them."""
    if not isinstance(values, dict):
        return None
    inner = values.get("weights", values)
    if not isinstance(inner, dict):
        return None
    found = {
        k: float(v)
        for k, v in inner.items()
        if k in STYLE_LABELS and isinstance(v, int | float) and math.isfinite(float(v))
    }
    return found or None


def _rejected(values: Any) -> bool:
    """A stored style-mixture fit whose fit test (``values["fit"]``) rejected the mixture."""
    test = values.get("fit") if isinstance(values, dict) else None
    return isinstance(test, dict) and test.get("rejected") is True


def _interval(values: Any, style: str) -> tuple[float, float] | None:
    """The stored interval of ``style``'s weight (``values["intervals"][style]``), if any."""
    bounds = values.get("intervals") if isinstance(values, dict) else None
    pair = bounds.get(style) if isinstance(bounds, dict) else None
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        return None
    if not all(isinstance(v, int | float) and math.isfinite(float(v)) for v in pair):
        return None
    return float(pair[0]), float(pair[1])


#: The behavioural headline: style (or `NO_STYLE_FITS`), its weight, the weight's interval.
Headline = tuple[str, float | None, tuple[float, float] | None]


def behaviour_headline(rows: Sequence[dict[str, Any]]) -> Headline | None:
    """The headline behavioural style: a pooled (all-games) profile's label, else the style
    with the largest weight in a pooled fit — or `NO_STYLE_FITS` when that fit's test rejects
    every mixture of the styles (its weights describe no style); with that weight and its
    stored 95% interval (None for a profile stored without one). None when the profiler
    stored neither."""
    pooled = [r for r in rows if r["game_id"] is None]
    for r in pooled:
        if r["source"] == "profile" and r["label"]:
            found = _weights(r["values"]) or {}
            label = str(r["label"])
            return label, found.get(label), _interval(r["values"], label)
    for r in pooled:
        if r["source"] == "fit" and _rejected(r["values"]):
            return NO_STYLE_FITS, None, None
        weights = _weights(r["values"])
        if weights:
            best = sorted(weights, key=lambda k: (-weights[k], k))[0]
            return best, weights[best], _interval(r["values"], best)
    return None


def behaviour_label(rows: Sequence[dict[str, Any]]) -> tuple[str, float | None] | None:
    """`behaviour_headline` without the interval."""
    found = behaviour_headline(rows)
    return None if found is None else (found[0], found[1])


def traces(
    conn: sqlite3.Connection, ids: Sequence[int], classifier: str | None
) -> dict[int, dict[str, Any]]:
    """The sampled decisions, with their text label under ``classifier`` where there is one."""
    out: dict[int, dict[str, Any]] = {}
    ids = list(ids)
    for start in range(0, len(ids), _CHUNK):
        part = ids[start : start + _CHUNK]
        marks = ", ".join("?" * len(part))
        cur = conn.execute(
            "SELECT d.id, d.run_id, e.game_id, e.role, e.idx, d.step, d.action_label, "
            "d.parse_status, d.reasoning, d.raw_output, d.error, d.completion_tokens, "
            "d.reasoning_tokens FROM decisions d JOIN episodes e ON e.episode_id = d.episode_id "
            f"WHERE d.id IN ({marks})",
            part,
        )
        names = [c[0] for c in cur.description]
        for row in cur:
            rec = dict(zip(names, row, strict=True))
            rec["label"], rec["evidence"] = None, None
            out[int(rec["id"])] = rec
        if classifier is not None:
            for did, label, evidence in conn.execute(
                "SELECT decision_id, label, evidence FROM trace_labels "
                f"WHERE classifier = ? AND decision_id IN ({marks})",
                [classifier, *part],
            ):
                out[int(did)]["label"], out[int(did)]["evidence"] = label, evidence
    return dict(sorted(out.items()))
