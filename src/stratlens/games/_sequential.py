"""Turn-based two-player games of perfect information, as OpenSpiel Python games.

Four registered games share one implementation. In each, player 1 moves first, the players
alternate, every move is seen by both, and points are paid when the game ends:

- ``python_stratlens_ultimatum(pie=10)``: player 1 offers x in 0..pie to player 2; player 2
  accepts (payoffs pie - x, x) or rejects (0, 0).
- ``python_stratlens_trust(endowment=10,multiplier=3)``: player 1 sends s in 0..endowment;
  player 2 receives multiplier * s and returns r in 0..multiplier * s; payoffs
  (endowment - s + r, multiplier * s - r).
- ``python_stratlens_centipede``: McKelvey & Palfrey (1992), four moves, scaled by 10. At each
  move the mover stops (takes the larger pile; the game ends) or continues (both piles double).
  Stop payoffs (P1, P2) at moves 1..4: (4, 1), (2, 8), (16, 4), (8, 32); all continue: (64, 16).
- ``python_stratlens_sequential_matrix``: Jia et al. 2025, Table 17: player 1 picks a row,
  player 2 sees it and picks a column; both are paid from `SEQUENTIAL_MATRIX`.

Action labels are short and neutral ("offer 3", "accept", "send 4", "return 6", "stop",
"row 1"): prompts show them as they are. A label depends on (player, action id) only, so
`action_labels` can list every id's label without a state. Ids a player can never choose
(player 2's ids above 1 in the ultimatum game) are labelled ``action <id>``.

A state holds plain data only (a tuple of ints for the moves and one for the game's rules):
`clone()` deep-copies the state, and a copied Python game object loses its attributes.
"""

from __future__ import annotations

from typing import Any

import pyspiel

from stratlens.games._pygame import python_game_type

Payoffs = tuple[float, float]

#: Centipede piles: stop payoffs (P1, P2) at moves 1..4, then the payoffs if all continue.
CENTIPEDE_STOP: tuple[Payoffs, ...] = ((4.0, 1.0), (2.0, 8.0), (16.0, 4.0), (8.0, 32.0))
CENTIPEDE_END: Payoffs = (64.0, 16.0)
STOP, CONTINUE = 0, 1
ACCEPT, REJECT = 0, 1

#: Jia et al. 2025, Table 17: (P1, P2) payoffs, rows = player 1's actions.
SEQUENTIAL_MATRIX: tuple[tuple[Payoffs, ...], ...] = (
    ((0.0, 5.0), (0.0, 3.0), (0.0, 0.0)),
    ((5.0, 2.0), (3.0, 3.0), (-1.0, -1.0)),
    ((2.0, 4.0), (4.0, 3.0), (0.0, -2.0)),
)


def _game_type(short_name: str, long_name: str, params: dict[str, Any]) -> Any:
    return python_game_type(
        short_name,
        long_name,
        simultaneous=False,
        chance=False,
        perfect_information=True,
        terminal_rewards=True,
        params=params,
    )


def _game_info(num_actions: int, low: float, high: float, length: int) -> Any:
    return pyspiel.GameInfo(
        num_distinct_actions=num_actions,
        max_chance_outcomes=0,
        num_players=2,
        min_utility=float(low),
        max_utility=float(high),
        utility_sum=None,
        max_game_length=length,
    )


def _whole(params: dict[str, Any], name: str, low: int) -> int:
    value = params[name]
    if isinstance(value, bool) or int(value) != value or int(value) < low:
        raise ValueError(f"{name} must be a whole number >= {low}, got {value!r}")
    return int(value)


