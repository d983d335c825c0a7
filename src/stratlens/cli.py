"""The command line: a thin layer over the Python API.

    stratlens eval --model baseline/minimax --suite jia2025
    stratlens games list [--suite S] [--json]
    stratlens games show ID [--json]

Subcommands live in `stratlens._cli`, one module each. Bad input gets one line on stderr and
exit status 2, before anything is written.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from importlib import import_module

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def build_parser() -> Parser:
    p = Parser(prog="stratlens", description="How language models reason strategically.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name in COMMANDS:
        import_module(name).add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from stratlens.errors import StratlensError, UsageError

    args = build_parser().parse_args(argv)
    try:
        status: int = args.func(args)
        return status
    except UsageError as exc:
        print(f"stratlens: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StratlensError as exc:
        print(f"stratlens: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stratlens: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130


from stratlens._cli import COMMANDS, EXIT_USAGE, Parser  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
