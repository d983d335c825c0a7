"""What the runner hands the store to write: an episode's decisions and how it ended."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:
    from stratlens.contracts import Decision

AgentRole = Literal["subject", "opponent"]


class PendingDecision(NamedTuple):
    """One decision of an episode being played, to be written with the episode's end."""

    step: int
    player: int
    agent: AgentRole
    model: str
    decision: Decision
    action_label: str | None
    legal_actions: Mapping[int, str]


class Finished(NamedTuple):
    """An episode played to its end, to be written (`Store.finish_episodes`)."""

    episode_id: str
    status: str
    returns: Sequence[float] | None = None
    subject_payoff: float | None = None
    error: str | None = None
    decisions: Sequence[PendingDecision] = ()
    run_id: str | None = None  # the episode's run, when the caller knows it (checked)
