"""Prompt snapshots and the rules every prompt keeps.

The snapshots under ``tests/games/prompts/`` pin the exact text of the first prompt of every
catalog game for each role, and of a few mid-game prompts. To regenerate them after an
intended change, run ``STRATLENS_UPDATE_SNAPSHOTS=1 pytest tests/games/test_prompts.py`` and
review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from stratlens.games import GameSpec, bimatrix, get_game, iter_games
from stratlens.games.prompts import render

SNAPSHOTS = Path(__file__).parent / "prompts"
UPDATE = os.environ.get("STRATLENS_UPDATE_SNAPSHOTS") == "1"

# Words that name or hint at a reasoning style, or at a "right" answer.
LOADED = re.compile(
    r"\b(cooperat\w*|defect\w*|trust\w*|betray\w*|worst|safe\w*|risk\w*|minimax|maximin|"
    r"nash|equilibri\w*|selfish|greed\w*|fair\w*|punish\w*|dominan\w*|stag|hare|chicken|"
    r"dare|rock|paper|scissors|opponent|enemy|partner)\b",
    re.IGNORECASE,
)


def _first_decision(spec: GameSpec, player: int) -> Any:
    """The state at ``player``'s first decision (chance resolved to its first outcome)."""
    state = spec.game().new_initial_state()
    while True:
        if state.is_chance_node():
            state.apply_action(state.chance_outcomes()[0][0])
        elif state.current_player() < 0 or state.current_player() == player:
            assert not state.is_terminal()
            return state
        else:  # the other player moves first: take its last action (it never ends the game)
            state.apply_action(state.legal_actions()[-1])


def _mid_game_states() -> list[tuple[str, str, int, Any]]:
    out = []
    ipd = get_game("iterated_prisoners_dilemma")
    s = ipd.game().new_initial_state()
    s.apply_actions([0, 1])
    s.apply_actions([1, 1])
    out.append(("iterated_prisoners_dilemma_round3", ipd.id, 1, s))
    ult = get_game("ultimatum")
    s = ult.game().new_initial_state()
    s.apply_action(3)
    out.append(("ultimatum_after_offer_3", ult.id, 1, s))
    trust = get_game("trust_game")
    s = trust.game().new_initial_state()
    s.apply_action(4)
    out.append(("trust_game_after_send_4", trust.id, 1, s))
    auction = get_game("gh_auction_036")
    s = auction.game().new_initial_state()
    s.apply_action(2)  # bidder 1's value: 6
    s.apply_action(1)  # bidder 2's value: 3
    out.append(("gh_auction_036_values_6_3_p1", auction.id, 0, s))
    out.append(("gh_auction_036_values_6_3_p2", auction.id, 1, s))
    return out


def _cases() -> list[tuple[str, str, int, Any, str]]:
    cases = []
    for spec in iter_games():
        for player in spec.roles:
            for protocol in ("vanilla", "cot"):
                name = f"{spec.id}_p{player + 1}_{protocol}"
                cases.append((name, spec.id, player, None, protocol))
    for name, gid, player, state in _mid_game_states():
        cases.append((f"{name}_cot", gid, player, state, "cot"))
    return cases


@pytest.mark.parametrize(
    ("name", "game_id", "player", "state", "protocol"), _cases(), ids=[c[0] for c in _cases()]
)
def test_prompt_snapshot(name: str, game_id: str, player: int, state: Any, protocol: str) -> None:
    spec = get_game(game_id)
    state = state if state is not None else _first_decision(spec, player)
    text = render(spec, state, player, protocol).prompt
    path = SNAPSHOTS / f"{name}.txt"
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text + "\n")
    assert path.exists(), (
        f"missing snapshot {path.name}: regenerate with STRATLENS_UPDATE_SNAPSHOTS=1"
    )
    assert text + "\n" == path.read_text()


@pytest.mark.parametrize("spec", list(iter_games()), ids=lambda s: s.id)
def test_prompts_are_neutral_and_complete(spec: GameSpec) -> None:
    for player in spec.roles:
        state = _first_decision(spec, player)
        for protocol in ("vanilla", "cot"):
            r = render(spec, state, player, protocol)
            assert not LOADED.search(r.prompt), (spec.id, LOADED.search(r.prompt))
            assert f"You are Player {player + 1}" in r.prompt
            assert r.prompt.rstrip().endswith("Final answer: <option>")
            for label in r.legal_actions.values():
                assert label in r.prompt
            assert set(r.legal_actions) == set(state.legal_actions(player))
        assert "step by step" in render(spec, state, player, "cot").prompt
        assert "no explanation" in render(spec, state, player, "vanilla").prompt


@pytest.mark.parametrize(
    "spec",
    [s for s in iter_games() if s.kind == "matrix" and not s.payoff_rule],
    ids=lambda s: s.id,
)
def test_matrix_prompt_shows_each_cell_once(spec: GameSpec) -> None:
    pair = bimatrix(spec)
    assert pair is not None
    a, b = pair
    text = render(spec, spec.game().new_initial_state(), 0, "vanilla").observation
    cells = re.findall(r"\((-?[\d.]+), (-?[\d.]+)\)", text)
    assert len(cells) == a.size
    expected = [(a[i, j], b[i, j]) for i in range(a.shape[0]) for j in range(a.shape[1])]
    assert [(float(x), float(y)) for x, y in cells] == expected


def test_private_information_reaches_only_its_owner() -> None:
    sig = get_game("signaling")
    sender = render(sig, sig.game().new_initial_state(), 0, "vanilla").observation
    receiver = render(sig, sig.game().new_initial_state(), 1, "vanilla").observation
    assert "(5, 5)" in sender and "(4, 4)" in sender  # true and shown tables
    assert "(5, 5)" not in receiver and "(4, 4)" in receiver
    bayes = get_game("bayesian_coordination_p09")
    text = render(bayes, _first_decision(bayes, 0), 0, "vanilla").observation
    assert "probability 90%" in text and "probability 10%" in text
