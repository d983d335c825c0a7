"""Suite ``classic``: textbook one-shot games chosen to separate the reasoning styles.

A game tells the styles apart only where they predict different actions. OpenSpiel's classic
matrix games separate the cooperative reading (team reasoning) from the others, but not the
worst-case reading (maximin) from the anticipating one (a level-2 best response). The games
below add that contrast: in each, the safe action, one's part of the best joint outcome and the
best reply to the other's self-interested move differ for at least one player.

Cells are (player 1, player 2) with rows = player 1's actions, as in `_catalog_matrix`.
"""

from __future__ import annotations

from stratlens.games._catalog_matrix import matrix_game

C = ("classic",)

# Goeree & Holt (2001), "Ten little treasures of game theory", the basic Kreps game (the
# paper's contradiction; its treasure, with (350, 400) at (row 1, column 3), is
# `gh_kreps_treasure` in the goeree_holt suite). Player 2's "Non-Nash" column 2 is its safe
# action (worst case 30); its part of the best joint cell and its best reply to player 1's
# anticipated top row are column 0.
# Player 1 expects column 2 (player 2's best reply to a uniform guess) and answers with row 1;
# its part of the best joint cell is row 0.
matrix_game(
    "kreps_game",
    "Kreps game",
    "coordination",
    C,
    [
        [(200, 50), (0, 45), (10, 30), (20, -250)],
        [(0, -250), (10, -100), (30, 30), (50, 40)],
    ],
    "Goeree & Holt (2001), Kreps game (after Kreps 1990)",
)

# Goeree & Holt (2001), coordination game with a secure outside option (x = 0). Player 2's
# column 2 pays 40 whatever happens; the high equilibrium (row 1, column 1) pays both 180.
matrix_game(
    "secure_outside_option",
    "Coordination with a secure option",
    "coordination",
    C,
    [[(90, 90), (0, 0), (0, 40)], [(0, 0), (180, 180), (0, 40)]],
    "Goeree & Holt (2001), coordination game with a secure outside option, x = 0",
)

# Beard & Beil (1994), treatment 1, in normal form: a test of Rosenthal's (1981) question of
# whether a player relies on the other's self-interest. Row 0 is safe (9 for sure); row 1
# pays 10 if player 2 takes its slightly better column 1, and 3 if it does not.
matrix_game(
    "safe_or_rely",
    "Safe or rely",
    "cooperation",
    C,
    [[(9, 3), (9, 3)], [(3, 4.75), (10, 5)]],
    "Beard & Beil (1994), treatment 1, normal form (after Rosenthal 1981)",
)

# A three-level stag hunt, constructed for stratlens: row/column 0 is the high-payoff
# coordination (best joint payoff 18), 1 the level-2 best reply (the best reply to an opponent
# who best-responds to a uniform guess), 2 the safe action (4 whatever happens). Every
# diagonal cell is a Nash equilibrium.
matrix_game(
    "three_level_stag_hunt",
    "Three-level stag hunt",
    "cooperation",
    C,
    [[(9, 9), (0, 8), (1, 4)], [(8, 0), (6, 6), (0, 4)], [(4, 1), (4, 0), (4, 4)]],
    "constructed for stratlens (a stag hunt with a middle option)",
)

# Basu (1994), the traveler's dilemma with claims restricted to 2, 3 and 4 and reward/penalty
# 2 (Basu's own R): equal claims are paid; otherwise both get the lower claim, the lower
# claimant 2 more and the higher claimant 2 less. The unique equilibrium is the lowest claim.
matrix_game(
    "travelers_dilemma",
    "Traveler's dilemma",
    "mixed_motive",
    C,
    [[(2, 2), (4, 0), (4, 0)], [(0, 4), (3, 3), (5, 1)], [(0, 4), (1, 5), (4, 4)]],
    "Basu (1994), claims 2-4, reward 2",
)
