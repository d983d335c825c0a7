"""Decisions per second of the whole play loop, beside a bare OpenSpiel loop and the peer's store.

    python bench/harness.py [--seconds 5] [--repeats 3] [--config pd_random jia2025_belief]

Configurations (``--config``): ``pd_random``, random against random on ``prisoners_dilemma``;
``jia2025_belief``, ``baseline/belief`` against ``baseline/belief`` on the ``jia2025`` suite.
For each, three loops run in this one process, each for about ``--seconds``:

- **stratlens**: `stratlens.evaluate` (prompt, view, agent, answer check, the SQLite store on
  disk, every decision of both players written). Its number of episodes is sized from a short
  warm-up run so that it lasts about ``--seconds``.
- **bare pyspiel**: the same games played with uniform legal actions sampled by
  `random.Random` (an index into the legal actions; chance outcomes by one uniform draw), no
  store. Its workload is the stratlens run's own: per game, episodes until it has made as many
  decisions as the stratlens run made in that game (so random-stop games count the same
  decisions, not the same episodes), repeated until ``--seconds`` have passed.
- **peer store pattern**: the bare loop writing every decision as one row in its own committed
  transaction (SQLite's default rollback journal, ``synchronous=FULL``: an fsync per move), as
  Game Reasoning Arena stores moves; on disk beside the stratlens store. It stops after
  ``--seconds``, partway through the workload.

A decision is one player's move, counted alike in the three loops (a simultaneous round counts
two). Printed per configuration: each loop's decisions, wall and CPU seconds, decisions per
second and per CPU-second (``time.process_time``, every thread of the process), the medians
over ``--repeats`` interleaved repetitions with their range, the ratio of stratlens to each
other loop per CPU-second, and the store's bytes per decision (WAL checkpointed first).
"""

from __future__ import annotations

import argparse
import math
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from stratlens import evaluate
from stratlens.games import get_game, is_simultaneous
from stratlens.results import load_decisions
from stratlens.runner import resolve_games

#: name: (model, opponent, suite, games)
CONFIGS: dict[str, tuple[str, str, str | None, tuple[str, ...] | None]] = {
    "pd_random": ("baseline/random", "baseline/random", None, ("prisoners_dilemma",)),
    "jia2025_belief": ("baseline/belief", "baseline/belief", "jia2025", None),
}
WARM_EPISODES = 10
LOOPS = ("stratlens", "bare pyspiel", "peer store pattern")
OnMove = Callable[[int, int, int], None]  # (player, action, episode)


@dataclass
class Timing:
    decisions: int
    wall: float
    cpu: float

    @property
    def per_s(self) -> float:
        return self.decisions / self.wall

    @property
    def per_cpu_s(self) -> float:
        return self.decisions / self.cpu


def _chance(state: object, rnd: random.Random) -> int:
    outcomes = state.chance_outcomes()  # type: ignore[attr-defined]
    u = rnd.random()
    for action, p in outcomes:
        u -= p
        if u < 0.0:
            return int(action)
    return int(outcomes[-1][0])


def play_game(
    game_id: str,
    target: int,
    rnd: random.Random,
    on_move: OnMove | None,
    episode: int,
    deadline: float | None = None,
) -> tuple[int, int]:
    """Episodes of ``game_id`` with uniform actions until ``target`` decisions (a whole episode
    at a time), or until ``deadline`` (`time.perf_counter`) has passed; returns (decisions,
    episodes)."""
    spec = get_game(game_id)
    game = spec.game()
    simultaneous = is_simultaneous(spec)
    decisions = 0
    played = 0
    while decisions < target:
        state = game.new_initial_state()
        while not state.is_terminal():
            if state.is_chance_node():
                state.apply_action(_chance(state, rnd))
            elif simultaneous:
                moves = []
                for p in (0, 1):
                    legal = state.legal_actions(p)
                    moves.append(legal[int(rnd.random() * len(legal))])
                state.apply_actions(moves)
                decisions += 2
                if on_move is not None:
                    on_move(0, moves[0], episode + played)
                    on_move(1, moves[1], episode + played)
            else:
                player = state.current_player()
                legal = state.legal_actions()
                action = legal[int(rnd.random() * len(legal))]
                state.apply_action(action)
                decisions += 1
                if on_move is not None:
                    on_move(player, action, episode + played)
        played += 1
        if deadline is not None and time.perf_counter() >= deadline:
            break
    return decisions, played


def bare_loop(
    workload: dict[str, int], seconds: float, on_move: OnMove | None = None, *, partial: bool
) -> Timing:
    """The workload again and again until ``seconds`` have passed (``partial``: checked after
    each episode, so the loop may stop partway through the workload)."""
    rnd = random.Random(0)
    decisions = episodes = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    deadline = wall0 + seconds if partial else None
    while True:
        for game_id, target in workload.items():
            made, played = play_game(game_id, target, rnd, on_move, episodes, deadline)
            decisions += made
            episodes += played
            if partial and time.perf_counter() - wall0 >= seconds:
                break
        if time.perf_counter() - wall0 >= seconds:
            break
    return Timing(decisions, time.perf_counter() - wall0, time.process_time() - cpu0)


