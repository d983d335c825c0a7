"""Chance sampling as the runner does it, and replaying a stored episode to its views.

The runner draws every chance outcome with `sample_chance` from the episode's own generator,
``numpy.random.default_rng(episode seed)``. `replay` does the same with the same seed, so an
episode rebuilt from its stored moves passes through exactly the states that were played, and
the views it returns are the views the agents were handed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from stratlens.games._extract import decision_view, is_simultaneous
from stratlens.games._spec import GameSpec
from stratlens.games.views import DecisionView


def sample_chance(state: Any, rng: np.random.Generator) -> int:
    """One chance outcome of ``state``, drawn with its probabilities."""
    outcomes = state.chance_outcomes()
    probs = np.array([p for _, p in outcomes], dtype=float)
    pick = rng.choice(len(outcomes), p=probs / probs.sum())
    return int(outcomes[int(pick)][0])


def private_values(spec: GameSpec, seed: int) -> tuple[int, ...]:
    """Each player's drawn value in an episode of a private-value auction with this ``seed``:
    the chance draws before the first decision, made as the runner makes them."""
    state = spec.game().new_initial_state()
    rng = np.random.default_rng(seed)
    while state.is_chance_node():
        state.apply_action(sample_chance(state, rng))
    return tuple(int(state.value(p)) for p in range(int(spec.game().num_players())))


def replay(
    spec: GameSpec, seed: int, moves: Mapping[tuple[int, int], int]
) -> dict[tuple[int, int], DecisionView]:
    """The view of every decision of one episode, keyed by (step, player).

    ``moves[(step, player)]`` is the action taken; ``seed`` the episode's seed. The replay stops
    at the first step with a missing move (an episode that ended on an unusable answer); that
    step's views are kept.
    """
    state = spec.game().new_initial_state()
    rng = np.random.default_rng(seed)
    simultaneous = is_simultaneous(spec)
    views: dict[tuple[int, int], DecisionView] = {}
    step = 0
    while not state.is_terminal():
        if state.is_chance_node():
            state.apply_action(sample_chance(state, rng))
            continue
        players = [0, 1] if simultaneous else [int(state.current_player())]
        for p in players:
            views[(step, p)] = decision_view(spec, state, p)
        if any((step, p) not in moves for p in players):
            break
        if simultaneous:
            state.apply_actions([moves[(step, p)] for p in players])
        else:
            state.apply_action(moves[(step, players[0])])
        step += 1
    return views
