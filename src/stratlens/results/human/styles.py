"""The behavioural profile of people: the style mixture and its fit test
(`stratlens.profiler.behavior.fit_styles`) on the human choices of a study, and the same fit
on a model's choice counts in the same games and roles.

Each usable human row with an n (printed, or the appendix's 50 choices) becomes n decisions of
its game and role, round(n × share) of them per option (a symmetric game's pooled choices
once, as role 0); rows without a printed n (matching pennies, the coordination game, the
treasure of the threat game) are left out, since the fit test needs counts. The views are the
catalog's own (`catalog_views`: the one view of a one-shot game; the first mover's root in the
two-stage games), so people and models are read by the same style models on the same games.
The fit test's p-value here is the χ² one (no bootstrap refits).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np

from stratlens.games import DecisionView
from stratlens.profiler.behavior import StyleProfile, catalog_views, fit_styles
from stratlens.results.human import HumanRow, human_rows

Counted = tuple[str, int, Sequence[int]]  # (game id, role, choices per option)


def counted_rows(study: str, games: Iterable[str] | None = None) -> list[HumanRow]:
    """The study's usable rows with an n (of ``games`` when given), pooled rows once."""
    wanted = None if games is None else set(games)
    return [
        r
        for r in human_rows(study)
        if r.usable
        and r.n is not None
        and (wanted is None or r.game_id in wanted)
        and not (r.pooled and r.role != 0)
        and not r.context  # a per-value row needs that value's view: not fitted yet
    ]


def human_counts(row: HumanRow) -> list[int]:
    assert row.n is not None
    return [round(row.n * s) for s in row.shares]


def fit_counts(label: str, counted: Sequence[Counted]) -> StyleProfile:
    """The style profile of choices given as counts per (game, role) option."""
    views: list[DecisionView] = []
    legal: list[list[int]] = []
    actions: list[int] = []
    cells: list[tuple[str, int]] = []
    names: list[str] = []
    for game_id, role, counts in counted:
        (view, *_) = catalog_views(game_id, role)
        options = list(range(len(counts)))
        for action, n in enumerate(counts):
            views += [view] * int(n)
            legal += [options] * int(n)
            actions += [action] * int(n)
            cells += [(game_id, role)] * int(n)
            names += [game_id] * int(n)
    if not actions:
        raise ValueError(f"{label}: no choices to fit")
    return fit_styles(views, legal, actions, model=label, games=names, cells=cells)


def human_profile(
    study: str = "goeree_holt_2001", games: Iterable[str] | None = None
) -> StyleProfile:
    """People's style profile on the study's counted rows (of ``games`` when given)."""
    rows = counted_rows(study, games)
    if not rows:
        raise ValueError(f"no human row with an n in {study!r} for these games")
    return fit_counts(f"human/{study}", [(r.game_id, r.role, human_counts(r)) for r in rows])


@lru_cache(maxsize=64)
def human_game_profile(study: str, game_id: str) -> StyleProfile | None:
    """People's profile on one game (None when no counted row), computed once."""
    rows = counted_rows(study, [game_id])
    return human_profile(study, [game_id]) if rows else None


def model_game_profile(
    label: str, study: str, game_id: str, counts: dict[int, np.ndarray]
) -> StyleProfile | None:
    """A model's profile on the roles of ``game_id`` that people's profile reads, from its
    choice counts per role (None when it has none there)."""
    roles = [r.role for r in counted_rows(study, [game_id])]
    counted = [(game_id, role, [int(x) for x in counts[role]]) for role in roles if role in counts]
    counted = [c for c in counted if sum(c[2]) > 0]
    return fit_counts(label, counted) if counted else None
