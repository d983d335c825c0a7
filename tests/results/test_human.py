"""Human rows against the paper's printed numbers, the distance and shift arithmetic, and the
treasure→contradiction shift of reference agents read back from a real store.

The expected numbers are transcribed from ``reference/human_baselines.md`` (the printed
shares, the appendix summary statistics and value counts), not from the data module.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import stratlens
from stratlens.games import get_game
from stratlens.results.human import human_row, human_rows
from stratlens.results.human.compare import (
    SMOOTHING,
    log_likelihood,
    shift_ratio,
    total_variation,
)
from stratlens.results.human.styles import counted_rows, human_profile
from stratlens.results.leaderboard import build_leaderboard
from stratlens.results.leaderboard.human_html import index_section, model_section

# "Value counts [A]" of the reference, per game.
VALUE_COUNTS = {
    "gh_travelers_dilemma_r5": {180: 4, 194: 1, 200: 2, 235: 1, 250: 2, 275: 1, 280: 1, 294: 1,
                                295: 1, 297: 1, 298: 1, 299: 9, 300: 25},
    "gh_travelers_dilemma_r180": {180: 38, 181: 1, 198: 1, 200: 1, 250: 1, 280: 1, 290: 1,
                                  298: 1, 299: 2, 300: 3},
    "gh_minimum_effort_c01": {110: 4, 120: 2, 130: 1, 140: 5, 142: 1, 150: 4, 155: 1, 160: 2,
                              164: 1, 170: 29},
    "gh_minimum_effort_c09": {110: 19, 120: 6, 122: 1, 124: 1, 125: 1, 130: 6, 140: 3, 150: 4,
                              160: 2, 170: 7},
}  # fmt: skip
# (mean, median) [A] from the reference's tables.
SUMMARY = {
    "gh_travelers_dilemma_r180": (200.70, 180),
    "gh_travelers_dilemma_r5": (279.58, 299.5),
    "gh_minimum_effort_c01": (156.42, 170),
    "gh_minimum_effort_c09": (129.82, 121),
}
# Printed percentages [P], in the paper's action order.
PRINTED = {
    ("gh_matching_pennies", 0): (48, 52),
    ("gh_matching_pennies", 1): (48, 52),
    ("gh_matching_pennies_320", 0): (96, 4),
    ("gh_matching_pennies_320", 1): (16, 84),
    ("gh_matching_pennies_44", 0): (8, 92),
    ("gh_matching_pennies_44", 1): (80, 20),
    ("gh_coordination_x0", 0): (4, 96),
    ("gh_coordination_x400", 0): (36, 64),
    ("gh_kreps_treasure", 0): (4, 96),
    ("gh_kreps_treasure", 1): (0, 0, 16, 84),
    ("gh_kreps_basic", 0): (68, 32),
    ("gh_kreps_basic", 1): (26, 8, 68, 0),
    ("gh_kreps_positive", 0): (84, 16),
    ("gh_kreps_positive", 1): (24, 12, 64, 0),
    ("gh_rely_p10", 0): (16, 84),
    ("gh_rely_p68", 0): (52, 48),
    ("gh_threat_p10", 0): (12, 88),
    ("gh_threat_p48", 0): (32, 68),
}


@pytest.mark.parametrize("game_id", sorted(VALUE_COUNTS))
def test_appendix_distributions_match_the_value_counts(game_id: str) -> None:
    spec = get_game(game_id)
    values = [int(label.split()[-1]) for label in spec.action_labels[0]]
    for role in (0, 1):
        row = human_row(game_id, role)
        assert row is not None and row.n == 50 and row.mark == "appendix"
        counts = {v: round(50 * s) for v, s in zip(values, row.shares, strict=True) if s > 0}
        assert counts == VALUE_COUNTS[game_id]
        mean = float(np.dot(values, row.shares))
        assert mean == pytest.approx(SUMMARY[game_id][0], abs=0.005)
        choices = np.repeat(values, [round(50 * s) for s in row.shares])
        assert float(np.median(choices)) == SUMMARY[game_id][1]


def test_travelers_dilemma_text_numbers() -> None:
    """ "close to 80 percent ... chose the Nash equilibrium"; 290-300 holds 38 of 50 at R = 5."""
    r180 = human_row("gh_travelers_dilemma_r180", 0)
    r5 = human_row("gh_travelers_dilemma_r5", 0)
    assert r180 is not None and r5 is not None
    assert r180.shares[0] == pytest.approx(0.76)
    assert sum(r5.shares[110:]) == pytest.approx(38 / 50)


@pytest.mark.parametrize(("cell", "percent"), sorted(PRINTED.items()))
def test_printed_shares(cell: tuple[str, int], percent: tuple[int, ...]) -> None:
    row = human_row(*cell)
    assert row is not None
    assert [round(100 * s, 9) for s in row.shares] == list(percent)
    assert len(row.shares) == len(get_game(cell[0]).action_labels[cell[1]][: len(percent)])


def test_only_printed_or_appendix_numbers_are_used() -> None:
    rows = human_rows("goeree_holt_2001")
    assert {r.mark for r in rows} == {"printed", "appendix", "uncertain"}
    uncertain, signal_b = [r for r in rows if not r.usable]
    assert (uncertain.game_id, uncertain.role) == ("gh_kreps_basic", 1)
    assert "102" in uncertain.note
    # "all" type B senders sent Left, their number not printed
    assert (signal_b.game_id, signal_b.context) == ("gh_signaling_treasure", "type B")
    # not printed: the column's L/S split, the second mover's choices after R
    assert human_row("gh_coordination_x0", 1) is None
    assert human_row("gh_rely_p68", 1) is None
    with pytest.raises(ValueError, match="unknown human study"):
        human_rows("nagel_1995")


def test_human_styles_are_fitted_on_counted_rows_once() -> None:
    r5 = human_profile(games=["gh_travelers_dilemma_r5"])
    r180 = human_profile(games=["gh_travelers_dilemma_r180"])
    assert r5.n_decisions == r180.n_decisions == 50  # the pooled symmetric rows counted once
    assert r5.weights["trust_based"] > 0.5  # half of the subjects claimed 300
    assert r180.weights["trust_based"] < 0.2  # 76% claimed 180
    assert r5.fit is not None and r5.fit.df > 0
    rows = counted_rows("goeree_holt_2001")
    assert all(r.n is not None and r.usable for r in rows)
    assert ("gh_matching_pennies", 0) not in {(r.game_id, r.role) for r in rows}  # no n
    everyone = human_profile()
    assert everyone.n_decisions == sum(r.n or 0 for r in rows)


def test_distance_arithmetic() -> None:
    human = np.array([0.5, 0.5, 0.0])
    assert float(total_variation([3, 3, 0], human)) == 0.0
    assert float(total_variation([0, 0, 4], human)) == 1.0
    smoothed = (1 - SMOOTHING) * human + SMOOTHING / 3
    expected = (2 * math.log(smoothed[0]) + math.log(smoothed[2])) / 3
    assert float(log_likelihood([1, 1, 1], human)) == pytest.approx(expected)
    assert math.isnan(float(log_likelihood([0, 0, 0], human)))


def test_shift_ratio_arithmetic() -> None:
    ht, hc = np.array([0.5, 0.5]), np.array([0.9, 0.1])
    assert float(shift_ratio(ht, hc, ht, hc)) == pytest.approx(1.0)
    assert float(shift_ratio(ht, ht, ht, hc)) == 0.0
    assert float(shift_ratio(hc, ht, ht, hc)) == pytest.approx(-1.0)
    values = np.array([1.0, 2.0, 3.0])
    # people's mean moves 1 -> 2; the model's 1 -> 3: twice as far
    assert float(shift_ratio([1, 0, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], values)) == 2.0


def test_equilibrium_agent_does_not_shift_and_qre_moves_with_people(tmp_path: Path) -> None:
    store = str(tmp_path / "s.db")
    td = ["gh_travelers_dilemma_r180", "gh_travelers_dilemma_r5"]
    mp = ["gh_matching_pennies", "gh_matching_pennies_320"]
    for model, args in (("baseline/nash", {}), ("baseline/qre", {"lam": "0.05"})):
        stratlens.evaluate(model, model_args=args, games=td, episodes=8, store=store)
        stratlens.evaluate(model, model_args=args, games=mp, episodes=150, store=store)
    lb = build_leaderboard(store, n_boot=200)
    shifts = {(key, s.contradiction, s.role): s for key, h in lb.human.items() for s in h.shifts}
    for role in (0, 1):  # the traveler's dilemma: claim 180 in both treatments
        nash = shifts[("baseline/nash", "gh_travelers_dilemma_r5", role)]
        assert nash.model_move == 0.0 and nash.shift.ratio.value == 0.0
        assert nash.shift.direction == "no clear shift"
        qre = shifts[("baseline/qre(lam=0.05)", "gh_travelers_dilemma_r5", role)]
        assert qre.ordered and qre.human_move == pytest.approx(279.58 - 200.70)
        assert qre.shift.direction == "with people" and qre.shift.ratio.low > 0.5
    # matching pennies, row player: the equilibrium stays at 1/2, people go to 96% Top
    nash = shifts[("baseline/nash", "gh_matching_pennies_320", 0)].shift.ratio
    assert nash.low < 0 < nash.high < 1
    qre = shifts[("baseline/qre(lam=0.05)", "gh_matching_pennies_320", 0)].shift
    assert qre.direction == "with people"
    # styles beside people's on the same game: people's high claims at R = 5 read as
    # trust-based, the equilibrium agent's claim 180 as minimax
    styles = {g.game_id: g for g in lb.human["baseline/nash"].styles}
    assert styles["gh_travelers_dilemma_r5"].human.dominant == "trust_based"
    assert styles["gh_travelers_dilemma_r5"].model.dominant == "minimax"
    # shown on the leaderboard and the model pages
    page = index_section(lb)
    assert "human/goeree_holt_2001" in page and "baseline/qre(lam=0.05)" in page
    (entry,) = [en for en in lb.entries if en.key == "baseline/qre(lam=0.05)"]
    assert "gh_travelers_dilemma_r180 → gh_travelers_dilemma_r5" in model_section(lb, entry)
