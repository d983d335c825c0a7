"""`stratlens games list|show`: the game catalog, with structure features."""

from __future__ import annotations

import argparse
import json
from typing import Any

from stratlens._cli._common import Parser


def add_parser(sub: Any) -> None:
    games = sub.add_parser("games", help="the game catalog")
    gsub = games.add_subparsers(dest="games_command", required=True, parser_class=Parser)
    gl = gsub.add_parser("list", help="list games")
    gl.add_argument("--suite")
    gl.add_argument("--json", action="store_true")
    gs = gsub.add_parser("show", help="show one game")
    gs.add_argument("id")
    gs.add_argument("--json", action="store_true")
    games.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from stratlens.games import get_game, list_games
    from stratlens.games.structure import describe

    if args.games_command == "list":
        specs = list_games(args.suite)
        if args.json:
            print(json.dumps([describe(s) for s in specs], indent=2))
            return 0
        from rich.console import Console
        from rich.table import Table

        # Ids are what users type: never cut, whatever the width; the title wraps instead.
        t = Table()
        t.add_column("id", no_wrap=True, min_width=max((len(s.id) for s in specs), default=2))
        for col in ("family", "suites", "kind"):
            t.add_column(col, overflow="fold")
        t.add_column("title", overflow="fold", ratio=1)
        for s in specs:
            t.add_row(s.id, s.family, ",".join(s.suites), s.kind, s.title)
        console = Console()
        if not console.is_terminal:  # a pipe or a file: as wide as the table needs
            console = Console(width=max(120, console.measure(t).maximum))
        console.print(t, crop=False)
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
