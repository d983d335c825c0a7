"""Two identical `stratlens eval` commands on one store, started 0–6 s apart, twenty times.

    python bench/concurrent_runs.py [--trials 20] [--episodes 15] [--latency 0.5]
                                    [--max-connections 16] [--suite jia2025]

A fake OpenAI-compatible server on 127.0.0.1 (`tests.agents.llm_server`) answers a legal move
for every prompt after ``--latency`` seconds; the defaults make one run play for about 13 s
after it has started, so that the second command starts while the first is playing in every
trial (each command takes a few seconds to start). A single run of the command on a fresh
store is the reference; then each trial starts the same command twice on a fresh store and
cache, the second ``delay`` seconds after the first (delays spread evenly over 0–6 s), waits
for both, and compares the store they leave with the reference, episode for episode and
decision for decision. Printed per trial: the delay, both exit statuses, the episodes each
played and the ones each waited for, and the episodes and decisions that differ from the
reference; then the number of clean trials (both exit 0, nothing differs) out of all.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.agents.concurrent_runs import (  # noqa: E402
    answer,
    eval_argv,
    run_once,
    store_rows,
    trial,
)
from tests.agents.llm_server import FakeLLMServer  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--episodes", type=int, default=15, help="episodes per game and role")
    ap.add_argument("--latency", type=float, default=0.5, help="seconds before each reply")
    ap.add_argument("--max-connections", type=int, default=16)
    ap.add_argument("--suite", default="jia2025")
    ap.add_argument("--max-delay", type=float, default=6.0)
    args = ap.parse_args(argv)
    started = time.monotonic()
    with FakeLLMServer(answer, latency=args.latency) as srv, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "single").mkdir()
        ref_argv = eval_argv(
            srv.url,
            root / "single" / "store.db",
            root / "single" / "cache.db",
            episodes=args.episodes,
            suite=args.suite,
            connections=args.max_connections,
        )
        t0 = time.monotonic()
        single = run_once(ref_argv)
        if single.returncode != 0:
            print(f"the single run failed: {single.stderr.strip()}", file=sys.stderr)
            return 1
        reference = store_rows(root / "single" / "store.db")
        print(
            f"single run: {len(reference[0])} episodes, {len(reference[1])} decisions, "
            f"{time.monotonic() - t0:.1f} s with its start; server latency {args.latency} s, "
            f"{args.max_connections} connections"
        )
        print("trial  delay_s  exit  played     waited     episodes_diff  decisions_diff")
        clean = 0
        step = args.max_delay / max(args.trials - 1, 1)
        for k in range(args.trials):
            t = trial(
                srv.url,
                root / f"t{k}",
                reference,
                round(k * step, 2),
                episodes=args.episodes,
                suite=args.suite,
                connections=args.max_connections,
            )
            clean += t.clean
            print(
                f"{k:5d}  {t.delay:7.2f}  {t.returncodes[0]},{t.returncodes[1]}   "
                f"{t.played[0]:4d},{t.played[1]:<4d}  {t.waited[0]:4d},{t.waited[1]:<4d}  "
                f"{t.episode_diff:13d}  {t.decision_diff:14d}"
                + (f"  {t.errors}" if t.errors else ""),
                flush=True,
            )
    print(
        f"{clean} of {args.trials} trials left a store equal to the single run's, decision for "
        f"decision, with both commands exiting 0 ({time.monotonic() - started:.0f} s in all)"
    )
    return 0 if clean == args.trials else 1


if __name__ == "__main__":
    raise SystemExit(main())
