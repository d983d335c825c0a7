"""Write profiler fits to the store's ``fits`` table (one transaction per call).

Methods: ``tqre`` and ``jia2025`` (one row per model and game, params = `TQREFit.to_dict`),
``style_mixture`` (one row per model over its games, params = `StyleProfile.to_dict`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stratlens.profiler.behavior import StyleProfile
    from stratlens.profiler.tqre import TQREFit
    from stratlens.results.store import Store


def _clean(obj: Any) -> Any:
    """JSON-safe: non-finite floats become None."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def record_fits(
    store: Store,
    rows: Iterable[
        tuple[str, Sequence[str], str | None, str, Mapping[str, Any], float | None, int]
    ],
) -> list[int]:
    """Insert ``(model, runs, game_id, method, params, loglik, n)`` rows; returns their ids.

    A row replaces any earlier fit of the same model, runs, game and method, so fitting again
    does not pile up copies."""
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    ids = []
    with store.transaction() as conn:
        for model, runs, game_id, method, params, loglik, n in rows:
            run_list = json.dumps(sorted(set(runs)))
            conn.execute(
                "DELETE FROM fits WHERE model = ? AND runs = ? AND game_id IS ? AND method = ?",
                (model, run_list, game_id, method),
            )
            cur = conn.execute(
                "INSERT INTO fits (model, runs, game_id, method, params, loglik, n, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    model,
                    run_list,
                    game_id,
                    method,
                    json.dumps(_clean(dict(params)), sort_keys=True),
                    loglik if loglik is None or math.isfinite(loglik) else None,
                    int(n),
                    now,
                ),
            )
            ids.append(int(cur.lastrowid or 0))
    return ids


def record_tqre_fits(store: Store, fits: Iterable[tuple[str, Sequence[str], TQREFit]]) -> list[int]:
    """Store ``(model, runs, fit)`` triples; method = the fit's estimator."""
    return record_fits(
        store,
        (
            (
                model,
                runs,
                f.game_id,
                f.estimator,
                f.to_dict(),
                f.loglik,
                int(sum(x for x in f.n if x is not None)),
            )
            for model, runs, f in fits
        ),
    )


def record_style_profiles(
    store: Store, profiles: Iterable[tuple[Sequence[str], StyleProfile]]
) -> list[int]:
    """Store ``(runs, profile)`` pairs with method ``style_mixture`` (game_id NULL: pooled)."""
    return record_fits(
        store,
        (
            (p.model, runs, None, "style_mixture", p.to_dict(), p.loglik, p.n_decisions)
            for runs, p in profiles
        ),
    )


__all__ = ["record_fits", "record_style_profiles", "record_tqre_fits"]
