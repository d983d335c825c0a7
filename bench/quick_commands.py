"""Start-up of the quick commands, each a fresh process, beside a bare ``python -c pass``.

    python bench/quick_commands.py [--repeats 5]

Times ``stratlens --help``, ``stratlens games list``, ``stratlens games list --json`` with the
structure file filled by an earlier call and with it turned off (every game solved, the solver
imports paid), and ``import numpy, pyspiel`` (the floor every game command pays). Printed per
command: the median wall time and CPU time (user + system) of its processes, and its ratio to
``--help``. The structure file is a temporary one, so the user's is neither read nor changed.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    cli = [sys.executable, "-m", "stratlens.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        warm = {**os.environ, "STRATLENS_STRUCTURE_CACHE": str(Path(tmp) / "structure.json")}
        cold = {**os.environ, "STRATLENS_STRUCTURE_CACHE": ""}
        subprocess.run([*cli, "games", "list", "--json"], env=warm, check=True, capture_output=True)
        cases = [
            ("python -c pass", [sys.executable, "-c", "pass"], warm),
            ("import numpy, pyspiel", [sys.executable, "-c", "import numpy, pyspiel"], warm),
            ("stratlens --help", [*cli, "--help"], warm),
            ("stratlens games list", [*cli, "games", "list"], warm),
            ("games list --json (file filled)", [*cli, "games", "list", "--json"], warm),
            ("games list --json (no file)", [*cli, "games", "list", "--json"], cold),
        ]
        # Interleaved repetitions: a change in the machine's load falls on every command alike.
        times: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in cases}
        for _ in range(args.repeats):
            for name, argv, env in cases:
                times[name].append(_once(argv, env))
    load = os.getloadavg()[0]
    print(
        f"{args.repeats} runs each, interleaved; load average {load:.2f} on {os.cpu_count()} CPUs"
    )
    help_wall = statistics.median(w for w, _ in times["stratlens --help"])
    print(f"{'command':34} {'wall s':>7} {'cpu s':>7} {'÷ --help':>9}")
    for name, samples in times.items():
        wall = statistics.median(w for w, _ in samples)
        cpu = statistics.median(c for _, c in samples)
        print(f"{name:34} {wall:7.3f} {cpu:7.3f} {wall / help_wall:9.2f}")


if __name__ == "__main__":
    main()
