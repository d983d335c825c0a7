"""Says vs does: Wilson intervals, the styles' predicted actions rebuilt from stored moves,
and the coherence count."""

from __future__ import annotations

import math

import pytest

from stratlens.profiler.coherence import (
    StoredMove,
    coherence,
    episode_predictions,
    predictions,
    wilson,
)


def test_wilson_interval_known_values() -> None:
    low, high = wilson(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)
    low, high = wilson(10, 10)
    assert low == pytest.approx(0.7225, abs=1e-4) and high == 1.0
    assert wilson(0, 20)[0] == 0.0 and wilson(0, 20)[1] == pytest.approx(0.1611, abs=1e-4)
    assert all(math.isnan(x) for x in wilson(0, 0))


def _move(
    did: int,
    step: int,
    player: int,
    action: int | None,
    subject: bool = True,
    game: str = "sequential",
    episode: str = "e1",
) -> StoredMove:
    return StoredMove(did, episode, game, step, player, action, subject)


def test_one_shot_predictions_per_role() -> None:
    preds = predictions([_move(1, 0, 0, 0, game="stag_hunt"), _move(2, 0, 1, 1, game="stag_hunt")])
    # stag hunt: minimax takes the hare, trust the stag, level-2 belief is indifferent
    assert preds[1] == (frozenset({1}), frozenset({0}), frozenset({0, 1}))
    assert preds[2] == preds[1]


def test_sequential_game_replays_the_first_move() -> None:
    moves = [_move(10, 0, 0, 1), _move(11, 1, 1, 1)]
    preds = episode_predictions(moves)
    # Player 1 (rows): minimax row 0 (floor 0), trust row 2 (the fairer 7-total cell),
    # level-2 belief row 1 (Player 2 answers row 1 with column 1: 3 for me)
    assert preds[10] == (frozenset({0}), frozenset({2}), frozenset({1}))
    # Player 2 after row 1: (5,2), (3,3), (-1,-1): own best column 1, joint best column 0
    assert preds[11] == (frozenset({1}), frozenset({0}), frozenset({1}))


def test_repeated_game_predictions_follow_the_history() -> None:
    game = "iterated_prisoners_dilemma"
    moves = [
        _move(20, 0, 0, 0, game=game),
        _move(21, 0, 1, 1, subject=False, game=game),  # the other defects in round 1
        _move(22, 1, 0, 1, game=game),
        _move(23, 1, 1, 1, subject=False, game=game),
    ]
    preds = episode_predictions(moves)
    assert set(preds) == {20, 22}  # only the subject's decisions
    assert preds[20][1] == frozenset({0})  # trust opens in the joint cell
    assert preds[22][1] == frozenset({1})  # ... and answers a defection with the safe row
    assert preds[22][0] == frozenset({1})  # minimax defects every round


def test_replay_stops_after_a_move_without_action() -> None:
    preds = episode_predictions([_move(30, 0, 0, None), _move(31, 1, 1, 0)])
    assert set(preds) == {30}


def test_coherence_counts_only_diagnostic_style_labelled_decisions() -> None:
    stag = (frozenset({1}), frozenset({0}), frozenset({0, 1}))
    same = (frozenset({0}), frozenset({0}), frozenset({0}))
    decisions = [
        (1, "minimax"),  # coherent: minimax takes 1
        (0, "minimax"),  # not: minimax does not take 0
        (0, "trust_based"),  # coherent
        (1, "belief_anticipation"),  # coherent: belief is indifferent
        (0, "other"),  # diagnostic, but no style to match
        (0, "minimax"),  # not diagnostic: every style takes 0
        (None, "trust_based"),  # no action
    ]
    preds = [stag, stag, stag, stag, stag, same, stag]
    c = coherence(decisions, preds)
    assert (c.n, c.coherent, c.diagnostic, c.other_label) == (4, 3, 5, 1)
    assert c.rate == 0.75
    assert (c.low, c.high) == pytest.approx(wilson(3, 4))
