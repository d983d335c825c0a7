"""Agents: anything that turns a `Turn` into a `Decision`.

Model strings pick the agent: ``baseline/<style>`` for the reference agents; further prefixes
are registered by their modules with `agent_factory`.
"""

import stratlens.agents.baseline  # noqa: F401  (registers the baseline/… factory)
from stratlens.agents._choice import Style, StyleResult
from stratlens.agents._protocol import (
    PARSE_STATUSES,
    PROTOCOLS,
    Agent,
    Decision,
    ParseStatus,
    PromptProtocol,
    Turn,
    Usage,
)
from stratlens.agents._registry import (
    agent_factory,
    make_agent,
    parse_model_args,
    registered_prefixes,
)
from stratlens.agents._styles import style_choice

__all__ = [
    "PARSE_STATUSES",
    "PROTOCOLS",
    "Agent",
    "Decision",
    "ParseStatus",
    "PromptProtocol",
    "Style",
    "StyleResult",
    "Turn",
    "Usage",
    "agent_factory",
    "make_agent",
    "parse_model_args",
    "registered_prefixes",
    "style_choice",
]
