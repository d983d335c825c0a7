"""Episodes as plain records: played into memory, carried in a log, written into the store.

`EpisodeRecorder` is an `stratlens._episode.EpisodeLog` that keeps one episode in memory (the
Inspect solver plays into it); `EpisodeRecord` is that episode as JSON-able data (what an
Inspect sample carries in its store), and `write_episode` puts one into the store through the
store's own methods, as the runner would have.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from stratlens.contracts import Decision, Usage
from stratlens.results._ownership import Claim, Owner
from stratlens.results.store import AgentRole, PendingDecision, Store

#: The key of the episode record in an Inspect sample's store.
RECORD_KEY = "stratlens_episode"


@dataclass
class DecisionRecord:
    """One decision as `Store.add_decision` takes it."""

    step: int
    player: int
    agent: AgentRole
    model: str
    action: int | None
    action_label: str | None
    legal_actions: dict[int, str]
    parse_status: str
    raw_output: str
    reasoning: str
    attempts: int
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int
    cost_usd: float
    latency_s: float
    error: str | None
    cached: bool = False
    logprobs: list[Any] | None = None

    def decision(self) -> Decision:
        return Decision(
            action=self.action,
            parse_status=self.parse_status,  # type: ignore[arg-type]
            raw_output=self.raw_output,
            reasoning=self.reasoning,
            attempts=self.attempts,
            usage=Usage(
                self.prompt_tokens, self.completion_tokens, self.reasoning_tokens, self.cost_usd
            ),
            latency_s=self.latency_s,
            logprobs=self.logprobs,
            error=self.error,
            cached=self.cached,
        )

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["legal_actions"] = {str(k): v for k, v in self.legal_actions.items()}
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DecisionRecord:
        values = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        values["legal_actions"] = {int(k): str(v) for k, v in data["legal_actions"].items()}
        return cls(**values)


@dataclass
class EpisodeRecord:
    """One played episode: its identity, outcome and decisions in order."""

    episode_id: str
    run_id: str
    game_id: str
    role: int
    idx: int
    seed: int
    status: str = "running"
    returns: list[float] | None = None
    subject_payoff: float | None = None
    error: str | None = None
    decisions: list[DecisionRecord] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["decisions"] = [d.to_json() for d in self.decisions]
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EpisodeRecord:
        values = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        values["decisions"] = [DecisionRecord.from_json(d) for d in data.get("decisions", [])]
        return cls(**values)

    @property
    def subject_decisions(self) -> list[DecisionRecord]:
        return [d for d in self.decisions if d.agent == "subject"]

    @property
    def failure(self) -> DecisionRecord | None:
        """The first decision that named no legal action (the episode ended on it), if any."""
        return next((d for d in self.decisions if d.parse_status != "ok"), None)


class EpisodeRecorder:
    """An `EpisodeLog` that keeps the one episode played into it (see `record`)."""

    def __init__(self) -> None:
        self.record: EpisodeRecord | None = None
        self.owner = Owner.here()  # one episode, played in this process: never contested

    def _current(self, episode_id: str) -> EpisodeRecord:
        if self.record is None or self.record.episode_id != episode_id:
            raise ValueError(f"unknown episode {episode_id!r}: start it first")
        return self.record

    def claim_episode(
        self,
        episode_id: str,
        run_id: str,
        game_id: str,
        role: int,
        idx: int,
        seed: int,
        *,
        owner: Owner | None = None,
    ) -> Claim:
        self.record = EpisodeRecord(episode_id, run_id, game_id, int(role), int(idx), int(seed))
        return Claim("claimed")

    def add_decision(
        self,
        episode_id: str,
        run_id: str,
        step: int,
        player: int,
        agent: AgentRole,
        model: str,
        decision: Decision,
        action_label: str | None,
        legal_actions: Mapping[int, str],
        *,
        owner: Owner | None = None,
    ) -> int:
        record = self._current(episode_id)
        usage = decision.usage
        record.decisions.append(
            DecisionRecord(
                step=int(step),
                player=int(player),
                agent=agent,
                model=model,
                action=decision.action,
                action_label=action_label,
                legal_actions={int(k): v for k, v in legal_actions.items()},
                parse_status=decision.parse_status,
                raw_output=decision.raw_output,
                reasoning=decision.reasoning,
                attempts=decision.attempts,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                reasoning_tokens=usage.reasoning_tokens,
                cost_usd=usage.cost_usd,
                latency_s=decision.latency_s,
                error=decision.error,
                cached=decision.cached,
                logprobs=decision.logprobs,
            )
        )
        return len(record.decisions)

    def finish_episode(
        self,
        episode_id: str,
        status: str,
        returns: Sequence[float] | None = None,
        subject_payoff: float | None = None,
        error: str | None = None,
        *,
        owner: Owner | None = None,
        decisions: Sequence[PendingDecision] = (),
    ) -> None:
        record = self._current(episode_id)
        for d in decisions:
            self.add_decision(episode_id, record.run_id, *d)
        record.status = status
        record.returns = None if returns is None else [float(x) for x in returns]
        record.subject_payoff = subject_payoff
        record.error = error


def write_episode(store: Store, record: EpisodeRecord) -> None:
    """Write a finished episode into the store (its run must be there, the episode not done:
    an unfinished or failed one is replaced), as the runner would have written it."""
    if record.status not in ("done", "failed"):
        raise ValueError(f"episode {record.episode_id!r} is {record.status}, not finished")
    store.start_episode(
        record.episode_id, record.run_id, record.game_id, record.role, record.idx, record.seed
    )
    for d in record.decisions:
        store.add_decision(
            record.episode_id,
            record.run_id,
            d.step,
            d.player,
            d.agent,
            d.model,
            d.decision(),
            d.action_label,
            d.legal_actions,
        )
    store.finish_episode(
        record.episode_id, record.status, record.returns, record.subject_payoff, record.error
    )
