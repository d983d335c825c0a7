"""What the subcommands share: the parser class that errors in one line, JSON output."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any, NoReturn

#: Exit statuses (README, "Exit status"): 0 all done; 1 some episodes failed (the summary
#: says why, with counts); 2 bad input, nothing written; 130 interrupted; 141 the reader of
#: stdout went away (``| head``), as a shell reports a command ended by SIGPIPE.
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"stratlens: error: {message}\n")


def _json_default(x: Any) -> Any:
    if isinstance(x, float) and math.isnan(x):
        return None
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def dump_json(obj: Any) -> str:
    """JSON for stdout: indented, NaN written as null."""
    return json.dumps(obj, indent=2, default=_json_default)


def add_play_options(p: argparse.ArgumentParser, *, model_args_help: str, prompt: str) -> None:
    """The options of every command that plays a suite: `-M`, the games, episodes, seed,
    prompt protocol (default ``prompt``), opponent, store and connections."""
    p.add_argument(
        "-M", dest="model_args", action="append", default=None, metavar="KEY=VALUE",
        help=model_args_help,
    )  # fmt: skip
    p.add_argument("--suite", help="suite of games (default: jia2025)")
    p.add_argument(
        "--game",
        action="append",
        default=None,
        metavar="ID[,ID…]",
        help="game ids, comma-separated or repeated; with --suite, games of that suite",
    )
    p.add_argument(
        "--episodes", type=int, default=None, help="episodes per game and role (default 15)"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--prompt", default=prompt, help=f"prompt protocol: vanilla, cot or payoff ({prompt})"
    )
    p.add_argument(
        "--framing", default="neutral",
        help="how a matrix game is told: neutral (the table), story or name (neutral)",
    )  # fmt: skip
    p.add_argument(
        "--opponent", default=None,
        help="opponent agent for the other role, every other player in an N-player game "
        "(default baseline/belief; arguments in the name: 'baseline/belief(k=1)'), or self",
    )  # fmt: skip
    p.add_argument(
        "--store", help="SQLite store (default $STRATLENS_STORE or results/stratlens.db)"
    )
    p.add_argument(
        "--max-connections", type=int, default=16, help="episodes (and requests) in flight at once"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def add_executor_options(p: argparse.ArgumentParser) -> None:
    """``--executor`` and ``--ray-address``: where the episodes are played."""
    p.add_argument(
        "--executor", choices=("local", "ray"), default="local",
        help="where episodes are played: this process (local) or a Ray cluster (ray; the "
        "[ray] extra); the store is written by this process either way",
    )  # fmt: skip
    p.add_argument(
        "--ray-address", default=None, metavar="HOST:PORT",
        help="the Ray cluster's head (default $RAY_ADDRESS, else a new local cluster)",
    )  # fmt: skip
