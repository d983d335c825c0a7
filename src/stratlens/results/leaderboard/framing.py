"""Framings side by side: does a model choose differently when the same payoffs are told as a
story or by the game's name? (``--framing``; `stratlens.games.framings`.)

For each row run under a framing other than neutral whose neutral twin (the same model
configuration and prompt protocol, shown the plain table) is on the leaderboard too, and each
game and role both played: the total-variation distance between the two rows' choice shares,
with a 95% bootstrap interval (each row's episodes resampled on its own). 0 = the same choices;
two samples of one player differ a little by chance, so read the interval, not the point. The
row's summary is the mean over the shared games and roles.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass, field

import numpy as np

from stratlens._configuration import configuration_label
from stratlens._seeds import stable_seed
from stratlens.results.bootstrap import Estimate, interval, resample_sums
from stratlens.results.human.compare import shares
from stratlens.results.leaderboard._pool import entry_key
from stratlens.results.metrics import BASE_COLUMNS

Merged = dict[tuple[str, int], tuple[np.ndarray, np.ndarray]]


def framed_label(label: str, framing: str) -> str:
    """A row's label with its framing when not neutral: ``baseline/belief [story]``."""
    return label if framing == "neutral" else f"{label} [{framing}]"


def run_framings(conn: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    """run id → (configuration label without framing, framing)."""
    out = {}
    for run_id, model, args, config in conn.execute(
        "SELECT run_id, model, model_args, config FROM runs"
    ):
        framing = str(json.loads(config or "{}").get("framing", "neutral"))
        out[str(run_id)] = (configuration_label(str(model), json.loads(args or "{}")), framing)
    return out


@dataclass(frozen=True)
class FramingCell:
    game_id: str
    role: int
    total_variation: Estimate
    reps: np.ndarray = field(repr=False)


@dataclass
class FramingComparison:
    key: str  # the framed row
    neutral: str  # its neutral twin
    framing: str
    cells: list[FramingCell]
    total_variation: Estimate


def _counts(key: str, cell: tuple[str, int], game: tuple[np.ndarray, np.ndarray], n_boot: int,
            seed: int) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    rng = np.random.default_rng([seed, stable_seed("framing", key, cell[0], cell[1])])
    point, reps = resample_sums(game[0], game[1], n_boot, rng)
    return point[len(BASE_COLUMNS) :], reps[:, len(BASE_COLUMNS) :]


def _tv(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(0.5 * np.abs(shares(a) - shares(b)).sum(axis=-1))


def compare_framings(
    merged: dict[str, Merged],
    entries: dict[str, tuple[str, str, str]],
    *,
    n_boot: int,
    level: float,
    seed: int,
) -> list[FramingComparison]:
    """``entries``: row key → (label without framing, protocol, framing)."""
    out = []
    for key, (label, protocol, framing) in sorted(entries.items()):
        twin = entry_key(label, protocol)
        if framing == "neutral" or twin not in merged:
            continue
        cells = []
        for cell, game in sorted(merged[key].items()):
            other = merged[twin].get(cell)
            if other is None or not len(game[0]) or not len(other[0]):
                continue
            (pa, ra), (pb, rb) = (
                _counts(key, cell, game, n_boot, seed),
                _counts(twin, cell, other, n_boot, seed),
            )
            if pa.sum() == 0 or pb.sum() == 0:
                continue
            reps = _tv(ra, rb)
            cells.append(
                FramingCell(cell[0], cell[1], interval(float(_tv(pa, pb)), reps, level), reps)
            )
        if not cells:
            continue
        mean = interval(
            float(np.mean([c.total_variation.value for c in cells])),
            np.mean(np.stack([c.reps for c in cells]), axis=0),
            level,
        )
        out.append(FramingComparison(key, twin, framing, cells, mean))
    return out


def largest(comparison: FramingComparison) -> FramingCell | None:
    finite = [c for c in comparison.cells if math.isfinite(c.total_variation.value)]
    return max(finite, key=lambda c: c.total_variation.value) if finite else None