class TurnState(pyspiel.State):  # type: ignore[misc]
    """A state of an alternating-move game: the moves so far and the game's rules.

    Subclasses define the game as pure functions of ``self._rules`` and ``self._moves``:
    `_choices` (the mover's legal actions), `_payoffs` (None while the game goes on) and
    `_label`. Player 1 (id 0) makes the first move and the players alternate.
    """

    def __init__(self, game: Any, rules: tuple[int, ...]) -> None:
        super().__init__(game)
        self._rules = rules
        self._moves: tuple[int, ...] = ()

    # --- the game: overridden by each subclass -------------------------------------------
    def _choices(self) -> list[int]:
        raise NotImplementedError

    def _payoffs(self) -> Payoffs | None:
        raise NotImplementedError

    def _label(self, player: int, action: int) -> str:
        raise NotImplementedError

    # --- OpenSpiel API -------------------------------------------------------------------
    def _mover(self) -> int:
        return len(self._moves) % 2

    def current_player(self) -> int:
        if self.is_terminal():
            return int(pyspiel.PlayerId.TERMINAL)
        return self._mover()

    def _legal_actions(self, player: int) -> list[int]:
        if self.is_terminal() or player != self._mover():
            return []
        return self._choices()

    def _apply_action(self, action: int) -> None:
        self._moves = (*self._moves, int(action))

    def _action_to_string(self, player: int, action: int) -> str:
        return self._label(int(player), int(action))

    def is_terminal(self) -> bool:
        return self._payoffs() is not None

    def returns(self) -> list[float]:
        payoffs = self._payoffs()
        return [0.0, 0.0] if payoffs is None else [payoffs[0], payoffs[1]]

    def information_state_string(self, player: int) -> str:
        # Perfect information: every player knows every move, so the history is the state.
        return self._transcript()

    def observation_string(self, player: int) -> str:
        return self._transcript()

    def _transcript(self) -> str:
        if not self._moves:
            return "start"
        return ", ".join(f"P{k % 2 + 1} {self._label(k % 2, a)}" for k, a in enumerate(self._moves))

    def __str__(self) -> str:
        return self._transcript()


class StringObserver:
    """Observer (PyObserver interface): strings only, read from the state."""

    def __init__(self, perfect_recall: bool) -> None:
        self.perfect_recall = perfect_recall
        self.tensor = None
        self.dict: dict[str, Any] = {}

    def set_from(self, state: Any, player: int) -> None:
        pass

    def string_from(self, state: Any, player: int) -> str:
        if self.perfect_recall:
            return str(state.information_state_string(player))
        return str(state.observation_string(player))


class TurnGame(pyspiel.Game):  # type: ignore[misc]
    """A game whose states are `TurnState` subclasses built from plain-int rules."""

    state_class: type[TurnState]

    def __init__(
        self, game_type: Any, info: Any, params: dict[str, Any], rules: tuple[int, ...]
    ) -> None:
        super().__init__(game_type, info, params)
        self.rules = rules

    def new_initial_state(self) -> TurnState:
        return self.state_class(self, self.rules)

    def make_py_observer(self, iig_obs_type: Any = None, params: Any = None) -> Any:
        perfect_recall = bool(iig_obs_type is not None and iig_obs_type.perfect_recall)
        return StringObserver(perfect_recall)


# --- ultimatum ------------------------------------------------------------------------------
class UltimatumState(TurnState):
    def _choices(self) -> list[int]:
        (pie,) = self._rules
        return list(range(pie + 1)) if not self._moves else [ACCEPT, REJECT]

    def _payoffs(self) -> Payoffs | None:
        if len(self._moves) < 2:
            return None
        (pie,) = self._rules
        offer, answer = self._moves
        return (float(pie - offer), float(offer)) if answer == ACCEPT else (0.0, 0.0)

    def _label(self, player: int, action: int) -> str:
        if player == 0:
            return f"offer {action}"
        return {ACCEPT: "accept", REJECT: "reject"}.get(action, f"action {action}")


_ULTIMATUM_PARAMS: dict[str, Any] = {"pie": 10}
_ULTIMATUM_TYPE = _game_type("python_stratlens_ultimatum", "Ultimatum game", _ULTIMATUM_PARAMS)


class UltimatumGame(TurnGame):
    state_class = UltimatumState

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        params = {**_ULTIMATUM_PARAMS, **(params or {})}
        pie = _whole(params, "pie", 1)
        super().__init__(_ULTIMATUM_TYPE, _game_info(pie + 1, 0, pie, 2), params, (pie,))


