"""Structure features: textbook facts, checked through `structure(get_game(id))`.

Every expected number below is derived by hand from the payoff tables (the arithmetic is in
the comments); nothing is copied from the code's output.
"""

from __future__ import annotations

import json

import numpy as np
import pyspiel
import pytest

from stratlens.games import CHANCE, TERMINAL, GameSpec, TreeNode, get_game, iter_games
from stratlens.games._repeated_features import cooperative_cell, trigger_threshold
from stratlens.games.structure import (
    REPEATED_KEYS,
    STRUCTURE_KEYS,
    describe,
    structure,
    subgame_perfect,
    subgame_perfect_outcomes,
    tree_structure,
)


def s(game_id: str) -> dict[str, object]:
    return structure(get_game(game_id))


# --- prisoner's dilemma, zero-sum games, battle of the sexes --------------------------------


@pytest.mark.parametrize("game_id", ["prisoners_dilemma", "mixed_motive_baseline"])
def test_prisoners_dilemma(game_id: str) -> None:
    f = s(game_id)
    assert f["pure_equilibria"] == [[1, 1]]  # (Defect, Defect)
    assert f["mixed_equilibria"] == []
    assert f["dominant_strategies"] == [1, 1]
    assert f["dominance_solvable"] is True
    assert f["undominated_actions"] == [[1], [1]]
    assert f["social_dilemma"] is True  # (C, C) beats (D, D) for both
    assert f["symmetric"] is True and f["general_sum"] is True and f["zero_sum"] is False


@pytest.mark.parametrize(("game_id", "n"), [("matching_pennies", 2), ("rock_paper_scissors", 3)])
def test_zero_sum_games_have_one_uniform_equilibrium(game_id: str, n: int) -> None:
    f = s(game_id)
    uniform = [round(1 / n, 6)] * n
    assert f["pure_equilibria"] == []
    assert f["mixed_equilibria"] == [[uniform, uniform]]
    assert f["zero_sum"] is True and f["constant_sum"] is True and f["general_sum"] is False
    assert f["security_values"] == [0.0, 0.0]  # the value of a symmetric zero-sum game
    assert f["pure_security_values"] == [-1.0, -1.0]  # every pure action can lose 1
    assert f["social_dilemma"] is False  # no cell is better for both in a zero-sum game
    assert f["dominance_solvable"] is False


def test_battle_of_the_sexes_has_two_pure_and_one_mixed_equilibrium() -> None:
    # A = [[3, 0], [0, 2]], B = [[2, 0], [0, 3]].
    # P1 plays row 0 with x so that P2 is indifferent: 2x = 3(1 - x) -> x = 3/5.
    # P2 plays column 0 with y so that P1 is indifferent: 3y = 2(1 - y) -> y = 2/5.
    f = s("battle_of_the_sexes")
    assert f["pure_equilibria"] == [[0, 0], [1, 1]]
    assert f["mixed_equilibria"] == [[[0.6, 0.4], [0.4, 0.6]]]
    # Mixed equilibrium payoffs: P1 3 * 2/5 = 6/5, P2 3 * 3/5 = 6/5; cell (0, 0) = (3, 2) beats
    # both, but a social dilemma needs a deficient *pure* equilibrium, and (3, 2) and (2, 3)
    # are each Pareto-efficient: not a dilemma.
    assert f["social_dilemma"] is False
    # Security: P1 mixes x on row 0: min(3x, 2(1 - x)) is largest at x = 2/5 -> 6/5.
    assert f["security_values"] == pytest.approx([1.2, 1.2])
    assert f["payoff_dominant"] is None  # (3, 2) vs (2, 3): neither dominates
    # Risk: (0, 0): (3 - 0)(2 - 0) = 6; (1, 1): (2 - 0)(3 - 0) = 6 -> tie.
    assert f["risk_dominant"] is None


# --- equilibrium selection -----------------------------------------------------------------


