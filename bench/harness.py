"""Throughput of the whole play loop beside a bare OpenSpiel loop, and store size.

    python bench/harness.py [--suite jia2025] [--episodes 30] [--model baseline/belief]

Both loops play the same games the same number of times in this one process. The bare loop
only samples uniform legal actions and applies them to `pyspiel` states; the stratlens loop
renders the prompt, builds the view, asks a reference agent, checks the answer and writes every
decision to a fresh SQLite store. Printed: decisions per second of each, their ratio, and the
store's bytes per decision (WAL checkpointed first).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from stratlens import evaluate, load_decisions
from stratlens.games import get_game, is_simultaneous
from stratlens.runner import resolve_games


def bare_loop(game_ids: tuple[str, ...], episodes: int, seed: int) -> int:
    """Plays each game (each collected role, like the runner) with uniform actions."""
    rng = np.random.default_rng(seed)
    decisions = 0
    for gid in game_ids:
        spec = get_game(gid)
        game = spec.game()
        simultaneous = is_simultaneous(spec)
        for _ in range(episodes * len(spec.roles)):
            state = game.new_initial_state()
            while not state.is_terminal():
                if state.is_chance_node():
                    actions, probs = zip(*state.chance_outcomes(), strict=True)
                    state.apply_action(int(rng.choice(actions, p=probs)))
                elif simultaneous:
                    state.apply_actions([int(rng.choice(state.legal_actions(p))) for p in (0, 1)])
                    decisions += 2
                else:
                    state.apply_action(int(rng.choice(state.legal_actions())))
                    decisions += 1
    return decisions


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", default="jia2025")
    ap.add_argument("--episodes", type=int, default=30)
    ap.add_argument("--model", default="baseline/belief")
    args = ap.parse_args(argv)
    games = resolve_games(args.suite, None)

    t0 = time.perf_counter()
    bare = bare_loop(games, args.episodes, seed=0)
    bare_s = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        evaluate(args.model, suite=args.suite, episodes=args.episodes, store=str(store))
        full_s = time.perf_counter() - t0
        n = len(load_decisions(str(store), include_opponents=True))
        with sqlite3.connect(store) as con:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = store.stat().st_size

    bare_rate, full_rate = bare / bare_s, n / full_s
    print(f"suite {args.suite}, {len(games)} games, {args.episodes} episodes per game and role")
    print(f"bare pyspiel loop : {bare:6d} decisions in {bare_s:7.3f} s = {bare_rate:10.0f} /s")
    print(
        f"stratlens loop    : {n:6d} decisions in {full_s:7.3f} s = {full_rate:10.0f} /s "
        f"({args.model}, prompt + view + agent + store)"
    )
    print(
        f"ratio stratlens / bare: {full_rate / bare_rate:.4f} "
        f"(bare is {bare_rate / full_rate:.0f}x faster)"
    )
    print(f"store: {size} bytes for {n} decisions = {size / n:.0f} bytes per decision")
    return 0


if __name__ == "__main__":
    sys.exit(main())
