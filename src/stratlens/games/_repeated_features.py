"""Features of a repeated game that its stage game does not have.

A repeated game is not its stage game: "defect" is dominant in the one-shot prisoner's dilemma
but not in the repeated one, and what can be sustained depends on how the repetition ends. The
functions here answer three questions from the stage bimatrix (A, B) and the way the game ends:

- `cooperative_cell`: the cell the players would like to repeat, the one with the largest
  joint payoff A + B (ties: the fairer cell, smaller |A − B|, then row-major order).
- `trigger_threshold`: the smallest continuation probability δ at which playing that cell in
  every round is a subgame-perfect equilibrium path of the indefinitely repeated game, held in
  place by a grim trigger with Nash reversion (Friedman 1971: after any deviation both play a
  stage Nash equilibrium forever). Player i stays iff c_i ≥ (1 − δ)·d_i + δ·e_i, where c_i is
  its payoff in the cell, d_i its best deviation payoff against the other's part of the cell
  and e_i its payoff in the punishment equilibrium; the threshold is the smallest over the
  stage equilibria (pure and mixed) of the larger of the two players' bounds
  (d_i − c_i)/(d_i − e_i). 0 when the cell is itself a stage equilibrium; None when no stage
  equilibrium punishes enough (some deviator gains and is not hurt by the reversion).
- `unravels`: the game has a last round known in advance (a fixed horizon, or a cap on the
  number of rounds that the rules state) and the stage game has exactly one Nash equilibrium,
  which is not the cooperative cell. By backward induction its only subgame-perfect
  equilibrium then plays the stage equilibrium in every round (Luce and Raiffa 1957; Selten
  1978); with several stage equilibria, later-round rewards and punishments can sustain
  cooperation early on (Benoit and Krishna 1985), so the game does not unravel.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stratlens.games import _equilibria as eq

#: The repeated-game keys of a structure record (null for a game that is not repeated):
#: `repeated_features`' own, then the stage game's id and its one-shot features.
REPEATED_KEYS = (
    "max_rounds",
    "cooperative_cell",
    "trigger_threshold",
    "trigger_sustainable",
    "unravels",
    "stage_game",
    "stage",
)


def cooperative_cell(a: eq.Array, b: eq.Array) -> tuple[int, int]:
    """The cell with the largest A + B; ties go to the fairer cell, then to row-major order."""
    t = eq.scaled_tol(a, b)
    total = a + b
    best = float(total.max())
    cells = [(int(i), int(j)) for i, j in zip(*np.nonzero(total >= best - t), strict=True)]
    return min(cells, key=lambda c: (round(abs(float(a[c] - b[c])), 9), c))


def trigger_threshold(a: eq.Array, b: eq.Array) -> float | None:
    """The smallest δ at which grim trigger with Nash reversion sustains `cooperative_cell`."""
    t = eq.scaled_tol(a, b)
    i, j = cooperative_cell(a, b)
    c = (float(a[i, j]), float(b[i, j]))
    d = (float(a[:, j].max()), float(b[i, :].max()))  # best one-round deviations
    if d[0] <= c[0] + t and d[1] <= c[1] + t:
        return 0.0  # the cell is a stage equilibrium: no threat needed
    best: float | None = None
    for x, y in eq.all_equilibria(a, b):
        e = (float(x @ a @ y), float(x @ b @ y))
        bounds = []
        for k in (0, 1):
            if d[k] <= c[k] + t:
                bounds.append(0.0)
            elif c[k] > e[k] + t:
                bounds.append((d[k] - c[k]) / (d[k] - e[k]))
            else:
                bounds.append(np.inf)  # the reversion does not hurt this deviator
        worst = max(bounds)
        if np.isfinite(worst) and (best is None or worst < best):
            best = float(worst)
    return best


def unravels(a: eq.Array, b: eq.Array, last_round_known: bool) -> bool:
    """Backward induction leaves only the unique stage equilibrium (see the module docstring)."""
    if not last_round_known:
        return False
    equilibria = eq.all_equilibria(a, b)
    if len(equilibria) != 1:
        return False
    x, y = equilibria[0]
    i, j = cooperative_cell(a, b)
    return not (x[i] > 1 - eq.DEDUPE_TOL and y[j] > 1 - eq.DEDUPE_TOL)


def repeated_features(
    a: eq.Array,
    b: eq.Array,
    *,
    horizon: int | None,
    continue_probability: float | None,
    max_rounds: int | None,
) -> dict[str, Any]:
    """The repeated game's own features, JSON-ready.

    ``trigger_sustainable`` reads the threshold at the game's continuation probability: with
    a random stop, δ ≥ `trigger_threshold` (the indefinitely repeated game; a cap on the rounds
    is reported by ``unravels``); with a fixed horizon, only a cooperative cell that is itself
    a stage equilibrium is sustained in every round (the last round must be one).
    """
    threshold = trigger_threshold(a, b)
    if continue_probability is not None:
        sustainable = threshold is not None and continue_probability >= threshold - eq.TOL
    else:
        sustainable = threshold == 0.0
    cell = cooperative_cell(a, b)
    return {
        "max_rounds": max_rounds if max_rounds is not None else horizon,
        "cooperative_cell": [cell[0], cell[1]],
        "trigger_threshold": None if threshold is None else round(threshold, 9) + 0.0,
        "trigger_sustainable": bool(sustainable),
        "unravels": unravels(a, b, horizon is not None or max_rounds is not None),
    }
