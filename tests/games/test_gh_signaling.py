"""The signaling game of Goeree & Holt (2001, section IV) against the paper: every payoff cell
of Tables 7 and 8, the equilibria the paper names checked on the game's own states, the
pair, the hidden type, and what each player's prompt and view hold.

The tables are transcribed from ``reference/human_baselines.md`` §10, not read from the game.
"""

from __future__ import annotations

from typing import Any

import pyspiel
import pytest

from stratlens.games import decision_view, get_game, list_games
from stratlens.games._gh_signaling import (
    SignalingGame,
    best_replies,
    expected_returns,
    is_equilibrium,
)
from stratlens.games.prompts import render

A, B = 0, 1
LEFT, RIGHT = 0, 1
C, D, E = 0, 1, 2
# Table 7 (p.1415): (type, signal) -> (C, D, E), each (sender, responder) in cents [P]
TABLE_7 = {
    (A, LEFT): ((300, 300), (0, 0), (500, 300)),
    (A, RIGHT): ((450, 900), (150, 150), (1000, 300)),
    (B, LEFT): ((500, 500), (300, 450), (300, 0)),
    (B, RIGHT): ((450, 0), (0, 300), (0, 150)),
}
# Table 8: identical except type B / Left / C = (300, 300) [P]
TABLE_8 = {**TABLE_7, (B, LEFT): ((300, 300), (300, 450), (300, 0))}
PRINTED = {"gh_signaling_treasure": TABLE_7, "gh_signaling_contradiction": TABLE_8}


def _after(game_id: str, *actions: int) -> Any:
    state = get_game(game_id).game().new_initial_state()
    for a in actions:
        state.apply_action(a)
    return state


def _pure(k: int, n: int) -> list[float]:
    return [1.0 if i == k else 0.0 for i in range(n)]


def _sender(a: int, b: int) -> dict[int, list[float]]:
    return {A: _pure(a, 2), B: _pure(b, 2)}


def _responder(left: int, right: int) -> dict[int, list[float]]:
    return {LEFT: _pure(left, 3), RIGHT: _pure(right, 3)}


@pytest.mark.parametrize("game_id", sorted(PRINTED))
def test_every_cell_is_the_papers(game_id: str) -> None:
    for (t, s), row in PRINTED[game_id].items():
        for r, cell in enumerate(row):
            state = _after(game_id, t, s, r)
            assert state.is_terminal() and tuple(state.returns()) == cell, (t, s, r)


def test_the_pair_differs_in_one_cell_only() -> None:
    diff = [
        (t, s, r)
        for (t, s), row in TABLE_7.items()
        for r in range(3)
        if _after("gh_signaling_treasure", t, s, r).returns()
        != _after("gh_signaling_contradiction", t, s, r).returns()
    ]
    assert diff == [(B, LEFT, C)]


def test_separating_equilibrium_holds_in_the_treasure_only() -> None:
    sender, responder = _sender(RIGHT, LEFT), _responder(C, C)
    treasure = get_game("gh_signaling_treasure").game()
    ok, why = is_equilibrium(treasure, sender, responder)
    assert ok, why
    assert expected_returns(treasure, sender, responder) == {A: [450.0, 900.0], B: [500.0, 500.0]}
    ok, why = is_equilibrium(get_game("gh_signaling_contradiction").game(), sender, responder)
    assert not ok and why == "type B gains 150 by sending Right"


def test_no_separating_profile_is_an_equilibrium_of_the_contradiction() -> None:
    game = get_game("gh_signaling_contradiction").game()
    for a, b in ((RIGHT, LEFT), (LEFT, RIGHT)):
        for left in (C, D, E):
            for right in (C, D, E):
                assert not is_equilibrium(game, _sender(a, b), _responder(left, right))[0]


def test_pooling_equilibria_exist_in_the_contradiction() -> None:
    game = get_game("gh_signaling_contradiction").game()
    # both types Right, C to Right; D to the unsent Left, a best reply to a belief in type B
    ok, why = is_equilibrium(game, _sender(RIGHT, RIGHT), _responder(D, C))
    assert ok, why
    best, pays = best_replies(game.new_initial_state(), LEFT, [0.0, 1.0])
    assert best == [D] and pays == [300.0, 450.0, 0.0]
    assert is_equilibrium(game, _sender(LEFT, LEFT), _responder(C, D))[0]
    assert best_replies(game.new_initial_state(), RIGHT, [0.0, 1.0])[0] == [D]


def test_the_treasure_also_pools_on_left() -> None:
    # the equilibrium the intuitive criterion rules out: C to Left, D to Right [P]
    game = get_game("gh_signaling_treasure").game()
    ok, why = is_equilibrium(game, _sender(LEFT, LEFT), _responder(C, D))
    assert ok, why
    assert not is_equilibrium(game, _sender(LEFT, LEFT), _responder(C, C))[0]


@pytest.mark.parametrize("game_id", sorted(PRINTED))
def test_openspiel_random_simulation(game_id: str) -> None:
    game = get_game(game_id).game()
    pyspiel.random_sim_test(game, num_sims=30, serialize=False, verbose=False)
    root = game.new_initial_state()
    assert root.is_chance_node() and root.chance_outcomes() == [(A, 0.5), (B, 0.5)]


