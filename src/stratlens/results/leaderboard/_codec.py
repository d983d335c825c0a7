"""JSON forms of the leaderboard's intermediate results, for `_memo` (exact round trips:
floats as JSON numbers, which Python writes and reads back bit for bit; arrays packed)."""

from __future__ import annotations

import dataclasses
from typing import Any

from stratlens.profiler._gof import FitTest
from stratlens.profiler.behavior import StyleProfile
from stratlens.results.bootstrap import Estimate
from stratlens.results.human import human_rows
from stratlens.results.human.compare import Distance, Shift
from stratlens.results.human.styles import human_game_profile
from stratlens.results.leaderboard._memo import pack, unpack
from stratlens.results.leaderboard.human import (
    STUDY,
    CellComparison,
    EntryHuman,
    GameStyles,
    PairShift,
)


def est(e: Estimate) -> list[float]:
    return [e.value, e.low, e.high]


def unest(v: list[float]) -> Estimate:
    return Estimate(float(v[0]), float(v[1]), float(v[2]))


def ests(d: dict[str, Estimate]) -> list[list[Any]]:
    """A dict of estimates as ordered pairs (the order is kept)."""
    return [[k, est(v)] for k, v in d.items()]


def unests(v: list[list[Any]]) -> dict[str, Estimate]:
    return {str(k): unest(e) for k, e in v}


def profile(p: StyleProfile) -> dict[str, Any]:
    return {
        "model": p.model,
        "weights": list(p.weights.items()),
        "noise": list(p.noise.items()),
        "noise_model": p.noise_model,
        "loglik": p.loglik,
        "n_decisions": p.n_decisions,
        "games": list(p.games),
        "depths": list(p.depths),
        "depth_weights": None if p.depth_weights is None else list(p.depth_weights.items()),
        "fit": None if p.fit is None else dataclasses.asdict(p.fit),
        "intervals": None if p.intervals is None else [[k, *v] for k, v in p.intervals.items()],
        "interval_method": p.interval_method,
    }


def unprofile(v: dict[str, Any]) -> StyleProfile:
    return StyleProfile(
        model=v["model"],
        weights={str(k): float(w) for k, w in v["weights"]},
        noise={str(k): float(w) for k, w in v["noise"]},
        noise_model=v["noise_model"],
        loglik=float(v["loglik"]),
        n_decisions=int(v["n_decisions"]),
        games=tuple(v["games"]),
        depths=tuple(int(d) for d in v["depths"]),
        depth_weights=None
        if v["depth_weights"] is None
        else {int(d): float(w) for d, w in v["depth_weights"]},
        fit=None if v["fit"] is None else FitTest(**v["fit"]),
        intervals=None
        if v["intervals"] is None
        else {str(k): (float(lo), float(hi)) for k, lo, hi in v["intervals"]},
        interval_method=v["interval_method"],
    )


def entry_human(h: EntryHuman) -> dict[str, Any]:
    return {
        "key": h.key,
        "cells": [
            [
                c.game_id,
                c.role,
                c.distance.choices,
                est(c.distance.total_variation),
                est(c.distance.log_likelihood),
                pack(c.distance.tv_reps),
                pack(c.distance.ll_reps),
                c.context,
            ]
            for c in h.cells
        ],
        "shifts": [
            [
                s.treasure,
                s.contradiction,
                s.role,
                s.ordered,
                s.human_move,
                s.model_move,
                est(s.shift.ratio),
                s.shift.direction,
                s.context,
            ]
            for s in h.shifts
        ],
        "styles": [[g.game_id, profile(g.model)] for g in h.styles],
        "total_variation": est(h.total_variation),
        "log_likelihood": est(h.log_likelihood),
    }


def unentry_human(v: dict[str, Any]) -> EntryHuman:
    rows = {(r.game_id, r.role, r.context): r for r in human_rows() if r.usable}
    out = EntryHuman(v["key"])
    for game_id, role, choices, tv, ll, tv_reps, ll_reps, context in v["cells"]:
        d = Distance(int(choices), unest(tv), unest(ll), unpack(tv_reps), unpack(ll_reps))
        row = rows[(game_id, int(role), context)]
        out.cells.append(CellComparison(game_id, int(role), row, d, context))
    for t, c, role, ordered, hm, mm, ratio, direction, context in v["shifts"]:
        out.shifts.append(
            PairShift(t, c, int(role), bool(ordered), float(hm), float(mm),
                      Shift(unest(ratio), direction), context)
        )  # fmt: skip
    for game_id, model in v["styles"]:
        human = human_game_profile(STUDY, game_id)
        assert human is not None  # a model's style is kept only beside people's
        out.styles.append(GameStyles(game_id, human, unprofile(model)))
    out.total_variation = unest(v["total_variation"])
    out.log_likelihood = unest(v["log_likelihood"])
    return out
