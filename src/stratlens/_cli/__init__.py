"""Subcommands of the `stratlens` command line, one module each.

Each module has ``add_parser(subparsers)``, which adds its subcommand and sets ``func`` to the
function that runs it (``func(args) -> int``). Modules import only `argparse` at the top: the
work, and its imports, happen inside ``func`` so that ``stratlens --help`` starts fast.
"""

from stratlens._cli._common import EXIT_BROKEN_PIPE, EXIT_USAGE, Parser

#: Subcommand modules, in the order `stratlens --help` lists them.
COMMANDS = (
    "stratlens._cli.eval",
    "stratlens._cli.games",
    "stratlens._cli.cache",
    "stratlens._cli.store",
    "stratlens._cli.leaderboard",
    "stratlens._cli.compare",
    "stratlens._cli.fit",
    "stratlens._cli.beauty",
    "stratlens._cli.profile",
    "stratlens._cli.interop",
)

__all__ = ["COMMANDS", "EXIT_BROKEN_PIPE", "EXIT_USAGE", "Parser"]
