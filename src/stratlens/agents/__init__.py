"""Agents: anything that turns a `Turn` into a `Decision`.

Model strings pick the agent: ``baseline/<style>`` for the reference agents, any litellm model
string (``openai/gpt-4o``, ``anthropic/…``, ``hosted_vllm/…``) for `stratlens.agents.llm`;
further prefixes are registered by their modules with `agent_factory`.
"""

# Each import registers a model-string prefix; none imports a heavy library until it is used.
import stratlens.agents.baseline  # baseline/…
import stratlens.agents.llm  # litellm/…, and the fallback for any provider/model string
import stratlens.agents.local  # noqa: F401  (hf/…)
from stratlens.agents._choice import Style, StyleResult
from stratlens.agents._registry import (
    agent_factory,
    make_agent,
    parse_model_args,
    registered_prefixes,
)
from stratlens.agents._styles import style_choice
from stratlens.contracts import (
    PARSE_STATUSES,
    PROTOCOLS,
    Agent,
    Decision,
    ParseStatus,
    PromptProtocol,
    Turn,
    Usage,
)

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
