"""Metric definitions pinned on hand-computed cases, through the real store where it matters."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from stratlens.agents import Decision, Usage
from stratlens.games import get_game
from stratlens.results import Store, open_store
from stratlens.results.leaderboard import build_leaderboard
from stratlens.results.metrics import (
    cooperative_action,
    equilibrium_distance,
    expected_payoff,
    game_facts,
    interval,
    regret,
    resample_counts,
    resample_sums,
    spe_actions,
    tv_distance,
)

Move = tuple[int, int | None]  # (player, action or None for an unparseable answer)


def add_run(store: Store, run_id: str, model: str, opponent: str = "baseline/random") -> None:
    store.add_run(
        run_id, model=model, model_args={}, suite=None, games=[], protocol="vanilla",
        opponent=opponent, episodes=1, seed=0, package_version="test", config={},
    )  # fmt: skip


def play(
    store: Store,
    run_id: str,
    model: str,
    game_id: str,
    role: int,
    idx: int,
    steps: Sequence[Sequence[Move]],
    *,
    reasoning: str = "",
    tokens: int = 10,
) -> None:
    """One episode on the real game: each step lists the moves made at it. The subject's
    unparseable answer (action None) ends the episode without returns."""
    spec = get_game(game_id)
    state = spec.game().new_initial_state()
    eid = f"{run_id}-{game_id}-{role}-{idx}"
    store.start_episode(eid, run_id, game_id, role, idx, idx)
    for step, moves in enumerate(steps):
        for player, action in moves:
            legal = {a: spec.action_labels[player][a] for a in state.legal_actions(player)}
            subject = player == role
            usage = Usage(10, tokens, tokens // 2, 0.001) if subject else Usage()
            d = (
                Decision(action, "ok", raw_output=str(action), reasoning=reasoning, usage=usage)
                if action is not None
                else Decision(None, "unparseable", raw_output="no idea", usage=usage)
            )
            name = model if subject else "baseline/random"
            store.add_decision(eid, run_id, step, player, "subject" if subject else "opponent",
                               name, d, None, legal)  # fmt: skip
        if any(a is None for _, a in moves):
            store.finish_episode(eid, "done", None, None, "unparseable")
            return
        if len(moves) == 2:
            state.apply_actions([a for _, a in sorted(moves)])
        else:
            state.apply_action(moves[0][1])
    store.finish_episode(eid, "done", [float(r) for r in state.returns()])


# --- pure definitions ------------------------------------------------------------------------


def test_regret_against_a_population_by_hand() -> None:
    a = game_facts("mixed_motive_baseline").tables
    assert a is not None
    own = a[0]  # [[3, 0], [5, 1]]
    x, p = np.array([0.5, 0.5]), np.array([0.25, 0.75])
    # A·p = [0.75, 2.0]; x·A·p = 1.375; the best response earns 2.0.
    assert float(expected_payoff(x, own, p)) == pytest.approx(1.375)
    assert float(regret(x, own, p)) == pytest.approx(0.625)
    assert float(regret(np.array([0.0, 1.0]), own, p)) == pytest.approx(0.0)
    # Column player's own table is B transposed: B = [[3, 5], [0, 1]] → rows = its actions.
    assert a[1].tolist() == [[3.0, 0.0], [5.0, 1.0]]


def test_equilibrium_distance_by_hand() -> None:
    # Stag hunt 8/0/7/5: pure equilibria (0,0), (1,1); mixed: each plays 0 with p = 5/6.
    eqs = game_facts("cooperation_baseline").equilibria[0]
    assert sorted(np.round(e[0], 6) for e in eqs) == [0.0, round(5 / 6, 6), 1.0]
    x = np.array([0.7, 0.3])
    # TV to (1, 0) = 0.3, to (0, 1) = 0.7, to (5/6, 1/6) = 2/15: the nearest wins.
    assert float(equilibrium_distance(x, eqs)) == pytest.approx(2 / 15, abs=1e-6)  # 6 decimals
    # Matching pennies: the only equilibrium is uniform.
    mp = game_facts("matching_pennies").equilibria[1]
    assert float(equilibrium_distance(np.array([0.8, 0.2]), mp)) == pytest.approx(0.3)
    assert float(tv_distance([1, 0, 0], [0, 0.5, 0.5])) == 1.0
    assert math.isnan(float(equilibrium_distance(x, [])))


def test_cooperative_action_follows_team_reasoning_with_ties() -> None:
    # OpenSpiel's PD: CC, CD and DC all sum to 10; the fairest is CC → action 0.
    assert game_facts("prisoners_dilemma").cooperative == (0, 0)
    assert game_facts("chicken").cooperative == (1, 1)
    assert game_facts("travelers_dilemma").cooperative == (2, 2)
    # Competitive and coordination families have no cooperation rate.
    assert game_facts("competitive_baseline").cooperative == (None, None)
    assert game_facts("battle_of_the_sexes").cooperative == (None, None)
    a = np.array([[2.0, 2.0], [0.0, 0.0]])
    assert cooperative_action(a, a.copy(), 0) == 0
    assert cooperative_action(a, a.copy(), 1) is None  # both columns tie in every respect


def test_subgame_perfect_actions_in_sequential_games() -> None:
    assert spe_actions("ultimatum", ()) == {0, 1}  # offer 0 (accepted) or 1 (0 rejected)
    assert spe_actions("ultimatum", (3,)) == {0}  # accept a positive offer
    assert spe_actions("ultimatum", (0,)) == {0, 1}  # indifferent at 0
    assert spe_actions("trust_game", (4,)) == {0}
    assert spe_actions("centipede", (1,)) == {0}


def test_resampling_keeps_the_total_and_the_mean() -> None:
    rng = np.random.default_rng(0)
    for mult in ([3, 5, 2], [4000, 3000, 3000]):  # one by one, then multinomial
        counts = resample_counts(mult, 2000, rng)
        assert counts.shape == (2000, 3)
        assert (counts.sum(axis=1) == sum(mult)).all()
        assert counts.mean(axis=0) == pytest.approx(mult, rel=0.03)
    point, reps = resample_sums([[1.0, 2.0], [0.0, 1.0]], [3, 1], 10, rng)
    assert point.tolist() == [3.0, 7.0]
    assert reps.shape == (10, 2)
    assert (reps[:, 0] * 1 + (4 - reps[:, 0]) * 0 == reps[:, 0]).all()


def test_interval_covers_the_true_value_at_its_stated_rate() -> None:
    """400 samples of 80 Bernoulli(0.3) draws: the 95% interval of the share covers 0.3
    in 95% of them (binomial standard error of the rate ≈ 0.011)."""
    rng = np.random.default_rng(12345)
    truth, n, trials = 0.3, 80, 400
    covered = 0
    for _ in range(trials):
        k = int((rng.random(n) < truth).sum())
        point, reps = resample_sums([[1.0, 1.0], [1.0, 0.0]], [k, n - k], 1000, rng)
        est = interval(point[1] / point[0], reps[:, 1] / reps[:, 0], 0.95)
        covered += est.low <= truth <= est.high
    assert 0.92 <= covered / trials <= 0.98
    narrow = interval(0.3, np.full(10, 0.3))
    assert (narrow.low, narrow.high) == (0.3, 0.3)
    assert math.isnan(interval(0.5, np.full(10, np.nan)).low)


# --- through the store -----------------------------------------------------------------------


def _group(lb: object, model: str, game: str, role: int) -> dict[str, float]:
    for en in lb.entries:  # type: ignore[attr-defined]
        if en.model == model:
            for g in en.groups:
                if g.game_id == game and g.role == role:
                    return {k: v.value for k, v in {**g.metrics, **g.usage}.items()}
    raise AssertionError(f"no group {model} {game} {role}")


def test_one_shot_metrics_by_hand(tmp_path: Path) -> None:
    """mixed_motive_baseline (A = [[3, 0], [5, 1]], payoffs 0..5), subject as player 1:
    cooperate vs cooperate (3), cooperate vs defect (0), defect vs cooperate (5), and one
    unparseable answer. The population (the only other model, as player 2) cooperates half
    of the time."""
    path = tmp_path / "s.db"
    with open_store(path) as store:
        add_run(store, "r1", "m/one")
        for i, (mine, theirs) in enumerate([(0, 0), (0, 1), (1, 0), (None, 0)]):
            play(store, "r1", "m/one", "mixed_motive_baseline", 0, i, [[(0, mine), (1, theirs)]])
        add_run(store, "r2", "m/two")
        for i, mine in enumerate([0, 1]):
            play(store, "r2", "m/two", "mixed_motive_baseline", 1, i, [[(0, 1), (1, mine)]])
    lb = build_leaderboard(path, n_boot=200)
    m = _group(lb, "m/one", "mixed_motive_baseline", 0)
    assert m["share:row 0"] == pytest.approx(2 / 3)
    assert m["failure_rate"] == pytest.approx(1 / 4)
    assert m["failure:unparseable"] == pytest.approx(1 / 4)
    assert m["payoff_ref"] == pytest.approx(8 / 3)  # over the three outcomes
    assert m["norm_ref"] == pytest.approx((0.6 + 0.0 + 1.0 + 0.0) / 4)  # failure scores 0
    # Population p = (0.5, 0.5): A·p = (1.5, 3.0); x·A·p = 2/3·1.5 + 1/3·3 = 2.0.
    assert m["payoff_pop"] == pytest.approx(2.0)
    assert m["regret"] == pytest.approx(1.0)
    assert m["regret_norm"] == pytest.approx(0.2)
    assert m["norm_pop"] == pytest.approx(0.75 * 2.0 / 5.0)
    assert m["score"] == pytest.approx((0.4 + 0.3) / 2)
    assert m["eq_distance"] == pytest.approx(2 / 3)  # to the equilibrium (defect, defect)
    assert m["cooperation"] == pytest.approx(2 / 3)
    assert math.isnan(m["trust"])
    assert m["completion_tokens"] == pytest.approx(10.0)
    assert m["reasoning_tokens"] == pytest.approx(5.0)
    # m/two as player 2 (own table [[3, 0], [5, 1]], range 0..5) cooperated and defected
    # against defection: payoffs 0 and 1, so norm_ref = (0 + 0.2) / 2 = 0.1. Its population
    # is m/one's (2/3, 1/3): own table · p = (2, 11/3), x · that = 17/6, norm_pop = 17/30.
    two = _group(lb, "m/two", "mixed_motive_baseline", 1)
    assert two["norm_ref"] == pytest.approx(0.1)
    assert two["norm_pop"] == pytest.approx(17 / 30)
    # Each row's score is the mean group score over its own games (one group each here) ...
    own = {en.model: 100 * en.summary["score"].value for en in lb.entries}
    assert own == pytest.approx({"m/one": 35.0, "m/two": 100 * (0.1 + 17 / 30) / 2})
    # ... and the headline ranks rows only over the cells they share: here none (m/one played
    # role 1, m/two role 2), so there is no headline ranking rather than one on other games.
    assert lb.common == [] and all(math.isnan(en.headline.value) for en in lb.entries)
    assert [en.model for en in lb.entries] == ["m/one", "m/two"]


def test_sequential_and_repeated_metrics_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with open_store(path) as store:
        add_run(store, "r1", "m/seq")
        # Ultimatum proposer offers 5 and 2 (accepted): cooperation = mean offer share 0.35,
        # both off the subgame-perfect offer 0.
        play(store, "r1", "m/seq", "ultimatum", 0, 0, [[(0, 5)], [(1, 0)]])
        play(store, "r1", "m/seq", "ultimatum", 0, 1, [[(0, 2)], [(1, 0)]])
        # Trust game receiver gets 3·4 = 12 and returns 6, then gets 0 (no decision needed
        # beyond returning 0 of 0): trust = mean returned share over sent > 0 = 0.5.
        play(store, "r1", "m/seq", "trust_game", 1, 0, [[(0, 4)], [(1, 6)]])
        play(store, "r1", "m/seq", "trust_game", 1, 1, [[(0, 0)], [(1, 0)]])
        # Centipede: the subject (player 1) continues, player 2 stops at move 2.
        play(store, "r1", "m/seq", "centipede", 0, 0, [[(0, 1)], [(1, 0)]])
        # Iterated PD, 10 rounds of mutual cooperation: 5 per round of a 0..10 range.
        play(store, "r1", "m/seq", "iterated_prisoners_dilemma", 0, 0, [[(0, 0), (1, 0)]] * 10)
    lb = build_leaderboard(path, n_boot=200)
    ult = _group(lb, "m/seq", "ultimatum", 0)
    assert ult["cooperation"] == pytest.approx(0.35)
    assert ult["eq_distance"] == pytest.approx(1.0)
    assert ult["payoff_ref"] == pytest.approx(6.5)
    trust = _group(lb, "m/seq", "trust_game", 1)
    assert trust["trust"] == pytest.approx(0.5)
    assert trust["eq_distance"] == pytest.approx(0.5)  # returning 6 is off; returning 0 of 0 is on
    cent = _group(lb, "m/seq", "centipede", 0)
    assert cent["trust"] == pytest.approx(1.0)
    assert cent["eq_distance"] == pytest.approx(1.0)
    assert cent["payoff_ref"] == pytest.approx(2.0)
    ipd = _group(lb, "m/seq", "iterated_prisoners_dilemma", 0)
    assert ipd["payoff_ref"] == pytest.approx(50.0)
    assert ipd["norm_ref"] == pytest.approx(0.5)
    assert ipd["cooperation"] == pytest.approx(1.0)
    assert ipd["eq_distance"] == pytest.approx(1.0)  # the stage equilibrium is defection
    assert math.isnan(ipd["payoff_pop"])  # population metrics: one-shot games only
    entry = lb.entries[0]
    # Headline: 100 × the mean group score over the four game-roles.
    scores = [g.metrics["score"].value for g in entry.groups]
    assert entry.headline.value == pytest.approx(100 * float(np.mean(scores)))
    assert entry.headline.low <= entry.headline.value <= entry.headline.high
