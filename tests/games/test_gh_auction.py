"""The first-price auction of Goeree & Holt (2001, section III) against the paper: Tables 4 and
5 recomputed from the game's own states, the Bayesian Nash bids checked as an equilibrium of
the game, the coin-flip tie, the pair, and what each bidder's prompt and view hold.

The printed tables are transcribed from ``reference/human_baselines.md`` §9, not read from the
catalog. The paper truncates thirds (−5/3 is printed −1.66), so a cell matches within 0.01.
"""

from __future__ import annotations

from typing import Any

import pyspiel
import pytest

from stratlens.games import decision_view, get_game, list_games
from stratlens.games._auction import BIDS, MAX_BID, expected_bid_payoff, payoff
from stratlens.games.prompts import render

# Rows: values low, middle, high; columns: bids 0-5 (Tables 4 and 5, p.1413).
TABLE_4 = {
    0: (0, -0.5, -1.66, -3, -4, -5),
    2: (0.33, 0.5, 0, -1, -2, -3),
    5: (0.83, 2, 2.5, 2, 1, 0),
}
TABLE_5 = {
    0: (0, -0.5, -1.66, -3, -4, -5),
    3: (0.5, 1, 0.83, 0, -1, -2),
    6: (1, 2.5, 3.33, 3, 2, 1),
}
PRINTED = {"gh_auction_025": TABLE_4, "gh_auction_036": TABLE_5}
NASH_BIDS = (0, 1, 2)  # low, middle, high value, both treatments [P]


def _pure(bids: tuple[int, ...]) -> list[list[float]]:
    return [[1.0 if b == x else 0.0 for b in BIDS] for x in bids]


@pytest.mark.parametrize("game_id", sorted(PRINTED))
@pytest.mark.parametrize("player", [0, 1])
def test_expected_payoffs_against_equilibrium_bidding_match_the_paper(
    game_id: str, player: int
) -> None:
    game = get_game(game_id).game()
    assert tuple(game.values) == tuple(PRINTED[game_id])
    for value, row in PRINTED[game_id].items():
        for bid, printed in enumerate(row):
            got = expected_bid_payoff(game, player, value, bid, _pure(NASH_BIDS))
            assert abs(got - printed) < 0.01, (game_id, value, bid, got, printed)
    third = expected_bid_payoff(game, player, 0, 2, _pure(NASH_BIDS))
    assert third == pytest.approx(-5 / 3)


@pytest.mark.parametrize("game_id", sorted(PRINTED))
def test_bayesian_nash_bids_are_an_equilibrium_of_the_game(game_id: str) -> None:
    game = get_game(game_id).game()
    for player in (0, 1):
        for value, nash in zip(game.values, NASH_BIDS, strict=True):
            pays = [expected_bid_payoff(game, player, value, b, _pure(NASH_BIDS)) for b in BIDS]
            assert max(pays) - pays[nash] < 1e-12, (game_id, player, value, pays)


@pytest.mark.parametrize("game_id", sorted(PRINTED))
def test_bidding_one_below_value_is_not_an_equilibrium(game_id: str) -> None:
    game = get_game(game_id).game()
    shaded = tuple(max(v - 1, 0) for v in game.values)
    gains = [
        max(expected_bid_payoff(game, 0, v, b, _pure(shaded)) for b in BIDS)
        - expected_bid_payoff(game, 0, v, s, _pure(shaded))
        for v, s in zip(game.values, shaded, strict=True)
    ]
    assert max(gains) > 0.1


def _after(game_id: str, *actions: int) -> Any:
    state = get_game(game_id).game().new_initial_state()
    for a in actions:
        state.apply_action(a)
    return state


def test_high_bid_wins_pays_its_bid_and_a_tie_is_a_coin_flip() -> None:
    state = _after("gh_auction_025", 2, 1)  # values 5 and 2
    assert (state.value(0), state.value(1)) == (5, 2)
    state.apply_actions([3, 1])
    assert state.is_terminal() and state.returns() == [2.0, 0.0]
    tie = _after("gh_auction_025", 2, 2)
    tie.apply_actions([2, 2])
    assert tie.is_chance_node() and tie.chance_outcomes() == [(0, 0.5), (1, 0.5)]
    assert tie.child(0).returns() == [3.0, 0.0] and tie.child(1).returns() == [0.0, 3.0]
    assert payoff(5, 2, 2) == 1.5 and payoff(2, 3, 1) == -1.0 and payoff(6, 1, 4) == 0.0


@pytest.mark.parametrize("game_id", sorted(PRINTED))
def test_openspiel_random_simulation(game_id: str) -> None:
    game = get_game(game_id).game()
    pyspiel.random_sim_test(game, num_sims=30, serialize=False, verbose=False)
    assert game.num_distinct_actions() == MAX_BID + 1 == 7


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValueError, match="must increase"):
        pyspiel.load_game("python_stratlens_first_price_auction(v0=2,v1=2,v2=5)")
    with pytest.raises(ValueError, match="from 0 to 6"):
        pyspiel.load_game("python_stratlens_first_price_auction(v0=0,v1=2,v2=9)")


def test_the_pair_knows_each_other() -> None:
    t, c = get_game("gh_auction_025"), get_game("gh_auction_036")
    assert t.params["treatment"] == "treasure" and c.params["treatment"] == "contradiction"
    assert t.params["treasure"] == c.params["treasure"] == "gh_auction_025"
    ids = [g.id for g in list_games("goeree_holt")]
    assert ids[ids.index("gh_auction_025") :][:2] == ["gh_auction_025", "gh_auction_036"]
    assert t.action_labels[0] == tuple(f"bid {b}" for b in range(7)) and t.params["ordered"]


def test_each_bidder_is_told_its_own_value_and_the_distribution_only() -> None:
    spec = get_game("gh_auction_036")
    state = _after("gh_auction_036", 2, 1)  # bidder 1 value 6, bidder 2 value 3
    one = render(spec, state, 0, "vanilla").prompt
    two = render(spec, state, 1, "vanilla").prompt
    assert "Your value for the prize is 6 dollars." in one and "3 dollars." not in one
    assert "Your value for the prize is 3 dollars." in two and "6 dollars." not in two
    for text in (one, two):
        assert "0, 3 or 6 dollars, each with probability 1/3" in text
        assert "from 0 to 6" in text and "coin flip" in text


def test_a_bidders_view_is_its_own_values() -> None:
    spec = get_game("gh_auction_025")
    state = _after("gh_auction_025", 2, 0)  # values 5 and 0
    mine, theirs = decision_view(spec, state, 0), decision_view(spec, state, 1)
    assert mine.own == tuple(tuple(payoff(5, x, y) for y in BIDS) for x in BIDS)
    assert theirs.own == tuple(tuple(payoff(0, x, y) for y in BIDS) for x in BIDS)
    assert len(mine.types) == 3 and all(t.probability == pytest.approx(1 / 3) for t in mine.types)
    # the other bidder's payoff, as bidder 1 believes it: the mean over its three values
    assert mine.other[0][2] == pytest.approx(
        (payoff(0, 2, 0) + payoff(2, 2, 0) + payoff(5, 2, 0)) / 3
    )
