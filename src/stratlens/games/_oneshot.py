"""One-shot simultaneous games with hidden payoff types, as OpenSpiel Python games.

Two registered games share one implementation:

- ``python_stratlens_bayesian_coordination(p=…)``: chance draws which of two payoff matrices is
  in force (matrix A with probability p); neither player observes the draw; both then choose.
- ``python_stratlens_signaling``: the sender (player 1) sees the true matrix and the different
  one the receiver is shown; the receiver (player 2) sees only that other matrix and is told it
  is not the true one. Payoffs come from the true matrix. No chance node: the asymmetry is in
  what each player observes.

Matrices are the paper's (Jia et al. 2025, Tables 18b–c and 18e–f); cells are (P1, P2) payoffs,
rows are player 1's actions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyspiel

from stratlens.games._pygame import python_game_type

Cell = tuple[float, float]
Matrix = tuple[tuple[Cell, ...], ...]

BAYESIAN_TYPE_1: Matrix = (((10, 10), (5, 2)), ((7, 5), (3, 3)))
BAYESIAN_TYPE_2: Matrix = (((8, 8), (6, 3)), ((5, 4), (2, 2)))
SIGNALING_TRUE: Matrix = (((5, 5), (2, 1)), ((3, 2), (1, 0)))
SIGNALING_SHOWN: Matrix = (((4, 4), (6, 3)), ((2, 3), (1, 2)))


def _game_type(short_name: str, long_name: str, chance: bool, params: dict[str, Any]) -> Any:
    return python_game_type(
        short_name,
        long_name,
        simultaneous=True,
        chance=chance,
        perfect_information=False,
        terminal_rewards=True,
        params=params,
    )


class HiddenTypeGame(pyspiel.Game):  # type: ignore[misc]
    """A bimatrix game whose payoff matrix is drawn by chance or known to one side only.

    ``types`` are ``(probability, true matrix)`` pairs; ``shown[p]`` is, per type, the matrix
    player p is shown (``None``: p sees every type's matrix with its probability but not which
    one is drawn).
    """

    def __init__(
        self,
        game_type: Any,
        params: dict[str, Any],
        types: list[tuple[float, Matrix]],
        shown: tuple[Matrix | None, Matrix | None],
    ) -> None:
        values = [v for _, m in types for row in m for cell in row for v in cell]
        n_rows, n_cols = len(types[0][1]), len(types[0][1][0])
        super().__init__(
            game_type,
            pyspiel.GameInfo(
                num_distinct_actions=max(n_rows, n_cols),
                max_chance_outcomes=len(types),
                num_players=2,
                min_utility=float(min(values)),
                max_utility=float(max(values)),
                utility_sum=None,
                max_game_length=2,
            ),
            params,
        )
        self.types = types
        self.shown = shown
        self.shape = (n_rows, n_cols)

    def new_initial_state(self) -> HiddenTypeState:
        return HiddenTypeState(self)

    def make_py_observer(self, iig_obs_type: Any = None, params: Any = None) -> Any:
        return _Observer()

    def payoff_types(self) -> list[tuple[float, np.ndarray, np.ndarray]]:
        """Each type's probability and its (P1, P2) payoff tables, rows = P1's actions."""
        out = []
        for prob, m in self.types:
            arr = np.asarray(m, dtype=float)
            out.append((prob, arr[:, :, 0], arr[:, :, 1]))
        return out

    def shown_tables(self, player: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The (P1, P2) tables player p is shown instead of the true ones, if any."""
        m = self.shown[player]
        if m is None:
            return None
        arr = np.asarray(m, dtype=float)
        return arr[:, :, 0], arr[:, :, 1]


class HiddenTypeState(pyspiel.State):  # type: ignore[misc]
    def __init__(self, game: HiddenTypeGame) -> None:
        super().__init__(game)
        # Plain data only: `clone()` deep-copies the state, and a copied Python game object
        # loses its attributes.
        self._types = tuple(game.types)
        self._shown = game.shown
        self._shape = game.shape
        self._type: int | None = None if len(game.types) > 1 else 0
        self._actions: list[int] | None = None

    def current_player(self) -> int:
        if self._actions is not None:
            return int(pyspiel.PlayerId.TERMINAL)
        if self._type is None:
            return int(pyspiel.PlayerId.CHANCE)
        return int(pyspiel.PlayerId.SIMULTANEOUS)

    def _legal_actions(self, player: int) -> list[int]:
        return list(range(self._shape[player]))

    def chance_outcomes(self) -> list[tuple[int, float]]:
        return [(i, p) for i, (p, _) in enumerate(self._types)]

    def _apply_action(self, action: int) -> None:
        self._type = action

    def _apply_actions(self, actions: list[int]) -> None:
        self._actions = list(actions)

    def _action_to_string(self, player: int, action: int) -> str:
        if player == pyspiel.PlayerId.CHANCE:
            return f"type{action}"
        return f"{'row' if player == 0 else 'column'} {action}"

    def is_terminal(self) -> bool:
        return self._actions is not None

    def returns(self) -> list[float]:
        if self._actions is None or self._type is None:
            return [0.0, 0.0]
        r, c = self._actions
        cell = self._types[self._type][1][r][c]
        return [float(cell[0]), float(cell[1])]

    def information_state_string(self, player: int) -> str:
        return self._observation(player)

    def observation_string(self, player: int) -> str:
        return self._observation(player)

    def _observation(self, player: int) -> str:
        shown = self._shown[player]
        seen = (
            f"shown={shown}"
            if shown is not None
            else "types=" + ",".join(f"{p:g}" for p, _ in self._types)
        )
        own = "" if self._actions is None else f" played={self._actions}"
        return f"p{player} {seen}{own}"

    def __str__(self) -> str:
        return f"type={self._type} actions={self._actions}"


class _Observer:
    def __init__(self) -> None:
        self.tensor = None
        self.dict: dict[str, Any] = {}

    def set_from(self, state: Any, player: int) -> None:
        pass

    def string_from(self, state: HiddenTypeState, player: int) -> str:
        return state.observation_string(player)


_BAYES_PARAMS = {"p": 0.5}
_BAYES_TYPE = _game_type(
    "python_stratlens_bayesian_coordination", "Bayesian coordination", True, _BAYES_PARAMS
)


class BayesianCoordinationGame(HiddenTypeGame):
    def __init__(self, params: dict[str, Any] | None = None) -> None:
        params = {**_BAYES_PARAMS, **(params or {})}
        p = float(params["p"])
        if not 0.0 < p < 1.0:
            raise ValueError(f"p must lie strictly between 0 and 1, got {p}")
        super().__init__(
            _BAYES_TYPE,
            params,
            [(p, BAYESIAN_TYPE_1), (1.0 - p, BAYESIAN_TYPE_2)],
            (None, None),
        )


_SIGNAL_TYPE = _game_type("python_stratlens_signaling", "Signaling", False, {})


class SignalingGame(HiddenTypeGame):
    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(
            _SIGNAL_TYPE, params or {}, [(1.0, SIGNALING_TRUE)], (None, SIGNALING_SHOWN)
        )


pyspiel.register_game(_BAYES_TYPE, BayesianCoordinationGame)
pyspiel.register_game(_SIGNAL_TYPE, SignalingGame)
