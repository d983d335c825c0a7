"""`stratlens eval`: evaluate one model on a suite and print a summary per game and role."""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from stratlens._cli._common import add_executor_options, add_play_options


def add_parser(sub: Any) -> None:
    ev = sub.add_parser("eval", help="evaluate one model on a suite of games")
    ev.add_argument("--model", required=True, help="e.g. baseline/minimax, openai/gpt-4o")
    add_play_options(ev, model_args_help="model argument (repeatable)", prompt="vanilla")
    ev.add_argument(
        "--max-cost",
        type=float,
        default=None,
        metavar="USD",
        help="stop before fresh API requests would cost more than this (rerun to resume)",
    )
    ev.add_argument(
        "--cache", help="response cache file (default $STRATLENS_CACHE or results/cache.db)"
    )
    ev.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    ev.add_argument(
        "--no-wait",
        action="store_true",
        help="do not wait for episodes another process is playing: report them and exit 1",
    )
    ev.add_argument(
        "--max-reply-bytes",
        type=int,
        default=None,
        metavar="N",
        help="what the store keeps of one decision's text (default $STRATLENS_MAX_REPLY_BYTES "
        "or 65536)",
    )
    add_executor_options(ev)
    ev.add_argument("--json", action="store_true", help="print the summary as JSON")
    ev.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from stratlens._cli._common import EXIT_FAILED, dump_json
    from stratlens.agents import parse_model_args
    from stratlens.results.store import open_store
    from stratlens.results.summary import failure_reasons, summarize
    from stratlens.runner import (
        DEFAULT_EPISODES,
        DEFAULT_OPPONENT,
        EvalConfig,
        resolve_games,
        run_async,
    )

    config = EvalConfig(
        model=args.model,
        games=resolve_games(args.suite, args.game),
        model_args=parse_model_args(args.model_args),
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
            args.store,
            concurrency=args.max_connections,
            progress=not args.no_progress and sys.stderr.isatty(),
            max_cost=args.max_cost,
            cache=args.cache,
            use_cache=not args.no_cache,
            wait=not args.no_wait,
            notify=lambda line: print(f"stratlens: {line}", file=sys.stderr, flush=True),
            max_reply_bytes=args.max_reply_bytes,
            executor=args.executor,
            ray_address=args.ray_address,
        )
    )
    with open_store(args.store) as store:
        table = summarize(store, report.run_id)
        reasons = failure_reasons(store, report.run_id) if report.failed else []
    status = EXIT_FAILED if report.failed or report.elsewhere else 0
    elsewhere = report.elsewhere_line()
    if elsewhere:
        print(f"stratlens: {elsewhere}", file=sys.stderr)
    if args.json:
        out = {
            "run_id": report.run_id,
            "store": report.store_path,
            "planned": report.planned,
            "played": report.played,
            "skipped": report.skipped,
            "failed": report.failed,
            "cost_usd": report.cost_usd,
            "run_cost_usd": report.run_cost_usd,
            "cached": report.cached,
            "stopped": report.stopped,
            "not_started": report.not_started,
            "elsewhere": report.elsewhere,
            "waited": report.waited,
            "failure_reasons": [{"reason": r, "episodes": n} for r, n in reasons],
            "summary": table.to_dict(orient="records"),
        }
        print(dump_json(out))
        return status
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"{config.model} · run {report.run_id}")
    numbers = ("role", "episodes", "failures", "failed attempts")
    for col in ("game", "role", "episodes", "choices", "mean payoff", *numbers[2:]):
        t.add_column(col, justify="right" if col in numbers else "left")
    for row in table.to_dict(orient="records"):
        payoff = float(row["mean_payoff"])
        t.add_row(
            str(row["game_id"]),
            f"P{row['role']}",
            str(row["episodes"]),
            str(row["choices"]),
            "-" if math.isnan(payoff) else f"{payoff:.2f}",
            str(row["failures"]),
            str(row["failed_attempts"]),
        )
    console = Console(width=None if sys.stdout.isatty() else 132)
    console.print(t)
    console.print(
        f"{report.played} episodes played, {report.skipped} already in the store, "
        f"{report.failed} failed · store: {report.store_path}"
    )
    console.print(
        f"cost: {report.cost_usd:.6f} USD now ({report.cached} answers from the cache), "
        f"{report.run_cost_usd:.6f} USD for the whole run"
    )
    if report.stopped:
        console.print(
            f"{report.stopped}; {report.not_started} episodes not started: rerun the same "
            "command (with a higher --max-cost) to resume"
        )
    if reasons:
        console.print(
            f"{report.failed} episodes failed (rerun the same command to retry them):",
            markup=False,
            highlight=False,
        )
        for reason, n in reasons:
            console.print(f"  {n} × {reason}", markup=False, highlight=False, soft_wrap=True)
    return status
