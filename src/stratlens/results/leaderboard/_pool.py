"""Pooling the runs of one model configuration into a leaderboard entry, and the population
of evaluated models each game and role is played against (see `build`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from stratlens.results.leaderboard.summaries import REFERENCE_PREFIX
from stratlens.results.metrics import game_columns, stable_seed


def entry_key(model: str, protocol: str) -> str:
    """The row key of a configuration (``model`` is its label, `configuration_label`)."""
    return model if protocol == "vanilla" else f"{model} ({protocol})"


def slug(key: str) -> str:
    """A file-name-safe, unique page name for an entry."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", key).strip("-.")[:60] or "model"
    return f"{base}-{stable_seed('slug', key) % 16**8:08x}"


def _merge(blocks: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    rows = [r for b in blocks for r in b["rows"]]
    mult = [m for b in blocks for m in b["mult"]]
    if not rows:
        return np.zeros((0, 0)), np.zeros(0, dtype=np.int64)
    uniq, inverse = np.unique(np.asarray(rows, dtype=float), axis=0, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=np.asarray(mult, float), minlength=len(uniq))
    return uniq, counts.astype(np.int64)


def merge_by_value(
    groups: dict[tuple[str, int], list[dict[str, Any]]],
) -> dict[tuple[str, int, str], tuple[np.ndarray, np.ndarray]]:
    """(game, role, ``"value 5"``) → merged unit rows, for the groups split by drawn value
    (an auction's keys are the values, ``"5"``; the signaling game's the states, ``"type A"``)."""
    out = {}
    for (game_id, role), gs in groups.items():
        keys = {v for g in gs for v in g.get("by_value", {})}
        for v in sorted(keys, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k)):
            blocks = [g["by_value"][v] for g in gs if v in g.get("by_value", {})]
            out[(game_id, role, f"value {v}" if v.isdigit() else v)] = _merge(blocks)
    return out


def _pooled_groups(
    summaries: list[dict[str, Any]], labels: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """entry key → {model, protocol, runs, groups: {(game, role): [run group dicts]}}: one
    entry per model configuration (``labels``: run id → `configuration_label`)."""
    entries: dict[str, dict[str, Any]] = {}
    for s in summaries:
        label = labels.get(s["run_id"], s["model"])
        key = entry_key(label, s["protocol"])
        e = entries.setdefault(
            key, {"model": label, "protocol": s["protocol"], "runs": [], "groups": {}}
        )
        e["runs"].append(s["run_id"])
        for gkey, g in sorted(s["groups"].items()):
            game_id, role = gkey.rsplit("|", 1)
            e["groups"].setdefault((game_id, int(role)), []).append(g)
    return dict(sorted(entries.items()))


def _x_point(rows: np.ndarray, mult: np.ndarray) -> np.ndarray | None:
    """The empirical strategy (shares of valid decisions) behind merged unit rows."""
    if len(rows) == 0:
        return None
    sums = mult.astype(float) @ rows
    counts = sums[len(game_columns(0)) :]
    return counts / counts.sum() if counts.sum() > 0 else None


def _population(
    merged: dict[str, dict[tuple[str, int], tuple[np.ndarray, np.ndarray]]],
    models: dict[str, str],
) -> dict[tuple[str, int], np.ndarray]:
    """(game, role) → the mean strategy of the evaluated models in that role."""
    strategies: dict[tuple[str, int], list[tuple[bool, np.ndarray]]] = {}
    for key, groups in merged.items():
        evaluated = not models[key].startswith(REFERENCE_PREFIX)
        for (game_id, role), (rows, mult) in groups.items():
            x = _x_point(rows, mult)
            if x is not None:
                strategies.setdefault((game_id, role), []).append((evaluated, x))
    out = {}
    for gr, xs in strategies.items():
        chosen = [x for ev, x in xs if ev] or [x for _, x in xs]
        out[gr] = np.mean(chosen, axis=0)
    return out
