"""The contracts every part shares: `Turn` (runner → agent), `Decision` (agent → runner), the
`Agent` protocol, and the readers of a decision's attempts.

A neutral module above `games` (it uses only its views): agents, the runner and results import
it, so that `results` never imports `agents` (`../shared/DESIGN.md`, "Growing the house"). The
model-configuration identity lives beside it, in `stratlens._configuration`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from stratlens.games.views import DecisionView

PromptProtocol = Literal["vanilla", "cot", "payoff"]
PROTOCOLS: tuple[PromptProtocol, ...] = ("vanilla", "cot", "payoff")

ParseStatus = Literal["ok", "unparseable", "illegal", "refused", "error"]
PARSE_STATUSES: tuple[ParseStatus, ...] = ("ok", "unparseable", "illegal", "refused", "error")


@dataclass(frozen=True)
class Turn:
    """One decision handed to an agent.

    ``rules`` and ``observation`` are the prompt's text, rendered from the game (never from
    OpenSpiel's debug strings); ``prompt`` is the full user message: rules, observation, the
    legal actions and the answer format of ``protocol``. ``view`` carries the same facts as
    numbers for agents that compute (the reference agents). ``seed`` is this decision's own
    seed, derived by the runner from the run's seed: an agent that randomises uses
    ``numpy.random.default_rng(turn.seed)`` and nothing else.
    """

    game_id: str
    player: int
    rules: str
    observation: str
    legal_actions: dict[int, str]
    protocol: PromptProtocol
    prompt: str
    view: DecisionView
    seed: int
    episode_id: str = ""
    step: int = 0


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True)
class Decision:
    """What an agent did with a `Turn`.

    ``action`` is a legal action id, or None: an output that does not name a legal action is
    never mapped to one. ``parse_status`` says why (``unparseable``, ``illegal``, ``refused``,
    ``error``); anything but ``ok`` counts as an execution failure. ``raw_output`` is the
    answer as given; a decision asked several times (``attempts > 1``) keeps there the JSON
    list of its attempts instead (read it with `attempt_records`). ``reasoning`` is the
    reasoning kept apart from the answer. ``cached`` is True when the answer was served
    entirely from a response cache, so nothing was spent on it now (``usage`` still says what
    it cost to produce).
    """

    action: int | None
    parse_status: ParseStatus
    raw_output: str = ""
    reasoning: str = ""
    attempts: int = 1
    usage: Usage = field(default_factory=Usage)
    latency_s: float = 0.0
    logprobs: list[Any] | None = None
    error: str | None = None
    cached: bool = False

    def __post_init__(self) -> None:
        if self.parse_status not in PARSE_STATUSES:
            raise ValueError(f"unknown parse_status {self.parse_status!r}")
        if (self.action is None) == (self.parse_status == "ok"):
            raise ValueError("a decision has an action exactly when its parse_status is ok")


def attempt_records(raw_output: str, attempts: int, parse_status: str) -> list[dict[str, Any]]:
    """The attempts of a stored decision, oldest first: ``{"output", "parse_status", …}`` each.

    A decision asked once is one attempt: its ``raw_output`` and ``parse_status``. One asked
    several times holds the JSON list of its attempts in ``raw_output`` (written by the API
    agent: ``output``, ``reasoning``, ``parse_status``, ``reason``; the last one final).
    """
    if attempts > 1:
        try:
            listed = json.loads(raw_output)
        except ValueError:
            listed = None
        if isinstance(listed, list) and listed and all(isinstance(a, dict) for a in listed):
            return listed
    return [{"output": raw_output, "parse_status": parse_status}]


def final_output(raw_output: str, attempts: int) -> str:
    """The answer of a stored decision's last attempt (see `attempt_records`)."""
    return str(attempt_records(raw_output, attempts, "")[-1].get("output") or "")


@runtime_checkable
class Agent(Protocol):
    """Anything that plays: a reference agent, an API model, a local checkpoint."""

    @property
    def name(self) -> str: ...

    async def act(self, turn: Turn) -> Decision: ...
