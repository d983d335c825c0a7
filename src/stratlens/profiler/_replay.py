"""Rebuild each stored decision's `DecisionView` from the store's decision rows.

One-shot games (matrix, Bayesian, signaling) need no history: the view is
`matrix_view(spec, player)`. Tree and repeated games are replayed: the episode's decisions
(subject and opponent, from ``load_decisions(..., include_opponents=True)``) are applied to a
fresh OpenSpiel state in step order, and each decision's view is `decision_view` of the state
it was taken in.

Chance outcomes are not stored. Where a replay meets a chance node, the outcome labelled
``continue`` is applied if there is one (the random-stop repeated game: every round the
episode went on to was preceded by 'continue'; the replay stops after the last stored step),
and otherwise the first outcome. The latter is only correct for games whose views do not depend
on the draw: the Bayesian games, whose chance node is at the root, are one-shot and never
replayed, and no catalog tree has chance nodes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyspiel

from stratlens.games import DecisionView, decision_view, get_game, is_simultaneous, matrix_view

if TYPE_CHECKING:
    import pandas as pd

ONE_SHOT_KINDS = ("matrix", "bayesian", "signaling")


def _chance_action(state: Any) -> int:
    outcomes = state.chance_outcomes()
    for action, _ in outcomes:
        if state.action_to_string(pyspiel.PlayerId.CHANCE, action) == "continue":
            return int(action)
    return int(outcomes[0][0])


def replay_episode(
    game_id: str, moves: dict[int, dict[int, int]]
) -> dict[tuple[int, int], DecisionView]:
    """The view of every decision of one episode, keyed by (step, player).

    ``moves[step][player]`` is the action taken. The replay stops at the first step with a
    missing move (an episode that ended on an unusable answer); that step's views are kept.
    """
    spec = get_game(game_id)
    state = spec.game().new_initial_state()
    simultaneous = is_simultaneous(spec)
    views: dict[tuple[int, int], DecisionView] = {}
    step = 0
    while not state.is_terminal():
        if state.is_chance_node():
            state.apply_action(_chance_action(state))
            continue
        players = [0, 1] if simultaneous else [int(state.current_player())]
        for p in players:
            views[(step, p)] = decision_view(spec, state, p)
        taken = moves.get(step, {})
        if any(p not in taken for p in players):
            break
        if simultaneous:
            state.apply_actions([taken[p] for p in players])
        else:
            state.apply_action(taken[players[0]])
        step += 1
    return views


def _moves(source: pd.DataFrame) -> dict[Any, dict[int, dict[int, int]]]:
    """``moves[episode][step][player]``: every action taken, from the history rows."""
    out: dict[Any, dict[int, dict[int, int]]] = {}
    columns = (source[c].tolist() for c in ("episode_id", "step", "player", "action"))
    for episode, step, player, action in zip(*columns, strict=True):
        if action is None or _is_missing(action):
            continue
        out.setdefault(episode, {}).setdefault(int(step), {})[int(player)] = int(action)
    return out


def decision_views(
    decisions: pd.DataFrame, history: pd.DataFrame | None = None
) -> list[DecisionView]:
    """One view per row of ``decisions`` (in row order).

    ``history`` holds every decision of the episodes (subject and opponent); by default the
    rows of ``decisions`` themselves, which then must include the opponents' rows for tree and
    repeated games. A decision whose history is incomplete raises `ValueError`.
    """
    source = decisions if history is None else history
    one_shot: dict[tuple[str, int], DecisionView] = {}
    episodes: dict[Any, dict[tuple[int, int], DecisionView]] = {}
    moves: dict[Any, dict[int, dict[int, int]]] | None = None
    out: list[DecisionView] = []
    columns = (decisions[c].tolist() for c in ("game_id", "player", "episode_id", "step"))
    for game_id, player, episode, step in zip(*columns, strict=True):
        spec = get_game(str(game_id))
        if spec.kind in ONE_SHOT_KINDS:
            key = (spec.id, int(player))
            if key not in one_shot:
                one_shot[key] = matrix_view(spec, int(player))
            out.append(one_shot[key])
            continue
        if episode not in episodes:
            if moves is None:
                moves = _moves(source)
            episodes[episode] = replay_episode(spec.id, moves.get(episode, {}))
        view = episodes[episode].get((int(step), int(player)))
        if view is None:
            raise ValueError(
                f"cannot rebuild the view of episode {episode} step {step} ({spec.id}): "
                "earlier decisions are missing; pass load_decisions(..., "
                "include_opponents=True)"
            )
        out.append(view)
    return out


def _is_missing(value: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
