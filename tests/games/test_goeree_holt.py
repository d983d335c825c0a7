"""The ``goeree_holt`` suite against the paper: every payoff cell, the actions' order, the
pairs, the predictions the paper prints, and OpenSpiel's own checks.

The numbers below are transcribed from ``reference/human_baselines.md`` (Goeree & Holt 2001,
Tables 1-3 and Figures 1-4), not read from the catalog: a cell typed wrongly in the catalog
fails here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyspiel
import pytest

from stratlens.games import bimatrix, get_game, list_games, structure, tree_of
from stratlens.games.prompts import render

# (row, column) payoffs as printed; rows top to bottom, columns left to right.
TABLES: dict[str, list[list[tuple[float, float]]]] = {
    "gh_matching_pennies": [[(80, 40), (40, 80)], [(40, 80), (80, 40)]],
    "gh_matching_pennies_320": [[(320, 40), (40, 80)], [(40, 80), (80, 40)]],
    "gh_matching_pennies_44": [[(44, 40), (40, 80)], [(40, 80), (80, 40)]],
    "gh_coordination_x0": [[(90, 90), (0, 0), (0, 40)], [(0, 0), (180, 180), (0, 40)]],
    "gh_coordination_x400": [[(90, 90), (0, 0), (400, 40)], [(0, 0), (180, 180), (0, 40)]],
    "gh_kreps_basic": [
        [(200, 50), (0, 45), (10, 30), (20, -250)],
        [(0, -250), (10, -100), (30, 30), (50, 40)],
    ],
    "gh_kreps_positive": [
        [(500, 350), (300, 345), (310, 330), (320, 50)],
        [(300, 50), (310, 200), (330, 330), (350, 340)],
    ],
    "gh_kreps_treasure": [
        [(200, 50), (0, 45), (10, 30), (20, -250)],
        [(0, -250), (10, -100), (30, 30), (350, 400)],
    ],
}
# Terminal nodes S, (R, P), (R, N): (first player, second player), Figures 3 and 4.
TREES = {
    "gh_rely_p10": {"S": (80, 50), "RP": (20, 10), "RN": (90, 70)},
    "gh_rely_p68": {"S": (80, 50), "RP": (20, 68), "RN": (90, 70)},
    "gh_threat_p10": {"S": (70, 60), "RP": (60, 10), "RN": (90, 50)},
    "gh_threat_p48": {"S": (70, 60), "RP": (60, 48), "RN": (90, 50)},
}
PAIRS = {  # contradiction -> treasure
    "gh_travelers_dilemma_r5": "gh_travelers_dilemma_r180",
    "gh_matching_pennies_320": "gh_matching_pennies",
    "gh_matching_pennies_44": "gh_matching_pennies",
    "gh_coordination_x400": "gh_coordination_x0",
    "gh_minimum_effort_c09": "gh_minimum_effort_c01",
    "gh_kreps_basic": "gh_kreps_treasure",
    "gh_kreps_positive": "gh_kreps_treasure",
    "gh_rely_p68": "gh_rely_p10",
    "gh_threat_p48": "gh_threat_p10",
    "gh_auction_036": "gh_auction_025",
    "gh_signaling_contradiction": "gh_signaling_treasure",
}
SUITE = sorted({*PAIRS, *PAIRS.values()})


def _travelers(x: int, y: int, r: int) -> float:  # the reference's case table, my payoff
    if x == y:
        return float(x)
    return float(x + r) if x < y else float(y - r)


def test_suite_holds_every_treatment_and_nothing_else() -> None:
    assert sorted(g.id for g in list_games("goeree_holt")) == SUITE


@pytest.mark.parametrize("game_id", sorted(TABLES))
def test_matrix_payoffs_cell_by_cell(game_id: str) -> None:
    a, b = bimatrix(get_game(game_id)) or (None, None)
    assert a is not None and b is not None
    table = TABLES[game_id]
    assert a.shape == (len(table), len(table[0]))
    for i, row in enumerate(table):
        for j, (u1, u2) in enumerate(row):
            assert (a[i, j], b[i, j]) == (u1, u2), (game_id, i, j)


@pytest.mark.parametrize(
    ("game_id", "r"), [("gh_travelers_dilemma_r180", 180), ("gh_travelers_dilemma_r5", 5)]
)
def test_travelers_dilemma_payoffs(game_id: str, r: int) -> None:
    spec = get_game(game_id)
    a, b = bimatrix(spec) or (None, None)
    assert a is not None and b is not None
    assert a.shape == (121, 121)
    assert spec.action_labels[0][0] == "claim 180" and spec.action_labels[1][-1] == "claim 300"
    for i, x in enumerate(range(180, 301)):
        for j, y in enumerate(range(180, 301)):
            assert a[i, j] == _travelers(x, y, r) and b[i, j] == _travelers(y, x, r)
    assert str(r) in spec.payoff_rule and "180 to 300" in spec.payoff_rule


@pytest.mark.parametrize(
    ("game_id", "c"), [("gh_minimum_effort_c01", 0.1), ("gh_minimum_effort_c09", 0.9)]
)
def test_minimum_effort_payoffs(game_id: str, c: float) -> None:
    spec = get_game(game_id)
    a, b = bimatrix(spec) or (None, None)
    assert a is not None and b is not None
    assert a.shape == (61, 61)
    for i, x in enumerate(range(110, 171)):
        for j, y in enumerate(range(110, 171)):
            assert a[i, j] == pytest.approx(min(x, y) - c * x, abs=1e-9)
            assert b[i, j] == pytest.approx(min(x, y) - c * y, abs=1e-9)
    assert f"minus {c:g} times" in spec.payoff_rule


@pytest.mark.parametrize("game_id", sorted(TREES))
def test_two_stage_payoffs(game_id: str) -> None:
    root = tree_of(get_game(game_id).game().new_initial_state())
    (s_id, s_label, _, s_node), (r_id, r_label, _, r_node) = root.children
    assert (s_id, s_label, r_id, r_label) == (0, "S", 1, "R")
    assert s_node.payoffs == TREES[game_id]["S"]
    (_, p_label, _, p_node), (_, n_label, _, n_node) = r_node.children
    assert (p_label, n_label) == ("P", "N")
    assert p_node.payoffs == TREES[game_id]["RP"]
    assert n_node.payoffs == TREES[game_id]["RN"]


def test_each_treatment_knows_its_pair() -> None:
    for contradiction, treasure in PAIRS.items():
        assert get_game(contradiction).params["treatment"] == "contradiction"
        assert get_game(contradiction).params["treasure"] == treasure
        assert get_game(treasure).params["treatment"] == "treasure"
        assert get_game(treasure).params["treasure"] == treasure


@pytest.mark.parametrize("contradiction", sorted(PAIRS))
def test_a_pair_shares_its_equilibria(contradiction: str) -> None:
    """The paper's point: the payoff change leaves the equilibria where they were."""
    keys = ("pure_equilibria", "mixed_equilibria", "subgame_perfect")
    mine, theirs = structure(get_game(contradiction)), structure(get_game(PAIRS[contradiction]))
    if contradiction == "gh_auction_036":  # its Bayesian equilibrium: test_gh_auction.py
        return  # (structure() solves the ex-ante table, a game of uninformed bidders)
    if contradiction == "gh_signaling_contradiction":  # fn. 20: this change does move the
        # equilibria (separating -> pooling only): test_gh_signaling.py
        assert mine["subgame_perfect"] != theirs["subgame_perfect"]
        return
    if contradiction.startswith("gh_matching_pennies"):  # column's mix moves; row's stays 1/2
        assert mine["mixed_equilibria"][0][0] == theirs["mixed_equilibria"][0][0] == [0.5, 0.5]
        return
    for key in keys:
        assert mine[key] == theirs[key], key


