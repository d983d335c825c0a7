"""The command line: a thin layer over the Python API.

    stratlens eval --model baseline/minimax --suite jia2025
    stratlens games list [--suite S] [--json]
    stratlens games show ID [--json]

Subcommands live in `stratlens._cli`, one module each. Bad input gets one line on stderr and
exit status 2, before anything is written.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import import_module

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


class _Version(argparse.Action):
    """``--version``: reads the installed metadata only when asked (importlib.metadata is slow
    to import, and every other command would pay for it)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(
            option_strings, dest, default=argparse.SUPPRESS, nargs=0, help="show the version"
        )

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from stratlens._version import __version__

        print(f"stratlens {__version__}")  # on stdout, as argparse's own version action
        parser.exit()


def build_parser() -> Parser:
    p = Parser(prog="stratlens", description="How language models reason strategically.")
    p.add_argument("--version", action=_Version)
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name in COMMANDS:
        import_module(name).add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from stratlens.errors import StratlensError, UsageError

    args = build_parser().parse_args(argv)
    try:
        status: int = args.func(args)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # The reader went away (`stratlens … --json | head`): stop quietly, as a shell
        # command killed by SIGPIPE would, and keep Python from complaining at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except UsageError as exc:
        print(f"stratlens: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StratlensError as exc:
        print(f"stratlens: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stratlens: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130


from stratlens._cli import COMMANDS, EXIT_BROKEN_PIPE, EXIT_USAGE, Parser  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
