"""People beside the models: the ``human/<study>`` rows, each model's distance to human play,
and its treasure→contradiction shift (`stratlens.results.human`).

The human rows are data with their source and are never ranked with the models. A model is
compared on every game and role where it has choices and a study has a usable (printed or
appendix) distribution; its summary distance is the mean over those cells, its interval from
the same resamples (each cell's episodes resampled on their own). A shift is reported for every
pair of treatments (`GameSpec.params["treasure"]`) that the model played in the same role
and that people have usable rows for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stratlens._seeds import stable_seed
from stratlens.errors import UnknownGameError
from stratlens.games import GameSpec, get_game
from stratlens.profiler.behavior import StyleProfile
from stratlens.results.bootstrap import Estimate, interval, resample_sums
from stratlens.results.human import HumanRow, human_rows
from stratlens.results.human.compare import Distance, Shift, distance, human_move, shift
from stratlens.results.human.styles import human_game_profile, model_game_profile
from stratlens.results.metrics import BASE_COLUMNS

STUDY = "goeree_holt_2001"
_NAN = Estimate(math.nan, math.nan, math.nan)
Counts = dict[tuple[str, int], tuple[np.ndarray, np.ndarray]]
Merged = dict[tuple[str, int], tuple[np.ndarray, np.ndarray]]
#: (game, role, context) → merged unit rows of the episodes in that information state.
ByValue = dict[tuple[str, int, str], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class CellComparison:
    game_id: str
    role: int
    human: HumanRow
    distance: Distance
    context: str = ""  # the information state (a private-value auction's "value 5")


@dataclass(frozen=True)
class PairShift:
    treasure: str
    contradiction: str
    role: int
    ordered: bool
    human_move: float  # mean change (ordered) or TV between the two human distributions
    model_move: float
    shift: Shift
    #: The information states compared ("value 5 → value 6": a private-value auction's
    #: highest value in each treatment); empty for a role's one decision.
    context: str = ""


@dataclass(frozen=True)
class GameStyles:
    """People's and the model's behavioural style on one game, fitted the same way."""

    game_id: str
    human: StyleProfile
    model: StyleProfile


@dataclass
class EntryHuman:
    key: str
    cells: list[CellComparison] = field(default_factory=list)
    shifts: list[PairShift] = field(default_factory=list)
    styles: list[GameStyles] = field(default_factory=list)
    total_variation: Estimate = field(default_factory=lambda: _NAN)
    log_likelihood: Estimate = field(default_factory=lambda: _NAN)


def option_values(spec: GameSpec, role: int) -> np.ndarray | None:
    """The numbers of an ordered game's options (``claim 180`` → 180), else None."""
    if not spec.params.get("ordered"):
        return None
    return np.array([float(label.split()[-1]) for label in spec.action_labels[role]])