# --- trust (investment) game ----------------------------------------------------------------
class TrustState(TurnState):
    def _choices(self) -> list[int]:
        endowment, multiplier = self._rules
        if not self._moves:
            return list(range(endowment + 1))
        return list(range(multiplier * self._moves[0] + 1))

    def _payoffs(self) -> Payoffs | None:
        if len(self._moves) < 2:
            return None
        endowment, multiplier = self._rules
        sent, returned = self._moves
        return float(endowment - sent + returned), float(multiplier * sent - returned)

    def _label(self, player: int, action: int) -> str:
        return f"send {action}" if player == 0 else f"return {action}"


_TRUST_PARAMS: dict[str, Any] = {"endowment": 10, "multiplier": 3}
_TRUST_TYPE = _game_type("python_stratlens_trust", "Investment (trust) game", _TRUST_PARAMS)


class TrustGame(TurnGame):
    state_class = TrustState

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        params = {**_TRUST_PARAMS, **(params or {})}
        endowment = _whole(params, "endowment", 1)
        multiplier = _whole(params, "multiplier", 1)
        top = multiplier * endowment  # most either player can end with
        info = _game_info(top + 1, 0, top, 2)
        super().__init__(_TRUST_TYPE, info, params, (endowment, multiplier))


# --- centipede ------------------------------------------------------------------------------
class CentipedeState(TurnState):
    def _choices(self) -> list[int]:
        return [STOP, CONTINUE]

    def _payoffs(self) -> Payoffs | None:
        if self._moves and self._moves[-1] == STOP:
            return CENTIPEDE_STOP[len(self._moves) - 1]
        if len(self._moves) == len(CENTIPEDE_STOP):
            return CENTIPEDE_END
        return None

    def _label(self, player: int, action: int) -> str:
        return {STOP: "stop", CONTINUE: "continue"}.get(action, f"action {action}")


_CENTIPEDE_TYPE = _game_type("python_stratlens_centipede", "Centipede game", {})
_CENTIPEDE_VALUES = [v for cell in (*CENTIPEDE_STOP, CENTIPEDE_END) for v in cell]


class CentipedeGame(TurnGame):
    state_class = CentipedeState

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        info = _game_info(2, min(_CENTIPEDE_VALUES), max(_CENTIPEDE_VALUES), len(CENTIPEDE_STOP))
        super().__init__(_CENTIPEDE_TYPE, info, params or {}, ())


# --- the sequential matrix game -------------------------------------------------------------
class SequentialMatrixState(TurnState):
    def _choices(self) -> list[int]:
        n = len(SEQUENTIAL_MATRIX) if not self._moves else len(SEQUENTIAL_MATRIX[0])
        return list(range(n))

    def _payoffs(self) -> Payoffs | None:
        if len(self._moves) < 2:
            return None
        row, col = self._moves
        return SEQUENTIAL_MATRIX[row][col]

    def _label(self, player: int, action: int) -> str:
        return f"row {action}" if player == 0 else f"column {action}"


_SEQ_MATRIX_TYPE = _game_type(
    "python_stratlens_sequential_matrix", "Sequential matrix game (Jia et al. 2025)", {}
)
_SEQ_VALUES = [v for row in SEQUENTIAL_MATRIX for cell in row for v in cell]


class SequentialMatrixGame(TurnGame):
    state_class = SequentialMatrixState

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        n = max(len(SEQUENTIAL_MATRIX), len(SEQUENTIAL_MATRIX[0]))
        info = _game_info(n, min(_SEQ_VALUES), max(_SEQ_VALUES), 2)
        super().__init__(_SEQ_MATRIX_TYPE, info, params or {}, ())


def action_labels(game: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Each player's label for every action id below ``num_distinct_actions``.

    Read from the game's own `action_to_string`, so prompts and OpenSpiel agree.
    """
    state = game.new_initial_state()
    ids = range(game.num_distinct_actions())
    return (
        tuple(state.action_to_string(0, a) for a in ids),
        tuple(state.action_to_string(1, a) for a in ids),
    )


pyspiel.register_game(_ULTIMATUM_TYPE, UltimatumGame)
pyspiel.register_game(_TRUST_TYPE, TrustGame)
pyspiel.register_game(_CENTIPEDE_TYPE, CentipedeGame)
pyspiel.register_game(_SEQ_MATRIX_TYPE, SequentialMatrixGame)
