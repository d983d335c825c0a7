"""`stratlens compare`: one suite on a series of checkpoints, and where the phases change."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from stratlens._cli._common import add_executor_options, add_play_options

DEFAULT_OUT = Path("results") / "compare"


def add_parser(sub: Any) -> None:
    cp = sub.add_parser(
        "compare",
        help="evaluate training checkpoints and locate the execution-to-strategy boundary",
        description=(
            "Each CKPT is hf/<folder>, a folder of checkpoint-N / step-N subfolders, a model "
            "string with @step=N, or a run id in the store."
        ),
    )
    cp.add_argument("checkpoints", nargs="+", metavar="CKPT")
    add_play_options(
        cp, model_args_help="model argument for every checkpoint (repeatable)", prompt="payoff"
    )
    add_executor_options(cp)
    cp.add_argument("--out", default=None, help=f"report folder (default {DEFAULT_OUT})")
    cp.add_argument("--lexicon", help="strategic-gram lexicon file (JSON or text) to add")
    cp.add_argument(
        "--no-data-grams", action="store_true",
        help="do not add strategic grams built from the run's own successful traces",
    )  # fmt: skip
    cp.add_argument(
        "--classifier", default="offline",
        help="text style classifier (default offline; 'none' to skip)",
    )  # fmt: skip
    cp.add_argument("--bootstrap", type=int, default=500, help="bootstrap resamples (500)")
    cp.add_argument("--json", action="store_true", help="print the results as JSON")
    cp.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from stratlens._cli._common import dump_json
    from stratlens._executor import make_executor
    from stratlens.agents import parse_model_args
    from stratlens.contracts import PROTOCOLS
    from stratlens.errors import UsageError
    from stratlens.results.phases.checkpoints import resolve_checkpoints
    from stratlens.results.phases.compare import compare_runs
    from stratlens.results.phases.lexicon import Lexicon
    from stratlens.results.phases.report import to_json, write_report
    from stratlens.results.store import open_store, resolve_store_path
    from stratlens.runner import (
        DEFAULT_EPISODES,
        DEFAULT_OPPONENT,
        EvalConfig,
        resolve_games,
        run_async,
    )

    if args.prompt not in PROTOCOLS:
        raise UsageError(f"unknown prompt protocol {args.prompt!r} ({', '.join(PROTOCOLS)})")
    if args.bootstrap < 0:
        raise UsageError(f"--bootstrap must be >= 0, got {args.bootstrap}")
    lexicon = Lexicon.starter()
    if args.lexicon:
        lexicon = lexicon.merged(Lexicon.load(args.lexicon))
    store_path = resolve_store_path(args.store)
    known: dict[str, str] = {}
    if store_path.is_file():
        with open_store(store_path) as store:
            known = {
                str(r[0]): str(r[1]) for r in store.conn.execute("SELECT run_id, model FROM runs")
            }
    checkpoints = resolve_checkpoints(args.checkpoints, known)
    games = resolve_games(args.suite, args.game)
    model_args = parse_model_args(args.model_args)
    progress = not args.no_progress and sys.stderr.isatty()
    run_ids: list[str] = []
    executor = make_executor(args.executor, ray_address=args.ray_address)
    executor.start()  # once for every checkpoint: a Ray cluster started here is kept
    try:
        for ck in checkpoints:
            if ck.run_id is not None:
                run_ids.append(ck.run_id)
                continue
            config = EvalConfig(
                model=ck.model,
                games=games,
                model_args=model_args,
                suite=args.suite if args.suite else (None if args.game else "jia2025"),
                episodes=DEFAULT_EPISODES if args.episodes is None else args.episodes,
                seed=args.seed,
                protocol=args.prompt,
                opponent=args.opponent or DEFAULT_OPPONENT,
                framing=args.framing,
            )
            report = asyncio.run(
                run_async(
                    config,
                    str(store_path),
                    concurrency=args.max_connections,
                    progress=progress,
                    executor=executor,
                )
            )
            run_ids.append(report.run_id)
            if not args.json:
                print(
                    f"{ck.label} (step {ck.step}): run {report.run_id}, {report.played} played, "
                    f"{report.skipped} already in the store, {report.failed} failed",
                    file=sys.stderr,
                )
    finally:
        executor.stop()
    from stratlens._progress import StageBar

    with open_store(store_path) as store, StageBar(False if args.no_progress else None) as bar:
        comparison = compare_runs(
            store,
            checkpoints,
            run_ids,
            lexicon=lexicon,
            data_grams=not args.no_data_grams,
            classifier=None if args.classifier == "none" else args.classifier,
            n_boot=args.bootstrap,
            seed=args.seed,
            steps=bar,
        )
    out = Path(args.out) if args.out else DEFAULT_OUT
    files = write_report(comparison, out)
    if args.json:
        print(dump_json({**to_json(comparison), "out": str(out), "files": [str(f) for f in files]}))
        return 0
    _print(comparison, out)
    return 0


def _print(comparison: Any, out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    from stratlens.results.phases.report import _boundary_text

    keys = ("format_valid", "legal", "payoff_arith", "norm_ref", "eq_distance", "tqre_tau",
            "h_plan", "h_exec", "h_sem", "length_tokens")  # fmt: skip
    t = Table(title="checkpoint comparison")
    t.add_column("metric")
    for ck in comparison.checkpoints:
        t.add_column(f"{ck.label}\n{ck.step}", justify="right")
    for key in keys:
        d = comparison.curve(key)
        if d.empty:
            continue
        vals = {int(r.checkpoint): float(r.value) for r in d.itertuples()}
        t.add_row(
            key,
            *(
                f"{vals[i]:.3g}" if i in vals and vals[i] == vals[i] else "-"
                for i in range(len(comparison.checkpoints))
            ),
        )
    console = Console(width=None if sys.stdout.isatty() else 132)
    console.print(t)
    console.print(_boundary_text(comparison))
    console.print(f"report: {out / 'report.html'} · {out / 'report.md'} · {out / 'metrics.csv'}")
