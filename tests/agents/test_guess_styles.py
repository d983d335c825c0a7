"""The styles and reference agents on a guess of the p-beauty contest (`GuessView`)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from stratlens.agents import make_agent
from stratlens.agents._solvers import softmax
from stratlens.agents._styles import style_choice
from stratlens.agents._styles_guess import expected_payoffs
from stratlens.agents.baseline import BaselineAgent
from stratlens.errors import ModelArgsError
from stratlens.games import GuessView, get_game
from stratlens.games._guessing import level_means, shares
from stratlens.profiler.beauty import Contest, level_reading

THREE = GuessView(3, 2, 3, 100, 100.0)
SEVEN = GuessView(7, 2, 3, 100, 100.0)


def test_level_k_guesses_for_three_players() -> None:
    # r = p (N-1) / (N-p) = 4/7: 50 -> 28.57 -> 16.33 -> 9.33 -> 5.33
    got = [style_choice("belief_anticipation", THREE, k=k).modal() for k in (1, 2, 3, 4)]
    assert got == [(29,), (16,), (9,), (5,)]
    assert level_means(3, Fraction(2, 3), 100, 2) == pytest.approx([50, 200 / 7, 800 / 49])


@pytest.mark.parametrize("view", [THREE, SEVEN, GuessView(3, 1, 2, 100, 100.0)])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_each_level_reads_as_its_own_level(view: GuessView, k: int) -> None:
    guess = style_choice("belief_anticipation", view, k=k).modal()[0]
    assert level_reading(guess, Contest(view.players, view.p)) == k


@pytest.mark.parametrize("k", [2, 3, 4])
def test_level_k_beats_others_at_level_k_minus_one(k: int) -> None:
    for view in (THREE, SEVEN):
        mine = style_choice("belief_anticipation", view, k=k).modal()[0]
        theirs = style_choice("belief_anticipation", view, k=k - 1).modal()[0]
        assert shares([mine] + [theirs] * (view.players - 1), 2, 3, 100.0)[0] == 100.0


def test_nash_minimax_trust_random() -> None:
    assert style_choice("nash", THREE).modal() == (0,)
    assert style_choice("nash", GuessView(3, 3, 2, 100, 100.0)).modal() == (100,)  # p > 1
    for style in ("minimax", "trust_based", "random"):
        probs = style_choice(style, THREE).probs  # type: ignore[arg-type]
        assert probs == pytest.approx(np.full(101, 1 / 101))
    # two players: the lower guess always wins, so 0 alone secures half the prize
    two = style_choice("minimax", GuessView(2, 2, 3, 100, 100.0))
    assert two.modal() == (0,) and float(two.values[0]) == 50.0


def test_qre_is_a_fixed_point() -> None:
    lam = 0.08
    r = style_choice("qre", THREE, lam=lam)
    assert r.probs == pytest.approx(softmax(lam * expected_payoffs(THREE, r.probs)), abs=1e-6)
    assert float(np.arange(101) @ r.probs) < 50.0  # the noisy best replies lean low


def test_expected_payoffs_against_uniform_others() -> None:
    eu = expected_payoffs(THREE, np.full(101, 1 / 101))
    assert float(eu.sum() / 101) == pytest.approx(100 / 3, rel=1e-9)  # constant sum, symmetric
    assert int(np.argmax(eu)) == 26  # the exact best reply to two uniform guesses


def test_inline_arguments_name_the_level() -> None:
    agent = make_agent("baseline/belief(k=1)")
    assert isinstance(agent, BaselineAgent) and agent.k == 1
    assert agent.name == "baseline/belief(k=1)"
    assert make_agent(agent.name).name == agent.name  # the name rebuilds the agent
    assert make_agent("baseline/qre(lam=0.5)").name == "baseline/qre(lam=0.5)"
    with pytest.raises(ModelArgsError, match="given twice"):
        make_agent("baseline/belief(k=1)", {"k": "2"})
    with pytest.raises(ModelArgsError, match="malformed"):
        make_agent("baseline/belief(k)")
    with pytest.raises(ModelArgsError, match="must be >= 1"):
        make_agent("baseline/belief(k=0)")


@pytest.mark.parametrize("style", ["belief_anticipation", "nash", "minimax", "qre", "random"])
def test_traces_name_the_chosen_guess(style: str) -> None:
    from stratlens.contracts import Turn

    spec = get_game("beauty_contest")
    labels = dict(enumerate(spec.action_labels[0]))
    turn = Turn("beauty_contest", 0, "", "", labels, "cot", "", THREE, seed=3)
    kind = {"belief_anticipation": "belief", "nash": "nash", "minimax": "minimax",
            "qre": "qre", "random": "random"}[style]  # fmt: skip
    d = BaselineAgent(kind, k=2).decide(turn)
    assert d.parse_status == "ok" and d.action is not None
    assert f"guess {d.action}" in d.reasoning
    assert d.raw_output == f"Final answer: guess {d.action}"


def test_ch_population_levels_follow_poisson_and_guess_the_hierarchy() -> None:
    from stratlens.contracts import Turn
    from stratlens.games._guessing import ch_means, poisson_levels

    agent = make_agent("baseline/ch(tau=1.5)")
    assert isinstance(agent, BaselineAgent) and agent.name == "baseline/ch"  # the default τ
    labels = {g: f"guess {g}" for g in range(101)}
    turns = [
        Turn("beauty_contest", 0, "", "", labels, "cot", "", THREE, seed=s) for s in range(3000)
    ]
    levels = np.bincount([agent.level(t) for t in turns], minlength=11)
    assert levels / 3000 == pytest.approx(poisson_levels(1.5), abs=0.03)
    mu = ch_means(1.5, 3, Fraction(2, 3), 100)
    for t in turns[:50]:
        d = agent.decide(t)
        k = agent.level(t)
        if k > 0:
            assert d.action == int(np.floor(mu[k] + 0.5))
    with pytest.raises(ModelArgsError, match="tau"):
        make_agent("baseline/ch", {"tau": "-1"})


def test_ch_plays_level_k_in_a_matrix_game() -> None:
    from stratlens.contracts import Turn
    from stratlens.games import matrix_view

    spec = get_game("cooperation_baseline")
    view = matrix_view(spec, 0)
    labels = {a: spec.action_labels[0][a] for a in view.own_actions}
    agent = make_agent("baseline/ch(tau=2)")
    assert isinstance(agent, BaselineAgent)
    for seed in range(20):
        t = Turn("cooperation_baseline", 0, "", "", labels, "cot", "", view, seed)
        k = agent.level(t)
        want = style_choice("random" if k == 0 else "belief_anticipation", view, k=max(k, 1))
        assert agent.compute(t).probs == pytest.approx(want.probs)
