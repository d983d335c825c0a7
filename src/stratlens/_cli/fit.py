"""`stratlens fit`: TQRE depth τ and precision γ per model and game, from the stored choices.

Fits every one-shot game of the selected runs (and the Jia et al. sequential game, player 1
only) from the subject's choice counts per role, prints τ and γ with their profile-likelihood
intervals and the identification flag, and records each fit in the store's ``fits`` table.
A jia2025 fit whose notebook starts end below what the global search finds is flagged, with
both points printed.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

#: The estimators of `stratlens.profiler.tqre` (kept here so that --help stays light).
ESTIMATORS = ("tqre", "jia2025")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("fit", help="TQRE depth (tau) and precision (gamma) per model and game")
    p.add_argument(
        "--store", help="SQLite store (default $STRATLENS_STORE or results/stratlens.db)"
    )
    p.add_argument(
        "--run", action="append", default=None, help="a run id (repeatable; default: every run)"
    )
    p.add_argument(
        "--estimator",
        default="tqre",
        choices=ESTIMATORS,
        help="tqre (the model as the paper writes it) or jia2025 (the released notebook)",
    )
    p.add_argument("--level", type=float, default=0.95, help="interval level (default 0.95)")
    p.add_argument("--no-save", action="store_true", help="do not record the fits in the store")
    p.add_argument("--json", action="store_true", help="print the fits as a JSON list")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _interval(lo: float, hi: float, digits: int = 2) -> str:
    def num(x: float) -> str:
        return "inf" if math.isinf(x) else f"{x:.{digits}f}"

    return f"[{num(lo)}, {num(hi)}]"


def run(args: argparse.Namespace) -> int:
    from stratlens._cli._common import dump_json
    from stratlens.errors import UsageError
    from stratlens.results._paths import resolve_store_path

    if not 0.0 < args.level < 1.0:
        raise UsageError(f"--level must be between 0 and 1, got {args.level}")
    path = resolve_store_path(args.store)
    if not path.is_file():
        raise UsageError(f"no store at {path}")
    from stratlens.results.store import load_decisions, open_store

    with open_store(path) as store:
        frame = load_decisions(store, run=args.run)
        from stratlens._progress import StageBar
        from stratlens.profiler._persist import record_tqre_fits
        from stratlens.profiler.depth import tqre_fits

        with StageBar(False if args.no_progress or args.json else None) as bar:
            fits = tqre_fits(frame, estimator=args.estimator, level=args.level, steps=bar)
        if not args.no_save and fits:
            record_tqre_fits(store, ((f.model, f.runs, f.fit) for f in fits))
    if args.json:
        print(dump_json([f.to_dict() for f in fits]))
        return 0
    if not fits:
        print("no one-shot game with stored choices to fit", file=sys.stderr)
        return 0
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"TQRE ({args.estimator}) · {round(args.level * 100)}% profile intervals")
    for col in ("model", "game", "n P1/P2", "tau", "tau CI", "gamma", "gamma CI", "loglik"):
        t.add_column(col)
    t.add_column("identified")
    for f in fits:
        r = f.fit
        n = "/".join("-" if x is None else str(int(x)) for x in r.n)
        t.add_row(
            f.model,
            f.game_id,
            n,
            f"{r.tau:.3f}",
            _interval(*r.tau_ci),
            f"{r.gamma:.3g}",
            _interval(*r.gamma_ci, digits=3),
            f"{r.loglik:.3f}",
            "yes" if r.identified else "no (tau not ranked)",
        )
    console = Console(width=None if sys.stdout.isatty() else 160)
    console.print(t)
    for f in fits:
        note = f.fit.unsure_note
        if note:
            console.print(f"unsure: {f.model} on {f.game_id}: {note}", soft_wrap=True)
    return 0
