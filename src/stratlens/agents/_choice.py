"""What a style computes for one decision: a choice distribution and the numbers behind it.

Every style returns a `StyleResult` (or a subclass carrying the style's own intermediate
numbers): ``probs[i]`` is the probability of the decider's action ``actions[i]`` and
``values[i]`` the number the style ranks that action by (its worst case, its joint payoff, its
expected payoff against the predicted opponent, …). The reference agents sample from
``probs``; the behavioural profiler can reuse ``values`` as a choice model,
``softmax(λ · values)``. The traces quote the other fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

Style = Literal["random", "minimax", "trust_based", "belief_anticipation", "nash", "qre"]
STYLES: tuple[Style, ...] = (
    "random",
    "minimax",
    "trust_based",
    "belief_anticipation",
    "nash",
    "qre",
)

#: Why a repeated-game style chose as it did this round.
RepeatedReason = Literal[
    "stage",  # the stage computation, whatever the history
    "open",  # trust: first round, play one's part of the joint cell
    "reciprocate",  # trust: the other played its part last round
    "punish",  # trust: the other deviated last round; one round of the safe action
    "prior",  # belief: no history yet, the level-(k-1) prediction
    "history",  # belief: the other's empirical frequencies
    "final",  # belief: the known last round, the stage prediction
]


@dataclass(frozen=True, eq=False)
class StyleResult:
    """A style's choice over the decider's actions."""

    style: Style
    actions: tuple[int, ...]
    probs: FloatArray
    values: FloatArray

    def modal(self, tol: float = 1e-9) -> tuple[int, ...]:
        """The action ids of largest probability."""
        top = float(self.probs.max())
        return tuple(a for a, p in zip(self.actions, self.probs, strict=True) if p >= top - tol)


@dataclass(frozen=True, eq=False)
class MinimaxChoice(StyleResult):
    """``values`` are the worst cases per action; ``floor`` is what the choice guarantees."""

    worst_reply: tuple[int, ...]  # the other's action that gives each own action its worst case
    floor: float
    mixed: bool  # a mixed security strategy from the linear program (constant-sum games)


@dataclass(frozen=True, eq=False)
class TrustChoice(StyleResult):
    """``values`` are the best joint payoff reachable with each own action."""

    cells: tuple[tuple[int, int], ...]  # (own, other) action ids of the chosen joint cells
    cell_payoffs: tuple[float, float]  # (own, other) payoffs of the first chosen cell


@dataclass(frozen=True, eq=False)
class BeliefChoice(StyleResult):
    """``values`` are the expected payoffs against ``prediction`` (the other's level k-1)."""

    level: int
    other_actions: tuple[int, ...]
    prediction: FloatArray
    other_values: FloatArray | None  # the other's own expected payoffs at its level (None at 0)


@dataclass(frozen=True, eq=False)
class EquilibriumChoice(StyleResult):
    """Nash or logit QRE: ``values`` are expected payoffs against the other's strategy."""

    other_actions: tuple[int, ...]
    other_strategy: FloatArray
    expected: tuple[float, float]  # (own, other) expected payoffs at the equilibrium
    n_equilibria: int  # equilibria found (Nash); 1 for the QRE's principal branch
    lam: float | None  # the QRE precision; None for Nash


@dataclass(frozen=True, eq=False)
class TreeChoice(StyleResult):
    """A sequential decision; ``values`` are the decider's payoffs under the style's model."""

    labels: tuple[str, ...]  # the root actions' labels
    outcomes: tuple[tuple[float, float], ...]  # (own, other) expected payoffs per root action
    replies: tuple[str | None, ...]  # the other's modelled reply right after each root action
    level: int | None = None
    lam: float | None = None


@dataclass(frozen=True, eq=False)
class GuessChoice(StyleResult):
    """A guess in the p-beauty contest; ``values`` are each guess's payoff under the style's
    model of the others (their level k-1 mean, the equilibrium, the worst case, the QRE)."""

    players: int
    p_text: str  # p as written in the prompt, "2/3"
    level: int | None = None  # belief: the level
    others_mean: float | None = None  # what the style expects the others to guess on average
    worst_exact: bool | None = None  # minimax: the worst case is exact
    lam: float | None = None  # qre: the precision


@dataclass(frozen=True, eq=False)
class RepeatedChoice(StyleResult):
    """A round of a repeated game, decided through a stage-game computation."""

    stage: StyleResult
    reason: RepeatedReason
    round: int
    horizon: int | None
    last_other: int | None  # the other's action in the previous round
    prediction: FloatArray | None = None  # belief: the predicted distribution of the other
    counts: FloatArray | None = None  # belief: how often the other played each action so far
