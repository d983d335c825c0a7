"""Human choices in Goeree & Holt (2001), per game of the ``goeree_holt`` suite and role.

Every share is one the paper prints (Tables 1-3, the text, the percentages of Figures 3-4) or
one computed from the individual choices printed in the authors' *Instructions and Data*
appendix (the traveler's dilemma and minimum-effort games, reproduced below as printed). The
complement of a printed share of a two-option choice (Top 4% when 96% chose Bottom) is used as
printed and said so in the row's note. Left out: shares the paper does not print (the column
player's L vs S split in the coordination game, the second mover's choices after R in the
two-stage games, which only follow by arithmetic from the outcome percentages). The basic
Kreps game's column shares add to 102 as printed (one is a misprint): that row is marked
``uncertain`` and kept out of every distance and shift.

The first-price auction's rows are Table 6's bid counts, one row per value (``context``:
the bidder's information state), both roles pooled: n is the subjects who drew that value
(the counts add to 50 per treatment). The means of the text are not used: for value 6 the
printed $3.40 does not match Table 6, whose counts give 53/15 = $3.53 (both are in the row's
note; `AUCTION_MEAN_BIDS` keeps the printed ones beside the counts).

The signaling game's rows (section IV, p.1415) are per information state too: the sender's
``"type A"`` / ``"type B"``, the responder's ``"signal Left"`` / ``"signal Right"``. Kept: type A
senders 7 of 10 Right (treasure) and 10 of 13 (contradiction), type B 9 of 11 Left
(contradiction), and the treasure's responses ("All responses in this game were C", n per
signal not printed). The treasure's type B row ("all of the type B subjects did send the Left
signal", their number not printed) is marked ``uncertain``. Left out: the contradiction's
responses, where only the Denied counts are printed (6 of 12 Left signals, 2 of 12 Right;
`SIGNALING_DENIED`), not the C / E split.
"""

from __future__ import annotations

from collections import Counter

from stratlens.results.human._rows import HumanRow

STUDY = "goeree_holt_2001"
_PAPER = "Goeree & Holt (2001)"

# Data Appendix Table II (traveler's dilemma) and Table III (minimum effort), as printed:
# five cohorts of ten subjects each.
_TD_R5 = """
300 180 250 300 300 299 300 300 294 180
200 299 180 300 250 295 280 300 300 300
300 300 300 298 200 275 300 300 300 299
300 299 194 300 299 235 297 300 300 299
299 300 300 299 299 180 300 300 300 300
"""
_TD_R180 = """
198 299 180 180 250 180 180 180 180 299
180 180 300 180 180 180 180 180 300 180
180 180 300 180 180 200 180 280 180 180
180 298 180 180 180 180 180 180 180 180
180 180 180 180 181 180 290 180 180 180
"""
_EFFORT_C01 = """
170 170 170 170 140 170 120 164 110 170
150 110 170 170 170 170 140 170 170 142
170 170 170 170 170 160 130 170 170 155
170 150 170 170 170 170 150 170 160 170
120 110 170 110 150 170 140 140 170 140
"""
_EFFORT_C09 = """
110 130 110 110 140 110 110 130 110 110
160 140 110 170 170 110 170 110 130 110
110 120 140 170 170 110 120 150 124 130
122 120 170 110 110 170 120 110 150 110
150 110 125 130 150 120 110 160 120 130
"""


# Table 6 (p.1414): bid -> count, per value; * bids 0, 1, 2 are the Bayesian Nash bids.
AUCTION_COUNTS: dict[str, dict[int, dict[int, int]]] = {
    "gh_auction_025": {
        0: {0: 20},
        2: {1: 15, 2: 1, 3: 0},
        5: {1: 1, 2: 5, 3: 6, 4: 2, 5: 0, 6: 0},
    },
    "gh_auction_036": {
        0: {0: 17},
        3: {1: 5, 2: 11, 3: 2},
        6: {1: 0, 2: 3, 3: 4, 4: 6, 5: 1, 6: 1},
    },
}
#: The mean bid per value as the text prints it (p.1414); computed from Table 6 the value-6
#: mean is 53/15 = 3.533, not 3.40.
AUCTION_MEAN_BIDS = {"gh_auction_025": (0.0, 1.06, 2.64), "gh_auction_036": (0.0, 1.82, 3.40)}
AUCTION_BIDS = 7  # bids 0-6, as the catalog's auction offers them


