"""Saved playthroughs of stratlens's own OpenSpiel Python games, pinned on every test run.

As OpenSpiel does for its games (``open_spiel/integration_tests/playthroughs``), each custom
game of the catalog (a game whose type's short name starts with ``python_stratlens``) is
played through once with a fixed sequence of actions drawn from a seeded
`numpy.random.Generator`, and every state along the way is written out: the history, the
current player, each player's information-state and observation strings, the chance outcomes
with their probabilities, each player's legal actions with their labels, rewards, returns,
and the action taken. The game is the one the first catalog entry with that short name
builds. Transcripts live in ``tests/games/playthroughs/<short_name>.txt``;
``tests/games/test_openspiel_games.py`` regenerates each one and compares it byte for byte,
so any change in a game's behaviour shows up as a failing test with a readable diff.

After an intended change to a game, regenerate the transcripts and review the diff::

    python -m tests.games.playthroughs --update
    # or, through pytest:
    STRATLENS_UPDATE_PLAYTHROUGHS=1 python -m pytest tests/games/test_openspiel_games.py

``python -m tests.games.playthroughs`` without ``--update`` only reports which transcripts
differ (exit status 1 if any does).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyspiel

from stratlens.games import iter_games

PREFIX = "python_stratlens"
DIRECTORY = Path(__file__).resolve().parent / "playthroughs"
SEED = 20250101
UPDATE_ENV_VAR = "STRATLENS_UPDATE_PLAYTHROUGHS"


def custom_games() -> dict[str, Any]:
    """Short name -> `pyspiel.Game` of the first catalog entry of each custom Python game."""
    games: dict[str, Any] = {}
    for spec in iter_games():
        game = spec.game()
        name = game.get_type().short_name
        if name.startswith(PREFIX) and name not in games:
            games[name] = game
    return dict(sorted(games.items()))


def path_for(short_name: str) -> Path:
    return DIRECTORY / f"{short_name}.txt"


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _floats(values: Any) -> str:
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def _header(game: Any, seed: int) -> list[str]:
    t = game.get_type()
    return [
        f"game: {game}",
        f"seed: {seed}",
        "",
        f"GameType.short_name = {_q(t.short_name)}",
        f"GameType.long_name = {_q(t.long_name)}",
        f"GameType.dynamics = {t.dynamics.name}",
        f"GameType.chance_mode = {t.chance_mode.name}",
        f"GameType.information = {t.information.name}",
        f"GameType.utility = {t.utility.name}",
        f"GameType.reward_model = {t.reward_model.name}",
        f"NumPlayers() = {game.num_players()}",
        f"NumDistinctActions() = {game.num_distinct_actions()}",
        f"MaxChanceOutcomes() = {game.max_chance_outcomes()}",
        f"MinUtility() = {float(game.min_utility())!r}",
        f"MaxUtility() = {float(game.max_utility())!r}",
        f"MaxGameLength() = {game.max_game_length()}",
    ]


def _describe(state: Any, n_players: int, rewards: bool) -> list[str]:
    lines = [
        f"History() = {list(state.history())}",
        f"IsTerminal() = {state.is_terminal()}",
        f"CurrentPlayer() = {state.current_player()}",
    ]
    for p in range(n_players):
        lines.append(f"InformationStateString({p}) = {_q(state.information_state_string(p))}")
    for p in range(n_players):
        lines.append(f"ObservationString({p}) = {_q(state.observation_string(p))}")
    if state.is_chance_node():
        outcomes = state.chance_outcomes()
        shown = ", ".join(
            f"({a}, {float(prob)!r}) {_q(state.action_to_string(pyspiel.PlayerId.CHANCE, a))}"
            for a, prob in outcomes
        )
        lines.append(f"ChanceOutcomes() = [{shown}]")
    else:
        for p in range(n_players):
            legal = state.legal_actions(p)
            labels = ", ".join(_q(state.action_to_string(p, a)) for a in legal)
            lines.append(f"LegalActions({p}) = {list(legal)}")
            lines.append(f"StringLegalActions({p}) = [{labels}]")
    if rewards:
        lines.append(f"Rewards() = {_floats(state.rewards())}")
    lines.append(f"Returns() = {_floats(state.returns())}")
    return lines


def playthrough(game: Any, seed: int = SEED) -> str:
    """The transcript of one seeded play of ``game``, as saved under `DIRECTORY`."""
    rng = np.random.default_rng(seed)
    n = game.num_players()
    rewards = game.get_type().reward_model == pyspiel.GameType.RewardModel.REWARDS
    lines = _header(game, seed)
    state = game.new_initial_state()
    step = 0
    while True:
        lines += ["", f"# State {step}", *_describe(state, n, rewards)]
        if state.is_terminal():
            break
        if state.is_chance_node():
            outcomes = state.chance_outcomes()
            probs = np.asarray([p for _, p in outcomes], dtype=float)
            action = int(outcomes[int(rng.choice(len(outcomes), p=probs / probs.sum()))][0])
            label = state.action_to_string(pyspiel.PlayerId.CHANCE, action)
            lines.append(f"Chance outcome: {action} {_q(label)}")
            state.apply_action(action)
        elif state.is_simultaneous_node():
            joint = [int(rng.choice(state.legal_actions(p))) for p in range(n)]
            labels = ", ".join(_q(state.action_to_string(p, a)) for p, a in enumerate(joint))
            lines.append(f"Joint action: {joint} [{labels}]")
            state.apply_actions(joint)
        else:
            player = state.current_player()
            action = int(rng.choice(state.legal_actions(player)))
            lines.append(f"Action: {action} {_q(state.action_to_string(player, action))}")
            state.apply_action(action)
        step += 1
    return "\n".join(lines) + "\n"


def stale() -> list[str]:
    """Short names whose saved transcript is missing or differs from a fresh playthrough."""
    out = []
    for name, game in custom_games().items():
        path = path_for(name)
        if not path.exists() or path.read_bytes() != playthrough(game).encode("utf-8"):
            out.append(name)
    return out


def update() -> list[Path]:
    """Rewrite every transcript; remove transcripts of games no longer in the catalog."""
    DIRECTORY.mkdir(parents=True, exist_ok=True)
    games = custom_games()
    for old in DIRECTORY.glob("*.txt"):
        if old.stem not in games:
            old.unlink()
    written = []
    for name, game in games.items():
        path = path_for(name)
        path.write_bytes(playthrough(game).encode("utf-8"))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--update", action="store_true", help="rewrite the saved transcripts")
    args = parser.parse_args(argv)
    if args.update:
        for path in update():
            print(f"wrote {path}")
        return 0
    names = stale()
    for name in names:
        print(f"differs: {path_for(name)}")
    return 1 if names else 0


if __name__ == "__main__":
    sys.exit(main())