def _counts(
    key: str,
    cell: tuple[str, int] | tuple[str, int, str],
    game: tuple[np.ndarray, np.ndarray],
    n_boot: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    rows, mult = game
    rng = np.random.default_rng([seed, stable_seed("human", key, *cell)])
    point, reps = resample_sums(rows, mult, n_boot, rng)
    return point[len(BASE_COLUMNS) :], reps[:, len(BASE_COLUMNS) :]


def _mean(points: list[float], reps: list[np.ndarray], level: float) -> Estimate:
    if not points:
        return _NAN
    return interval(float(np.mean(points)), np.mean(np.stack(reps), axis=0), level)


def compare_entry(
    key: str,
    merged: Merged,
    *,
    n_boot: int,
    level: float,
    seed: int,
    by_value: ByValue | None = None,
) -> EntryHuman:
    """The entry's distance to every usable human row it covers, and its shifts.

    A row of one information state (`HumanRow.context`: a private-value auction's value) is
    compared with the entry's choices in that state, from ``by_value``; the auction's shift is
    that of the highest value's bids (mean bid, treasure's highest value → contradiction's)."""
    out = EntryHuman(key)
    usable = {(r.game_id, r.role): r for r in human_rows() if r.usable and not r.context}
    counts: Counts = {}
    for cell, human in usable.items():
        game = merged.get(cell)
        if game is None or not len(game[0]):
            continue
        point, reps = _counts(key, cell, game, n_boot, seed)
        if point.sum() == 0 or len(point) != len(human.shares):
            continue
        counts[cell] = (point, reps)
        out.cells.append(
            CellComparison(cell[0], cell[1], human, distance(point, reps, human.shares))
        )
    in_state = _compare_states(key, by_value or {}, n_boot, seed)
    out.cells += [c for c, _ in in_state.values()]
    out.total_variation = _mean(
        [c.distance.total_variation.value for c in out.cells],
        [c.distance.tv_reps for c in out.cells],
        level,
    )
    out.log_likelihood = _mean(
        [c.distance.log_likelihood.value for c in out.cells],
        [c.distance.ll_reps for c in out.cells],
        level,
    )
    for (game_id, role), (point, reps) in sorted(counts.items()):
        try:
            spec = get_game(game_id)
        except UnknownGameError:
            continue
        treasure = str(spec.params.get("treasure"))
        if spec.params.get("treatment") != "contradiction" or (treasure, role) not in counts:
            continue
        values = option_values(spec, role)
        ht, hc = usable[(treasure, role)].shares, usable[(game_id, role)].shares
        mt = counts[(treasure, role)]
        result = shift(mt, (point, reps), ht, hc, values)
        model_move = human_move(mt[0] / mt[0].sum(), point / point.sum(), values)
        out.shifts.append(
            PairShift(
                treasure, game_id, role, values is not None, human_move(ht, hc, values),
                model_move, result,
            )
        )  # fmt: skip
    out.shifts += _state_shifts(in_state)
    states = {(g, role, ""): c for (g, role), c in counts.items()}
    states.update({cell: c for cell, (_, c) in in_state.items()})
    out.styles = _styles(key, states)
    return out


StateCounts = dict[tuple[str, int, str], tuple[CellComparison, tuple[np.ndarray, np.ndarray]]]


def _compare_states(key: str, by_value: ByValue, n_boot: int, seed: int) -> StateCounts:
    """The entry's distance in every information state with a usable human row."""
    out: StateCounts = {}
    for r in human_rows():
        cell = (r.game_id, r.role, r.context)
        game = by_value.get(cell)
        if not r.usable or not r.context or game is None or not len(game[0]):
            continue
        point, reps = _counts(key, cell, game, n_boot, seed)
        if point.sum() == 0 or len(point) != len(r.shares):
            continue
        comparison = CellComparison(
            r.game_id, r.role, r, distance(point, reps, r.shares), r.context
        )
        out[cell] = (comparison, (point, reps))
    return out


def _highest(game_id: str) -> str:
    return f"value {max(int(v) for v in get_game(game_id).params['private_values'])}"


def _state_shifts(in_state: StateCounts) -> list[PairShift]:
    """A private-value auction's shift: the highest value's bids, treasure → contradiction;
    the signaling game's: each information state (``"type A"``) with a usable row in both."""
    out = []
    for (game_id, role, context), (cell, mc) in sorted(in_state.items()):
        spec = get_game(game_id)
        treasure = str(spec.params.get("treasure"))
        if spec.params.get("treatment") != "contradiction":
            continue
        if "private_values" in spec.params:
            if context != _highest(game_id):
                continue
            found = in_state.get((treasure, role, _highest(treasure)))
        else:  # the same state in the treasure (its row usable: in_state holds no other)
            found = in_state.get((treasure, role, context))
        if found is None:
            continue
        (tcell, mt), values = found, option_values(spec, role)
        ht, hc = tcell.human.shares, cell.human.shares
        result = shift(mt, mc, ht, hc, values)
        model_move = human_move(mt[0] / mt[0].sum(), mc[0] / mc[0].sum(), values)
        out.append(
            PairShift(
                treasure, game_id, role, values is not None, human_move(ht, hc, values),
                model_move, result, f"{tcell.context} → {context}",
            )
        )  # fmt: skip
    return out


def _styles(
    key: str, counts: dict[tuple[str, int, str], tuple[np.ndarray, np.ndarray]]
) -> list[GameStyles]:
    """People's and the model's style per game, where both have counted choices (per role and
    information state)."""
    out = []
    for game_id in sorted({g for g, _, _ in counts}):
        human = human_game_profile(STUDY, game_id)
        if human is None:
            continue
        mine = {(role, ctx): c[0] for (g, role, ctx), c in counts.items() if g == game_id}
        model = model_game_profile(key, STUDY, game_id, mine)
        if model is not None:
            out.append(GameStyles(game_id, human, model))
    return out


def compare_entries(
    merged: dict[str, Merged],
    *,
    n_boot: int,
    level: float,
    seed: int,
    by_value: dict[str, ByValue] | None = None,
) -> dict[str, EntryHuman]:
    """`compare_entry` for every entry that covers at least one human row."""
    out = {}
    for key, groups in merged.items():
        found = compare_entry(
            key, groups, n_boot=n_boot, level=level, seed=seed,
            by_value=(by_value or {}).get(key),
        )  # fmt: skip
        if found.cells:
            out[key] = found
    return out


def to_json(result: EntryHuman) -> dict[str, Any]:
    return {
        "total_variation": result.total_variation.to_json(),
        "log_likelihood": result.log_likelihood.to_json(),
        "cells": [
            {
                "game_id": c.game_id,
                "role": c.role,
                "context": c.context,
                "study": c.human.entry,
                "choices": c.distance.choices,
                "total_variation": c.distance.total_variation.to_json(),
                "log_likelihood": c.distance.log_likelihood.to_json(),
            }
            for c in result.cells
        ],
        "styles": [
            {
                "game_id": g.game_id,
                "human": {k: round(v, 6) for k, v in g.human.weights.items()},
                "model": {k: round(v, 6) for k, v in g.model.weights.items()},
                "human_fit": g.human.fit.verdict if g.human.fit else None,
                "model_fit": g.model.fit.verdict if g.model.fit else None,
            }
            for g in result.styles
        ],
        "shifts": [
            {
                "treasure": s.treasure,
                "contradiction": s.contradiction,
                "role": s.role,
                "context": s.context,
                "measure": "mean choice" if s.ordered else "shares",
                "human_move": round(s.human_move, 6),
                "model_move": round(s.model_move, 6),
                "ratio": s.shift.ratio.to_json(),
                "direction": s.shift.direction,
            }
            for s in result.shifts
        ],
    }


def human_json() -> list[dict[str, Any]]:
    """Every human row, as data: study, game, role, shares, n, mark, source, note."""
    return [
        {
            "entry": r.entry,
            "game_id": r.game_id,
            "role": r.role,
            "shares": [round(s, 6) for s in r.shares],
            "n": r.n,
            "context": r.context,
            "mark": r.mark,
            "source": r.source,
            "note": r.note,
        }
        for r in human_rows()
    ]