def _auction_rows(game_id: str) -> list[HumanRow]:
    out = []
    printed = AUCTION_MEAN_BIDS[game_id]
    for (value, counts), mean in zip(AUCTION_COUNTS[game_id].items(), printed, strict=True):
        n = sum(counts.values())
        shares = tuple(counts.get(b, 0) / n for b in range(AUCTION_BIDS))
        computed = sum(b * c for b, c in counts.items()) / n
        note = (
            f"value {value}: {n} of the 50 subjects; both roles pooled; mean bid "
            f"{computed:.3f} from the counts, {mean:.2f} printed in the text"
        )
        out += [
            HumanRow(STUDY, game_id, role, shares, n, "printed",
                     f"{_PAPER}, Table 6 (p.1414)", note, True, f"value {value}")
            for role in (0, 1)
        ]  # fmt: skip
    return out


#: The contradiction's responses as printed (fn. 21 and p.1415): signal -> (Denied, signals).
SIGNALING_DENIED = {"signal Left": (6, 12), "signal Right": (2, 12)}
_SIG = f"{_PAPER}, section IV, text p.1415"


def _signal_row(
    game_id: str, role: int, context: str, shares: tuple[float, ...], n: int | None, note: str,
    mark: str = "printed",
) -> HumanRow:  # fmt: skip
    return HumanRow(STUDY, game_id, role, shares, n, mark, _SIG, note, False, context)


_ALL_C = "'All responses in this game were C'; the number of responses per signal is not printed"
SIGNALING_ROWS = (
    _signal_row("gh_signaling_treasure", 0, "type A", (3 / 10, 7 / 10), 10,
                "7 of the 10 type A senders sent Right"),
    _signal_row("gh_signaling_treasure", 0, "type B", (1.0, 0.0), None,
                "'all of the type B subjects did send the Left signal'; their number is not "
                "printed", mark="uncertain"),
    _signal_row("gh_signaling_treasure", 1, "signal Left", (1.0, 0.0, 0.0), None, _ALL_C),
    _signal_row("gh_signaling_treasure", 1, "signal Right", (1.0, 0.0, 0.0), None, _ALL_C),
    _signal_row("gh_signaling_contradiction", 0, "type A", (3 / 13, 10 / 13), 13,
                "10 of the 13 type A senders sent Right"),
    _signal_row("gh_signaling_contradiction", 0, "type B", (9 / 11, 2 / 11), 11,
                "9 of the 11 type B senders sent Left"),
)  # fmt: skip


def raw_choices(text: str) -> list[int]:
    return [int(v) for v in text.split()]


def _from_choices(game_id: str, text: str, low: int, high: int, source: str) -> list[HumanRow]:
    """One row per role of a symmetric game: both roles' subjects pooled, as the paper does."""
    choices = raw_choices(text)
    counts = Counter(choices)
    shares = tuple(counts.get(v, 0) / len(choices) for v in range(low, high + 1))
    note = "symmetric game: all subjects' choices, pooled over the two roles"
    return [
        HumanRow(STUDY, game_id, role, shares, len(choices), "appendix", source, note, True)
        for role in (0, 1)
    ]


def _printed(
    game_id: str, role: int, percent: tuple[float, ...], n: int | None, source: str,
    note: str = "", mark: str = "printed",
) -> HumanRow:  # fmt: skip
    return HumanRow(STUDY, game_id, role, tuple(p / 100 for p in percent), n, mark, source, note)


