"""The reference agents: choices, sampling, traces, legality and the factory."""

from __future__ import annotations

import asyncio
import re

import pytest

from stratlens.agents import Decision, Turn, make_agent
from stratlens.agents.baseline import BASELINES, BaselineAgent
from stratlens.errors import ModelArgsError, UnknownModelError
from stratlens.games import (
    TERMINAL,
    DecisionView,
    RepeatedView,
    TreeNode,
    TreeView,
    get_game,
    list_games,
    matrix_view,
)

MODELS = [f"baseline/{name}" for name in BASELINES]


def turn_for(
    view: DecisionView, labels: dict[int, str], seed: int = 0, game_id: str = "test"
) -> Turn:
    return Turn(game_id, 0, "", "", labels, "cot", "", view, seed)


def matrix_turn(game_id: str, player: int, seed: int = 0) -> Turn:
    spec = get_game(game_id)
    view = matrix_view(spec, player)
    labels = {a: spec.action_labels[player][a] for a in view.own_actions}
    return Turn(game_id, player, "", "", labels, "cot", "", view, seed)


def act(model: str, turn: Turn, **args: str) -> Decision:
    return asyncio.run(make_agent(model, args).act(turn))


def numbers(text: str) -> set[str]:
    return set(re.findall(r"-?\d+(?:\.\d+)?", text))


def test_cooperation_baseline_choices() -> None:
    t = matrix_turn("cooperation_baseline", 0)
    assert act("baseline/minimax", t).action == 1
    assert act("baseline/trust", t).action == 0
    assert act("baseline/belief", t).action == 1
    assert act("baseline/nash", t).action == 0
    d = act("baseline/minimax", t)
    assert d.parse_status == "ok" and d.raw_output == "Final answer: row 1"


def test_competitive_baseline_minimax_rows_0_and_2() -> None:
    seen = {
        act("baseline/minimax", matrix_turn("competitive_baseline", 0, s)).action for s in range(30)
    }
    assert seen == {0, 2}


def test_traces_quote_the_computed_numbers() -> None:
    # Kreps game, column player: worst cases -250, -100, 30, -250
    d = act("baseline/minimax", matrix_turn("kreps_game", 1, 4))
    assert {"-250", "-100", "30"} <= numbers(d.reasoning) and "column 2" in d.reasoning
    # the paper's stag hunt: the other's averages 4 and 6, my payoffs 0 and 5 against hare
    d = act("baseline/belief", matrix_turn("cooperation_baseline", 0, 1))
    assert {"4", "6", "0", "5"} <= numbers(d.reasoning) and "column 1" in d.reasoning
    # prisoner's dilemma: the joint cell 5 + 5 = 10
    d = act("baseline/trust", matrix_turn("prisoners_dilemma", 0, 2))
    assert {"5", "10"} <= numbers(d.reasoning) and "column 0" in d.reasoning
    # level 3 quotes the other's level-2 values (competitive baseline, player 2 sees -5, 8, -5)
    d = act("baseline/belief", matrix_turn("competitive_baseline", 1, 0), k="3")
    assert {"-5", "8", "10"} <= numbers(d.reasoning) and d.action == 0


@pytest.mark.parametrize("model", MODELS)
def test_traces_vary_in_wording_across_seeds(model: str) -> None:
    traces = {act(model, matrix_turn("kreps_game", 0, s)).reasoning for s in range(20)}
    assert len(traces) > 1


@pytest.mark.parametrize("model", MODELS)
def test_same_seed_same_decision(model: str) -> None:
    t = matrix_turn("competitive_baseline", 1, 12345)
    a, b = act(model, t), act(model, t)
    assert (a.action, a.reasoning, a.raw_output) == (b.action, b.reasoning, b.raw_output)


def test_mixed_strategies_vary_across_seeds() -> None:
    for model in ("baseline/nash", "baseline/qre", "baseline/random"):
        picks = [act(model, matrix_turn("matching_pennies", 0, s)).action for s in range(40)]
        assert set(picks) == {0, 1}, model
        assert 8 <= picks.count(0) <= 32  # about half of 40
    # pure styles do not vary
    pure = {act("baseline/trust", matrix_turn("prisoners_dilemma", 1, s)).action for s in range(20)}
    assert pure == {0}


@pytest.mark.parametrize("model", MODELS)
def test_only_legal_actions(model: str) -> None:
    for spec in list_games("classic") + list_games("jia2025"):
        if spec.kind not in ("matrix", "bayesian", "signaling"):
            continue
        for player in (0, 1):
            t = matrix_turn(spec.id, player, 7)
            d = asyncio.run(make_agent(model, {}).act(t))
            assert d.action in t.legal_actions and d.parse_status == "ok"
            assert d.raw_output == f"Final answer: {t.legal_actions[d.action]}"
    # with the style's own choice removed, the agent still answers within the legal set
    t = matrix_turn("prisoners_dilemma", 0, 3)
    for banned in (0, 1):
        legal = {a: lab for a, lab in t.legal_actions.items() if a != banned}
        restricted = Turn(t.game_id, 0, "", "", legal, "cot", "", t.view, 3)
        assert asyncio.run(make_agent(model, {}).act(restricted)).action == 1 - banned


