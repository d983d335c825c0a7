"""Features of a sequential game of perfect information, solved on its game tree.

`subgame_perfect` (one path, ties to the lowest action id), `subgame_perfect_outcomes` (every
subgame-perfect path), `tree_security` (maximin by search) and `tree_structure` (the record
`stratlens.games.structure` gives a game of kind ``tree``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stratlens.games import _equilibria as eq
from stratlens.games._repeated_features import REPEATED_KEYS
from stratlens.games.views import CHANCE, TreeNode

VALUE_DECIMALS = 9  # payoffs and security values (drops float noise only)


def _value(v: float) -> float:
    return round(float(v), VALUE_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def _terminals(node: TreeNode) -> list[tuple[float, float]]:
    if node.is_terminal:
        assert node.payoffs is not None
        return [node.payoffs]
    return [p for _, _, _, child in node.children for p in _terminals(child)]


def _walk(node: TreeNode) -> list[TreeNode]:
    return [node, *(n for _, _, _, child in node.children for n in _walk(child))]


def subgame_perfect(node: TreeNode) -> tuple[list[int], tuple[float, float]]:
    """Backward induction with one tie rule: the equilibrium path from ``node`` and its
    (expected) payoffs.

    At a decision node the mover takes the child with the highest payoff for itself; a tie goes
    to the lowest action id. A chance node is worth the expectation of its children, and the
    path stops there (what follows depends on the draw). `subgame_perfect_outcomes` gives every
    path that some subgame-perfect equilibrium plays.
    """
    if node.is_terminal:
        assert node.payoffs is not None
        return [], (float(node.payoffs[0]), float(node.payoffs[1]))
    solved = [(action, prob, subgame_perfect(child)) for action, _, prob, child in node.children]
    if node.player == CHANCE:
        u0 = sum((prob or 0.0) * sub[1][0] for _, prob, sub in solved)
        u1 = sum((prob or 0.0) * sub[1][1] for _, prob, sub in solved)
        return [], (u0, u1)
    best = max(sub[1][node.player] for _, _, sub in solved)
    tol = eq.TOL * max(1.0, abs(best))
    action, _, (path, payoffs) = min(
        (s for s in solved if s[2][1][node.player] >= best - tol), key=lambda s: s[0]
    )
    return [action, *path], payoffs


Outcome = tuple[tuple[int, ...], tuple[float, float]]


def _rounded(u: tuple[float, float]) -> tuple[float, float]:
    return (round(u[0], VALUE_DECIMALS) + 0.0, round(u[1], VALUE_DECIMALS) + 0.0)


def subgame_perfect_outcomes(node: TreeNode) -> list[Outcome]:
    """Every (path, payoffs) that some subgame-perfect equilibrium plays from ``node``.

    Where a mover is indifferent, each tie-break is an equilibrium, and what it picks changes
    what the movers before it expect: in the ultimatum game the responder may accept or reject
    offer 0, so offering 0 (accepted) and offering 1 are both subgame-perfect. A child's
    outcome ``o`` is reachable when the mover gets at least as much from it as from every other
    child's worst outcome for the mover (the other subgames can be solved that way). A chance
    node combines one outcome per child in expectation; its path stops there. Sorted by path,
    then payoffs; equal records are merged.
    """
    if node.is_terminal:
        assert node.payoffs is not None
        return [((), _rounded((float(node.payoffs[0]), float(node.payoffs[1]))))]
    per_child = [(a, p, subgame_perfect_outcomes(child)) for a, _, p, child in node.children]
    if node.player == CHANCE:
        combos: set[tuple[float, float]] = {(0.0, 0.0)}
        for _, prob, outs in per_child:
            values = {u for _, u in outs}
            w = prob or 0.0
            combos = {(c[0] + w * u[0], c[1] + w * u[1]) for c in combos for u in values}
        return sorted(((), _rounded(c)) for c in combos)
    me = node.player
    worst = [min(u[me] for _, u in outs) for _, _, outs in per_child]
    found: set[Outcome] = set()
    for k, (action, _, outs) in enumerate(per_child):
        rivals = max((w for m, w in enumerate(worst) if m != k), default=-np.inf)
        for path, u in outs:
            if u[me] >= rivals - eq.TOL * max(1.0, abs(rivals) if np.isfinite(rivals) else 1.0):
                found.add(((action, *path), u))
    return sorted(found)


def tree_security(node: TreeNode, player: int) -> float:
    """What ``player`` can guarantee from ``node`` when the other player minimises its payoff
    (chance is an expectation). In a game of perfect information this is also the mixed
    security level: the two-player zero-sum game it defines has a value in pure strategies."""
    if node.is_terminal:
        assert node.payoffs is not None
        return float(node.payoffs[player])
    values = [(prob, tree_security(child, player)) for _, _, prob, child in node.children]
    if node.player == CHANCE:
        return sum((p or 0.0) * v for p, v in values)
    pick = max if node.player == player else min
    return pick(v for _, v in values)


def tree_structure(root: TreeNode) -> dict[str, Any]:
    """The features of a sequential game of perfect information, from its tree.

    ``maximin_actions[p]`` lists the root actions that secure player p's security value when p
    moves at the root, and is null for the other player. ``num_actions[p]`` counts the distinct
    action ids player p has anywhere in the tree; ``types`` and ``horizon`` are 1 (one play of
    one game).
    """
    outcomes = _terminals(root)
    sums = [u0 + u1 for u0, u1 in outcomes]
    scale = max(1.0, *(abs(v) for o in outcomes for v in o))
    constant = max(sums) - min(sums) <= eq.TOL * scale
    spe = subgame_perfect_outcomes(root)
    security = [tree_security(root, p) for p in (0, 1)]
    maximin: list[list[int] | None] = [None, None]
    if root.player in (0, 1):
        worst = {a: tree_security(child, root.player) for a, _, _, child in root.children}
        floor = security[root.player] - eq.TOL * scale
        maximin[root.player] = sorted(a for a, v in worst.items() if v >= floor)
    nodes = _walk(root)
    actions = [{a for n in nodes if n.player == p for a, _, _, _ in n.children} for p in (0, 1)]
    # A deficient equilibrium (see `_equilibria.social_dilemma`): some subgame-perfect outcome
    # that another outcome of the tree beats for both players.
    dilemma = any(
        o[0] > u[0] + eq.TOL * scale and o[1] > u[1] + eq.TOL * scale
        for _, u in spe
        for o in outcomes
    )
    return {
        "players": 2,
        "simultaneous": False,
        "repeated": False,
        "horizon": 1,
        "continue_probability": None,
        "perfect_information": True,
        "chance": any(n.player == CHANCE for n in nodes),
        "types": 1,
        "table": None,
        "zero_sum": constant and max(abs(s) for s in sums) <= eq.TOL * scale,
        "constant_sum": constant,
        "general_sum": not constant,
        "symmetric": False,
        "equilibrium_concept": "subgame_perfect",
        "pure_equilibria": [],
        "mixed_equilibria": [],
        "subgame_perfect": [
            {"path": list(path), "payoffs": [_value(u[0]), _value(u[1])]} for path, u in spe
        ],
        "dominant_strategies": [None, None],
        "undominated_actions": None,
        "dominance_solvable": None,
        "payoff_dominant": None,
        "risk_dominant": None,
        "social_dilemma": dilemma,
        "security_values": [_value(v) for v in security],
        "pure_security_values": [_value(v) for v in security],
        "maximin_actions": maximin,
        "num_actions": [len(actions[0]), len(actions[1])],
        **dict.fromkeys(REPEATED_KEYS),
    }
