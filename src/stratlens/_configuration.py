"""The model configuration: what makes two evaluations the same thing to compare.

A configuration is the model string, every ``-M`` argument that changes what is asked (all
but `NEUTRAL_ARGS`, which change only how it is asked: client, timeout, retries, backoff, a
local model's CPU threads) and
the prompt protocol. Run ids, leaderboard rows and comparisons use this one notion, so that
``baseline/belief -M k=3`` and ``-M k=1`` (or an API model at two temperatures) are never
merged. A leaf module: it imports nothing of ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: ``-M`` arguments that do not change what is asked: a run may be resumed with others.
NEUTRAL_ARGS = frozenset({"client", "timeout", "retries", "backoff", "threads"})


def identity_args(model_args: Mapping[str, Any] | None) -> dict[str, str]:
    """The arguments that are part of the configuration, sorted by name."""
    return {str(k): str(v) for k, v in sorted((model_args or {}).items()) if k not in NEUTRAL_ARGS}


def configuration_label(model: str, model_args: Mapping[str, Any] | None) -> str:
    """``model``, or ``model(k=3, temperature=0)`` with the arguments that make it differ
    (the way the reference agents name themselves: ``baseline/belief(k=3)``)."""
    args = identity_args(model_args)
    if not args:
        return model
    return f"{model}({', '.join(f'{k}={v}' for k, v in args.items())})"