def test_cooperation_baseline_payoff_vs_risk_dominance() -> None:
    # A = [[8, 0], [7, 5]], B = A.T. Nash products: (0, 0): (8 - 7)(8 - 7) = 1;
    # (1, 1): (5 - 0)(5 - 0) = 25 -> (hare, hare) is risk-dominant, (stag, stag) payoff-dominant.
    f = s("cooperation_baseline")
    assert f["pure_equilibria"] == [[0, 0], [1, 1]]
    assert f["payoff_dominant"] == [0, 0]
    assert f["risk_dominant"] == [1, 1]
    assert f["social_dilemma"] is True  # (1, 1) = (5, 5) < (8, 8)
    # Mixed: P2 plays column 0 with y: 8y = 7y + 5(1 - y) -> y = 5/6 (same for P1 by symmetry).
    assert f["mixed_equilibria"] == [[[0.833333, 0.166667], [0.833333, 0.166667]]]


def test_cooperation_variants_risk_dominance() -> None:
    # high payoff: (0, 0): (20 - 7)^2 = 169 > (1, 1): 5^2 = 25 -> both criteria pick (0, 0).
    assert s("cooperation_high_payoff")["risk_dominant"] == [0, 0]
    # asymmetric A = [[12, 0], [7, 5]], B = [[8, 7], [0, 5]]: (0, 0): (12 - 7)(8 - 7) = 5;
    # (1, 1): (5 - 0)(5 - 0) = 25.
    f = s("cooperation_asymmetric")
    assert f["risk_dominant"] == [1, 1] and f["payoff_dominant"] == [0, 0]
    assert f["symmetric"] is False


def test_openspiel_stag_hunt() -> None:
    # OpenSpiel's matrix_sh: A = [[2, 0], [1, 1]], B = A.T. Payoff-dominant: (0, 0) = (2, 2).
    # Nash products: (0, 0): (2 - 1)(2 - 1) = 1; (1, 1): (1 - 0)(1 - 0) = 1: a tie, so no
    # equilibrium strictly risk-dominates (the mixed equilibrium sits at exactly 1/2).
    f = s("stag_hunt")
    assert f["payoff_dominant"] == [0, 0]
    assert f["risk_dominant"] is None
    assert f["payoff_dominant"] != f["risk_dominant"]
    assert f["mixed_equilibria"] == [[[0.5, 0.5], [0.5, 0.5]]]
    assert f["social_dilemma"] is True  # (1, 1) = (1, 1) < (2, 2)


def test_pure_coordination_has_no_payoff_dominant_equilibrium() -> None:
    f = s("pure_coordination")  # (1, 1) on the diagonal, (0, 0) off it
    assert f["pure_equilibria"] == [[0, 0], [1, 1]]
    assert f["payoff_dominant"] is None and f["risk_dominant"] is None
    # The mixed equilibrium (1/2, 1/2) pays 1/2 each and (0, 0) beats it, but both pure
    # equilibria pay the best there is (1, 1): no deficient equilibrium, no dilemma.
    assert f["mixed_equilibria"] == [[[0.5, 0.5], [0.5, 0.5]]]
    assert f["social_dilemma"] is False


@pytest.mark.parametrize(
    ("game_id", "dilemma"),
    [
        ("prisoners_dilemma", True),  # (D, D) = (1, 1) < (C, C)
        ("stag_hunt", True),  # (hare, hare) = (1, 1) < (stag, stag) = (2, 2)
        ("travelers_dilemma", True),  # the only equilibrium, claim 2 each, < any higher claim
        ("three_level_stag_hunt", True),  # (6, 6) and (4, 4) < (9, 9)
        # Chicken: A = [[0, 4], [1, 3]], B = A.T. Pure equilibria (4, 1) and (1, 4); (3, 3)
        # gives one of them less, so neither is deficient (the mixed one, (2, 2), would be).
        ("chicken", False),
        ("battle_of_the_sexes", False),
        ("pure_coordination", False),
        # SW10: pure equilibria (47, 47), (43, 91), (91, 43); the best joint cell is (91, 43)
        # itself and no cell pays both more than 47 (checked cell by cell in the table).
        ("sw10", False),
        ("matching_pennies", False),  # no pure equilibrium at all
    ],
)
def test_social_dilemma_needs_a_deficient_pure_equilibrium(game_id: str, dilemma: bool) -> None:
    assert s(game_id)["social_dilemma"] is dilemma


