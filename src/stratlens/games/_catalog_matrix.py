"""The one-shot games: suite ``jia2025`` (Jia et al. 2025, exactly as printed) and ``classic``.

Payoffs are written once, here, as (P1, P2) cells with rows = player 1's actions; everything
else (structure, equilibria, prompts) is computed from the `pyspiel.Game` built from them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pyspiel

from stratlens.games import _oneshot
from stratlens.games._spec import GameSpec, register

Cells = list[list[tuple[float, float]]]


def neutral_labels(n_rows: int, n_cols: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return (
        tuple(f"row {i}" for i in range(n_rows)),
        tuple(f"column {j}" for j in range(n_cols)),
    )


def matrix_builder(game_id: str, cells: Cells) -> Callable[[], Any]:
    def build() -> Any:
        rows, cols = neutral_labels(len(cells), len(cells[0]))
        return pyspiel.create_matrix_game(
            f"stratlens_{game_id}",
            game_id,
            list(rows),
            list(cols),
            [[c[0] for c in row] for row in cells],
            [[c[1] for c in row] for row in cells],
        )

    return build


def matrix_game(
    game_id: str,
    title: str,
    family: str,
    suites: tuple[str, ...],
    cells: Cells,
    source: str,
    rules: str = "",
) -> GameSpec:
    return register(
        GameSpec(
            id=game_id,
            title=title,
            family=family,
            suites=suites,
            kind="matrix",
            build=matrix_builder(game_id, cells),
            rules=rules,
            action_labels=neutral_labels(len(cells), len(cells[0])),
            source=source,
        )
    )


def openspiel_game(
    game_id: str, title: str, family: str, name: str, suites: tuple[str, ...] = ("classic",)
) -> GameSpec:
    game = pyspiel.load_game(name)
    return register(
        GameSpec(
            id=game_id,
            title=title,
            family=family,
            suites=suites,
            kind="matrix",
            build=lambda: pyspiel.load_game(name),
            rules="",
            action_labels=neutral_labels(game.num_rows(), game.num_cols()),
            source=f"OpenSpiel `{name}`",
        )
    )


J = ("jia2025",)
_T = "Jia et al. 2025, Table"

# --- jia2025: competitive (3x3; not zero-sum, encoded literally) ---------------------------
matrix_game(
    "competitive_baseline",
    "Competitive, baseline",
    "competitive",
    J,
    [[(10, -10), (0, 5), (-5, 8)], [(-10, 10), (5, 0), (8, -5)], [(0, 0), (5, -5), (-5, 5)]],
    f"{_T} 14a",
)
matrix_game(
    "competitive_high_stake",
    "Competitive, high stake",
    "competitive",
    J,
    [
        [(20, -20), (0, 10), (-10, 15)],
        [(-20, 20), (10, 0), (15, -10)],
        [(0, 0), (10, -10), (-10, 10)],
    ],
    f"{_T} 14b",
)
matrix_game(
    "competitive_low_stake",
    "Competitive, low stake",
    "competitive",
    J,
    [[(3, -3), (0, 1), (-1, 2)], [(-3, 3), (1, 0), (2, -1)], [(0, 0), (1, -1), (-1, 1)]],
    f"{_T} 14c",
)
# --- cooperation (stag hunt) ----------------------------------------------------------------
matrix_game(
    "cooperation_baseline",
    "Cooperation, baseline",
    "cooperation",
    J,
    [[(8, 8), (0, 7)], [(7, 0), (5, 5)]],
    f"{_T} 15",
)
matrix_game(
    "cooperation_high_payoff",
    "Cooperation, high payoff",
    "cooperation",
    J,
    [[(20, 20), (0, 7)], [(7, 0), (5, 5)]],
    f"{_T} 15",
)
matrix_game(
    "cooperation_asymmetric",
    "Cooperation, asymmetric payoff",
    "cooperation",
    J,
    [[(12, 8), (0, 7)], [(7, 0), (5, 5)]],
    f"{_T} 15",
)
# --- mixed motive (prisoner's dilemma) ----------------------------------------------------
matrix_game(
    "mixed_motive_baseline",
    "Mixed motive, baseline",
    "mixed_motive",
    J,
    [[(3, 3), (0, 5)], [(5, 0), (1, 1)]],
    f"{_T} 16",
)
matrix_game(
    "mixed_motive_high_punishment",
    "Mixed motive, high punishment",
    "mixed_motive",
    J,
    # (-5, 5) as printed in every version of the paper; see reference/jia2025.md.
    [[(10, 10), (0, 15)], [(15, 0), (-5, 5)]],
    f"{_T} 16 (cell r1,c1 as printed)",
)
matrix_game(
    "mixed_motive_low_punishment",
    "Mixed motive, low punishment",
    "mixed_motive",
    J,
    [[(3, 3), (0, 4)], [(4, 0), (2, 2)]],
    f"{_T} 16",
)
# --- incomplete information ---------------------------------------------------------------
_BAYES_RULES = (
    "Before the choices are made, one of two payoff tables, A or B, is drawn at random with "
    "the probabilities given below; the drawn table decides both players' points. Neither "
    "player learns which table was drawn. Both players know both tables and the probabilities."
)
for _p, _suffix in ((0.5, "p05"), (0.9, "p09")):
    register(
        GameSpec(
            id=f"bayesian_coordination_{_suffix}",
            title=f"Bayesian coordination, p = {_p}",
            family="bayesian",
            suites=J,
            kind="bayesian",
            build=partial(pyspiel.load_game, f"python_stratlens_bayesian_coordination(p={_p})"),
            rules=_BAYES_RULES,
            action_labels=neutral_labels(2, 2),
            source=f"{_T} 18b-c (table A = type 1, drawn with probability p)",
            params={"p": _p},
        )
    )
register(
    GameSpec(
        id="signaling",
        title="Signaling",
        family="signaling",
        suites=J,
        kind="signaling",
        build=lambda: pyspiel.load_game("python_stratlens_signaling"),
        rules=(
            "Player 1 knows the true payoff table, which decides both players' points. Player 2 "
            "is shown a different table and is told that it is not the true one; player 2 "
            "never sees the true table. Both choose at the same time, without seeing the "
            "other's choice."
        ),
        action_labels=neutral_labels(2, 2),
        source=f"{_T} 18e-f (sender's table = true, receiver's = shown)",
    )
)
matrix_game(
    "sw10",
    "Stahl-Wilson 10",
    "coordination",
    J,
    [
        [(47, 47), (51, 44), (28, 43)],
        [(44, 51), (11, 11), (43, 91)],
        [(43, 28), (91, 43), (11, 11)],
    ],
    f"{_T} 19 (Stahl & Wilson 1994)",
)

# --- classic: OpenSpiel's own matrix games --------------------------------------------------
openspiel_game("prisoners_dilemma", "Prisoner's dilemma", "mixed_motive", "matrix_pd")
openspiel_game("stag_hunt", "Stag hunt", "cooperation", "matrix_sh")
openspiel_game("battle_of_the_sexes", "Battle of the sexes", "coordination", "matrix_bos")
openspiel_game("chicken", "Chicken", "mixed_motive", "matrix_cd")
openspiel_game("matching_pennies", "Matching pennies", "competitive", "matrix_mp")
openspiel_game("rock_paper_scissors", "Rock, paper, scissors", "competitive", "matrix_rps")
openspiel_game("pure_coordination", "Pure coordination", "coordination", "matrix_coordination")

# Keep the module referenced: importing it registers the Python games with OpenSpiel.
assert _oneshot.BayesianCoordinationGame is not None
