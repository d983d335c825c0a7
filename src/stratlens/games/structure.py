"""Structure features of a catalog game, computed from the game itself.

`structure(spec)` gives the same JSON-ready keys for every game (`STRUCTURE_KEYS`), so that the
analysis can put all games in one table:

- One-shot simultaneous games (kinds ``matrix``, ``bayesian``, ``signaling``) are solved on
  their bimatrix (`stratlens.games.bimatrix`): for a Bayesian game the prior-expected table,
  for the signaling game the true table (``table`` says which). ``equilibrium_concept`` is
  ``"nash"``.
- Repeated games (kind ``repeated``) are not their stage game: the normal-form keys that
  would describe the repeated game itself (equilibrium lists, dominance, selection, social
  dilemma, security) are empty or null, and the stage game's features sit apart, under
  ``stage`` (a record with the one-shot keys of `bimatrix_structure`; ``stage_game`` names
  it). The repeated game's own features: ``horizon`` (fixed number of rounds, null with a
  random stop), ``continue_probability``, ``max_rounds`` (the last possible round),
  ``cooperative_cell``, ``trigger_threshold``, ``trigger_sustainable`` and ``unravels``
  (`stratlens.games._repeated_features`). The sum and symmetry keys hold for the repeated
  game (a random stop keeps a constant sum only when it is zero). Every other game has these
  keys null.
- Sequential games (kind ``tree``) are solved on their game tree (`stratlens.games.tree_of`):
  ``equilibrium_concept`` is ``"subgame_perfect"``, ``subgame_perfect`` lists every
  subgame-perfect path (`subgame_perfect_outcomes`: ties can give several), security values
  come from a maximin search, and the normal-form keys that do not apply (equilibrium lists,
  dominance, selection) are empty or null.

- The p-beauty contest (kind ``guess``, N players) is read from its payoff rule
  (`stratlens.games._guess_features`): per-player lists have N entries, ``table`` is
  ``"rule"``, and the keys it cannot compute are null (listed under ``not_computed`` by
  `describe`).

`describe(spec)` is the record ``stratlens games show ID --json`` prints: the game's
identity, rules, actions, payoff tables and its structure.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pyspiel

from stratlens.games import _equilibria as eq
from stratlens.games import _structure_file
from stratlens.games._extract import (
    bimatrix,
    guess_view,
    is_simultaneous,
    payoff_types,
    shown_tables,
    tree_of,
)
from stratlens.games._guess_features import NOT_COMPUTED, guess_structure
from stratlens.games._guessing import level_means
from stratlens.games._repeated_features import REPEATED_KEYS, repeated_features
from stratlens.games._spec import GameSpec
from stratlens.games._tree_features import (
    subgame_perfect,
    subgame_perfect_outcomes,
    tree_security,
    tree_structure,
)

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
    *REPEATED_KEYS,
)

__all__ = [
    "REPEATED_KEYS",
    "STRUCTURE_KEYS",
    "bimatrix_structure",
    "describe",
    "structure",
    "subgame_perfect",
    "subgame_perfect_outcomes",
    "tree_security",
    "tree_structure",
]

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


# --- any catalog game ----------------------------------------------------------------------


#: Keys of a repeated game that belong to the stage game and not to the repeated game.
_STAGE_ONLY = {
    "pure_equilibria": [],
    "mixed_equilibria": [],
    "subgame_perfect": None,
    "dominant_strategies": [None, None],
    "undominated_actions": None,
    "dominance_solvable": None,
    "payoff_dominant": None,
    "risk_dominant": None,
    "social_dilemma": None,
    "security_values": None,
    "pure_security_values": None,
    "maximin_actions": None,
}


def _repeated(spec: GameSpec, a: eq.Array, b: eq.Array) -> dict[str, Any]:
    """The repeated game's keys: its own features, and its stage game's under ``stage``."""
    stage = bimatrix_structure(a, b)
    params = spec.game().get_parameters()
    horizon = spec.params.get("horizon")
    continuation = spec.params.get("continue_probability")
    cap = params.get("max_rounds", params.get("num_repetitions"))
    own = repeated_features(
        a,
        b,
        horizon=None if horizon is None else int(horizon),
        continue_probability=None if continuation is None else float(continuation),
        max_rounds=None if cap is None else int(cap),
    )
    # A random number of rounds turns a constant per-round sum c into c times that number.
    constant = stage["constant_sum"] and (continuation is None or stage["zero_sum"])
    return {
        **stage,
        **copy.deepcopy(_STAGE_ONLY),
        "equilibrium_concept": "subgame_perfect",
        "constant_sum": constant,
        "general_sum": not constant,
        **own,
        "stage_game": spec.params["stage"],
        "stage": stage,
    }


def _compute(spec: GameSpec) -> dict[str, Any]:
    game = spec.game()
    game_type = game.get_type()
    if spec.kind == "tree":
        out = tree_structure(tree_of(game.new_initial_state()))
        out["players"] = int(game.num_players())
        if "sender_types" in spec.params:  # signaling: hidden types, the game its one subgame
            from stratlens.games._gh_signaling import pure_equilibria

            out["perfect_information"], out["types"] = False, len(spec.params["sender_types"])
            out["subgame_perfect"] = [
                {"path": [], "payoffs": [round(v, 9) for v in mean]}
                for _, _, mean in pure_equilibria(game)
            ]
        return out
    if spec.kind == "guess":
        merged = {**guess_structure(guess_view(spec)), **dict.fromkeys(REPEATED_KEYS)}
        return {k: merged[k] for k in STRUCTURE_KEYS}
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
    features = (
        _repeated(spec, *pair)
        if repeated
        else {**bimatrix_structure(*pair), **dict.fromkeys(REPEATED_KEYS)}
    )
    head = {
        "players": int(game.num_players()),
        "simultaneous": simultaneous,
        "repeated": repeated,
        "horizon": spec.params.get("horizon") if repeated else 1,
        "continue_probability": spec.params.get("continue_probability") if repeated else None,
        "perfect_information": perfect,
        "chance": game_type.chance_mode != pyspiel.GameType.ChanceMode.DETERMINISTIC,
        "types": len(payoff_types(spec)),
        "table": "stage" if repeated else _TABLE[spec.kind],
    }
    merged = {**head, **features}
    return {k: merged[k] for k in STRUCTURE_KEYS}


def structure(spec: GameSpec) -> dict[str, Any]:
    """The structure features of ``spec`` (keys: `STRUCTURE_KEYS`), computed once per game.

    Kept in memory per game id, and between processes in a file keyed by the game's definition
    and the code version (`stratlens.games._structure_file`). The record is JSON-ready, and
    the same whether computed or read back. Returns a fresh copy; the cached record is never
    handed out.
    """
    cached = _CACHE.get(spec.id)
    if cached is None:
        cached = _structure_file.lookup(spec)
        if cached is None:
            cached = json.loads(json.dumps(_compute(spec)))
            _structure_file.store(spec, cached)
        _CACHE[spec.id] = cached
    return copy.deepcopy(cached)


def _tables(a: np.ndarray, b: np.ndarray) -> list[list[list[float]]]:
    return [np.asarray(a, dtype=float).tolist(), np.asarray(b, dtype=float).tolist()]


def describe(spec: GameSpec) -> dict[str, Any]:
    """Everything about one game, JSON-ready (what ``stratlens games show ID --json`` prints).

    ``payoffs`` is ``[A, B]`` with rows = player 1's actions (the prior-expected tables for a
    Bayesian game, the true tables for the signaling game, the stage game's for a repeated
    game, null for a sequential game and the p-beauty contest, whose ``payoff_rule`` is
    given instead, with ``level_k_guesses`` (the mean guess of levels 0-6) and
    ``not_computed``).
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
    if spec.kind == "guess":
        v = guess_view(spec)
        out["payoff_rule"] = spec.payoff_rule
        out["level_k_guesses"] = [round(m, 6) for m in level_means(v.players, v.p, v.max_guess, 6)]
        out["not_computed"] = list(NOT_COMPUTED)
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