# --- jia2025 -----------------------------------------------------------------------------


def test_competitive_security_values() -> None:
    base, high, low = (
        s(g) for g in ("competitive_baseline", "competitive_high_stake", "competitive_low_stake")
    )
    # Pure, P1 (row minima): BL r0 min(10, 0, -5) = -5, r1 -10, r2 -5 -> -5 (rows 0, 2);
    # HS r0 -10, r1 -20, r2 -10 -> -10; LS r0 -1, r1 -3, r2 -1 -> -1.
    # Pure, P2 (column minima of B): BL c0 min(-10, 10, 0) = -10, c1 min(5, 0, -5) = -5,
    # c2 min(8, -5, 5) = -5 -> -5 (columns 1, 2); HS -20/-10/-10 -> -10; LS -3/-1/-1 -> -1.
    assert base["pure_security_values"] == [-5.0, -5.0]
    assert high["pure_security_values"] == [-10.0, -10.0]
    assert low["pure_security_values"] == [-1.0, -1.0]
    for f in (base, high, low):
        assert f["maximin_actions"] == [[0, 2], [1, 2]]
        assert f["pure_equilibria"] == []
        assert f["zero_sum"] is False and f["constant_sum"] is False
    # Mixed, P1. BL: x = (6, 5, 0)/11 gives columns ((60 - 50), 25, (-30 + 40))/11, min 10/11;
    # P2's y = (13, 0, 20)/33 holds every row to at most 10/11 (r0: (130 - 100)/33 = 10/11,
    # r1: (-130 + 160)/33 = 10/11, r2: -100/33), so 10/11 is the value.
    # HS: x = (7, 6, 0)/13 -> columns (20, 60, 20)/13; y = (5, 0, 8)/13 -> rows 20/13, 20/13,
    # -80/13. LS: x = (5, 4, 0)/9 -> columns (3, 4, 3)/9; y = (1, 0, 2)/3 -> rows 1/3, 1/3, -2/3.
    # Mixed, P2. BL: y = (23, 14, 30)/67 -> rows r0 (-230 + 70 + 240)/67, r1 (230 - 150)/67,
    # r2 (-70 + 150)/67, all 80/67; P1's x = (25, 33, 9)/67 holds every column of B to 80/67.
    # HS: y = (3, 2, 4)/9 -> rows (-60 + 20 + 60)/9, (60 - 40)/9, (-20 + 40)/9 = 20/9; x =
    # (10, 13, 4)/27. LS: y = (5, 3, 9)/17 -> rows (-15 + 3 + 18)/17, (15 - 9)/17, (-3 + 9)/17 =
    # 6/17; x = (7, 9, 1)/17.
    assert base["security_values"] == pytest.approx([10 / 11, 80 / 67], abs=1e-8)
    assert high["security_values"] == pytest.approx([20 / 13, 20 / 9], abs=1e-8)
    assert low["security_values"] == pytest.approx([1 / 3, 6 / 17], abs=1e-8)


