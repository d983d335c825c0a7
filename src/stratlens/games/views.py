"""Structured views of one decision, as the deciding player sees it.

A view is what a prompt shows, in numbers: the reference agents compute their styles from it,
and the prompt renderer writes it out in words. Views are plain frozen data, built from the
OpenSpiel state by `stratlens.games.decision_view`; an agent never touches OpenSpiel.

Four shapes cover every game of the catalog:

- `MatrixView`: a one-shot simultaneous decision. ``own[i][j]`` is the decider's payoff when it
  plays its i-th action and the other player its j-th; ``other[i][j]`` the other player's payoff
  *as the other player believes it to be* (in the signaling game the receiver is shown a matrix
  that is not the true one). With payoff types drawn by chance (Bayesian games) both are
  expectations under the decider's belief and ``types`` keeps each type's pair of tables.
- `TreeView`: a decision in a sequential game of perfect information; the whole remaining tree,
  small enough to write down, with chance nodes and the terminal payoffs of both players.
- `RepeatedView`: a round of a repeated game: the stage game as a `MatrixView`, the history of
  joint actions so far (own action first), and how the game stops.
- `GuessView`: a guess in the N-player p-beauty contest: the number of players, p, the range
  of guesses and the prize (its payoffs are a rule, not a table: `GuessView.payoffs`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from stratlens.games import _guessing

Table = tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class PayoffType:
    """One payoff type of a Bayesian game, with its probability under the decider's belief."""

    probability: float
    own: Table
    other: Table


@dataclass(frozen=True)
class MatrixView:
    own: Table
    other: Table
    own_actions: tuple[int, ...]
    other_actions: tuple[int, ...]
    types: tuple[PayoffType, ...] = ()

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.own_actions), len(self.other_actions)


CHANCE = -1
TERMINAL = -4


@dataclass(frozen=True)
class TreeNode:
    """A node of a sequential game.

    ``player`` is the mover (0 or 1), `CHANCE` or `TERMINAL`. ``children`` maps each action id to
    ``(label, probability or None, child)``; ``payoffs`` is set on terminal nodes only.
    """

    player: int
    children: tuple[tuple[int, str, float | None, TreeNode], ...] = ()
    payoffs: tuple[float, float] | None = None

    @property
    def is_terminal(self) -> bool:
        return self.player == TERMINAL


@dataclass(frozen=True)
class TreeView:
    root: TreeNode
    player: int  # the decider, who moves at ``root``


@dataclass(frozen=True)
class RepeatedView:
    stage: MatrixView
    history: tuple[tuple[int, int], ...]  # (own action, other's action) per past round
    round: int  # 0-based index of the round being decided
    horizon: int | None  # number of rounds when fixed
    continue_probability: float | None = None  # per-round continuation when the stop is random
    payoffs_so_far: tuple[float, float] = field(default=(0.0, 0.0))


@dataclass(frozen=True)
class GuessView:
    """A guess in the p-beauty contest: ``players`` guess a whole number from 0 to
    ``max_guess`` at once; those nearest ``p_num / p_den`` times the average share ``prize``."""

    players: int
    p_num: int
    p_den: int
    max_guess: int
    prize: float

    @property
    def p(self) -> Fraction:
        return Fraction(self.p_num, self.p_den)

    @property
    def own_actions(self) -> tuple[int, ...]:
        return tuple(range(self.max_guess + 1))

    def payoffs(self, own: np.ndarray, others: np.ndarray) -> np.ndarray:
        """The decider's payoff for every own guess in ``own`` (shape (G,)) against every
        profile of the others' guesses in ``others`` (shape (M, players - 1)): shape (G, M)."""
        return _guessing.own_shares(
            np.asarray(own, dtype=np.int64),
            np.asarray(others, dtype=np.int64).reshape(-1, self.players - 1),
            self.p_num,
            self.p_den,
            self.prize,
        )


DecisionView = MatrixView | TreeView | RepeatedView | GuessView
