"""Structure features of the N-player p-beauty contest (kind ``guess``).

The game has N players and 101 guesses each, so the bimatrix features do not apply as they
stand; what is computed, from the payoff rule (`stratlens.games._guessing`):

- ``constant_sum`` (the prize is always paid out in full), ``symmetric``, and so no
  ``social_dilemma`` (every outcome of a constant-sum game is Pareto-efficient);
- ``pure_equilibria``: the profiles where everyone guesses the same number c and no one gains
  by moving (searched over the symmetric profiles only: asymmetric pure equilibria and mixed
  equilibria are not computed: ``mixed_equilibria`` is empty, as for sequential games);
- ``security_values`` and ``maximin_actions``: each guess's worst case over the others' guesses
  (every profile for up to 3 players; beyond, profiles in which the others use at most two
  numbers, which is exact when the best worst case found is 0, and null otherwise);
- ``dominant_strategies``: a guess at least as good as every other against every profile
  (up to 3 players; null beyond).

Not computed (null): ``undominated_actions``, ``dominance_solvable``, ``payoff_dominant``,
``risk_dominant`` (bimatrix notions). `NOT_COMPUTED` lists them, with ``mixed_equilibria``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stratlens.games._guessing import (
    EXACT_OTHERS,
    other_profiles,
    own_shares,
    symmetric_equilibria,
    worst_cases,
)
from stratlens.games.views import GuessView

NOT_COMPUTED = (
    "mixed_equilibria",
    "undominated_actions",
    "dominance_solvable",
    "payoff_dominant",
    "risk_dominant",
)


def _dominant(v: GuessView) -> int | None:
    profiles, _ = other_profiles(v.players, v.max_guess)
    pay = own_shares(np.asarray(v.own_actions), profiles, v.p_num, v.p_den, v.prize)
    best = pay.max(axis=0)
    rows = [g for g in v.own_actions if bool(np.all(pay[g] >= best - 1e-12))]
    return rows[0] if len(rows) == 1 else None


def guess_structure(v: GuessView) -> dict[str, Any]:
    n = v.players
    worst, exact = worst_cases(n, v.p_num, v.p_den, v.max_guess, v.prize)
    floor = float(worst.max())
    maximin = [g for g in v.own_actions if worst[g] >= floor - 1e-12]
    dominant = _dominant(v) if n - 1 <= EXACT_OTHERS else None
    small = n - 1 <= EXACT_OTHERS
    return {
        "players": n,
        "simultaneous": True,
        "repeated": False,
        "horizon": 1,
        "continue_probability": None,
        "perfect_information": False,
        "chance": False,
        "types": 1,
        "table": "rule",
        "zero_sum": False,
        "constant_sum": True,
        "general_sum": False,
        "symmetric": True,
        "equilibrium_concept": "nash",
        "pure_equilibria": [
            [c] * n for c in symmetric_equilibria(n, v.p_num, v.p_den, v.max_guess)
        ],
        "mixed_equilibria": [],  # not computed (see NOT_COMPUTED), empty as for trees
        "subgame_perfect": None,
        "dominant_strategies": [dominant] * n if small else [None] * n,
        "undominated_actions": None,
        "dominance_solvable": None,
        "payoff_dominant": None,
        "risk_dominant": None,
        "social_dilemma": False,
        "security_values": [floor] * n if exact else None,
        "pure_security_values": [floor] * n if exact else None,
        "maximin_actions": [maximin] * n if exact else None,
        "num_actions": [len(v.own_actions)] * n,
    }
