"""Framings (``--framing``): the same payoffs told three ways.

Every matrix game's story and name prompts are pinned by snapshots under
``tests/games/prompts/framings/`` (regenerate with ``STRATLENS_UPDATE_SNAPSHOTS=1``); the
neutral framing is today's prompt, and only the words before the table change.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stratlens.games import GameSpec, get_game, iter_games
from stratlens.games.framings import FRAMINGS, framing_text
from stratlens.games.prompts import render

SNAPSHOTS = Path(__file__).parent / "prompts" / "framings"
UPDATE = os.environ.get("STRATLENS_UPDATE_SNAPSHOTS") == "1"
MATRIX = [s for s in iter_games() if s.kind == "matrix"]


def _prompt(spec: GameSpec, framing: str, player: int = 0, protocol: str = "vanilla") -> str:
    return render(spec, spec.game().new_initial_state(), player, protocol, framing=framing).prompt


@pytest.mark.parametrize("framing", ["story", "name"])
@pytest.mark.parametrize("spec", MATRIX, ids=lambda s: s.id)
def test_framing_snapshot(spec: GameSpec, framing: str) -> None:
    text = _prompt(spec, framing)
    path = SNAPSHOTS / f"{spec.id}_{framing}_p1_vanilla.txt"
    if UPDATE:
        SNAPSHOTS.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
    assert path.exists(), (
        f"missing snapshot {path.name}: regenerate with STRATLENS_UPDATE_SNAPSHOTS=1"
    )
    assert text + "\n" == path.read_text()


@pytest.mark.parametrize("spec", MATRIX, ids=lambda s: s.id)
def test_framings_change_the_words_and_nothing_else(spec: GameSpec) -> None:
    state = spec.game().new_initial_state()
    neutral = render(spec, state, 1, "cot")
    assert render(spec, state, 1, "cot", framing="neutral") == neutral
    for framing in ("story", "name"):
        told = render(spec, state, 1, "cot", framing=framing)
        extra = framing_text(spec, framing)
        assert extra and extra in told.prompt and extra not in neutral.prompt
        assert told.observation == neutral.observation  # the same table, cell by cell
        assert told.legal_actions == neutral.legal_actions
        assert told.prompt.replace(extra + "\n", "", 1) == neutral.prompt


def test_names_and_stories() -> None:
    assert "prisoner's dilemma" in framing_text(get_game("prisoners_dilemma"), "name")
    assert "traveler's dilemma" in framing_text(get_game("gh_travelers_dilemma_r5"), "name")
    assert "price war" in framing_text(get_game("mixed_motive_baseline"), "story")
    assert "hunt" in framing_text(get_game("stag_hunt"), "story")
    assert "investment" in framing_text(get_game("gh_coordination_x0"), "story")
    assert len({framing_text(s, "story") for s in MATRIX}) == 4  # one story per family


def test_other_kinds_keep_the_neutral_prompt() -> None:
    for spec in (get_game("ultimatum"), get_game("signaling"), get_game("gh_rely_p10")):
        state = spec.game().new_initial_state()
        for framing in FRAMINGS:
            assert framing_text(spec, framing) == ""
            assert (
                render(spec, state, 0, "vanilla", framing=framing).prompt
                == render(spec, state, 0, "vanilla").prompt
            )
    with pytest.raises(ValueError, match="unknown framing"):
        framing_text(get_game("chicken"), "poem")
