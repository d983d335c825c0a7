"""The styles on a one-shot simultaneous decision (`MatrixView`).

Definitions as in ``reference/profiles.md``; with payoff types (Bayesian games) the view's
expected tables are used.
"""

from __future__ import annotations

import numpy as np

from stratlens.agents import _solvers as sv
from stratlens.agents._choice import (
    BeliefChoice,
    EquilibriumChoice,
    FloatArray,
    MinimaxChoice,
    StyleResult,
    TrustChoice,
)
from stratlens.games.views import MatrixView


def tables(view: MatrixView) -> tuple[FloatArray, FloatArray]:
    """(own, other) as arrays, rows = the decider's actions."""
    return np.asarray(view.own, dtype=float), np.asarray(view.other, dtype=float)


def matrix_random(view: MatrixView) -> StyleResult:
    n = len(view.own_actions)
    return StyleResult("random", view.own_actions, sv.uniform(n), np.zeros(n))


def matrix_minimax(view: MatrixView) -> MinimaxChoice:
    """The security strategy: the action with the best worst case (ties split evenly).

    In a constant-sum game whose mixed security level beats every pure worst case (no pure
    saddle point), the maximin mixed strategy of the linear program instead. In a general-sum
    game the choice stays pure, as the worst-case reasoning the style describes.
    """
    own, other = tables(view)
    worst = own.min(axis=1)
    replies = tuple(view.other_actions[int(np.argmin(row))] for row in own)
    tol = sv.tol_for(own)
    probs, floor, mixed = sv.split_ties(worst, tol), float(worst.max()), False
    if sv.constant_sum(own, other):
        level, x = sv.maximin_mixed(own)
        if level > floor + 1e3 * tol:
            probs, floor, mixed = x, level, True
    return MinimaxChoice(
        "minimax", view.own_actions, probs, worst, worst_reply=replies, floor=floor, mixed=mixed
    )


def joint_cells(own: FloatArray, other: FloatArray) -> list[tuple[int, int]]:
    """Team reasoning's cells: largest own+other, then fairest, then largest own payoff."""
    tol = sv.tol_for(own, other)
    joint, gap = own + other, np.abs(own - other)
    cells = [(int(i), int(j)) for i, j in zip(*np.nonzero(joint >= joint.max() - tol), strict=True)]
    fairest = min(gap[c] for c in cells)
    cells = [c for c in cells if gap[c] <= fairest + tol]
    best_own = max(own[c] for c in cells)
    return [c for c in cells if own[c] >= best_own - tol]


def matrix_trust(view: MatrixView) -> TrustChoice:
    """Team reasoning: one's own part of the best joint cell (rows of tied cells split)."""
    own, other = tables(view)
    cells = joint_cells(own, other)
    rows = sorted({i for i, _ in cells})
    probs = np.zeros(len(view.own_actions))
    probs[rows] = 1.0 / len(rows)
    first = cells[0]
    return TrustChoice(
        "trust_based",
        view.own_actions,
        probs,
        (own + other).max(axis=1),
        cells=tuple((view.own_actions[i], view.other_actions[j]) for i, j in cells),
        cell_payoffs=(float(own[first]), float(other[first])),
    )


def matrix_belief(view: MatrixView, k: int = 2) -> BeliefChoice:
    """Level-k: best response to the other's level-(k-1) choice, predicted from its payoffs."""
    own, other = tables(view)
    probs, values, prediction, other_values = sv.level_k(own, other, k)
    return BeliefChoice(
        "belief_anticipation",
        view.own_actions,
        probs,
        values,
        level=k,
        other_actions=view.other_actions,
        prediction=prediction,
        other_values=other_values,
    )


def matrix_nash(view: MatrixView) -> EquilibriumChoice:
    """The decider's part of the selected Nash equilibrium (highest payoff sum, then first)."""
    own, other = tables(view)
    eqs = sv.nash_equilibria(own, other)
    x, y = eqs[0]
    return EquilibriumChoice(
        "nash",
        view.own_actions,
        x,
        own @ y,
        other_actions=view.other_actions,
        other_strategy=y,
        expected=(float(x @ own @ y), float(x @ other @ y)),
        n_equilibria=len(eqs),
        lam=None,
    )


def matrix_qre(view: MatrixView, lam: float = 1.0) -> EquilibriumChoice:
    """The decider's part of the logit QRE at precision ``lam`` (uniform as lam → 0)."""
    own, other = tables(view)
    x, y = sv.logit_qre(own, other, lam)
    return EquilibriumChoice(
        "qre",
        view.own_actions,
        x,
        own @ y,
        other_actions=view.other_actions,
        other_strategy=y,
        expected=(float(x @ own @ y), float(x @ other @ y)),
        n_equilibria=1,
        lam=lam,
    )