def peer_loop(workload: dict[str, int], seconds: float, folder: Path) -> Timing:
    """The bare loop, each decision one committed, fsync'd SQLite transaction."""
    con = sqlite3.connect(folder / "peer.db")
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("PRAGMA synchronous=FULL")
    con.execute(
        "CREATE TABLE moves (id INTEGER PRIMARY KEY, episode INTEGER, player INTEGER, "
        "action INTEGER, at REAL)"
    )
    con.commit()

    def write(player: int, action: int, episode: int) -> None:
        con.execute(
            "INSERT INTO moves (episode, player, action, at) VALUES (?, ?, ?, ?)",
            (episode, player, action, time.time()),
        )
        con.commit()

    try:
        timing = bare_loop(workload, seconds, write, partial=True)
    finally:
        con.close()
    (count,) = sqlite3.connect(folder / "peer.db").execute("SELECT COUNT(*) FROM moves").fetchone()
    assert count == timing.decisions, (count, timing.decisions)
    return timing


def stratlens_loop(config: str, episodes: int, folder: Path) -> tuple[Timing, Counter[str], int]:
    """One run into a fresh store: its timing, decisions per game, store bytes."""
    model, opponent, suite, games = CONFIGS[config]
    store = folder / f"stratlens-{config}-{episodes}-{time.time_ns()}.db"
    wall0, cpu0 = time.perf_counter(), time.process_time()
    report = evaluate(
        model, suite=suite, games=games, episodes=episodes, opponent=opponent, store=str(store)
    )
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    assert report.failed == 0, report
    dec = load_decisions(str(store), include_opponents=True)
    per_game = Counter({str(g): int(n) for g, n in dec.game_id.value_counts().items()})
    with sqlite3.connect(store) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = store.stat().st_size
    return Timing(len(dec), wall, cpu), per_game, size


def _cell(values: list[float]) -> str:
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:,.0f}"
    return f"{med:,.0f} ({min(values):,.0f}–{max(values):,.0f})"


def run_config(config: str, seconds: float, repeats: int, folder: Path) -> None:
    model, opponent, suite, games = CONFIGS[config]
    names = resolve_games(suite, games)
    # Warm-up (imports, the games' caches), then runs that size the measured ones: a run's
    # fixed costs make a short run slow, so the size is taken from one that lasts a while.
    episodes = WARM_EPISODES
    for _ in range(4):
        warm, _, _ = stratlens_loop(config, episodes, folder)
        if warm.wall >= seconds / 3:
            break
        episodes = math.ceil(episodes * min(10.0, seconds / 2 / warm.wall))
    episodes = max(WARM_EPISODES, math.ceil(episodes * seconds / warm.wall))
    results: dict[str, list[Timing]] = {loop: [] for loop in LOOPS}
    sizes = []
    for _ in range(repeats):
        timing, workload, size = stratlens_loop(config, episodes, folder)
        results["stratlens"].append(timing)
        sizes.append(size / timing.decisions)
        ordered = {g: workload[g] for g in names if workload[g]}
        results["bare pyspiel"].append(bare_loop(ordered, seconds, partial=False))
        results["peer store pattern"].append(peer_loop(ordered, seconds, folder))
        (folder / "peer.db").unlink()
    print(
        f"\n{config}: {model} vs {opponent}, {len(names)} game(s), {episodes} episodes per game "
        f"and role; {repeats} repetitions, medians (range)"
    )
    print(f"{'loop':20} {'decisions':>9} {'wall s':>7} {'cpu s':>7} {'decisions/s':>26} "
          f"{'per CPU-second':>26}")  # fmt: skip
    for loop, ts in results.items():
        print(
            f"{loop:20} {statistics.median(t.decisions for t in ts):>9,.0f} "
            f"{statistics.median(t.wall for t in ts):>7.2f} "
            f"{statistics.median(t.cpu for t in ts):>7.2f} "
            f"{_cell([t.per_s for t in ts]):>26} {_cell([t.per_cpu_s for t in ts]):>26}"
        )
    ours = results["stratlens"]
    for other in ("bare pyspiel", "peer store pattern"):
        for unit, attr in (("per CPU-second", "per_cpu_s"), ("per second", "per_s")):
            ratios = [
                getattr(a, attr) / getattr(b, attr)
                for a, b in zip(ours, results[other], strict=True)
            ]
            print(
                f"stratlens / {other}, {unit}: {statistics.median(ratios):.4f} "
                f"({min(ratios):.4f}–{max(ratios):.4f})"
            )
    print(f"stratlens store: {statistics.median(sizes):.0f} bytes per decision")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="length of each loop")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--config", nargs="+", choices=tuple(CONFIGS), default=list(CONFIGS))
    ap.add_argument("--dir", help="folder for the stores (default: a temporary one)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        print(f"stores in {folder}; {args.seconds:g} s per loop")
        for config in args.config:
            run_config(config, args.seconds, args.repeats, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
