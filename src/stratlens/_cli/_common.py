"""What the subcommands share: the parser class that errors in one line, JSON output."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any, NoReturn

EXIT_USAGE = 2


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
