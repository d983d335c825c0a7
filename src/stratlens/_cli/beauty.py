"""`stratlens beauty`: depth of reasoning in the p-beauty contest, from the stored guesses.

Per model and p-beauty game (suite ``beauty_contest``): the number of guesses, their mean and
median, the share read as each level 0-5 (the level whose guess is nearest; 5 takes every
deeper guess), and the
cognitive-hierarchy τ by maximum likelihood with its profile-likelihood interval
(`stratlens.profiler.beauty`).
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "beauty", help="p-beauty contest: level-k reading and cognitive-hierarchy tau per model"
    )
    p.add_argument(
        "--store", help="SQLite store (default $STRATLENS_STORE or results/stratlens.db)"
    )
    p.add_argument(
        "--run", action="append", default=None, help="a run id (repeatable; default: every run)"
    )
    p.add_argument("--level", type=float, default=0.95, help="interval level (default 0.95)")
    p.add_argument("--json", action="store_true", help="print the rows as a JSON list")
    p.set_defaults(func=run)


def _num(x: float) -> str:
    return "inf" if math.isinf(x) else f"{x:.2f}"


def run(args: argparse.Namespace) -> int:
    from stratlens._cli._common import dump_json
    from stratlens.errors import UsageError
    from stratlens.results._paths import resolve_store_path

    if not 0.0 < args.level < 1.0:
        raise UsageError(f"--level must be between 0 and 1, got {args.level}")
    path = resolve_store_path(args.store)
    if not path.is_file():
        raise UsageError(f"no store at {path}")
    from stratlens.profiler.beauty_stored import beauty_depths
    from stratlens.results.store import load_decisions, open_store

    with open_store(path) as store:
        frame = load_decisions(store, run=args.run)
    rows = beauty_depths(frame, args.level)
    if args.json:
        print(dump_json([r.to_dict() for r in rows]))
        return 0
    if not rows:
        print("no p-beauty contest guesses in the store", file=sys.stderr)
        return 0
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"p-beauty contest · cognitive hierarchy, {round(args.level * 100)}% intervals")
    for col in ("model", "game", "n", "mean", "median", "levels 0-5+ (share)", "tau", "tau CI"):
        t.add_column(col)
    t.add_column("sigma")
    for r in rows:
        shares = " ".join(f"{round(100 * s)}%" for s in r.level_shares)
        t.add_row(
            r.model, r.game_id, str(r.guesses), f"{r.mean:.1f}", f"{r.median:g}", shares,
            f"{r.fit.tau:.2f}", f"[{_num(r.fit.tau_ci[0])}, {_num(r.fit.tau_ci[1])}]",
            f"{r.fit.sigma:.2f}",
        )  # fmt: skip
    console = Console(width=None if sys.stdout.isatty() else 160)
    console.print(t)
    points = ", ".join(f"{m:.1f}" for m in rows[0].level_points)
    console.print(f"level points of {rows[0].game_id}: {points}", soft_wrap=True)
    return 0
