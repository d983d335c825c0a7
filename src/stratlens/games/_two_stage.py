"""A two-stage game with an outside option, as an OpenSpiel Python game.

``python_stratlens_two_stage(s1=…,s2=…,p1=…,p2=…,n1=…,n2=…)``: player 1 chooses S, which
ends the game with payoffs (s1, s2), or R, which passes the move to player 2; player 2 then
chooses P, giving (p1, p2), or N, giving (n1, n2). Both see every move. These are the two
sequential games of Goeree & Holt (2001, Figures 3 and 4), labelled with the paper's letters
in the paper's order (S before R, P before N). Payoffs are whole numbers (cents in the paper).
"""

from __future__ import annotations

from typing import Any

import pyspiel

from stratlens.games._sequential import Payoffs, TurnGame, TurnState, _game_info, _game_type

FIRST_LABELS = ("S", "R")
SECOND_LABELS = ("P", "N")
S, R = 0, 1
P, N = 0, 1
_KEYS = ("s1", "s2", "p1", "p2", "n1", "n2")


class TwoStageState(TurnState):
    def _choices(self) -> list[int]:
        return [S, R] if not self._moves else [P, N]

    def _payoffs(self) -> Payoffs | None:
        s1, s2, p1, p2, n1, n2 = self._rules
        if self._moves == (S,):
            return float(s1), float(s2)
        if len(self._moves) == 2:
            return (float(p1), float(p2)) if self._moves[1] == P else (float(n1), float(n2))
        return None

    def _label(self, player: int, action: int) -> str:
        labels = FIRST_LABELS if player == 0 else SECOND_LABELS
        return labels[action] if 0 <= action < len(labels) else f"action {action}"


_PARAMS: dict[str, Any] = {"s1": 80, "s2": 50, "p1": 20, "p2": 10, "n1": 90, "n2": 70}
_TYPE = _game_type("python_stratlens_two_stage", "Two-stage game with an outside option", _PARAMS)


class TwoStageGame(TurnGame):
    state_class = TwoStageState

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        params = {**_PARAMS, **(params or {})}
        values = []
        for key in _KEYS:
            v = params[key]
            if isinstance(v, bool) or int(v) != v:
                raise ValueError(f"{key} must be a whole number, got {v!r}")
            values.append(int(v))
        info = _game_info(2, min(values), max(values), 2)
        super().__init__(_TYPE, info, params, tuple(values))


pyspiel.register_game(_TYPE, TwoStageGame)
