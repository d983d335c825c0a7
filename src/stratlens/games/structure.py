"""Structure features of a catalog game, computed from the game itself.

`structure(spec)` gives the same JSON-ready keys for every game (`STRUCTURE_KEYS`), so that the
analysis can put all games in one table:

- One-shot simultaneous games (kinds ``matrix``, ``bayesian``, ``signaling``) are solved on
  their bimatrix (`stratlens.games.bimatrix`): for a Bayesian game the prior-expected table,
  for the signaling game the true table (``table`` says which). ``equilibrium_concept`` is
  ``"nash"``.
- Repeated games report the features of their stage game, with ``repeated`` true and the
  ``horizon`` (or the per-round ``continue_probability``); equilibria are the stage game's.
- Sequential games (kind ``tree``) are solved on their game tree (`stratlens.games.tree_of`):
  ``equilibrium_concept`` is ``"subgame_perfect"``, ``subgame_perfect`` holds the
  backward-induction play, security values come from a maximin search, and the normal-form
  keys that do not apply (equilibrium lists, dominance, selection) are empty or null.

`describe(spec)` is the record ``stratlens games show ID --json`` prints: the game's
identity, rules, actions, payoff tables and its structure.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pyspiel

from stratlens.games import _equilibria as eq
from stratlens.games._extract import (
    bimatrix,
    is_simultaneous,
    payoff_types,
    shown_tables,
    tree_of,
)
from stratlens.games._spec import GameSpec
from stratlens.games.views import CHANCE, TreeNode

DECIMALS = 6  # mixed-strategy probabilities
VALUE_DECIMALS = 9  # payoffs and security values (drops float noise only)

STRUCTURE_KEYS = (
    "players",
    "simultaneous",
    "repeated",
    "horizon",
    "continue_probability",
    "perfect_information",
    "chance",
    "types",
    "table",
    "zero_sum",
    "constant_sum",
    "general_sum",
    "symmetric",
    "equilibrium_concept",
    "pure_equilibria",
    "mixed_equilibria",
    "subgame_perfect",
    "dominant_strategies",
    "undominated_actions",
    "dominance_solvable",
    "payoff_dominant",
    "risk_dominant",
    "social_dilemma",
    "security_values",
    "pure_security_values",
    "maximin_actions",
    "num_actions",
)

_TABLE = {"matrix": "payoffs", "bayesian": "prior_expected", "signaling": "true"}
_CACHE: dict[str, dict[str, Any]] = {}


def _value(v: float) -> float:
    return round(float(v), VALUE_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def _cell(c: tuple[int, int] | None) -> list[int] | None:
    return None if c is None else [int(c[0]), int(c[1])]


# --- one-shot games ------------------------------------------------------------------------


def bimatrix_structure(a: eq.Array, b: eq.Array) -> dict[str, Any]:
    """The normal-form features of the game (A, B), JSON-ready (see the module docstring)."""
    constant = eq.constant_sum(a, b)
    mixed = [
        [[round(float(p), DECIMALS) for p in x], [round(float(p), DECIMALS) for p in y]]
        for x, y in eq.mixed_equilibria(a, b)
    ]
    rows, cols = eq.iterated_elimination(a, b)
    return {
        "zero_sum": eq.zero_sum(a, b),
        "constant_sum": constant,
        "general_sum": not constant,
        "symmetric": eq.symmetric(a, b),
        "equilibrium_concept": "nash",
        "pure_equilibria": [_cell(c) for c in eq.pure_equilibria(a, b)],
        "mixed_equilibria": mixed,
        "subgame_perfect": None,
        "dominant_strategies": list(eq.dominant_strategies(a, b)),
        "undominated_actions": [rows, cols],
        "dominance_solvable": len(rows) == 1 and len(cols) == 1,
        "payoff_dominant": _cell(eq.payoff_dominant(a, b)),
        "risk_dominant": _cell(eq.risk_dominant(a, b)),
        "social_dilemma": eq.social_dilemma(a, b),
        "security_values": [_value(v) for v in eq.security_values(a, b)],
        "pure_security_values": [_value(v) for v in eq.pure_security(a, b)],
        "maximin_actions": [list(m) for m in eq.maximin_actions(a, b)],
        "num_actions": [int(a.shape[0]), int(a.shape[1])],
    }


# --- sequential games ----------------------------------------------------------------------


def _terminals(node: TreeNode) -> list[tuple[float, float]]:
    if node.is_terminal:
        assert node.payoffs is not None
        return [node.payoffs]
    return [p for _, _, _, child in node.children for p in _terminals(child)]


def _walk(node: TreeNode) -> list[TreeNode]:
    return [node, *(n for _, _, _, child in node.children for n in _walk(child))]


def subgame_perfect(node: TreeNode) -> tuple[list[int], tuple[float, float]]:
    """Backward induction: the equilibrium path from ``node`` and its (expected) payoffs.

    At a decision node the mover takes the child with the highest payoff for itself; a tie goes
    to the lowest action id. A chance node is worth the expectation of its children, and the
    path stops there (what follows depends on the draw).
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
    path, payoffs = subgame_perfect(root)
    security = [tree_security(root, p) for p in (0, 1)]
    maximin: list[list[int] | None] = [None, None]
    if root.player in (0, 1):
        worst = {a: tree_security(child, root.player) for a, _, _, child in root.children}
        floor = security[root.player] - eq.TOL * scale
        maximin[root.player] = sorted(a for a, v in worst.items() if v >= floor)
    nodes = _walk(root)
    actions = [{a for n in nodes if n.player == p for a, _, _, _ in n.children} for p in (0, 1)]
    dilemma = any(
        o[0] > payoffs[0] + eq.TOL * scale and o[1] > payoffs[1] + eq.TOL * scale for o in outcomes
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
        "subgame_perfect": {"path": path, "payoffs": [_value(payoffs[0]), _value(payoffs[1])]},
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
    }


