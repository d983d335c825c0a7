"""A repeated matrix game that stops at random, as an OpenSpiel Python game.

``python_stratlens_random_stop_repeated(stage_game=matrix_pd,continue_probability=0.9,
max_rounds=30)``: the two players play the stage game (an OpenSpiel matrix game, read with
``row_utilities()`` / ``col_utilities()``) in rounds, both choosing at the same time. After each
round a chance node continues to another round with probability ``continue_probability`` and
stops the game otherwise; the game stops for sure after ``max_rounds`` rounds. Each round pays
its stage payoffs as rewards; the returns are their sum. Modelled on OpenSpiel's
``python_iterated_prisoners_dilemma``.

`full_history()` holds, per round, player 1's action, then player 2's, then the chance outcome
(none after the last round), so `stratlens.games.joint_history` reads the rounds back as pairs.
Action labels are neutral: ``row i`` (player 1), ``column j`` (player 2), and ``continue`` /
``stop`` for chance.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyspiel

from stratlens.games._pygame import python_game_type
from stratlens.games._sequential import StringObserver

CONTINUE, STOP = 0, 1

Table = tuple[tuple[float, ...], ...]

_PARAMS: dict[str, Any] = {
    "stage_game": "matrix_pd",
    "continue_probability": 0.9,
    "max_rounds": 30,
}

GAME_NAME = "python_stratlens_random_stop_repeated"

_GAME_TYPE = python_game_type(
    GAME_NAME,
    "Repeated matrix game with a random stop",
    simultaneous=True,
    chance=True,
    # Within a round neither player sees the other's choice before making its own.
    perfect_information=False,
    terminal_rewards=False,
    params=_PARAMS,
)


def _stage_tables(name: str) -> tuple[Table, Table]:
    stage = pyspiel.load_game(name)
    if not hasattr(stage, "row_utilities") or stage.num_players() != 2:
        raise ValueError(f"stage_game must be a two-player matrix game, got {name!r}")
    rows = np.asarray(stage.row_utilities(), dtype=float)
    cols = np.asarray(stage.col_utilities(), dtype=float)
    return (
        tuple(tuple(float(v) for v in r) for r in rows),
        tuple(tuple(float(v) for v in r) for r in cols),
    )


class RandomStopRepeatedGame(pyspiel.Game):  # type: ignore[misc]
    def __init__(self, params: dict[str, Any] | None = None) -> None:
        params = {**_PARAMS, **(params or {})}
        rows, cols = _stage_tables(str(params["stage_game"]))
        p = float(params["continue_probability"])
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"continue_probability must lie in [0, 1], got {p}")
        n = params["max_rounds"]
        if isinstance(n, bool) or int(n) != n or int(n) < 1:
            raise ValueError(f"max_rounds must be a whole number >= 1, got {n!r}")
        n = int(n)
        values = [v for table in (rows, cols) for r in table for v in r]
        low, high = min(values), max(values)
        super().__init__(
            _GAME_TYPE,
            pyspiel.GameInfo(
                num_distinct_actions=max(len(rows), len(rows[0])),
                max_chance_outcomes=2,
                num_players=2,
                min_utility=min(low, low * n),
                max_utility=max(high, high * n),
                utility_sum=None,
                max_game_length=n,
            ),
            params,
        )
        self.rules = (rows, cols, p, n)

    def new_initial_state(self) -> RandomStopRepeatedState:
        return RandomStopRepeatedState(self, self.rules)

    def make_py_observer(self, iig_obs_type: Any = None, params: Any = None) -> Any:
        perfect_recall = bool(iig_obs_type is not None and iig_obs_type.perfect_recall)
        return StringObserver(perfect_recall)


class RandomStopRepeatedState(pyspiel.State):  # type: ignore[misc]
    def __init__(self, game: Any, rules: tuple[Table, Table, float, int]) -> None:
        super().__init__(game)
        # Plain data only: `clone()` deep-copies the state.
        self._row, self._col, self._p, self._max_rounds = rules
        self._rounds: tuple[tuple[int, int], ...] = ()
        self._at_chance = False
        self._over = False
        # Rewards of the last round; a chance move leaves them as they are, so that summing
        # the rewards seen at each decision node and at the end gives the returns.
        self._rewards = (0.0, 0.0)
        self._returns = (0.0, 0.0)

    def current_player(self) -> int:
        if self._over:
            return int(pyspiel.PlayerId.TERMINAL)
        if self._at_chance:
            return int(pyspiel.PlayerId.CHANCE)
        return int(pyspiel.PlayerId.SIMULTANEOUS)

    def _legal_actions(self, player: int) -> list[int]:
        if self._over or self._at_chance or player not in (0, 1):
            return []
        return list(range(len(self._row) if player == 0 else len(self._row[0])))

    def chance_outcomes(self) -> list[tuple[int, float]]:
        outcomes = [(CONTINUE, self._p), (STOP, 1.0 - self._p)]
        return [(a, p) for a, p in outcomes if p > 0.0]

    def _apply_action(self, action: int) -> None:
        # Only chance moves come here; a round is applied by `_apply_actions`.
        self._at_chance = False
        self._over = action == STOP

    def _apply_actions(self, actions: list[int]) -> None:
        a, b = int(actions[0]), int(actions[1])
        self._rounds = (*self._rounds, (a, b))
        self._rewards = (self._row[a][b], self._col[a][b])
        self._returns = (self._returns[0] + self._rewards[0], self._returns[1] + self._rewards[1])
        if len(self._rounds) >= self._max_rounds:
            self._over = True
        else:
            self._at_chance = True

    def _action_to_string(self, player: int, action: int) -> str:
        if player == pyspiel.PlayerId.CHANCE:
            return "continue" if action == CONTINUE else "stop"
        return f"row {action}" if player == 0 else f"column {action}"

    def is_terminal(self) -> bool:
        return self._over

    def rewards(self) -> list[float]:
        return list(self._rewards)

    def returns(self) -> list[float]:
        return list(self._returns)

    def _round_text(self, a: int, b: int) -> str:
        return f"row {a} / column {b}"

    def information_state_string(self, player: int) -> str:
        past = "; ".join(self._round_text(a, b) for a, b in self._rounds) or "none"
        return f"P{player + 1} rounds played: {past}"

    def observation_string(self, player: int) -> str:
        last = self._round_text(*self._rounds[-1]) if self._rounds else "none"
        return f"P{player + 1} rounds played: {len(self._rounds)}; last: {last}"

    def __str__(self) -> str:
        stop = " stopped" if self._over else ""
        return f"rounds: {list(self._rounds)}{stop}"


pyspiel.register_game(_GAME_TYPE, RandomStopRepeatedGame)