_T1 = f"{_PAPER}, Table 1 (p.1406)"
_T2 = f"{_PAPER}, text p.1408 (Table 2 game)"
_T3 = f"{_PAPER}, Table 3 and text (p.1409)"
_APP_II = f"{_PAPER}, Data Appendix Table II"
_APP_III = f"{_PAPER}, Data Appendix Table III"
_MP_N = "n per role not printed (50 subjects in the two roles of the symmetric game)"
_COMPLEMENT = "the second share is 100 minus the printed one"

ROWS: tuple[HumanRow, ...] = (
    *_from_choices("gh_travelers_dilemma_r180", _TD_R180, 180, 300, _APP_II),
    *_from_choices("gh_travelers_dilemma_r5", _TD_R5, 180, 300, _APP_II),
    *_from_choices("gh_minimum_effort_c01", _EFFORT_C01, 110, 170, _APP_III),
    *_from_choices("gh_minimum_effort_c09", _EFFORT_C09, 110, 170, _APP_III),
    _printed("gh_matching_pennies", 0, (48, 52), None, _T1, _MP_N),
    _printed("gh_matching_pennies", 1, (48, 52), None, _T1, _MP_N),
    _printed("gh_matching_pennies_320", 0, (96, 4), None, _T1, "n not restated"),
    _printed("gh_matching_pennies_320", 1, (16, 84), None, _T1, "n not restated"),
    _printed("gh_matching_pennies_44", 0, (8, 92), None, _T1, "n not restated"),
    _printed("gh_matching_pennies_44", 1, (80, 20), None, _T1, "n not restated"),
    _printed("gh_coordination_x0", 0, (4, 96), None, _T2, f"n not printed; {_COMPLEMENT}"),
    _printed("gh_coordination_x400", 0, (36, 64), None, _T2, f"n not printed; {_COMPLEMENT}"),
    _printed("gh_kreps_treasure", 0, (4, 96), 25, _T3, f"50 subjects paired; {_COMPLEMENT}"),
    _printed(
        "gh_kreps_treasure",
        1,
        (0, 0, 16, 84),
        25,
        _T3,
        "50 subjects paired; Right 84 and Non-Nash 16 printed, so Left and Middle are 0",
    ),
    _printed("gh_kreps_basic", 0, (68, 32), 25, _T3, "50 subjects paired"),
    _printed(
        "gh_kreps_basic",
        1,
        (26, 8, 68, 0),
        25,
        _T3,
        "as printed, the shares add to 102: one is a misprint",
        mark="uncertain",
    ),
    _printed("gh_kreps_positive", 0, (84, 16), 25, _T3, "50 subjects paired"),
    _printed("gh_kreps_positive", 1, (24, 12, 64, 0), 25, _T3, "50 subjects paired"),
    _printed(
        "gh_rely_p10",
        0,
        (16, 84),
        25,
        f"{_PAPER}, Figure 3 (p.1410)",
        "25 pairs; S outcomes 16%, so R 84%",
    ),
    _printed(
        "gh_rely_p68",
        0,
        (52, 48),
        25,
        f"{_PAPER}, Figure 3 (p.1410)",
        "25 pairs; S outcomes 52%, R outcomes 12% + 36%",
    ),
    _printed(
        "gh_threat_p10",
        0,
        (12, 88),
        None,
        f"{_PAPER}, Figure 4 and text (p.1411)",
        "n not printed; 88% chose R",
    ),
    _printed(
        "gh_threat_p48",
        0,
        (32, 68),
        25,
        f"{_PAPER}, Figure 4 (p.1411)",
        "25 pairs; S outcomes 32%, R outcomes 32% + 36%",
    ),
    *_auction_rows("gh_auction_025"),
    *_auction_rows("gh_auction_036"),
    *SIGNALING_ROWS,
)
