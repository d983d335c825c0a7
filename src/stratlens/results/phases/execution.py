"""Execution correctness of each decision: format, legality, and the stated payoff's arithmetic.

Per decision of the evaluated model (``parse_status`` ``error`` left out: an outage is not an
answer):

- ``format_valid``: the answer follows the output grammar (a ``Final answer:`` line naming an
  option of the right form): ``parse_status`` is ``ok`` or ``illegal``;
- ``legal``: it names a legal action (``ok``); ``legal`` among the format-valid ones is the
  conditional rate;
- under the ``payoff`` protocol, ``claimed``: the answer has an ``Expected payoff: <number>``
  line, and ``payoff_correct``: for a legal action, the stated number is within
  ``tolerance(game)`` of the **reference**, the mean points the chosen action gives when every
  other choice (the other player's, and every later one of either player) is uniform over its
  options and chance follows its probabilities. One-shot games use the table the player is
  shown (the prior's expectation in a Bayesian game); a repeated game uses the round's table;
  a sequential game the subtree after the action, reached by replaying the episode.

The tolerance is ``max(0.05, 0.01 × (max − min of the player's payoffs))``: rounding to two
significant digits passes, a wrong sum does not.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from stratlens.contracts import final_output
from stratlens.games import get_game, matrix_view, replay
from stratlens.games.views import CHANCE, TERMINAL, MatrixView, TreeNode, TreeView

_STATED = re.compile(
    r"expected payoff\s*[:=]\s*\**\s*(-?\d+(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)?)", re.IGNORECASE
)


def stated_payoff(text: str | None) -> float | None:
    """The number on the last ``Expected payoff:`` line (a fraction ``a/b`` is evaluated)."""
    if not text:
        return None
    found = _STATED.findall(text)
    if not found:
        return None
    raw = found[-1].replace(" ", "")
    if "/" in raw:
        a, b = raw.split("/")
        return float(a) / float(b) if float(b) != 0 else None
    return float(raw)


def uniform_value(node: TreeNode, player: int) -> float:
    """``player``'s expected payoff below ``node`` when every choice is uniform."""
    if node.player == TERMINAL:
        assert node.payoffs is not None
        return float(node.payoffs[player])
    values = [uniform_value(child, player) for _, _, _, child in node.children]
    if node.player == CHANCE:
        return float(
            sum((p or 0.0) * v for (_, _, p, _), v in zip(node.children, values, strict=True))
        )
    return float(np.mean(values))


def _leaves(node: TreeNode, player: int) -> list[float]:
    if node.player == TERMINAL:
        assert node.payoffs is not None
        return [float(node.payoffs[player])]
    return [x for _, _, _, c in node.children for x in _leaves(c, player)]


def reference_payoff(view: MatrixView | TreeView, action: int) -> tuple[float, float]:
    """(The uniform-continuation payoff of ``action``, the range of the player's payoffs)."""
    if isinstance(view, MatrixView):
        own = np.asarray(view.own, dtype=float)
        row = view.own_actions.index(action)
        return float(own[row].mean()), float(own.max() - own.min())
    for a, _, _, child in view.root.children:
        if a == action:
            leaves = _leaves(view.root, view.player)
            return uniform_value(child, view.player), max(leaves) - min(leaves)
    raise ValueError(f"action {action} is not available at this node")


def tolerance(payoff_range: float) -> float:
    return max(0.05, 0.01 * payoff_range)


def _replay_views(
    game_id: str, seed: int, moves: Mapping[tuple[int, int], int]
) -> dict[tuple[int, int], TreeView | MatrixView]:
    """Each decision's view in a sequential game or a private-value auction (whose view is
    the bidder's drawn value's), replaying the episode as the runner played
    it (`stratlens.games.replay`)."""
    views = replay(get_game(game_id), seed, moves)
    return {key: v for key, v in views.items() if isinstance(v, TreeView | MatrixView)}


def _tuples(frame: pd.DataFrame) -> list[Any]:
    return list(frame.itertuples())


def _views_for(decisions: pd.DataFrame, episodes: pd.DataFrame) -> dict[Any, Any]:
    """(episode_id, step, player) → the view, for the subject decisions that need one."""
    views: dict[Any, Any] = {}
    seeds = dict(zip(episodes.episode_id, episodes.seed, strict=True))
    for (episode_id, game_id), rows in decisions.groupby(["episode_id", "game_id"], sort=False):
        spec = get_game(str(game_id))
        if spec.kind == "tree" or "private_values" in spec.params:  # views depend on the state
            moves = {
                (int(r.step), int(r.player)): int(r.action)
                for r in _tuples(rows)
                if not pd.isna(r.action)
            }
            for (step, player), view in _replay_views(
                spec.id, int(seeds[episode_id]), moves
            ).items():
                views[(episode_id, step, player)] = view
        else:
            stage = get_game(spec.params["stage"]) if spec.kind == "repeated" else spec
            for r in _tuples(rows):
                views[(episode_id, int(r.step), int(r.player))] = matrix_view(stage, int(r.player))
    return views


def execution_table(decisions: pd.DataFrame, episodes: pd.DataFrame) -> pd.DataFrame:
    """One row per subject decision (``error`` ones left out) with the execution columns.

    ``decisions`` are `load_decisions(..., include_opponents=True)` rows (opponents are needed to
    replay sequential games), ``episodes`` the `load_episodes` rows of the same runs.
    """
    columns = [
        "run_id", "game_id", "episode_id", "step", "player", "format_valid", "legal",
        "claimed", "stated", "reference", "payoff_correct",
    ]  # fmt: skip
    if decisions.empty:
        return pd.DataFrame(columns=columns)
    needs_view = decisions[decisions.protocol == "payoff"]
    views = _views_for(needs_view, episodes) if not needs_view.empty else {}
    rows = []
    subject = decisions[(decisions.agent == "subject") & (decisions.parse_status != "error")]
    for r in _tuples(subject):
        legal = r.parse_status == "ok"
        answer = final_output(str(r.raw_output), int(r.attempts))
        stated = stated_payoff(answer) if r.protocol == "payoff" else None
        ref, correct = math.nan, None
        view = views.get((r.episode_id, int(r.step), int(r.player)))
        if legal and stated is not None and view is not None:
            ref, rng = reference_payoff(view, int(r.action))
            correct = abs(stated - ref) <= tolerance(rng)
        rows.append(
            {
                "run_id": r.run_id,
                "game_id": r.game_id,
                "episode_id": r.episode_id,
                "step": int(r.step),
                "player": int(r.player),
                "format_valid": r.parse_status in ("ok", "illegal"),
                "legal": legal,
                "claimed": stated is not None,
                "stated": math.nan if stated is None else stated,
                "reference": ref,
                "payoff_correct": correct,
            }
        )
    return pd.DataFrame(rows, columns=columns)
