"""Suite ``goeree_holt``: the treasure/contradiction pairs of Goeree & Holt (2001).

"Ten little treasures of game theory and ten intuitive contradictions" (AER 91(5):1402-1422)
pairs each game where people play the equilibrium (the *treasure*) with a payoff change that
leaves the equilibrium alone and moves people away from it (the *contradiction*). Payoffs are
the paper's, in cents, with the actions in the paper's order (row 0 = Top or the paper's first
row, column 0 = Left or its first column). The traveler's dilemma (claims 180-300) and the
minimum-effort game (efforts 110-170) are matrix games built from their payoff rule, which
their prompts state in words instead of printing a 121 x 121 table.

Every entry's ``params`` say which treatment it is and of which pair: ``treatment`` is
``"treasure"`` or ``"contradiction"``, ``treasure`` the id of the pair's treasure (itself for
a treasure), ``changed`` the parameter the paper varies, ``paper_actions`` each player's
action names as the paper prints them, and ``ordered`` (true for claims and efforts) that the
options are numbers in order. The first-price auction (section III) is a one-shot game of
kind ``bayesian`` with private values (`stratlens.games._catalog_gh_auction`); the signaling
game (section IV, Tables 7 and 8) a tree with a chance move for the sender's type
(`stratlens.games._catalog_gh_signaling`). Left out: the bargaining game (rules and only
summary data) and the x5 "trust" variant (payoffs derived, not printed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyspiel

from stratlens.games import _catalog_gh_auction, _catalog_gh_signaling, _two_stage
from stratlens.games._catalog_matrix import Cells, matrix_builder, neutral_labels
from stratlens.games._spec import GameSpec, register

GH = ("goeree_holt",)
_SRC = "Goeree & Holt (2001)"
TD_LOW, TD_HIGH = 180, 300
EFFORT_LOW, EFFORT_HIGH = 110, 170


def _params(treatment: str, treasure: str, changed: str, actions: Any) -> dict[str, Any]:
    return {
        "study": "goeree_holt_2001",
        "treatment": treatment,
        "treasure": treasure,
        "changed": changed,
        "paper_actions": [list(a) for a in actions],
    }


def _matrix(
    game_id: str,
    title: str,
    family: str,
    cells: Cells,
    source: str,
    params: dict[str, Any],
    labels: tuple[tuple[str, ...], tuple[str, ...]] | None = None,
    payoff_rule: str = "",
    build: Callable[[], Any] | None = None,
) -> GameSpec:
    shown = labels or neutral_labels(len(cells), len(cells[0]))
    return register(
        GameSpec(
            id=game_id,
            title=title,
            family=family,
            suites=GH,
            kind="matrix",
            build=build or _labelled_builder(game_id, cells, shown),
            rules="",
            action_labels=shown,
            source=source,
            params=params,
            payoff_rule=payoff_rule,
        )
    )


def _labelled_builder(
    game_id: str, cells: Cells, labels: tuple[tuple[str, ...], tuple[str, ...]]
) -> Callable[[], Any]:
    if labels == neutral_labels(len(cells), len(cells[0])):
        return matrix_builder(game_id, cells)

    def build() -> Any:
        return pyspiel.create_matrix_game(
            f"stratlens_{game_id}",
            game_id,
            list(labels[0]),
            list(labels[1]),
            [[c[0] for c in row] for row in cells],
            [[c[1] for c in row] for row in cells],
        )

    return build


# --- I.A traveler's dilemma: claims 180..300, reward/penalty R --------------------------------
def travelers_cells(reward: int, low: int = TD_LOW, high: int = TD_HIGH) -> Cells:
    """Both get the lower claim; the low claimant R more, the high claimant R less."""

    def pay(x: int, y: int) -> float:
        return float(x if x == y else (x + reward if x < y else y - reward))

    claims = range(low, high + 1)
    return [[(pay(x, y), pay(y, x)) for y in claims] for x in claims]


def _travelers_rule(reward: int) -> str:
    return (
        f"Each player chooses a claim: a whole number from {TD_LOW} to {TD_HIGH}. If the two "
        "claims are equal, each player gets that number of points. If they differ, the player "
        f"with the lower claim gets the lower claim plus {reward} points, and the player with "
        f"the higher claim gets the lower claim minus {reward} points."
    )


def _claims() -> tuple[tuple[str, ...], tuple[str, ...]]:
    labels = tuple(f"claim {c}" for c in range(TD_LOW, TD_HIGH + 1))
    return labels, labels


for _r, _role in ((180, "treasure"), (5, "contradiction")):
    _matrix(
        f"gh_travelers_dilemma_r{_r}",
        f"Traveler's dilemma, R = {_r}",
        "mixed_motive",
        travelers_cells(_r),
        f"{_SRC}, section I.A, Figure 1 (R = {_r})",
        {**_params(_role, "gh_travelers_dilemma_r180", f"R = {_r}", _claims()), "ordered": True},
        labels=_claims(),
        payoff_rule=_travelers_rule(_r),
    )

# --- I.B matching pennies: row's (Top, Left) payoff 80 / 320 / 44 ----------------------------
_PENNIES = (("Top", "Bottom"), ("Left", "Right"))
for _gid, _tl, _role in (
    ("gh_matching_pennies", 80, "treasure"),
    ("gh_matching_pennies_320", 320, "contradiction"),
    ("gh_matching_pennies_44", 44, "contradiction"),
):
    _matrix(
        _gid,
        f"Matching pennies, (Top, Left) pays row {_tl}",
        "competitive",
        [[(_tl, 40), (40, 80)], [(40, 80), (80, 40)]],
        f"{_SRC}, section I.B, Table 1",
        _params(_role, "gh_matching_pennies", f"row's (Top, Left) payoff = {_tl}", _PENNIES),
    )

# --- I.C coordination with a secure outside option: x = 0 / 400 -----------------------------
for _x, _role in ((0, "treasure"), (400, "contradiction")):
    _matrix(
        f"gh_coordination_x{_x}",
        f"Coordination with a secure outside option, x = {_x}",
        "coordination",
        [[(90, 90), (0, 0), (_x, 40)], [(0, 0), (180, 180), (0, 40)]],
        f"{_SRC}, section I.C, Table 2 (x = {_x})",
        _params(_role, "gh_coordination_x0", f"x = {_x}", (("L", "H"), ("L", "H", "S"))),
    )


# --- I.D minimum effort: efforts 110..170, cost c ---------------------------------------------
def effort_cells(cost: float, low: int = EFFORT_LOW, high: int = EFFORT_HIGH) -> Cells:
    """Each gets the lower effort minus ``cost`` times its own effort."""
    efforts = range(low, high + 1)
    return [
        [(round(min(x, y) - cost * x, 9), round(min(x, y) - cost * y, 9)) for y in efforts]
        for x in efforts
    ]


def _effort_rule(cost: float) -> str:
    return (
        f"Each player chooses an effort: a whole number from {EFFORT_LOW} to {EFFORT_HIGH}. "
        f"Each player gets the lower of the two efforts minus {cost:g} times the player's own "
        "effort, in points."
    )


def _efforts() -> tuple[tuple[str, ...], tuple[str, ...]]:
    labels = tuple(f"effort {e}" for e in range(EFFORT_LOW, EFFORT_HIGH + 1))
    return labels, labels


for _c, _suffix, _role in ((0.1, "c01", "treasure"), (0.9, "c09", "contradiction")):
    _matrix(
        f"gh_minimum_effort_{_suffix}",
        f"Minimum-effort coordination, c = {_c:g}",
        "coordination",
        effort_cells(_c),
        f"{_SRC}, section I.D, Figure 2 (c = {_c:g})",
        {**_params(_role, "gh_minimum_effort_c01", f"c = {_c:g}", _efforts()), "ordered": True},
        labels=_efforts(),
        payoff_rule=_effort_rule(_c),
    )

# --- I.E Kreps game: basic, positive frame (+300), enhanced equilibrium (treasure) -----------
_KREPS_ACTIONS = (("Top", "Bottom"), ("Left", "Middle", "Non-Nash", "Right"))
_KREPS_BASIC: Cells = [
    [(200, 50), (0, 45), (10, 30), (20, -250)],
    [(0, -250), (10, -100), (30, 30), (50, 40)],
]
_KREPS_TREASURE: Cells = [list(_KREPS_BASIC[0]), [*_KREPS_BASIC[1][:3], (350, 400)]]
_KREPS_POSITIVE: Cells = [[(a + 300, b + 300) for a, b in row] for row in _KREPS_BASIC]
for _gid, _cells, _title, _role, _changed in (
    ("gh_kreps_treasure", _KREPS_TREASURE, "enhanced equilibrium", "treasure",
     "(Bottom, Right) = (350, 400)"),
    ("gh_kreps_basic", _KREPS_BASIC, "basic", "contradiction", "(Bottom, Right) = (50, 40)"),
    ("gh_kreps_positive", _KREPS_POSITIVE, "positive frame", "contradiction",
     "basic game + 300 in every cell"),
):  # fmt: skip
    _matrix(
        _gid,
        f"Kreps game, {_title}",
        "coordination",
        _cells,
        f"{_SRC}, section I.E, Table 3",
        _params(_role, "gh_kreps_treasure", _changed, _KREPS_ACTIONS),
    )


# --- II.A / II.B two-stage games -------------------------------------------------------------
_TWO_STAGE_RULES = (
    "Player 1 moves first and chooses S or R. S ends the game. After R, Player 2 sees "
    "that Player 1 chose R and then chooses P or N. The game is played once."
)


def _tree(
    game_id: str, title: str, payoffs: tuple[int, ...], source: str, params: dict[str, Any]
) -> GameSpec:
    keys = ("s1", "s2", "p1", "p2", "n1", "n2")
    game_string = (
        "python_stratlens_two_stage("
        + ",".join(f"{k}={v}" for k, v in zip(keys, payoffs, strict=True))
        + ")"
    )
    return register(
        GameSpec(
            id=game_id,
            title=title,
            family="sequential",
            suites=GH,
            kind="tree",
            build=lambda: pyspiel.load_game(game_string),
            rules=_TWO_STAGE_RULES,
            action_labels=(_two_stage.FIRST_LABELS, _two_stage.SECOND_LABELS),
            source=source,
            params=params,
        )
    )


_TWO_STAGE_ACTIONS = (_two_stage.FIRST_LABELS, _two_stage.SECOND_LABELS)
for _p2, _role in ((10, "treasure"), (68, "contradiction")):
    _tree(
        f"gh_rely_p{_p2}",
        f"Relying on the other's rationality, (R, P) pays player 2 {_p2}",
        (80, 50, 20, _p2, 90, 70),
        f"{_SRC}, section II.A, Figure 3",
        _params(_role, "gh_rely_p10", f"player 2's payoff after (R, P) = {_p2}",
                _TWO_STAGE_ACTIONS),
    )  # fmt: skip
for _p2, _role in ((10, "treasure"), (48, "contradiction")):
    _tree(
        f"gh_threat_p{_p2}",
        f"A threat that is not credible, (R, P) pays player 2 {_p2}",
        (70, 60, 60, _p2, 90, 50),
        f"{_SRC}, section II.B, Figure 4",
        _params(_role, "gh_threat_p10", f"player 2's payoff after (R, P) = {_p2}",
                _TWO_STAGE_ACTIONS),
    )  # fmt: skip

# --- III first-price auction: registered after the two-stage games (suite order) -----------
_catalog_gh_auction.register_pair(GH, _SRC, _params)
# --- IV signaling: Tables 7 and 8 ------------------------------------------------------------
_catalog_gh_signaling.register_pair(GH, _SRC, _params)
