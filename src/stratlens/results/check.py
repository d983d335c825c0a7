"""Whether a store is consistent: every done episode, replayed from its seed and its moves.

An episode counts once it is ``done``, so a done episode must hold what its play produced: a
decision for every player asked at every step up to its end, nothing after, and payoffs equal
to the game's own at the end it reached (none when it ended on an unusable answer). The check
replays each done episode with the game's definition, its seed (for chance) and its stored
actions, as the runner played it. Stores written by versions before episode ownership could
hold done episodes without some of their decisions (two processes playing one run at once);
`check_store` finds them, and ``repair=True`` marks them not done (running, with no owner), so
that rerunning the same command plays them again.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from stratlens.errors import UnknownGameError
from stratlens.games import GameSpec, get_game, is_simultaneous, sample_chance

if TYPE_CHECKING:
    from stratlens.results.store import Store

_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Damage:
    """One damaged done episode and what is wrong with it."""

    run_id: str
    episode_id: str
    game_id: str
    problem: str


@dataclass
class CheckReport:
    """What `check_store` found: done episodes checked (``replayed`` of them against their
    game; the rest are of games this version does not know), the damaged ones, how many were
    marked not done (``repaired``), and episodes still running (``running``)."""

    path: str
    checked: int = 0
    replayed: int = 0
    running: int = 0
    damaged: list[Damage] = field(default_factory=list)
    repaired: int = 0

    @property
    def ok(self) -> bool:
        return not self.damaged


def _who(p: int) -> str:
    return f"player {p + 1}"


def replay_problems(
    spec: GameSpec,
    seed: int,
    moves: dict[tuple[int, int], int | None],
    returns: list[float] | None,
) -> list[str]:
    """What is wrong with a done episode's decisions (``moves``: action or None per (step,
    player)) and ``returns``, replayed from ``seed`` as the runner plays; [] when nothing."""
    state = spec.game().new_initial_state()
    rng = np.random.default_rng(seed)
    simultaneous = is_simultaneous(spec)
    visited: set[tuple[int, int]] = set()
    step = 0
    while not state.is_terminal():
        if state.is_chance_node():
            state.apply_action(sample_chance(state, rng))
            continue
        players = [0, 1] if simultaneous else [int(state.current_player())]
        missing = [p for p in players if (step, p) not in moves]
        if missing:
            where = ", ".join(_who(p) for p in missing)
            return [f"no decision of {where} at step {step}"]
        visited.update((step, p) for p in players)
        actions = [moves[(step, p)] for p in players]
        if any(a is None for a in actions):  # ended on an unusable answer: no payoffs
            problems = []
            if set(moves) - visited:
                problems.append(f"decisions after step {step}, where it ended")
            if returns is not None:
                problems.append(f"payoffs {returns} though it ended on an unusable answer")
            return problems
        for p, a in zip(players, actions, strict=True):
            legal = state.legal_actions(p) if simultaneous else state.legal_actions()
            if a not in legal:
                return [f"{_who(p)}'s action {a} at step {step} is not legal there"]
        if simultaneous:
            state.apply_actions(actions)
        else:
            state.apply_action(actions[0])
        step += 1
    problems = []
    if set(moves) - visited:
        problems.append(f"{len(set(moves) - visited)} decisions after the end of the game")
    expected = [float(r) for r in state.returns()]
    if returns is None:
        problems.append(f"no payoffs though the game ended with {expected}")
    elif len(returns) != len(expected) or any(
        not math.isclose(a, b, abs_tol=_TOLERANCE) for a, b in zip(returns, expected, strict=False)
    ):
        problems.append(f"payoffs {returns} differ from the replay's {expected}")
    return problems


def _episode_problems(
    episode: dict[str, Any], moves: dict[tuple[int, int], int | None]
) -> tuple[list[str], bool]:
    """Problems of one done episode, and whether it was replayed against its game."""
    returns = None if episode["returns"] is None else json.loads(episode["returns"])
    problems = []
    if returns is not None and episode["subject_payoff"] is not None:
        role = int(episode["role"])
        if not 0 <= role < len(returns) or not math.isclose(
            float(episode["subject_payoff"]), float(returns[role]), abs_tol=_TOLERANCE
        ):
            problems.append(f"subject payoff {episode['subject_payoff']} is not its return")
    try:
        spec = get_game(episode["game_id"])
    except UnknownGameError:  # a game of another version: only what needs no replay
        if not moves:
            problems.append("no decisions")
        return problems, False
    problems += replay_problems(spec, int(episode["seed"]), moves, returns)
    return problems, True


def check_store(store: Store, *, repair: bool = False) -> CheckReport:
    """Check every done episode of ``store`` (see the module); with ``repair``, mark the
    damaged ones not done, in one transaction."""
    report = CheckReport(str(store.path))
    with store.snapshot() as conn:
        cur = conn.execute(
            "SELECT episode_id, run_id, game_id, role, seed, returns, subject_payoff "
            "FROM episodes WHERE status = 'done' ORDER BY run_id, episode_id"
        )
        names = [d[0] for d in cur.description]
        episodes = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        moves: dict[str, dict[tuple[int, int], int | None]] = defaultdict(dict)
        for eid, step, player, action in conn.execute(
            "SELECT d.episode_id, d.step, d.player, d.action FROM decisions d "
            "JOIN episodes e ON e.episode_id = d.episode_id WHERE e.status = 'done'"
        ):
            moves[eid][(int(step), int(player))] = None if action is None else int(action)
        report.running = int(
            conn.execute("SELECT COUNT(*) FROM episodes WHERE status = 'running'").fetchone()[0]
        )
    for ep in episodes:
        problems, replayed = _episode_problems(ep, moves.get(ep["episode_id"], {}))
        report.checked += 1
        report.replayed += int(replayed)
        if problems:
            report.damaged.append(
                Damage(ep["run_id"], ep["episode_id"], ep["game_id"], "; ".join(problems))
            )
    if repair and report.damaged:
        report.repaired = store.reopen_episodes(
            {d.episode_id: f"store check: {d.problem}" for d in report.damaged}
        )
    return report
