"""The profiler's speed in one run: text classification, then fits.

    python bench/profiler.py [--traces 1000] [--reps 10]

Runs `bench/profiler_text.py` (traces per second of the offline classifier beside its bare
feature extractor, on the same traces) and `bench/profiler_fit.py` (TQRE and style-mixture fits
per second) one after the other; each prints its own table.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--traces", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=10)
    args = ap.parse_args()
    runs = [
        [sys.executable, str(HERE / "profiler_text.py"), "--traces", str(args.traces)],
        [sys.executable, str(HERE / "profiler_fit.py"), "--reps", str(args.reps)],
    ]
    for cmd in runs:
        print(f"$ {' '.join(Path(c).name if c.endswith('.py') else c for c in cmd[1:])}")
        rc = subprocess.run(cmd, check=False).returncode
        if rc:
            return rc
    return 0


if __name__ == "__main__":
    sys.exit(main())