# --- any catalog game ----------------------------------------------------------------------


def _compute(spec: GameSpec) -> dict[str, Any]:
    game = spec.game()
    game_type = game.get_type()
    if spec.kind == "tree":
        out = tree_structure(tree_of(game.new_initial_state()))
        out["players"] = int(game.num_players())
        return out
    pair = bimatrix(spec)
    if pair is None:
        raise ValueError(f"game {spec.id}: no payoff table for kind {spec.kind}")
    simultaneous = is_simultaneous(spec)
    # OpenSpiel marks its repeated-game transform as perfect information; with simultaneous
    # moves inside a round it is not, in the game-theoretic sense.
    perfect = (
        not simultaneous
        and game_type.information == pyspiel.GameType.Information.PERFECT_INFORMATION
    )
    repeated = spec.kind == "repeated"
    return {
        "players": int(game.num_players()),
        "simultaneous": simultaneous,
        "repeated": repeated,
        "horizon": spec.params.get("horizon") if repeated else 1,
        "continue_probability": spec.params.get("continue_probability") if repeated else None,
        "perfect_information": perfect,
        "chance": game_type.chance_mode != pyspiel.GameType.ChanceMode.DETERMINISTIC,
        "types": len(payoff_types(spec)),
        "table": "stage" if repeated else _TABLE[spec.kind],
        **bimatrix_structure(*pair),
    }


def structure(spec: GameSpec) -> dict[str, Any]:
    """The structure features of ``spec`` (keys: `STRUCTURE_KEYS`), computed once per game id.

    Returns a fresh copy; the cached record is never handed out.
    """
    cached = _CACHE.get(spec.id)
    if cached is None:
        cached = _CACHE[spec.id] = _compute(spec)
    return copy.deepcopy(cached)


def _tables(a: np.ndarray, b: np.ndarray) -> list[list[list[float]]]:
    return [np.asarray(a, dtype=float).tolist(), np.asarray(b, dtype=float).tolist()]


def describe(spec: GameSpec) -> dict[str, Any]:
    """Everything about one game, JSON-ready (what ``stratlens games show ID --json`` prints).

    ``payoffs`` is ``[A, B]`` with rows = player 1's actions (the prior-expected tables for a
    Bayesian game, the true tables for the signaling game, the stage game's for a repeated
    game, null for a sequential game).
    """
    pair = bimatrix(spec)
    out: dict[str, Any] = {
        "id": spec.id,
        "title": spec.title,
        "family": spec.family,
        "suites": list(spec.suites),
        "kind": spec.kind,
        "players": int(spec.game().num_players()),
        "roles": list(spec.roles),
        "actions": [list(labels) for labels in spec.action_labels],
        "payoffs": None if pair is None else _tables(*pair),
    }
    if spec.kind == "bayesian":
        out["payoff_types"] = [
            {"probability": float(p), "payoffs": _tables(a, b)} for p, a, b in payoff_types(spec)
        ]
    if spec.kind == "signaling":
        shown = shown_tables(spec, 1)
        out["shown_to_player_2"] = None if shown is None else _tables(*shown)
    out.update(
        {
            "params": dict(spec.params),
            "source": spec.source,
            "rules": spec.rules,
            "structure": structure(spec),
        }
    )
    return out
