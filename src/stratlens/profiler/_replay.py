"""Rebuild each stored decision's `DecisionView` from the store's decision rows.

One-shot games (matrix, Bayesian, signaling) need no history: the view is
`matrix_view(spec, player)`. Tree and repeated games are replayed: the episode's decisions
(subject and opponent, from ``load_decisions(..., include_opponents=True)``) are applied to a
fresh OpenSpiel state in step order, and each decision's view is `decision_view` of the state
it was taken in.

Chance outcomes are not stored: they are drawn again from the episode's seed (the ``seed``
column), exactly as the runner drew them (`stratlens.games.replay`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from stratlens.games import DecisionView, get_game, matrix_view, replay

if TYPE_CHECKING:
    import pandas as pd

ONE_SHOT_KINDS = ("matrix", "bayesian", "signaling")


def replay_episode(
    game_id: str, seed: int, moves: Mapping[tuple[int, int], int]
) -> dict[tuple[int, int], DecisionView]:
    """The view of every decision of one episode, keyed by (step, player)."""
    return replay(get_game(game_id), seed, moves)


def _moves(source: pd.DataFrame) -> dict[Any, dict[tuple[int, int], int]]:
    """``moves[episode][(step, player)]``: every action taken, from the history rows."""
    out: dict[Any, dict[tuple[int, int], int]] = {}
    columns = (source[c].tolist() for c in ("episode_id", "step", "player", "action"))
    for episode, step, player, action in zip(*columns, strict=True):
        if action is None or _is_missing(action):
            continue
        out.setdefault(episode, {})[(int(step), int(player))] = int(action)
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
    moves: dict[Any, dict[tuple[int, int], int]] | None = None
    out: list[DecisionView] = []
    names = ("game_id", "player", "episode_id", "step", "seed")
    columns = (decisions[c].tolist() for c in names)
    for game_id, player, episode, step, seed in zip(*columns, strict=True):
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
            episodes[episode] = replay(spec, int(seed), moves.get(episode, {}))
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
