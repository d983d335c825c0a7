"""`stratlens leaderboard`: regenerate the leaderboard folder from the store."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    lb = sub.add_parser(
        "leaderboard",
        help="regenerate the leaderboard (HTML, Markdown, CSV, JSON, plots) from the store",
    )
    lb.add_argument(
        "--store", help="SQLite store (default $STRATLENS_STORE or results/stratlens.db)"
    )
    lb.add_argument("--out", default=None, help="output folder (default results/leaderboard)")
    lb.add_argument(
        "--bootstrap", type=int, default=None, help="bootstrap resamples (default 1000)"
    )
    lb.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    lb.add_argument(
        "--no-cache", action="store_true", help="summarise every run anew (ignore the cache)"
    )
    lb.add_argument("--json", action="store_true", help="print what was written as JSON")
    lb.add_argument("--no-progress", action="store_true", help="no progress bar")
    lb.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from stratlens._cli._common import dump_json
    from stratlens._progress import StageBar
    from stratlens.results.leaderboard import DEFAULT_OUT, write_leaderboard
    from stratlens.results.metrics import N_BOOT

    with StageBar(False if args.no_progress else None) as bar:
        report = write_leaderboard(
            args.store,
            args.out or DEFAULT_OUT,
            n_boot=N_BOOT if args.bootstrap is None else args.bootstrap,
            seed=args.seed,
            use_cache=not args.no_cache,
            steps=bar,
        )
    if args.json:
        print(dump_json(asdict(report)))
        return 0
    print(report.ranking)
    print(
        f"leaderboard: {report.entries} models, {len(report.files)} files in {report.out} "
        f"(run summaries: {report.computed} computed, {report.reused} from the cache) · "
        f"newest run {report.generated_from or '—'}"
    )
    return 0