@pytest.mark.parametrize(
    ("game_id", "pure", "mixed", "actions"),
    [
        # Stag hunts: row 1 secures 5 (row 0 can get 0); mixing x on row 0 yields 5(1 - x)
        # against column 1, so the mixed level is also 5. Same for P2 by the same arithmetic.
        ("cooperation_baseline", [5, 5], [5, 5], [[1], [1]]),
        ("cooperation_high_payoff", [5, 5], [5, 5], [[1], [1]]),
        ("cooperation_asymmetric", [5, 5], [5, 5], [[1], [1]]),
        # PD baseline: defection guarantees 1 (cooperation 0) and dominates, so mixing cannot
        # help: 1 for both. Low punishment: defection guarantees 2.
        ("mixed_motive_baseline", [1, 1], [1, 1], [[1], [1]]),
        ("mixed_motive_low_punishment", [2, 2], [2, 2], [[1], [1]]),
        # High punishment as printed: P1 r0 min(10, 0) = 0, r1 min(15, -5) = -5; mixing x on
        # r0 gives min(15 - 5x, -5 + 5x), largest at x = 1 -> 0. P2: c0 min(10, 0) = 0,
        # c1 min(15, 5) = 5 and c1 dominates -> 5.
        ("mixed_motive_high_punishment", [0, 5], [0, 5], [[0], [1]]),
        # Bayesian p = 0.5: expected A = [[9, 5.5], [6, 2.5]] -> r0 (dominant) secures 5.5;
        # expected B = [[9, 2.5], [4.5, 2.5]] -> c0 (dominant) secures 4.5.
        ("bayesian_coordination_p05", [5.5, 4.5], [5.5, 4.5], [[0], [0]]),
        # p = 0.9: A = [[9.8, 5.1], [6.8, 2.9]] -> 5.1; B = [[9.8, 2.1], [4.9, 2.9]] -> 4.9.
        ("bayesian_coordination_p09", [5.1, 4.9], [5.1, 4.9], [[0], [0]]),
        # Signaling, true table A = [[5, 2], [3, 1]] -> 2; B = [[5, 1], [2, 0]] -> c0 secures 2.
        ("signaling", [2, 2], [2, 2], [[0], [0]]),
        # SW10: r0 min(47, 51, 28) = 28, r1 11, r2 11 -> 28. Mixed: x = (32, 23, 0)/55 gives
        # columns (2516, 1885, 1885)/55, min 377/11; y = (0, 3, 8)/11 holds rows to
        # (153 + 224)/11 = 377/11, (33 + 344)/11 = 377/11, (273 + 88)/11 = 361/11. Symmetric.
        ("sw10", [28, 28], [377 / 11, 377 / 11], [[0], [0]]),
    ],
)
def test_jia2025_security_values(
    game_id: str, pure: list[float], mixed: list[float], actions: list[list[int]]
) -> None:
    f = s(game_id)
    assert f["pure_security_values"] == pytest.approx(pure, abs=1e-9)
    assert f["security_values"] == pytest.approx(mixed, abs=1e-8)
    assert f["maximin_actions"] == actions


def test_high_punishment_as_printed() -> None:
    # Column 1 strictly dominates for P2 (15 > 10, 5 > 0); P1's reply to it is row 0 (0 > -5).
    f = s("mixed_motive_high_punishment")
    assert f["pure_equilibria"] == [[0, 1]]
    assert f["mixed_equilibria"] == []
    assert f["dominant_strategies"] == [None, 1]
    assert f["dominance_solvable"] is True
    assert f["social_dilemma"] is False  # (0, 15): no cell gives P2 more than 15


def test_sw10() -> None:
    f = s("sw10")
    assert f["pure_equilibria"] == [[0, 0], [1, 2], [2, 1]]
    assert f["symmetric"] is True
    # Payoffs (47, 47), (43, 91), (91, 43): none Pareto-dominates the others.
    assert f["payoff_dominant"] is None
    # Pairwise Nash products: (1, 2) vs (0, 0): (43 - 28)(91 - 51) = 600 > (47 - 44)(47 - 43) =
    # 12; (1, 2) vs (2, 1): (43 - 11)(91 - 11) = 2560 = (91 - 11)(43 - 11): tie -> none.
    assert f["risk_dominant"] is None
    # Mixed equilibrium on rows {0, 1} and columns {0, 2}: P1's x = (10, 1, 0)/11 makes P2
    # indifferent between c0 (470 + 51)/11 and c2 (430 + 91)/11 (c1: 451/11 is worse);
    # P2's y = (5, 0, 1)/6 makes r0 (235 + 28)/6 = r1 (220 + 43)/6 (r2: 226/6 is worse).
    # Its mirror image is the other one; 3 pure + 2 mixed = 5, an odd number as it must be.
    assert f["mixed_equilibria"] == [
        [[0.909091, 0.090909, 0.0], [0.833333, 0.0, 0.166667]],
        [[0.833333, 0.0, 0.166667], [0.909091, 0.090909, 0.0]],
    ]


