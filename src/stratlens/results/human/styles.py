"""The behavioural profile of people: the style mixture and its fit test
(`stratlens.profiler.behavior.fit_styles`) on the human choices of a study, and the same fit
on a model's choice counts in the same games and roles.

Each usable human row with an n (printed, or the appendix's 50 choices) becomes n decisions of
its game and role, round(n × share) of them per option (a symmetric game's pooled choices
once, as role 0); rows without a printed n (matching pennies, the coordination game, the
treasure of the threat game) are left out, since the fit test needs counts. The views are the
catalog's own (`catalog_views`: the one view of a one-shot game; the first mover's root in the
two-stage games), so people and models are read by the same style models on the same games; a
row of one information state (``context``: the auction's ``"value 5"``, the signaling game's
``"type A"`` or ``"signal Left"``) is read at that state's view (`state_view`).
The fit test's p-value here is the χ² one (no bootstrap refits).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pyspiel

from stratlens.games import DecisionView, decision_view, get_game
from stratlens.profiler.behavior import StyleProfile, catalog_views, fit_styles
from stratlens.results.human import HumanRow, human_rows

#: (game id, role, choices per option, information state: "" for a role's one decision)
Counted = tuple[str, int, Sequence[int], str]


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
    ]


def human_counts(row: HumanRow) -> list[int]:
    assert row.n is not None
    return [round(row.n * s) for s in row.shares]


def fit_counts(label: str, counted: Sequence[Counted]) -> StyleProfile:
    """The style profile of choices given as counts per (game, role, state) option."""
    views: list[DecisionView] = []
    legal: list[list[int]] = []
    actions: list[int] = []
    cells: list[tuple[str, int, str]] = []
    names: list[str] = []
    for game_id, role, counts, context in counted:
        view = state_view(game_id, role, context)
        options = list(range(len(counts)))
        for action, n in enumerate(counts):
            views += [view] * int(n)
            legal += [options] * int(n)
            actions += [action] * int(n)
            cells += [(game_id, role, context)] * int(n)
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
    counted = [(r.game_id, r.role, human_counts(r), r.context) for r in rows]
    return fit_counts(f"human/{study}", counted)


@lru_cache(maxsize=64)
def human_game_profile(study: str, game_id: str) -> StyleProfile | None:
    """People's profile on one game (None when no counted row), computed once."""
    rows = counted_rows(study, [game_id])
    return human_profile(study, [game_id]) if rows else None


def model_game_profile(
    label: str, study: str, game_id: str, counts: dict[tuple[int, str], np.ndarray]
) -> StyleProfile | None:
    """A model's profile on the roles and information states of ``game_id`` that people's
    profile reads, from its choice counts per (role, state) (None when it has none there)."""
    where = [(r.role, r.context) for r in counted_rows(study, [game_id])]
    counted: list[Counted] = [
        (game_id, role, [int(x) for x in counts[(role, context)]], context)
        for role, context in where
        if (role, context) in counts
    ]
    counted = [c for c in counted if sum(c[2]) > 0]
    return fit_counts(label, counted) if counted else None


def state_view(game_id: str, role: int, context: str = "") -> DecisionView:
    """The view of ``role``'s decision in the information state ``context`` (a human row's):
    ``""`` the role's one decision (`catalog_views`); ``"value V"`` a private-value auction's
    bidder holding value V; ``"type X"`` the sender of type X; ``"signal S"`` the responder who
    saw signal S (its view is the same whichever type sent it)."""
    if not context:
        return catalog_views(game_id, role)[0]
    spec = get_game(game_id)
    kind, _, what = context.partition(" ")
    for state, drawn in _chance_paths(spec.game().new_initial_state(), ()):
        if kind == "value" and state.value(role) == int(what):
            return decision_view(spec, state, role)
        if kind == "type" and f"type {what}" in drawn and state.current_player() == role:
            return decision_view(spec, state, role)
        if kind == "signal" and state.current_player() != role:
            sender = state.current_player()
            for a in state.legal_actions():
                if state.action_to_string(sender, a) == what:
                    return decision_view(spec, state.child(a), role)
    raise ValueError(f"{game_id}: no decision of player {role + 1} in the state {context!r}")


def _chance_paths(state: Any, drawn: tuple[str, ...]) -> Iterator[tuple[Any, tuple[str, ...]]]:
    """Every state at the end of the chance moves from ``state``, with the outcomes drawn."""
    if not state.is_chance_node():
        yield state, drawn
        return
    for a, _ in state.chance_outcomes():
        label = state.action_to_string(pyspiel.PlayerId.CHANCE, a)
        yield from _chance_paths(state.child(a), (*drawn, label))