@pytest.mark.parametrize(
    ("game_id", "row_top", "col_left"),
    [("gh_matching_pennies", 0.5, 0.5), ("gh_matching_pennies_320", 0.5, 1 / 8),
     ("gh_matching_pennies_44", 0.5, 10 / 11)],
)  # fmt: skip
def test_matching_pennies_predictions(game_id: str, row_top: float, col_left: float) -> None:
    ((x, y),) = structure(get_game(game_id))["mixed_equilibria"]
    assert x[0] == pytest.approx(row_top, abs=1e-6) and y[0] == pytest.approx(col_left, abs=1e-6)


def test_printed_and_computed_predictions() -> None:
    td = structure(get_game("gh_travelers_dilemma_r5"))
    assert td["pure_equilibria"] == [[0, 0]] and td["dominance_solvable"]  # claim 180 only
    coord = structure(get_game("gh_coordination_x400"))
    assert coord["pure_equilibria"] == [[0, 0], [1, 1]]
    assert coord["mixed_equilibria"][0][0] == pytest.approx([2 / 3, 1 / 3], abs=1e-6)
    assert coord["undominated_actions"][1] == [0, 1]  # S: dominated by a 50-50 mix of L and H
    kreps = structure(get_game("gh_kreps_basic"))
    assert kreps["pure_equilibria"] == [[0, 0], [1, 3]]
    ((x, y),) = kreps["mixed_equilibria"]
    assert x[0] == pytest.approx(30 / 31, abs=1e-6) and y[:2] == pytest.approx(
        [1 / 21, 20 / 21], abs=1e-6
    )
    effort = structure(get_game("gh_minimum_effort_c09"))
    assert effort["pure_equilibria"] == [[k, k] for k in range(61)]  # any common effort
    for game_id in TREES:
        (spe,) = structure(get_game(game_id))["subgame_perfect"]
        assert spe["path"] == [1, 1]  # (R, N)


@pytest.mark.parametrize("game_id", SUITE)
def test_openspiel_random_simulation(game_id: str) -> None:
    pyspiel.random_sim_test(get_game(game_id).game(), num_sims=10, serialize=False, verbose=False)


@pytest.mark.parametrize("game_id", ["gh_travelers_dilemma_r5", "gh_minimum_effort_c01"])
def test_many_action_prompts_state_the_rule_not_a_table(game_id: str) -> None:
    spec = get_game(game_id)
    state: Any = spec.game().new_initial_state()
    text = render(spec, state, 0, "cot").prompt
    assert "|" not in text  # no table
    assert spec.payoff_rule in text
    assert len(text) < 2_500
    assert np.all(np.asarray(state.legal_actions(0)) == np.arange(len(spec.action_labels[0])))
