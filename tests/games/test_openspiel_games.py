"""stratlens's own OpenSpiel Python games: OpenSpiel's checks, hand-computed payoffs, the
catalog entries, the tree and repeated views, and the saved playthroughs."""

from __future__ import annotations

import os
import re
from typing import Any

import pyspiel
import pytest

from stratlens.games import (
    CHANCE,
    TERMINAL,
    RepeatedView,
    TreeNode,
    TreeView,
    decision_view,
    get_game,
    iter_games,
    joint_history,
    list_games,
    tree_of,
)
from tests.games import playthroughs

NEW_TREE_GAMES = ("ultimatum", "trust_game", "centipede", "sequential")
RANDOM_STOP = "iterated_prisoners_dilemma_random_stop"


def _custom_specs() -> list[str]:
    return [
        s.id for s in iter_games() if s.game().get_type().short_name.startswith(playthroughs.PREFIX)
    ]


def _play(game_id: str, *actions: int) -> Any:
    state = get_game(game_id).game().new_initial_state()
    for a in actions:
        state.apply_action(a)
    return state


def _payoffs(state: Any) -> tuple[float, float]:
    assert state.is_terminal()
    r = state.returns()
    return float(r[0]), float(r[1])


# --- OpenSpiel's own consistency checks -----------------------------------------------------
def test_catalog_holds_every_custom_game() -> None:
    names = {get_game(i).game().get_type().short_name for i in _custom_specs()}
    assert names == {
        "python_stratlens_bayesian_coordination",
        "python_stratlens_signaling",
        "python_stratlens_ultimatum",
        "python_stratlens_trust",
        "python_stratlens_centipede",
        "python_stratlens_sequential_matrix",
        "python_stratlens_random_stop_repeated",
        "python_stratlens_two_stage",
        "python_stratlens_beauty_contest",
        "python_stratlens_first_price_auction",
        "python_stratlens_gh_signaling",
    }


@pytest.mark.parametrize("game_id", _custom_specs())
def test_random_simulation(game_id: str) -> None:
    pyspiel.random_sim_test(get_game(game_id).game(), num_sims=20, serialize=False, verbose=False)


@pytest.mark.parametrize("game_id", NEW_TREE_GAMES)
def test_tree_games_are_sequential_with_perfect_information(game_id: str) -> None:
    t = get_game(game_id).game().get_type()
    assert t.dynamics == pyspiel.GameType.Dynamics.SEQUENTIAL
    assert t.information == pyspiel.GameType.Information.PERFECT_INFORMATION
    assert t.chance_mode == pyspiel.GameType.ChanceMode.DETERMINISTIC


# --- ultimatum ------------------------------------------------------------------------------
@pytest.mark.parametrize(("offer", "accepted"), [(3, (7.0, 3.0)), (0, (10.0, 0.0)), (10, (0, 10))])
def test_ultimatum_payoffs(offer: int, accepted: tuple[float, float]) -> None:
    assert _payoffs(_play("ultimatum", offer, 0)) == accepted
    assert _payoffs(_play("ultimatum", offer, 1)) == (0.0, 0.0)


def test_ultimatum_pie_parameter() -> None:
    game = pyspiel.load_game("python_stratlens_ultimatum(pie=4)")
    state = game.new_initial_state()
    assert state.legal_actions() == [0, 1, 2, 3, 4]
    state.apply_action(1)
    assert [state.action_to_string(1, a) for a in state.legal_actions()] == ["accept", "reject"]
    state.apply_action(0)
    assert state.returns() == [3.0, 1.0]
    with pytest.raises(Exception, match="pie"):
        pyspiel.load_game("python_stratlens_ultimatum(pie=0)")


def test_tree_of_ultimatum_root() -> None:
    root = tree_of(get_game("ultimatum").game().new_initial_state())
    assert root.player == 0
    assert [label for _, label, _, _ in root.children] == [f"offer {x}" for x in range(11)]
    for offer, _, prob, child in root.children:
        assert prob is None
        assert child.player == 1
        answers = {label: node for _, label, _, node in child.children}
        assert set(answers) == {"accept", "reject"}
        assert answers["accept"].is_terminal
        assert answers["accept"].payoffs == (10.0 - offer, float(offer))
        assert answers["reject"].payoffs == (0.0, 0.0)


