"""stratlens: how language models reason strategically.

The public API: `evaluate` plays a suite for one model and writes the store; `load_decisions`
reads it back as a DataFrame. Names are resolved on first use, so ``import stratlens.games``
does not pull in the runner, the store, pandas or the package metadata.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stratlens._version import __version__
    from stratlens.errors import StratlensError, UsageError
    from stratlens.results import load_decisions
    from stratlens.runner import EvalConfig, RunReport, evaluate

_EXPORTS = {
    "__version__": "stratlens._version",  # importlib.metadata is slow to import: on first use
    "EvalConfig": "stratlens.runner",
    "RunReport": "stratlens.runner",
    "evaluate": "stratlens.runner",
    "load_decisions": "stratlens.results",
    "StratlensError": "stratlens.errors",
    "UsageError": "stratlens.errors",
}

__all__ = [
    "EvalConfig",
    "RunReport",
    "StratlensError",
    "UsageError",
    "__version__",
    "evaluate",
    "load_decisions",
]


def __dir__() -> list[str]:
    """The public API (what ``from stratlens import *`` gives), not the helpers."""
    return sorted(__all__)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'stratlens' has no attribute {name!r}")
    return getattr(import_module(module), name)