def test_incomplete_information_games() -> None:
    for game_id, table in (("bayesian_coordination_p05", "prior_expected"), ("signaling", "true")):
        f = s(game_id)
        assert f["table"] == table
        assert f["pure_equilibria"] == [[0, 0]]  # r0 and c0 strictly dominant in both tables
        assert f["dominant_strategies"] == [0, 0]
    assert s("bayesian_coordination_p09")["types"] == 2
    assert s("bayesian_coordination_p09")["chance"] is True
    assert s("signaling")["types"] == 1 and s("signaling")["chance"] is False


def test_repeated_games_keep_their_stage_game_apart() -> None:
    f = s("iterated_prisoners_dilemma")
    assert f["repeated"] is True and f["horizon"] == 10 and f["table"] == "stage"
    assert f["simultaneous"] is True and f["perfect_information"] is False
    # "Defect" dominates in the stage game, not in the repeated one: nothing of the stage
    # game's equilibrium analysis is reported as the repeated game's own.
    assert f["pure_equilibria"] == [] and f["dominant_strategies"] == [None, None]
    assert f["dominance_solvable"] is None and f["social_dilemma"] is None
    assert f["equilibrium_concept"] == "subgame_perfect"
    assert f["stage_game"] == "prisoners_dilemma"
    assert f["stage"] == {k: v for k, v in s("prisoners_dilemma").items() if k in f["stage"]}
    assert f["stage"]["pure_equilibria"] == [[1, 1]] and f["stage"]["dominance_solvable"]
    one_shot = s("matching_pennies")
    assert one_shot["repeated"] is False and one_shot["horizon"] == 1
    assert all(one_shot[k] is None for k in REPEATED_KEYS)
    assert all(s("ultimatum")[k] is None for k in REPEATED_KEYS)


def test_repeated_prisoners_dilemma_unravels_with_a_known_last_round() -> None:
    # matrix_pd: A = [[5, 0], [10, 1]], B = A.T. Cooperation (0, 0) pays 5, deviating pays 10,
    # Nash reversion (1, 1) pays 1: stay iff 5 >= (1 - d) 10 + d 1, i.e. d >= 5/9.
    fixed = s("iterated_prisoners_dilemma")
    random_stop = s("iterated_prisoners_dilemma_random_stop")
    for f in (fixed, random_stop):
        assert f["cooperative_cell"] == [0, 0]
        assert f["trigger_threshold"] == pytest.approx(5 / 9)
        assert f["unravels"] is True  # a unique stage equilibrium and a last round (10, or 30)
    assert fixed["max_rounds"] == 10 and fixed["trigger_sustainable"] is False
    # Continuation 0.9 >= 5/9: grim trigger sustains cooperation in the indefinite game.
    assert random_stop["horizon"] is None and random_stop["continue_probability"] == 0.9
    assert random_stop["max_rounds"] == 30 and random_stop["trigger_sustainable"] is True
    assert random_stop["chance"] is True and random_stop["constant_sum"] is False


def test_repeated_stag_hunt_and_chicken() -> None:
    # Stag hunt: (stag, stag) is a stage equilibrium: sustained at any continuation, and with
    # two stage equilibria the finite game does not unravel.
    sh = s("iterated_stag_hunt")
    assert sh["cooperative_cell"] == [0, 0] and sh["trigger_threshold"] == 0.0
    assert sh["trigger_sustainable"] is True and sh["unravels"] is False
    # Chicken: A = [[0, 4], [1, 3]]. Joint payoffs 0, 5, 5, 6: (1, 1) = (3, 3). Deviating pays
    # 4; reverting to (0, 1) pays the deviator 4 (no threat), the mixed equilibrium (1/2, 1/2)
    # pays 2: stay iff 3 >= (1 - d) 4 + 2 d, d >= 1/2. Fixed horizon: (3, 3) is no stage
    # equilibrium, so it cannot be played in the last round.
    ch = s("iterated_chicken")
    assert ch["cooperative_cell"] == [1, 1] and ch["trigger_threshold"] == pytest.approx(0.5)
    assert ch["trigger_sustainable"] is False and ch["unravels"] is False
    assert ch["stage"]["social_dilemma"] is False