# --- trust (investment) game -----------------------------------------------------------------
def test_trust_payoffs() -> None:
    assert _payoffs(_play("trust_game", 4, 6)) == (12.0, 6.0)
    assert _payoffs(_play("trust_game", 10, 30)) == (30.0, 0.0)
    assert _payoffs(_play("trust_game", 10, 0)) == (0.0, 30.0)
    assert _payoffs(_play("trust_game", 0, 0)) == (10.0, 0.0)


@pytest.mark.parametrize("sent", [0, 1, 4, 10])
def test_trustee_actions_depend_on_the_amount_sent(sent: int) -> None:
    state = _play("trust_game", sent)
    assert state.current_player() == 1
    assert state.legal_actions() == list(range(3 * sent + 1))
    assert state.legal_actions(0) == []


@pytest.mark.parametrize("sent", [0, 4, 10])
def test_decision_view_of_the_trustee(sent: int) -> None:
    spec = get_game("trust_game")
    view = decision_view(spec, _play("trust_game", sent), 1)
    assert isinstance(view, TreeView)
    assert view.player == 1
    assert view.root.player == 1
    assert len(view.root.children) == 3 * sent + 1
    for r, label, _, leaf in view.root.children:
        assert label == f"return {r}"
        assert leaf.payoffs == (10.0 - sent + r, 3.0 * sent - r)


def test_trust_multiplier_parameter() -> None:
    game = pyspiel.load_game("python_stratlens_trust(endowment=5,multiplier=2)")
    assert game.num_distinct_actions() == 11
    state = game.new_initial_state()
    state.apply_action(5)
    assert state.legal_actions() == list(range(11))
    state.apply_action(4)
    assert state.returns() == [4.0, 6.0]


# --- centipede ------------------------------------------------------------------------------
STOP, CONTINUE = 0, 1


@pytest.mark.parametrize(
    ("move", "payoffs"), [(1, (4.0, 1.0)), (2, (2.0, 8.0)), (3, (16.0, 4.0)), (4, (8.0, 32.0))]
)
def test_centipede_stop_payoffs(move: int, payoffs: tuple[float, float]) -> None:
    state = _play("centipede", *([CONTINUE] * (move - 1)))
    assert state.current_player() == (move - 1) % 2  # P1, P2, P1, P2
    assert state.action_to_string(state.current_player(), STOP) == "stop"
    state.apply_action(STOP)
    assert _payoffs(state) == payoffs


def test_centipede_all_continue() -> None:
    assert _payoffs(_play("centipede", *[CONTINUE] * 4)) == (64.0, 16.0)


# --- the sequential matrix game (Jia et al. 2025, Table 17) ---------------------------------
TABLE_17 = [
    [(0, 5), (0, 3), (0, 0)],
    [(5, 2), (3, 3), (-1, -1)],
    [(2, 4), (4, 3), (0, -2)],
]


def test_sequential_matrix_cells() -> None:
    for r in range(3):
        for c in range(3):
            assert _payoffs(_play("sequential", r, c)) == TABLE_17[r][c]


def _backward_induction(node: TreeNode) -> tuple[float, float]:
    if node.player == TERMINAL:
        assert node.payoffs is not None
        return node.payoffs
    assert node.player != CHANCE
    return max(
        (_backward_induction(c) for _, _, _, c in node.children), key=lambda v: v[node.player]
    )


def test_sequential_matrix_subgame_perfect_outcome() -> None:
    # Player 2 answers row 0 with column 0, row 1 with column 1, row 2 with column 0; so
    # player 1's best row is row 1, paying (3, 3).
    root = tree_of(get_game("sequential").game().new_initial_state())
    replies = [
        max(node.children, key=lambda child: _backward_induction(child[3])[1])[1]
        for _, _, _, node in root.children
    ]
    assert replies == ["column 0", "column 1", "column 0"]
    assert _backward_induction(root) == (3.0, 3.0)


