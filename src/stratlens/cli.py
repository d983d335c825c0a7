"""The command line: a thin layer over the Python API.

    stratlens eval --model baseline/minimax --suite jia2025
    stratlens games list [--suite S] [--json]
    stratlens games show ID [--json]

Bad input gets one line on stderr and exit status 2, before anything is written.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"stratlens: error: {message}\n")


def _build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="stratlens", description="How language models reason strategically.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    ev = sub.add_parser("eval", help="evaluate one model on a suite of games")
    ev.add_argument("--model", required=True, help="e.g. baseline/minimax, openai/gpt-4o")
    ev.add_argument("-M", dest="model_args", action="append", default=None,
                    metavar="KEY=VALUE", help="model argument (repeatable)")
    ev.add_argument("--suite", help="suite of games (default: jia2025)")
    ev.add_argument("--game", action="append", default=None, help="a game id (repeatable)")
    ev.add_argument("--episodes", type=int, default=None,
                    help="episodes per game and role (default 15)")
    ev.add_argument("--seed", type=int, default=0)
    ev.add_argument("--prompt", default="vanilla", help="prompt protocol: vanilla or cot")
    ev.add_argument("--opponent", default=None,
                    help="opponent agent for the other role (default baseline/belief), or self")
    ev.add_argument("--store",
                    help="SQLite store (default $STRATLENS_STORE or results/stratlens.db)")
    ev.add_argument("--max-connections", type=int, default=16,
                    help="episodes (and requests) in flight at once")
    ev.add_argument("--no-progress", action="store_true", help="no progress bar")
    ev.add_argument("--json", action="store_true", help="print the summary as JSON")

    games = sub.add_parser("games", help="the game catalog")
    gsub = games.add_subparsers(dest="games_command", required=True, parser_class=_Parser)
    gl = gsub.add_parser("list", help="list games")
    gl.add_argument("--suite")
    gl.add_argument("--json", action="store_true")
    gs = gsub.add_parser("show", help="show one game")
    gs.add_argument("id")
    gs.add_argument("--json", action="store_true")
    return p


def _json_default(x: Any) -> Any:
    if isinstance(x, float) and math.isnan(x):
        return None
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def _cmd_eval(args: argparse.Namespace) -> int:
    from stratlens.agents import parse_model_args
    from stratlens.results.store import open_store
    from stratlens.results.summary import summarize
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
    )
    report = asyncio.run(
        run_async(
            config,
            args.store,
            concurrency=args.max_connections,
            progress=not args.no_progress and sys.stderr.isatty(),
        )
    )
    with open_store(args.store) as store:
        table = summarize(store, report.run_id)
    if args.json:
        out = {
            "run_id": report.run_id,
            "store": report.store_path,
            "planned": report.planned,
            "played": report.played,
            "skipped": report.skipped,
            "failed": report.failed,
            "summary": table.to_dict(orient="records"),
        }
        print(json.dumps(out, indent=2, default=_json_default))
        return 0
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"{config.model} · run {report.run_id}")
    for col in ("game", "role", "episodes", "choices", "mean payoff", "failures"):
        t.add_column(col, justify="right" if col in ("role", "episodes", "failures") else "left")
    for row in table.to_dict(orient="records"):
        payoff = float(row["mean_payoff"])
        t.add_row(
            str(row["game_id"]), f"P{row['role']}", str(row["episodes"]), str(row["choices"]),
            "-" if math.isnan(payoff) else f"{payoff:.2f}",
            str(row["failures"]),
        )
    console = Console(width=None if sys.stdout.isatty() else 132)
    console.print(t)
    console.print(
        f"{report.played} episodes played, {report.skipped} already in the store, "
        f"{report.failed} failed · store: {report.store_path}"
    )
    return 0


def _cmd_games(args: argparse.Namespace) -> int:
    from stratlens.games import get_game, list_games
    from stratlens.games.structure import describe

    if args.games_command == "list":
        specs = list_games(args.suite)
        if args.json:
            print(json.dumps([describe(s) for s in specs], indent=2))
            return 0
        from rich.console import Console
        from rich.table import Table

        t = Table()
        for col in ("id", "family", "suites", "kind", "title"):
            t.add_column(col)
        for s in specs:
            t.add_row(s.id, s.family, ",".join(s.suites), s.kind, s.title)
        Console().print(t)
        return 0
    spec = get_game(args.id)
    info = describe(spec)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"{spec.id} — {spec.title} ({spec.family}; suites: {', '.join(spec.suites)})")
    print(f"source: {spec.source}")
    for key, value in info["structure"].items():
        print(f"  {key}: {json.dumps(value)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from stratlens.errors import StratlensError, UsageError

    args = _build_parser().parse_args(argv)
    try:
        if args.command == "eval":
            return _cmd_eval(args)
        return _cmd_games(args)
    except UsageError as exc:
        print(f"stratlens: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StratlensError as exc:
        print(f"stratlens: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stratlens: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
