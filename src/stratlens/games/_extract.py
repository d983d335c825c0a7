"""Numbers read off a `pyspiel.Game` or `pyspiel.State`: payoff tables, trees and views."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyspiel

from stratlens.games._spec import GameSpec, get_game
from stratlens.games.views import (
    CHANCE,
    TERMINAL,
    DecisionView,
    GuessView,
    MatrixView,
    PayoffType,
    RepeatedView,
    Table,
    TreeNode,
    TreeView,
)


def _table(arr: np.ndarray) -> Table:
    return tuple(tuple(float(v) for v in row) for row in arr)


def bimatrix(spec: GameSpec) -> tuple[np.ndarray, np.ndarray] | None:
    """Player 1's and player 2's payoff tables (rows = player 1's actions) of a one-shot game.

    For a Bayesian game these are the expectations under the prior; for the signaling game the
    true tables. A repeated game gives its stage game's tables; a sequential game gives None
    (its structure is read from the tree).
    """
    game = spec.game()
    if spec.kind == "matrix":
        return (
            np.asarray(game.row_utilities(), dtype=float),
            np.asarray(game.col_utilities(), dtype=float),
        )
    if spec.kind in ("bayesian", "signaling"):
        types = game.payoff_types()
        a = sum(p * t1 for p, t1, _ in types)
        b = sum(p * t2 for p, _, t2 in types)
        return np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if spec.kind == "repeated":
        return bimatrix(get_game(spec.params["stage"]))
    return None


def payoff_types(spec: GameSpec) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """Each payoff type with its prior probability (one type for a plain matrix game)."""
    if spec.kind in ("bayesian", "signaling"):
        return list(spec.game().payoff_types())
    pair = bimatrix(spec)
    if pair is None:
        raise ValueError(f"game {spec.id} is sequential: it has no payoff table")
    return [(1.0, pair[0], pair[1])]


def shown_tables(spec: GameSpec, player: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The tables ``player`` is shown in place of the true ones (signaling receiver), or None."""
    if spec.kind != "signaling":
        return None
    shown: tuple[np.ndarray, np.ndarray] | None = spec.game().shown_tables(player)
    return shown


def _oriented(a: np.ndarray, b: np.ndarray, player: int) -> tuple[np.ndarray, np.ndarray]:
    """(own, other) tables with rows = ``player``'s actions."""
    return (a, b) if player == 0 else (b.T, a.T)


_MATRIX_VIEWS: dict[tuple[str, int], tuple[GameSpec, MatrixView]] = {}
_TREES: dict[tuple[str, tuple[int, ...], int], tuple[GameSpec, TreeView]] = {}
_CACHE_MAX = 65536


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    cache[key] = value


def matrix_view(spec: GameSpec, player: int) -> MatrixView:
    """The one-shot decision of ``player`` as it sees it (computed once per game and player:
    a view is immutable)."""
    found = _MATRIX_VIEWS.get((spec.id, player))
    if found is not None and found[0] is spec:
        return found[1]
    view = _matrix_view(spec, player)
    _remember(_MATRIX_VIEWS, (spec.id, player), (spec, view))
    return view


def _matrix_view(spec: GameSpec, player: int) -> MatrixView:
    shown = shown_tables(spec, player)
    types = payoff_types(spec)
    if shown is not None:  # the receiver believes the shown table is what counts for both
        types = [(1.0, shown[0], shown[1])]
    own = np.sum([p * _oriented(a, b, player)[0] for p, a, b in types], axis=0)
    # The other player acts on what *it* is shown: in the signaling game the sender knows the
    # receiver sees the shown table.
    other_shown = shown_tables(spec, 1 - player)
    if other_shown is not None:
        other = _oriented(other_shown[0], other_shown[1], player)[1]
    else:
        other = np.sum([p * _oriented(a, b, player)[1] for p, a, b in types], axis=0)
    own_arr, other_arr = np.asarray(own, dtype=float), np.asarray(other, dtype=float)
    n_own, n_other = own_arr.shape
    return MatrixView(
        own=_table(own_arr),
        other=_table(other_arr),
        own_actions=tuple(range(n_own)),
        other_actions=tuple(range(n_other)),
        types=tuple(
            PayoffType(p, _table(_oriented(a, b, player)[0]), _table(_oriented(a, b, player)[1]))
            for p, a, b in types
        )
        if len(types) > 1
        else (),
    )


_VALUE_VIEWS: dict[tuple[str, int, int], tuple[GameSpec, MatrixView]] = {}


def value_view(spec: GameSpec, value: int | None, player: int) -> MatrixView:
    """A private-value auction's decision as a bidder with ``value`` sees it: its own payoff
    (expected over the coin flip) per own bid and other bid, which the other's value does not
    change, and the other's payoff at each of its equally likely values as the types."""
    if value is None:
        raise ValueError(f"game {spec.id}: the bidder's value has not been drawn yet")
    found = _VALUE_VIEWS.get((spec.id, player, value))
    if found is not None and found[0] is spec:
        return found[1]
    values = [int(v) for v in spec.params["private_values"]]
    if value not in values:
        raise ValueError(f"game {spec.id}: value {value} is not one of {values}")
    # Rows of a payoff type are player 1's bids; the type's tables do not depend on the value
    # the row does not hold, so any type with this player's value gives its own table.
    types = spec.game().payoff_types()
    me = values.index(value)
    mine = [
        t
        for k, t in enumerate(types)
        if (k // len(values) if player == 0 else k % len(values)) == me
    ]
    per_other = [_oriented(a, b, player) for _, a, b in mine]
    own = per_other[0][0]
    other = np.mean([o for _, o in per_other], axis=0)
    n = own.shape[0]
    view = MatrixView(
        own=_table(own),
        other=_table(other),
        own_actions=tuple(range(n)),
        other_actions=tuple(range(other.shape[1])),
        types=tuple(PayoffType(1.0 / len(values), _table(own), _table(o)) for _, o in per_other),
    )
    _remember(_VALUE_VIEWS, (spec.id, player, value), (spec, view))
    return view


def tree_of(state: Any) -> TreeNode:
    """The whole game tree below ``state`` (sequential games of perfect information only)."""
    if state.is_terminal():
        r = state.returns()
        return TreeNode(TERMINAL, payoffs=(float(r[0]), float(r[1])))
    if state.is_chance_node():
        children = []
        for action, prob in state.chance_outcomes():
            child = state.child(action)
            children.append(
                (int(action), state.action_to_string(CHANCE, action), float(prob), tree_of(child))
            )
        return TreeNode(CHANCE, tuple(children))
    player = state.current_player()
    if player < 0:
        raise ValueError("tree_of needs a turn-based game")
    return TreeNode(
        player,
        tuple(
            (int(a), state.action_to_string(player, a), None, tree_of(state.child(a)))
            for a in state.legal_actions(player)
        ),
    )


def joint_history(state: Any) -> list[tuple[int, int]]:
    """Past rounds of a repeated simultaneous game as (player 1's, player 2's) action pairs."""
    moves = [(h.player, h.action) for h in state.full_history() if h.player >= 0]
    return [(moves[i][1], moves[i + 1][1]) for i in range(0, len(moves) - 1, 2)]


def _stage_payoffs(spec: GameSpec) -> tuple[list[list[float]], list[list[float]]]:
    """A repeated game's stage tables as lists of floats (once per game)."""
    found = _STAGE_PAYOFFS.get(spec.id)
    if found is None or found[0] is not spec:
        a, b = bimatrix(spec) or (np.zeros((1, 1)), np.zeros((1, 1)))
        found = (spec, (a.astype(float).tolist(), b.astype(float).tolist()))
        _STAGE_PAYOFFS[spec.id] = found
    return found[1]


_STAGE_PAYOFFS: dict[str, tuple[GameSpec, tuple[list[list[float]], list[list[float]]]]] = {}


def decision_view(spec: GameSpec, state: Any, player: int) -> DecisionView:
    """The structured view of ``player``'s decision at ``state``."""
    if "private_values" in spec.params:
        return value_view(spec, state.value(player), player)
    if "sender_types" in spec.params:  # the signaling game: what the player knows, no more
        return _signal_view(spec, state, player)
    if spec.kind in ("matrix", "bayesian", "signaling"):
        return matrix_view(spec, player)
    if spec.kind == "tree":  # one view object per state and player (agents cache by it)
        key = (spec.id, tuple(state.history()), player)
        found = _TREES.get(key)
        if found is None or found[0] is not spec:
            found = (spec, TreeView(root=tree_of(state), player=player))
            _remember(_TREES, key, found)
        return found[1]
    if spec.kind == "repeated":
        stage = matrix_view(get_game(spec.params["stage"]), player)
        past = joint_history(state)
        own_hist = tuple((h[player], h[1 - player]) for h in past)
        a, b = _stage_payoffs(spec)
        so_far = [0.0, 0.0]
        for r, c in past:
            so_far[0] += a[r][c]
            so_far[1] += b[r][c]
        mine = (so_far[player], so_far[1 - player])
        return RepeatedView(
            stage=stage,
            history=own_hist,
            round=len(past),
            horizon=spec.params.get("horizon"),
            continue_probability=spec.params.get("continue_probability"),
            payoffs_so_far=mine,
        )
    if spec.kind == "guess":
        return guess_view(spec)
    raise ValueError(f"game {spec.id}: no view for kind {spec.kind}")


def _signal_view(spec: GameSpec, state: Any, player: int) -> TreeView:
    # keyed by the player's information state: the responder's is the same for both types
    key = (spec.id, (state.information_state_string(player),), player)
    found = _SIGNAL_VIEWS.get(key)
    if found is None or found[0] is not spec:
        found = (spec, state.decision_tree(player))
        _remember(_SIGNAL_VIEWS, key, found)
    return found[1]


_SIGNAL_VIEWS: dict[tuple[str, tuple[str], int], tuple[GameSpec, TreeView]] = {}


def guess_view(spec: GameSpec) -> GuessView:
    """The p-beauty contest's decision (the same for every player)."""
    g = spec.game()
    return GuessView(int(g.players), int(g.p_num), int(g.p_den), int(g.max_guess), float(g.prize))


def is_simultaneous(spec: GameSpec) -> bool:
    return bool(spec.game().get_type().dynamics == pyspiel.GameType.Dynamics.SIMULTANEOUS)