def leaf(a: float, b: float) -> TreeNode:
    return TreeNode(TERMINAL, payoffs=(a, b))


def test_tree_agents_and_trace() -> None:
    def respond(accept: tuple[float, float]) -> TreeNode:
        return TreeNode(1, ((0, "accept", None, leaf(*accept)), (1, "reject", None, leaf(0, 0))))

    root = TreeNode(
        0,
        (
            (0, "take the sure 2", None, leaf(2, 2)),
            (1, "offer 1", None, respond((5, 1))),
            (2, "offer 4", None, respond((4, 4))),
        ),
    )
    labels = {0: "take the sure 2", 1: "offer 1", 2: "offer 4"}
    t = turn_for(TreeView(root, 0), labels, 5)
    assert act("baseline/minimax", t).action == 0
    assert act("baseline/trust", t).action == 2
    d = act("baseline/belief", t)
    assert d.action == 1 and d.raw_output == "Final answer: offer 1"
    assert "accept" in d.reasoning and {"5", "4", "2"} <= numbers(d.reasoning)
    assert "reject" in act("baseline/minimax", t).reasoning
    assert "8" in numbers(act("baseline/trust", t).reasoning)  # 4 + 4 together


def test_repeated_agents() -> None:
    stage = matrix_view(get_game("prisoners_dilemma"), 0)
    labels = {0: "row 0", 1: "row 1"}

    def at(history: list[tuple[int, int]], horizon: int = 10) -> Turn:
        view = RepeatedView(stage, tuple(history), len(history), horizon)
        return turn_for(view, labels, len(history))

    assert act("baseline/trust", at([])).action == 0
    d = act("baseline/trust", at([(0, 0), (0, 1)]))
    assert d.action == 1 and "column 1" in d.reasoning  # names the deviation
    assert act("baseline/trust", at([(0, 0), (0, 1), (1, 0)])).action == 0
    assert act("baseline/minimax", at([(0, 0)])).action == 1
    d = act("baseline/belief", at([(0, 0), (0, 0), (1, 1)]))
    assert d.action == 1 and re.search(r"column 0 2 times", d.reasoning)


def test_names() -> None:
    assert make_agent("baseline/belief", {}).name == "baseline/belief"
    assert make_agent("baseline/belief", {"k": "3"}).name == "baseline/belief(k=3)"
    assert make_agent("baseline/qre", {"lam": "0.5"}).name == "baseline/qre(lam=0.5)"
    assert make_agent("baseline/qre", {"lam": "1"}).name == "baseline/qre"
    agent = make_agent("baseline/belief", {"k": "4"})
    assert isinstance(agent, BaselineAgent) and agent.k == 4


def test_factory_errors() -> None:
    with pytest.raises(UnknownModelError) as err:
        make_agent("baseline/tit_for_tat", {})
    msg = str(err.value)
    assert "\n" not in msg and "baseline/minimax" in msg and "baseline/qre" in msg
    bad = [
        ("baseline/belief", {"k": "0"}, "k"),
        ("baseline/belief", {"k": "two"}, "k"),
        ("baseline/belief", {"k": "2.5"}, "k"),
        ("baseline/qre", {"lam": "-1"}, "lam"),
        ("baseline/qre", {"lam": "nan"}, "lam"),
        ("baseline/qre", {"lam": "inf"}, "lam"),
        ("baseline/qre", {"lam": "x"}, "lam"),
        ("baseline/minimax", {"k": "2"}, "k"),
        ("baseline/belief", {"lam": "1"}, "lam"),
        ("baseline/nash", {"depth": "3"}, "depth"),
    ]
    for model, args, key in bad:
        with pytest.raises(ModelArgsError) as aerr:
            make_agent(model, args)
        assert key in str(aerr.value) and "\n" not in str(aerr.value), (model, args)


def test_qre_precision_reaches_the_agent() -> None:
    # cooperation baseline, player 1: hare's share rises with precision
    def hare_share(lam: str) -> float:
        picks = [
            act("baseline/qre", matrix_turn("cooperation_baseline", 0, s), lam=lam).action
            for s in range(60)
        ]
        return picks.count(1) / len(picks)

    assert hare_share("5") > 0.9
    assert 0.3 < hare_share("0.001") < 0.7


def test_numbered_choices_name_the_others_choice_by_its_number() -> None:
    """Claims 180..300: the trace says "their claim 180", not "their option 0"."""
    t = matrix_turn("gh_travelers_dilemma_r5", 0)
    d = act("baseline/minimax", t)
    assert d.raw_output == "Final answer: claim 180"
    assert d.reasoning is not None and "their claim 180" in d.reasoning
    assert "their option" not in d.reasoning
    row = act("baseline/minimax", matrix_turn("cooperation_baseline", 0))
    assert row.reasoning is not None and "column" in row.reasoning  # rows and columns as before