def test_trigger_threshold_none_when_no_equilibrium_punishes() -> None:
    # A = [[2, 0], [3, 3]], B = [[2, 0], [0, 0]]: joint payoffs 4, 0, 3, 3, so (0, 0) is the
    # cell to repeat. P1 gains 1 by deviating to row 1, which strictly dominates; every stage
    # equilibrium plays row 1 and pays P1 3 > 2, so no reversion hurts P1.
    a = np.array([[2.0, 0.0], [3.0, 3.0]])
    b = np.array([[2.0, 0.0], [0.0, 0.0]])
    assert cooperative_cell(a, b) == (0, 0)
    assert trigger_threshold(a, b) is None


# --- every game --------------------------------------------------------------------------


def test_every_catalog_game_has_every_key_and_is_json_ready() -> None:
    games = list(iter_games())
    assert len(games) >= 20
    for spec in games:
        f = structure(spec)
        assert tuple(f) == STRUCTURE_KEYS, spec.id
        json.dumps(f, allow_nan=False)
        assert f["players"] == len(spec.action_labels) == spec.game().num_players()
        assert f["players"] == 2 or spec.kind == "guess"  # the p-beauty contest has N
        assert len(f["num_actions"]) == f["players"]
        one_shot = spec.kind not in ("tree", "repeated")
        assert f["equilibrium_concept"] == ("nash" if one_shot else "subgame_perfect")
        assert (f["stage"] is not None) == (spec.kind == "repeated")
        normal_form = f if one_shot else f["stage"]
        if normal_form is not None:  # every finite game has an equilibrium
            assert normal_form["pure_equilibria"] or normal_form["mixed_equilibria"], spec.id
            v, pv = normal_form["security_values"], normal_form["pure_security_values"]
            assert v[0] >= pv[0] - 1e-9 and v[1] >= pv[1] - 1e-9  # mixing never hurts
        assert f["zero_sum"] <= f["constant_sum"] and f["general_sum"] != f["constant_sum"]
        json.dumps(describe(spec), allow_nan=False)


def test_structure_is_cached_and_returns_copies() -> None:
    f = s("sw10")
    f["pure_equilibria"].clear()  # type: ignore[attr-defined]
    assert s("sw10")["pure_equilibria"] == [[0, 0], [1, 2], [2, 1]]


# --- describe ----------------------------------------------------------------------------


def test_describe_matrix_and_hidden_type_games() -> None:
    d = describe(get_game("mixed_motive_baseline"))
    assert d["payoffs"] == [[[3.0, 0.0], [5.0, 1.0]], [[3.0, 5.0], [0.0, 1.0]]]
    assert d["actions"] == [["row 0", "row 1"], ["column 0", "column 1"]]
    assert d["kind"] == "matrix" and d["suites"] == ["jia2025"] and d["players"] == 2
    assert d["structure"] == s("mixed_motive_baseline")

    b = describe(get_game("bayesian_coordination_p09"))
    assert [t["probability"] for t in b["payoff_types"]] == pytest.approx([0.9, 0.1])
    assert b["payoff_types"][0]["payoffs"][0] == [[10.0, 5.0], [7.0, 3.0]]  # type 1, P1
    assert np.allclose(b["payoffs"][0], [[9.8, 5.1], [6.8, 2.9]])  # 0.9 T1 + 0.1 T2

    sig = describe(get_game("signaling"))
    assert sig["payoffs"][0] == [[5.0, 2.0], [3.0, 1.0]]  # the true table
    assert sig["shown_to_player_2"][0] == [[4.0, 6.0], [2.0, 1.0]]
    assert "payoff_types" not in sig

    rep = describe(get_game("iterated_stag_hunt"))
    assert rep["payoffs"] == [[[2.0, 0.0], [1.0, 1.0]], [[2.0, 1.0], [0.0, 1.0]]]


