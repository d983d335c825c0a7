"""stratlens: how language models reason strategically.

The public API, re-exported: `evaluate` plays a suite for one model and writes the store;
`load_decisions` reads it back as a DataFrame.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stratlens")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

from stratlens.errors import StratlensError, UsageError  # noqa: E402
from stratlens.results import load_decisions  # noqa: E402
from stratlens.runner import EvalConfig, RunReport, evaluate  # noqa: E402

__all__ = [
    "EvalConfig",
    "RunReport",
    "StratlensError",
    "UsageError",
    "__version__",
    "evaluate",
    "load_decisions",
]
