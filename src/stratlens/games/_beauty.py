"""The p-beauty contest (Nagel 1995) as an OpenSpiel Python game with N players.

``python_stratlens_beauty_contest(players=3, p_num=2, p_den=3, max_guess=100, prize=100)``:
every player guesses a whole number from 0 to ``max_guess`` at the same time; the guesses
nearest ``p_num / p_den`` times the average guess share ``prize`` equally (the others get 0),
so the game is constant-sum. Played once, no chance. Each player observes nothing before
guessing and every guess afterwards. The rule itself is `stratlens.games._guessing.shares`.
"""

from __future__ import annotations

from typing import Any

import pyspiel

from stratlens.games._guessing import shares
from stratlens.games._pygame import python_game_type
from stratlens.games._sequential import StringObserver

MIN_PLAYERS, MAX_PLAYERS = 2, 10
DEFAULTS: dict[str, Any] = {"players": 3, "p_num": 2, "p_den": 3, "max_guess": 100, "prize": 100}

_TYPE = python_game_type(
    "python_stratlens_beauty_contest",
    "p-beauty contest",
    simultaneous=True,
    chance=False,
    perfect_information=False,
    terminal_rewards=True,
    params=DEFAULTS,
    players=(MIN_PLAYERS, MAX_PLAYERS),
    constant_sum=True,
)


class BeautyContestGame(pyspiel.Game):  # type: ignore[misc]
    def __init__(self, params: dict[str, Any] | None = None) -> None:
        params = {**DEFAULTS, **(params or {})}
        n, p_num, p_den = int(params["players"]), int(params["p_num"]), int(params["p_den"])
        top, prize = int(params["max_guess"]), int(params["prize"])
        if not MIN_PLAYERS <= n <= MAX_PLAYERS:
            raise ValueError(f"players must be {MIN_PLAYERS}..{MAX_PLAYERS}, got {n}")
        if p_num < 0 or p_den < 1:
            raise ValueError(f"p = {p_num}/{p_den} must be a non-negative fraction")
        if top < 1 or prize < 1:
            raise ValueError(f"max_guess and prize must be positive, got {top} and {prize}")
        super().__init__(
            _TYPE,
            pyspiel.GameInfo(
                num_distinct_actions=top + 1,
                max_chance_outcomes=0,
                num_players=n,
                min_utility=0.0,
                max_utility=float(prize),
                utility_sum=float(prize),
                max_game_length=1,
            ),
            params,
        )
        self.players, self.p_num, self.p_den = n, p_num, p_den
        self.max_guess, self.prize = top, prize

    def new_initial_state(self) -> BeautyContestState:
        return BeautyContestState(self)

    def make_py_observer(self, iig_obs_type: Any = None, params: Any = None) -> Any:
        return StringObserver(perfect_recall=False)  # observation strings only


class BeautyContestState(pyspiel.State):  # type: ignore[misc]
    def __init__(self, game: BeautyContestGame) -> None:
        super().__init__(game)
        # Plain data only: `clone()` deep-copies the state.
        self._n, self._p = game.players, (game.p_num, game.p_den)
        self._top, self._prize = game.max_guess, game.prize
        self._guesses: list[int] | None = None

    def current_player(self) -> int:
        if self._guesses is not None:
            return int(pyspiel.PlayerId.TERMINAL)
        return int(pyspiel.PlayerId.SIMULTANEOUS)

    def _legal_actions(self, player: int) -> list[int]:
        return [] if self._guesses is not None else list(range(self._top + 1))

    def _apply_actions(self, actions: list[int]) -> None:
        self._guesses = [int(a) for a in actions]

    def _action_to_string(self, player: int, action: int) -> str:
        return f"guess {action}"

    def is_terminal(self) -> bool:
        return self._guesses is not None

    def returns(self) -> list[float]:
        if self._guesses is None:
            return [0.0] * self._n
        return shares(self._guesses, self._p[0], self._p[1], float(self._prize))

    def information_state_string(self, player: int) -> str:
        return self.observation_string(player)

    def observation_string(self, player: int) -> str:
        p = f"p={self._p[0]}/{self._p[1]}"
        if self._guesses is None:
            return f"p{player} {p} guesses=?"
        return f"p{player} {p} guesses={self._guesses}"

    def __str__(self) -> str:
        return f"guesses={self._guesses}"


pyspiel.register_game(_TYPE, BeautyContestGame)
