"""Views: the numbers an agent is handed match the game, from each player's side."""

from __future__ import annotations

import numpy as np

from stratlens.games import (
    RepeatedView,
    bimatrix,
    decision_view,
    get_game,
    joint_history,
    matrix_view,
)


def test_player_two_sees_the_transposed_table() -> None:
    spec = get_game("competitive_baseline")
    a, b = bimatrix(spec)  # type: ignore[misc]
    v0, v1 = matrix_view(spec, 0), matrix_view(spec, 1)
    np.testing.assert_array_equal(np.array(v0.own), a)
    np.testing.assert_array_equal(np.array(v0.other), b)
    np.testing.assert_array_equal(np.array(v1.own), b.T)
    np.testing.assert_array_equal(np.array(v1.other), a.T)
    # P2 playing column 2 against row 1 gets -5 (Table 14a, cell (r1, c2) = (8, -5))
    assert v1.own[2][1] == -5 and v1.other[2][1] == 8


def test_bayesian_view_is_the_prior_expectation() -> None:
    spec = get_game("bayesian_coordination_p05")
    v = matrix_view(spec, 0)
    # reference/jia2025.md: at p = 0.5, r0 (9, 9), (5.5, 2.5); r1 (6, 4.5), (2.5, 2.5)
    assert v.own == ((9.0, 5.5), (6.0, 2.5))
    assert v.other == ((9.0, 2.5), (4.5, 2.5))
    assert [t.probability for t in v.types] == [0.5, 0.5]
    v9 = matrix_view(get_game("bayesian_coordination_p09"), 1)
    assert v9.own[0][0] == 0.9 * 10 + 0.1 * 8


def test_signaling_receiver_sees_only_the_shown_table() -> None:
    spec = get_game("signaling")
    receiver = matrix_view(spec, 1)
    # shown table: r0 (4,4),(6,3); r1 (2,3),(1,2); the receiver's own payoff by (column, row)
    assert receiver.own == ((4.0, 3.0), (3.0, 2.0))
    sender = matrix_view(spec, 0)
    assert sender.own == ((5.0, 2.0), (3.0, 1.0))  # the true table
    assert sender.other == ((4.0, 3.0), (3.0, 2.0))  # the receiver acts on the shown table


def test_repeated_view_tracks_history_and_points() -> None:
    spec = get_game("iterated_prisoners_dilemma")
    state = spec.game().new_initial_state()
    state.apply_actions([0, 1])
    state.apply_actions([1, 1])
    assert joint_history(state) == [(0, 1), (1, 1)]
    v = decision_view(spec, state, 1)
    assert isinstance(v, RepeatedView)
    assert v.history == ((1, 0), (1, 1))  # own action first
    assert v.round == 2 and v.horizon == 10
    a, b = bimatrix(get_game("prisoners_dilemma"))  # type: ignore[misc]
    assert v.payoffs_so_far == (b[0, 1] + b[1, 1], a[0, 1] + a[1, 1])
