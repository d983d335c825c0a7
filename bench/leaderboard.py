"""Leaderboard regeneration time against store size, and the incremental regeneration.

    python bench/leaderboard.py [--sizes 10000 100000 1000000] [--models 8] [--bootstrap 1000]
                                [--keep DIR]

For each size, a synthetic store of about that many decisions (subject and opponent; one run per
model on every one-shot and repeated game, both roles) is written in bulk (with ``--keep``, once
into DIR and copied from there on later calls), then the leaderboard is regenerated in this one
process: from scratch (no cache: every run summarised, every step computed), again with the
cache warm (nothing changed), then, after adding one run of a new model beside the full ones,
from the cache (that run summarised, its entry computed, and what the new model changes for
the others: the population metrics, the structure analysis outcomes that read them, the
figures) and from scratch. Printed: wall and CPU seconds of each (CPU: this process's, the
steadier figure on a shared machine), the incremental/from-scratch ratio after the new run,
and the growth of the from-scratch time between consecutive sizes beside the ratio of their
sizes (a time ratio no larger than the size ratio is at most linear growth).
"""

from __future__ import annotations

import argparse
import itertools
import shutil
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


def timed(label: str, fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of ``fn()``."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"  {label:<52s} {seconds:8.2f} s wall {cpu:8.2f} s CPU", flush=True)
    return seconds, cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--models", type=int, default=8)
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--keep", type=Path, default=None, help="write each store once, here")
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
            kept = None
            if args.keep is not None:
                args.keep.mkdir(parents=True, exist_ok=True)
                kept = args.keep / f"store-{args.models}x{episodes}.db"

            def write(store: Path = store, episodes: int = episodes) -> None:
                write_synthetic_store(store, models, games, episodes)

            if kept is not None and kept.is_file():
                shutil.copy(kept, store)
            else:
                timed("write the store", write)
                if kept is not None:
                    shutil.copy(store, kept)
            with sqlite3.connect(store) as con:
                n = con.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
            out = Path(tmp) / f"out-{size}"

            def full(out: Path = out, store: Path = store) -> None:
                write_leaderboard(store, out, n_boot=args.bootstrap, use_cache=False)

            def cached(out: Path = out, store: Path = store) -> None:
                write_leaderboard(store, out, n_boot=args.bootstrap)

            scratch = timed("regenerate from scratch (no cache)", full)
            warm = timed("regenerate, cache warm, nothing new", cached)
            write_synthetic_store(store, ["synthetic/new"], games, episodes, run_index=1)
            incremental = timed("after one new run: from the cache", cached)
            again = timed("after one new run: from scratch (no cache)", full)
            rows.append((n, scratch, warm, incremental, again))
    print()
    head = ("decisions", "scratch s", "warm s", "+1 run s", "+1 run, no cache s", "ratio")
    print("{:>12s} {:>10s} {:>8s} {:>9s} {:>19s} {:>6s}   (wall; CPU below)".format(*head))
    for k in (0, 1):
        for n, scratch, warm, inc, again in rows:
            print(f"{n:12,d} {scratch[k]:10.2f} {warm[k]:8.2f} {inc[k]:9.2f} {again[k]:19.2f} "
                  f"{inc[k] / again[k]:6.2f}")  # fmt: skip
    for (n0, t0, *_), (n1, t1, *_) in itertools.pairwise(rows):
        print(
            f"growth {n0:,} → {n1:,}: size × {n1 / n0:.1f}, from-scratch time × "
            f"{t1[0] / t0[0]:.2f} ({'at most linear' if t1[0] / t0[0] <= n1 / n0 else 'faster'})"
        )
    for n, _, _, inc, again in rows:
        print(
            f"after one new run at {n:,} decisions: incremental {inc[0]:.2f} s vs "
            f"{again[0]:.2f} s from scratch, ratio {inc[0] / again[0]:.2f} wall, "
            f"{inc[1] / again[1]:.2f} CPU ({inc[1]:.2f} vs {again[1]:.2f} CPU s)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
