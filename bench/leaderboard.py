"""Leaderboard regeneration time against store size, and the incremental regeneration.

    python bench/leaderboard.py [--sizes 10000 100000 1000000] [--models 8] [--bootstrap 1000]

For each size, a synthetic store of about that many decisions (subject and opponent; one run per
model on every one-shot and repeated game, both roles) is written in bulk, then the leaderboard
is regenerated three ways in this one process: from scratch (every run summarised, no cache),
again with the cache warm (nothing changed), and after adding one run beside the full ones
(only that run is summarised). Printed: seconds for each, and the growth ratio of the
from-scratch time between consecutive sizes beside the ratio of their sizes (a time ratio no
larger than the size ratio is at most linear growth).
"""

from __future__ import annotations

import argparse
import itertools
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from stratlens.games import list_games
from stratlens.results.leaderboard import write_leaderboard
from stratlens.results.leaderboard.synthetic import write_synthetic_store


def decisions_per_episode_index(games: list[str]) -> int:
    """Decisions one model adds per episode index: both roles of every game, both players."""
    total = 0
    for spec in list_games():
        if spec.id in games:
            rounds = int(spec.params.get("horizon") or 10) if spec.kind == "repeated" else 1
            total += len(spec.roles) * 2 * rounds
    return total


def timed(label: str, fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    seconds = time.perf_counter() - t0
    print(f"  {label:<44s} {seconds:8.2f} s", flush=True)
    return seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--models", type=int, default=8)
    ap.add_argument("--bootstrap", type=int, default=1000)
    args = ap.parse_args(argv)
    games = [s.id for s in list_games() if s.kind != "tree"]
    per_index = decisions_per_episode_index(games) * args.models
    models = [f"synthetic/model-{i}" for i in range(args.models)]
    print(
        f"{args.models} models × {len(games)} games (one-shot and repeated, both roles); "
        f"{args.bootstrap} bootstrap resamples"
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sorted(args.sizes):
            episodes = max(1, round(size / per_index))
            store = Path(tmp) / f"store-{size}.db"
            print(f"size {size:,} (episodes per game and role: {episodes})")

            def write(store: Path = store, episodes: int = episodes) -> None:
                write_synthetic_store(store, models, games, episodes)

            timed("write the store", write)
            with sqlite3.connect(store) as con:
                n = con.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
            out = Path(tmp) / f"out-{size}"

            def full(out: Path = out, store: Path = store) -> None:
                write_leaderboard(store, out, n_boot=args.bootstrap, use_cache=False)

            def cached(out: Path = out, store: Path = store) -> None:
                write_leaderboard(store, out, n_boot=args.bootstrap)

            scratch = timed("regenerate from scratch (no cache)", full)
            timed("fill the cache", cached)
            warm = timed("regenerate, cache warm, nothing new", cached)
            write_synthetic_store(store, ["synthetic/new"], games, episodes, run_index=1)
            incremental = timed("regenerate after adding one run", cached)
            again = timed("the same, from scratch (no cache)", full)
            rows.append((size, n, scratch, warm, incremental, again))
    print()
    head = ("decisions", "scratch s", "warm s", "+1 run s", "+1 run, no cache s")
    print("{:>12s} {:>10s} {:>8s} {:>9s} {:>19s}".format(*head))
    for _, n, scratch, warm, inc, again in rows:
        print(f"{n:12,d} {scratch:10.2f} {warm:8.2f} {inc:9.2f} {again:19.2f}")
    for (_, n0, t0, *_), (_, n1, t1, *_) in itertools.pairwise(rows):
        print(
            f"growth {n0:,} → {n1:,}: size × {n1 / n0:.1f}, from-scratch time × {t1 / t0:.2f} "
            f"({'at most linear' if t1 / t0 <= n1 / n0 else 'faster than linear'})"
        )
    for _, n, _, _, inc, again in rows:
        print(f"incremental at {n:,} decisions: {inc:.2f} s vs {again:.2f} s from scratch "
              f"(× {again / inc:.1f})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
