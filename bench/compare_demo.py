"""The checkpoint comparison shown in the README, end to end.

    python bench/compare_demo.py [--out results/compare_demo] [--docs docs]

Builds a tiny GPT-2 (the test suite's builder, `tests/tiny_checkpoints.py`) trained for 200
steps on synthetic game transcripts, random choices up to step 100 and best choices after,
saved at 10 checkpoints; then runs ``stratlens compare`` on the folder (two games, 10 episodes
per role) and copies the execution and token plots to ``--docs``. Prints the boundary verdict.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.tiny_checkpoints import GAMES, build_checkpoints  # noqa: E402

STEPS = (0, 20, 40, 60, 80, 100, 120, 140, 170, 200)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="results/compare_demo")
    ap.add_argument("--docs", default=None, help="copy the plots here (e.g. docs)")
    ap.add_argument("--episodes", type=int, default=10)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        ckpts = build_checkpoints(Path(tmp), seed=0, steps=STEPS, pivot=100)
        cmd = [
            sys.executable,
            "-m",
            "stratlens.cli",
            "compare",
            str(ckpts.run),
            "--episodes",
            str(args.episodes),
            "--out",
            args.out,
            "--store",
            str(Path(tmp) / "demo.db"),
            "--json",
        ]
        for g in GAMES:
            cmd += ["--game", g]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    print(json.dumps(result.get("boundary", result), indent=2)[:2000])
    if args.docs:
        for name in ("curves_execution.png", "curves_tokens.png"):
            src = Path(args.out) / name
            if src.exists():
                shutil.copy(src, Path(args.docs) / name.replace("curves_", "compare_"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