# --- the random-stop repeated game ----------------------------------------------------------
def test_random_stop_chance_and_round_payoffs() -> None:
    state = get_game(RANDOM_STOP).game().new_initial_state()
    assert state.is_simultaneous_node()
    state.apply_actions([1, 0])  # matrix_pd: row 1 against column 0 pays (10, 0)
    assert state.is_chance_node()
    outcomes = dict(state.chance_outcomes())
    assert outcomes[0] == pytest.approx(0.9)
    assert outcomes[1] == pytest.approx(0.1)
    assert [state.action_to_string(pyspiel.PlayerId.CHANCE, a) for a in (0, 1)] == [
        "continue",
        "stop",
    ]
    assert state.rewards() == [10.0, 0.0]
    state.apply_action(0)
    state.apply_actions([1, 1])  # (1, 1)
    assert state.rewards() == [1.0, 1.0]
    assert state.returns() == [11.0, 1.0]
    state.apply_action(1)
    assert state.is_terminal()
    assert state.returns() == [11.0, 1.0]


def test_random_stop_joint_history_and_view() -> None:
    spec = get_game(RANDOM_STOP)
    state = spec.game().new_initial_state()
    state.apply_actions([0, 1])  # (0, 10)
    state.apply_action(0)
    state.apply_actions([1, 1])  # (1, 1)
    state.apply_action(0)
    assert joint_history(state) == [(0, 1), (1, 1)]
    view = decision_view(spec, state, 1)
    assert isinstance(view, RepeatedView)
    assert view.history == ((1, 0), (1, 1))  # own action first
    assert view.round == 2
    assert view.horizon is None
    assert view.continue_probability == pytest.approx(0.9)
    assert view.payoffs_so_far == (11.0, 1.0)


def test_random_stop_round_cap_and_parameters() -> None:
    game = pyspiel.load_game("python_stratlens_random_stop_repeated(max_rounds=2)")
    state = game.new_initial_state()
    state.apply_actions([0, 0])
    state.apply_action(0)
    state.apply_actions([0, 0])
    assert state.is_terminal()  # no chance node after the last round
    assert state.returns() == [10.0, 10.0]
    sure = pyspiel.load_game("python_stratlens_random_stop_repeated(continue_probability=1.0)")
    state = sure.new_initial_state()
    state.apply_actions([0, 0])
    assert state.chance_outcomes() == [(0, 1.0)]
    rps = pyspiel.load_game("python_stratlens_random_stop_repeated(stage_game=matrix_rps)")
    state = rps.new_initial_state()
    state.apply_actions([1, 0])  # paper beats rock
    assert state.rewards() == [1.0, -1.0]
    for bad in ("continue_probability=1.5", "max_rounds=0", "stage_game=tic_tac_toe"):
        with pytest.raises(Exception, match=bad.split("=")[0]):
            pyspiel.load_game(f"python_stratlens_random_stop_repeated({bad})")


# --- catalog entries ------------------------------------------------------------------------
def test_sequential_catalog_entries() -> None:
    assert [s.id for s in list_games("sequential")] == list(NEW_TREE_GAMES)
    for game_id in NEW_TREE_GAMES:
        spec = get_game(game_id)
        assert (spec.family, spec.kind) == ("sequential", "tree")
    assert get_game("ultimatum").suites == ("sequential",)
    seq = get_game("sequential")
    assert seq.suites == ("jia2025", "sequential")
    assert seq.roles == (0,)
    assert seq.source == "Jia et al. 2025, Table 17"
    assert "sequential" in [s.id for s in list_games("jia2025")]


def test_random_stop_catalog_entry() -> None:
    spec = get_game(RANDOM_STOP)
    assert (spec.kind, spec.family, spec.suites) == ("repeated", "repeated", ("repeated",))
    assert spec.params == {
        "stage": "prisoners_dilemma",
        "horizon": None,
        "continue_probability": 0.9,
    }
    assert "0.9" in spec.rules
    assert "30" in spec.rules


