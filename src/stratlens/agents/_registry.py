"""Agent factories, registered by model-string prefix so a stored run can rebuild its agent.

A factory takes the part of the model string after the prefix and the ``-M`` arguments (as
strings) and returns an `Agent`. ``baseline/minimax`` is the factory ``baseline`` called with
``"minimax"``; an API model string such as ``openai/gpt-4o`` falls to the factory registered as
the fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from stratlens.contracts import Agent
from stratlens.errors import ModelArgsError, UnknownModelError

Factory = Callable[[str, Mapping[str, str]], Agent]

_FACTORIES: dict[str, Factory] = {}
_FALLBACK: list[Factory] = []


def agent_factory(prefix: str, *, fallback: bool = False) -> Callable[[Factory], Factory]:
    """Register ``fn`` for model strings ``prefix/…`` (decorator)."""

    def deco(fn: Factory) -> Factory:
        if prefix in _FACTORIES:
            raise ValueError(f"agent prefix {prefix!r} registered twice")
        _FACTORIES[prefix] = fn
        if fallback:
            _FALLBACK.append(fn)
        return fn

    return deco


def parse_model_args(pairs: list[str] | tuple[str, ...] | None) -> dict[str, str]:
    """``["k=v", …]`` → ``{"k": "v"}``; a pair without ``=`` or with an empty key is an error."""
    out: dict[str, str] = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key or not key.replace("_", "").replace("-", "").isalnum():
            raise ModelArgsError(f"malformed model argument {pair!r}: expected key=value")
        out[key] = value.strip()
    return out


def make_agent(model: str, args: Mapping[str, str] | None = None) -> Agent:
    """Build the agent for a model string, e.g. ``baseline/belief`` with ``{"k": "2"}``."""
    prefix, sep, rest = model.partition("/")
    if not sep or not prefix or not rest:
        raise UnknownModelError(
            f"unknown model {model!r}: expected provider/name, e.g. baseline/minimax"
        )
    factory = _FACTORIES.get(prefix)
    if factory is None:
        if not _FALLBACK:
            known = ", ".join(sorted(_FACTORIES))
            raise UnknownModelError(f"unknown model {model!r}: no agent for {prefix!r} ({known})")
        return _FALLBACK[0](model, dict(args or {}))
    return factory(rest, dict(args or {}))


def registered_prefixes() -> tuple[str, ...]:
    return tuple(sorted(_FACTORIES))
