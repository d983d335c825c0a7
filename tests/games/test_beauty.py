"""The p-beauty contest: the OpenSpiel game, its payoff rule, catalog entries, prompt and
structure features for N players."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pyspiel
import pytest

from stratlens.games import GuessView, decision_view, describe, get_game, list_games, structure
from stratlens.games._guess_features import NOT_COMPUTED, guess_structure
from stratlens.games._guessing import own_shares, shares, symmetric_equilibria
from stratlens.games.prompts import render

BEAUTY = [s.id for s in list_games("beauty_contest")]


def _returns(game_string: str, guesses: list[int]) -> list[float]:
    state = pyspiel.load_game(game_string).new_initial_state()
    assert state.is_simultaneous_node()
    state.apply_actions(guesses)
    assert state.is_terminal()
    return [float(r) for r in state.returns()]


@pytest.mark.parametrize(
    ("guesses", "expected"),
    [
        ([50, 30, 0], [0.0, 100.0, 0.0]),  # target 2/3 * 80/3 = 17.8: 30 is 12.2 away, 0 17.8
        ([0, 0, 100], [50.0, 50.0, 0.0]),  # target 22.2: the two zeros tie
        ([10, 10, 10], [100 / 3] * 3),
        ([100, 100, 0], [0.0, 0.0, 100.0]),  # target 44.4
        ([7, 2, 3], [0.0, 0.0, 100.0]),  # target 8/3: 3 is 1/3 away, 2 is 2/3 away
    ],
)
def test_three_player_payoffs_by_hand(guesses: list[int], expected: list[float]) -> None:
    got = _returns("python_stratlens_beauty_contest", guesses)
    assert got == pytest.approx(expected)
    assert sum(got) == pytest.approx(100.0)


def test_ties_and_two_player_contests() -> None:
    # p = 2/3 of an average of 3 or 6 is 2 or 4: the guesses on either side tie exactly
    assert _returns("python_stratlens_beauty_contest", [1, 3, 5]) == [50.0, 50.0, 0.0]
    assert _returns("python_stratlens_beauty_contest", [2, 6, 10]) == [50.0, 50.0, 0.0]
    # 2 players, p = 1/2: the lower guess is always nearer (1 and 3: target 1)
    s = "python_stratlens_beauty_contest(players=2,p_num=1,p_den=2)"
    assert _returns(s, [1, 3]) == [100.0, 0.0]
    assert _returns(s, [4, 0]) == [0.0, 100.0]
    # 4 players: guesses 3, 0, 0, 9 average 3, target 2: 3 is 1 away, 0 is 2 away
    assert _returns("python_stratlens_beauty_contest(players=4)", [3, 0, 0, 9]) == [
        100.0,
        0.0,
        0.0,
        0.0,
    ]


def test_vectorised_rule_matches_the_scalar_rule() -> None:
    rng = np.random.default_rng(5)
    for n in (2, 3, 5):
        others = rng.integers(0, 101, size=(40, n - 1))
        own = np.arange(101)
        table = own_shares(own, others, 2, 3, 100.0)
        for g, j in itertools.product((0, 17, 33, 100), range(40)):
            assert table[g, j] == pytest.approx(shares([g, *others[j]], 2, 3, 100.0)[0])


def test_game_type_and_info() -> None:
    game = get_game("beauty_contest_n7").game()
    t = game.get_type()
    assert t.dynamics == pyspiel.GameType.Dynamics.SIMULTANEOUS
    assert t.utility == pyspiel.GameType.Utility.CONSTANT_SUM
    assert (t.min_num_players, t.max_num_players) == (2, 10)
    assert game.num_players() == 7
    assert game.num_distinct_actions() == 101
    assert game.utility_sum() == 100.0
    with pytest.raises(ValueError, match="players must be"):
        pyspiel.load_game("python_stratlens_beauty_contest(players=11)")


@pytest.mark.parametrize("game_id", BEAUTY)
def test_random_simulation_and_labels(game_id: str) -> None:
    spec = get_game(game_id)
    game = spec.game()
    pyspiel.random_sim_test(game, num_sims=10, serialize=False, verbose=False)
    n = game.num_players()
    assert len(spec.action_labels) == n and spec.roles == (0,)
    state = game.new_initial_state()
    assert [state.action_to_string(p, 42) for p in range(n)] == ["guess 42"] * n
    assert all(labels[42] == "guess 42" for labels in spec.action_labels)


def test_catalog_parameters_say_which_contest() -> None:
    assert BEAUTY == ["beauty_contest", "beauty_contest_p12", "beauty_contest_n7"]
    for gid, n, p in (("beauty_contest", 3, "2/3"), ("beauty_contest_p12", 3, "1/2"),
                      ("beauty_contest_n7", 7, "2/3")):  # fmt: skip
        spec = get_game(gid)
        assert spec.params["players"] == n and spec.params["p"] == p
        assert spec.game().num_players() == n
        assert isinstance(decision_view(spec, spec.game().new_initial_state(), 0), GuessView)


def test_prompt_names_every_player_and_the_rule() -> None:
    spec = get_game("beauty_contest_n7")
    r = render(spec, spec.game().new_initial_state(), 0, "cot")
    assert r.prompt.startswith("You are taking part in a game with 6 other players.")
    assert "2/3 of the average of all 7 guesses" in r.prompt
    assert "All 7 players choose at the same time" in r.prompt
    assert len(r.legal_actions) == 101 and r.legal_actions[100] == "guess 100"
    assert "|" not in r.prompt  # no table


def test_symmetric_equilibria_checked_by_deviation() -> None:
    for n in (3, 7):
        found = symmetric_equilibria(n, 2, 3, 100)
        for c in range(101):
            base = shares([c] * n, 2, 3, 1.0)[0]
            best = max(shares([g] + [c] * (n - 1), 2, 3, 1.0)[0] for g in range(101))
            assert (c in found) == (best <= base + 1e-12)
    assert symmetric_equilibria(3, 2, 3, 100) == [0]
    assert symmetric_equilibria(7, 2, 3, 100) == [0, 1]  # integers: all-1 holds with 7 players


def test_structure_of_an_n_player_contest() -> None:
    st = structure(get_game("beauty_contest_n7"))
    assert st["players"] == 7 and st["num_actions"] == [101] * 7
    assert st["constant_sum"] and not st["general_sum"] and st["symmetric"]
    assert st["pure_equilibria"] == [[0] * 7, [1] * 7]
    assert st["security_values"] == [0.0] * 7  # the others can always get nearer
    assert st["table"] == "rule" and st["mixed_equilibria"] == []
    for key in NOT_COMPUTED:
        assert st[key] in (None, [])


def test_two_players_guess_zero_is_dominant_and_secures_half() -> None:
    st = guess_structure(GuessView(2, 2, 3, 100, 100.0))
    assert st["dominant_strategies"] == [0, 0]
    assert st["security_values"] == [50.0, 50.0]
    assert st["maximin_actions"] == [[0], [0]]
    assert guess_structure(GuessView(3, 2, 3, 100, 100.0))["dominant_strategies"] == [None] * 3


def test_describe_is_json_for_n_players() -> None:
    d = json.loads(json.dumps(describe(get_game("beauty_contest"))))
    assert d["kind"] == "guess" and d["players"] == 3 and d["payoffs"] is None
    assert len(d["actions"]) == 3 and d["actions"][2][0] == "guess 0"
    assert d["level_k_guesses"][:3] == pytest.approx([50.0, 200 / 7, 800 / 49])
    assert d["not_computed"] == list(NOT_COMPUTED)
    assert "nearest the target" in d["payoff_rule"]