# --- sequential games --------------------------------------------------------------------


def leaf(u0: float, u1: float) -> TreeNode:
    return TreeNode(TERMINAL, payoffs=(u0, u1))


def node(player: int, *children: tuple[int, float | None, TreeNode]) -> TreeNode:
    return TreeNode(player, tuple((a, f"a{a}", p, c) for a, p, c in children))


def test_tree_with_a_dilemma() -> None:
    # P1 keeps (1, 1) or passes; P2 then shares (2, 2) or grabs (0, 3). P2 grabs (3 > 2), so
    # P1 keeps (1 > 0). (2, 2) beats the outcome for both: a social dilemma.
    root = node(
        0, (0, None, leaf(1, 1)), (1, None, node(1, (0, None, leaf(2, 2)), (1, None, leaf(0, 3))))
    )
    f = tree_structure(root)
    assert f["subgame_perfect"] == [{"path": [0], "payoffs": [1.0, 1.0]}]
    assert f["social_dilemma"] is True
    # P1: keep secures 1, pass can give 0. P2 (P1 minimising it): keep gives 1, pass lets P2
    # take max(2, 3) = 3 -> min(1, 3) = 1.
    assert f["security_values"] == [1.0, 1.0]
    assert f["maximin_actions"] == [[0], None]
    assert f["general_sum"] is True and f["chance"] is False
    assert f["num_actions"] == [2, 2]
    assert tuple(f) == STRUCTURE_KEYS


def test_tree_ties_go_to_the_lowest_action_and_chance_is_an_expectation() -> None:
    # P2 moves first. Action 3: chance gives (4, 0) w.p. 1/4 and (0, 4) w.p. 3/4 -> (1, 3).
    # Action 5: P1 is indifferent between 2 -> (1, 3.5) and 7 -> (1, 0); the tie goes to the
    # lowest id, 2, so P2 expects 3.5 > 3 and takes 5.
    root = node(
        1,
        (5, None, node(0, (7, None, leaf(1, 0)), (2, None, leaf(1, 3.5)))),
        (3, None, node(CHANCE, (0, 0.25, leaf(4, 0)), (1, 0.75, leaf(0, 4)))),
    )
    assert subgame_perfect(root) == ([5, 2], (1.0, 3.5))
    f = tree_structure(root)
    # P2's security: action 3 gives 0.25 * 0 + 0.75 * 4 = 3; action 5 min(3.5, 0) = 0 -> 3.
    # P1's: P2 minimising P1: action 3 gives 0.25 * 4 = 1, action 5 max(1, 1) = 1 -> 1.
    assert f["security_values"] == [1.0, 3.0]
    assert f["maximin_actions"] == [None, [3]]
    assert f["chance"] is True and f["social_dilemma"] is False
    # The path stops at a chance node: P2 forced onto action 3 sees only its expectation.
    assert subgame_perfect(root.children[1][3]) == ([], (1.0, 3.0))


def test_zero_sum_tree_security_equals_its_value() -> None:
    # P1: 0 -> (1, -1) or 1 -> P2 chooses (-2, 2) or (3, -3); P2 picks 2, so P1 takes 0.
    root = node(
        0,
        (0, None, leaf(1, -1)),
        (1, None, node(1, (0, None, leaf(-2, 2)), (1, None, leaf(3, -3)))),
    )
    f = tree_structure(root)
    assert f["zero_sum"] is True and f["constant_sum"] is True and f["general_sum"] is False
    assert f["subgame_perfect"] == [{"path": [0], "payoffs": [1.0, -1.0]}]
    assert f["security_values"] == [1.0, -1.0]


