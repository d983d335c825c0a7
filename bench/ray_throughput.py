"""Throughput of an API-model eval through Ray beside one process, at the same connections.

    python bench/ray_throughput.py [--latency 0.1] [--connections 16] [--episodes 30]
                                   [--repeats 3] [--cpus 2]

A fake OpenAI-compatible server (`tests.agents.llm_server`, its own process) answers every
request after ``--latency`` seconds. The eval is the nine one-shot matrix games of
``jia2025``, both roles, ``--episodes`` each (one API request per episode), with
``--connections`` requests in flight at most: in one process (``executor="local"``), and
through a local Ray cluster of ``--cpus`` CPUs started once beforehand (``executor="ray"``:
tasks of one game and role, each with a share of the connections, the store and the response
cache written by the driver). Each repetition plays both, one after the other, on
fresh store and cache files with its own seed (so every request is a cache miss); a Ray run
with another seed first warms the workers (their imports). Printed: API requests per
second (the subject's decisions; the opponent is a reference agent) of each, per repetition
and as medians, and the ratio Ray / one process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("OPENAI_API_KEY", "sk-bench-0000000000000000")

MODEL = "openai/gpt-4o-mini"


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.agents.llm_server", "--latency", str(latency)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}/v1"


def one_run(url: str, folder: Path, executor: str, seed: int, args: argparse.Namespace) -> float:
    """API requests (the subject's decisions) per second of one eval (fresh store and cache)."""
    from stratlens import evaluate
    from stratlens.games import list_games

    games = [g.id for g in list_games("jia2025") if g.game().max_game_length() == 1]
    start = time.perf_counter()
    report = evaluate(
        MODEL,
        model_args={"api_base": url},
        games=games,
        episodes=args.episodes,
        seed=seed,
        store=str(folder / f"{executor}-{seed}.db"),
        cache=str(folder / f"{executor}-{seed}-cache.db"),
        concurrency=args.connections,
        executor=executor,
    )
    elapsed = time.perf_counter() - start
    assert report.played == report.planned and report.failed == 0, report
    import sqlite3

    with sqlite3.connect(folder / f"{executor}-{seed}.db") as conn:
        row = conn.execute("SELECT COUNT(*) FROM decisions WHERE agent = 'subject'").fetchone()
    n = int(row[0])
    return n / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--episodes", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cpus", type=int, default=2)
    args = ap.parse_args()
    import ray

    server, url = start_server(args.latency)
    try:
        t0 = time.perf_counter()
        ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
        print(f"ray cluster of {args.cpus} CPUs started in {time.perf_counter() - t0:.1f} s")
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            t0 = time.perf_counter()
            one_run(url, folder, "ray", 10_000, args)
            print(f"warm-up ray run (worker imports): {time.perf_counter() - t0:.1f} s")
            local, distributed = [], []
            for r in range(args.repeats):
                local.append(one_run(url, folder, "local", r, args))
                distributed.append(one_run(url, folder, "ray", r, args))
                print(
                    f"repeat {r + 1}: one process {local[-1]:7.1f} requests/s   "
                    f"ray {distributed[-1]:7.1f} requests/s   "
                    f"ratio {distributed[-1] / local[-1]:.2f}"
                )
        a, b = statistics.median(local), statistics.median(distributed)
        ideal = args.connections / args.latency
        print(
            f"median: one process {a:.1f}/s, ray {b:.1f}/s (ideal {ideal:.0f}/s at "
            f"{args.connections} connections, {args.latency * 1000:.0f} ms); ray / one process "
            f"= {b / a:.2f}"
        )
    finally:
        ray.shutdown()
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