def test_the_responder_sees_the_signal_not_the_type() -> None:
    for s in (LEFT, RIGHT):
        a, b = _after("gh_signaling_treasure", A, s), _after("gh_signaling_treasure", B, s)
        assert a.current_player() == b.current_player() == 1
        assert a.information_state_string(1) == b.information_state_string(1)
        assert a.information_state_string(0) != b.information_state_string(0)
    spec = get_game("gh_signaling_treasure")
    one, two = _after(spec.id, A, LEFT), _after(spec.id, B, LEFT)
    assert decision_view(spec, one, 1) is decision_view(spec, two, 1)


def test_bad_parameter_is_refused() -> None:
    with pytest.raises(pyspiel.SpielError, match="b_left_c"):
        pyspiel.load_game("python_stratlens_gh_signaling(b_left_c=2.5)")
    with pytest.raises(ValueError, match="whole number"):
        SignalingGame({"b_left_c": True})


def test_the_pair_knows_each_other() -> None:
    t, c = get_game("gh_signaling_treasure"), get_game("gh_signaling_contradiction")
    assert t.params["treatment"] == "treasure" and c.params["treatment"] == "contradiction"
    assert t.params["treasure"] == c.params["treasure"] == "gh_signaling_treasure"
    ids = [g.id for g in list_games("goeree_holt")]
    assert ids[-2:] == ["gh_signaling_treasure", "gh_signaling_contradiction"]
    assert t.action_labels == (("Left", "Right"), ("C", "D", "E"))
    assert t.params["paper_actions"] == [["Left", "Right"], ["C", "D", "E"]]


def test_each_prompt_tells_only_what_its_player_knows() -> None:
    spec = get_game("gh_signaling_contradiction")
    state = _after(spec.id, B)
    sender = render(spec, state, 0, "vanilla").prompt
    assert "Your type is B." in sender and "type is A." not in sender
    state.apply_action(RIGHT)
    responder = render(spec, state, 1, "vanilla").prompt
    assert (
        "Player 1 sent the signal Right." in responder
        and "each type had probability 1/2" in responder
    )
    assert "Your type" not in responder
    for text in (sender, responder):  # both types' tables, Table 8's changed cell included
        assert "| Left | (300, 300) | (300, 450) | (300, 0) |" in text
        assert "| Right | (450, 900) | (150, 150) | (1000, 300) |" in text


def test_views_hold_own_type_or_the_prior() -> None:
    spec = get_game("gh_signaling_treasure")
    view = decision_view(spec, _after(spec.id, A), 0)
    right = dict((a, child) for a, _, _, child in view.root.children)[RIGHT]
    pays = [child.payoffs for _, _, _, child in right.children]
    # own type A's payoffs; the responder's as it expects them under the prior
    assert pays == [(450.0, 450.0), (150.0, 225.0), (1000.0, 225.0)]
    reply = decision_view(spec, _after(spec.id, B, LEFT), 1)
    assert reply.player == 1 and reply.root.player == 1
    assert [c.payoffs for _, _, _, c in reply.root.children] == [
        (400.0, 400.0), (150.0, 225.0), (400.0, 150.0)
    ]  # fmt: skip


def test_diagnostics_weigh_information_states_not_the_full_tree() -> None:
    from stratlens.profiler.behavior import catalog_views

    senders = catalog_views("gh_signaling_contradiction", 0)
    assert [v.root.player for v in senders] == [0, 0] and senders[0] != senders[1]
    replies = catalog_views("gh_signaling_contradiction", 1)
    assert [len(v.root.children) for v in replies] == [3, 3]
    assert all(c.is_terminal for v in replies for _, _, _, c in v.root.children)


def test_pure_equilibria_are_the_papers_predictions() -> None:
    from stratlens.games._gh_signaling import justified, pure_equilibria
    from stratlens.games.structure import structure

    # Table 7: the separating one and pooling on Left (C to Left, D to Right) [P]
    treasure = pure_equilibria(get_game("gh_signaling_treasure").game())
    assert [(s, r) for s, r, _ in treasure] == [((LEFT, LEFT), (C, D)), ((RIGHT, LEFT), (C, C))]
    # Table 8: pooling only [P]
    contradiction = pure_equilibria(get_game("gh_signaling_contradiction").game())
    assert {s for s, _, _ in contradiction} == {(LEFT, LEFT), (RIGHT, RIGHT)}
    # D to an unsent Left is a Nash reply in the treasure but no belief justifies it
    game = get_game("gh_signaling_treasure").game()
    assert is_equilibrium(game, _sender(RIGHT, RIGHT), _responder(D, C))[0]
    assert not justified(game.new_initial_state(), LEFT, D)
    st = structure(get_game("gh_signaling_treasure"))
    assert not st["perfect_information"] and st["types"] == 2
    assert [e["payoffs"] for e in st["subgame_perfect"]] == [[400.0, 400.0], [475.0, 700.0]]
