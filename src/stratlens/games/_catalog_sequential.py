"""Suite ``sequential``: turn-based games of perfect information (OpenSpiel Python games).

The games themselves live in `stratlens.games._sequential`; importing it registers them with
OpenSpiel. Labels are read from the built game, so prompts and OpenSpiel name every action
the same way.
"""

from __future__ import annotations

import pyspiel

from stratlens.games import _sequential
from stratlens.games._spec import GameSpec, register

S = ("sequential",)


def _tree_game(
    game_id: str,
    title: str,
    game_string: str,
    rules: str,
    source: str,
    suites: tuple[str, ...] = S,
    roles: tuple[int, ...] = (0, 1),
    params: dict[str, int] | None = None,
) -> GameSpec:
    return register(
        GameSpec(
            id=game_id,
            title=title,
            family="sequential",
            suites=suites,
            kind="tree",
            build=lambda: pyspiel.load_game(game_string),
            rules=rules,
            action_labels=_sequential.action_labels(pyspiel.load_game(game_string)),
            roles=roles,
            source=source,
            params=dict(params or {}),
        )
    )


_tree_game(
    "ultimatum",
    "Ultimatum game",
    "python_stratlens_ultimatum(pie=10)",
    (
        "There are 10 points to divide between two players. Player 1 moves first and offers "
        "player 2 a whole number of points from 0 to 10, keeping the rest. Player 2 sees the "
        "offer and then accepts or rejects it. If player 2 accepts an offer of x points, "
        "player 1 gets 10 - x points and player 2 gets x points. If player 2 rejects, both "
        "get 0 points. The game is played once."
    ),
    "Güth, Schmittberger & Schwarze (1982)",
    params={"pie": 10},
)
_tree_game(
    "trust_game",
    "Investment game",
    "python_stratlens_trust(endowment=10,multiplier=3)",
    (
        "Player 1 starts with 10 points and player 2 with 0. Player 1 moves first and sends "
        "player 2 a whole number of points s from 0 to 10. The points sent are multiplied by "
        "3 on the way, so player 2 receives 3 times s points. Player 2 sees how many points "
        "arrived and then returns a whole number of points r from 0 to 3 times s to player 1 "
        "(returned points are not multiplied). In the end player 1 has 10 - s + r points and "
        "player 2 has 3 times s - r points. The game is played once."
    ),
    "Berg, Dickhaut & McCabe (1995)",
    params={"endowment": 10, "multiplier": 3},
)
_tree_game(
    "centipede",
    "Centipede game",
    "python_stratlens_centipede",
    (
        "Two piles of points lie on the table, a larger and a smaller one. The players move "
        "in turn, player 1 first, then player 2, player 1, player 2: at most four moves. "
        "At each move the mover either stops or continues, and both players see every move. "
        "Stop: the mover takes the larger pile, the other player gets the smaller pile, and "
        "the game ends. Continue: both piles double and the move passes to the other player. "
        "The piles are 4 and 1 at move 1, 8 and 2 at move 2, 16 and 4 at move 3 and 32 and "
        "8 at move 4. Stopping at move 1 gives player 1 4 and player 2 1; at move 2, player "
        "1 2 and player 2 8; at move 3, player 1 16 and player 2 4; at move 4, player 1 8 "
        "and player 2 32. If player 2 continues at move 4, the game ends with player 1 "
        "getting 64 and player 2 getting 16."
    ),
    "McKelvey & Palfrey (1992), four-move game, payoffs × 10",
)
_tree_game(
    "sequential",
    "Sequential game",
    "python_stratlens_sequential_matrix",
    (
        "Player 1 moves first and chooses a row of the table below. Player 2 sees which row "
        "player 1 chose and then chooses a column. The chosen cell decides both players' "
        "points: the first number is player 1's, the second is player 2's. The game is "
        "played once."
    ),
    "Jia et al. 2025, Table 17",
    suites=("jia2025", "sequential"),
    roles=(0,),
)