def test_tree_kind_through_structure_and_describe() -> None:
    # Nim with piles (1, 2), normal play (who takes the last coin wins): the mover wins by
    # making the nim-sum 0, i.e. taking 1 from the pile of 2 (OpenSpiel action 1, "pile:2,
    # take:1"); after that P2 must take one coin and P1 takes the last.
    spec = GameSpec(
        id="test_nim_1_2",
        title="Nim (1, 2)",
        family="sequential",
        suites=("test",),
        kind="tree",
        build=lambda: pyspiel.load_game("nim(pile_sizes=1;2,is_misere=false)"),
        rules="",
        action_labels=((), ()),
    )
    f = structure(spec)
    assert f["simultaneous"] is False and f["perfect_information"] is True
    assert f["zero_sum"] is True
    # The winning first move is unique; after it every move of P2 loses, so P2 is indifferent
    # and each of its moves starts a subgame-perfect path (P1 then takes the last coin).
    paths = [o["path"] for o in f["subgame_perfect"]]
    assert paths and all(p[0] == 1 and len(p) == 3 for p in paths)
    assert all(o["payoffs"] == [1.0, -1.0] for o in f["subgame_perfect"])
    assert f["security_values"] == [1.0, -1.0]
    assert f["maximin_actions"] == [[1], None]
    assert f["pure_equilibria"] == [] and f["mixed_equilibria"] == []
    assert describe(spec)["payoffs"] is None


def test_jia2025_sequential_game_if_present() -> None:
    try:
        spec = get_game("sequential")
    except KeyError:
        pytest.skip("the sequential game is not in the catalog")
    f = structure(spec)
    # P2 answers r0 -> c0 (5 > 3 > 0), r1 -> c1 (3 > 2 > -1), r2 -> c0 (4 > 3 > -2); P1 then
    # gets 0, 3, 2 and plays r1. P1's worst cases: r0 0, r1 -1, r2 0 -> rows 0 and 2 secure 0.
    assert f["subgame_perfect"] == [{"path": [1, 1], "payoffs": [3.0, 3.0]}]
    assert f["security_values"][0] == 0.0
    assert f["maximin_actions"][0] == [0, 2]


def test_every_subgame_perfect_path_where_ties_give_several() -> None:
    # Ultimatum, pie 10: P2 accepts every positive offer (x > 0) and is indifferent at 0.
    # Accepting 0 makes offer 0 best for P1 (10 > 9); rejecting it makes offer 1 best (9 > 0):
    # two subgame-perfect paths. Offer 0 rejected is no equilibrium path (P1 would offer 1).
    f = s("ultimatum")
    assert f["subgame_perfect"] == [
        {"path": [0, 0], "payoffs": [10.0, 0.0]},
        {"path": [1, 0], "payoffs": [9.0, 1.0]},
    ]
    assert f["social_dilemma"] is False  # nothing pays P1 more than 10, or both more than (9, 1)
    # Trust game: P2 returns nothing (strictly best), so P1 sends nothing: one path; sending
    # everything and getting half of 30 back (15, 15) beats (10, 0) for both: a dilemma.
    t = s("trust_game")
    assert t["subgame_perfect"] == [{"path": [0, 0], "payoffs": [10.0, 0.0]}]
    assert t["social_dilemma"] is True


def test_subgame_perfect_outcomes_resolve_ties_upstream() -> None:
    # P1 stops (2, 2) or passes; P2 is indifferent between (3, 1) and (0, 1). Either choice of
    # P2 is subgame-perfect and P1's answer differs: pass if P2 would pick (3, 1), stop else.
    root = node(
        0, (0, None, leaf(2, 2)), (1, None, node(1, (0, None, leaf(3, 1)), (1, None, leaf(0, 1))))
    )
    assert subgame_perfect_outcomes(root) == [((0,), (2.0, 2.0)), ((1, 0), (3.0, 1.0))]
    assert subgame_perfect(root) == ([1, 0], (3.0, 1.0))  # the lowest-id tie rule: one of them
    # A chance node combines one outcome per child: P1's tie below chance gives two values.
    chance = node(CHANCE, (0, 0.5, node(0, (0, None, leaf(1, 0)), (1, None, leaf(1, 4)))),
                  (1, 0.5, leaf(3, 2)))  # fmt: skip
    assert subgame_perfect_outcomes(chance) == [((), (2.0, 1.0)), ((), (2.0, 3.0))]