def _decision_states(state: Any) -> list[Any]:
    if state.is_terminal():
        return []
    out = [state]
    for a in state.legal_actions():
        out += _decision_states(state.child(a))
    return out


@pytest.mark.parametrize("game_id", NEW_TREE_GAMES)
def test_labels_match_openspiel_everywhere(game_id: str) -> None:
    spec = get_game(game_id)
    game = spec.game()
    n = game.num_distinct_actions()
    assert [len(labels) for labels in spec.action_labels] == [n, n]
    seen: dict[str, Any] = {}
    for state in _decision_states(game.new_initial_state()):
        p = state.current_player()
        for a in state.legal_actions():
            assert spec.action_labels[p][a] == state.action_to_string(p, a)
        # Perfect information: each decision node is its own information state.
        key = state.information_state_string(p)
        assert key not in seen, key
        seen[key] = state


def test_random_stop_labels_match_openspiel() -> None:
    spec = get_game(RANDOM_STOP)
    state = spec.game().new_initial_state()
    for p in (0, 1):
        for a in state.legal_actions(p):
            assert spec.action_labels[p][a] == state.action_to_string(p, a)


STYLE_WORDS = re.compile(r"cooperat|defect|trust|betray|safe|fair|punish|greed|selfish", re.I)


@pytest.mark.parametrize("game_id", [*NEW_TREE_GAMES, RANDOM_STOP])
def test_labels_and_rules_are_neutral(game_id: str) -> None:
    spec = get_game(game_id)
    for labels in spec.action_labels:
        for label in labels:
            assert not STYLE_WORDS.search(label), label
    assert not STYLE_WORDS.search(spec.rules), spec.rules


def _numbers(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\d+", text)}


def test_rules_state_the_numbers() -> None:
    assert {0, 10} <= _numbers(get_game("ultimatum").rules)
    assert {0, 3, 10} <= _numbers(get_game("trust_game").rules)
    piles = {v for cell in [(4, 1), (2, 8), (16, 4), (8, 32), (64, 16)] for v in cell}
    assert piles <= _numbers(get_game("centipede").rules)


# --- saved playthroughs ---------------------------------------------------------------------
GAMES = playthroughs.custom_games()


def test_saved_playthroughs_are_exactly_the_custom_games() -> None:
    if os.environ.get(playthroughs.UPDATE_ENV_VAR) == "1":
        playthroughs.update()
    saved = {p.stem for p in playthroughs.DIRECTORY.glob("*.txt")}
    assert saved == set(GAMES)


@pytest.mark.parametrize("short_name", sorted(GAMES))
def test_playthrough_matches_saved(short_name: str) -> None:
    text = playthroughs.playthrough(GAMES[short_name]).encode("utf-8")
    path = playthroughs.path_for(short_name)
    if os.environ.get(playthroughs.UPDATE_ENV_VAR) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text)
    assert path.exists(), f"missing {path}: run `python -m tests.games.playthroughs --update`"
    assert path.read_bytes() == text, (
        f"{path} differs from a fresh playthrough; if the change is intended, run "
        "`python -m tests.games.playthroughs --update` and review the diff"
    )


def _replay(game: Any, history: list[int]) -> Any:
    state = game.new_initial_state()
    moves = list(history)
    while moves:
        if state.is_simultaneous_node():
            state.apply_actions([moves.pop(0) for _ in range(game.num_players())])
        else:
            state.apply_action(moves.pop(0))
    return state


@pytest.mark.parametrize("short_name", sorted(GAMES))
def test_playthrough_ends_where_its_history_leads(short_name: str) -> None:
    game = GAMES[short_name]
    text = playthroughs.playthrough(game, seed=3)
    last = text.rsplit("# State ", 1)[1]
    history = re.search(r"^History\(\) = \[(.*)\]$", last, re.M)
    returns = re.search(r"^Returns\(\) = \[(.*)\]$", last, re.M)
    assert history is not None and returns is not None
    assert "IsTerminal() = True" in last
    state = _replay(game, [int(v) for v in history.group(1).split(", ") if v])
    assert state.is_terminal()
    assert [float(v) for v in returns.group(1).split(", ")] == state.returns()
