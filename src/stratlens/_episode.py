"""Plays one episode: the one driver loop that branches on node type, and writes it down.

A chance node draws from the episode's own generator (`sample_chance`); a decision node asks
the agent whose turn it is (both at once in a simultaneous game) and keeps its decisions to
write them with the episode's end, in one transaction (an episode cut short leaves none: its
next claim plays it again from the start, with the same seeds). An unusable answer ends the
episode as done without payoffs (an execution failure, a result); an infrastructure error ends
it as failed, to be played again by the next run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from stratlens._cost import CostBudget, CostLimitReached
from stratlens._seeds import stable_seed
from stratlens.agents import Agent, Decision, Turn
from stratlens.errors import ContextLengthError
from stratlens.games import GameSpec, decision_view, get_game, is_simultaneous, sample_chance
from stratlens.games.prompts import render
from stratlens.results._ownership import Claim, Holder, LeaseError, Owner
from stratlens.results.store import AgentRole, PendingDecision


class EpisodeLog(Protocol):
    """Where an episode is written as it is played: the store (`stratlens.results.store.Store`)
    or anything with the same methods (an in-memory record of one episode). Every write names
    the ``owner`` that plays the episode; the store refuses writes of anyone else."""

    @property
    def owner(self) -> Owner: ...

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
    ) -> Claim: ...

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
    ) -> int: ...

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
    ) -> None: ...


@dataclass(frozen=True)
class EpisodeTask:
    episode_id: str
    game_id: str
    role: int
    idx: int
    seed: int


@dataclass(frozen=True)
class Outcome:
    """How `EpisodeRunner.play` left an episode: ``done`` or ``failed`` (played here),
    ``skipped`` (done already), or ``elsewhere`` (a live other owner plays it: ``holder``)."""

    status: str
    holder: Holder | None = None


class EpisodeRunner:
    """Plays episodes of one run as ``owner`` and writes them to the store."""

    def __init__(
        self,
        run_id: str,
        protocol: str,
        subject: Agent,
        opponent: Agent,
        store: EpisodeLog,
        budget: CostBudget | None = None,
        owner: Owner | None = None,
        framing: str = "neutral",
    ) -> None:
        self.run_id = run_id
        self.protocol = protocol
        self.framing = framing
        self.subject = subject
        self.opponent = opponent
        self.store = store
        self.budget = budget or CostBudget()
        self.owner = owner or store.owner
        # Agents that answer without waiting (reference agents) are asked one after the other
        # in a simultaneous round; others at once, each in its own Task.
        self._inline = all(getattr(a, "synchronous", False) for a in (subject, opponent))

    async def _decide(
        self,
        task: EpisodeTask,
        spec: GameSpec,
        state: Any,
        player: int,
        step: int,
        pending: list[PendingDecision],
    ) -> Decision:
        view = decision_view(spec, state, player)
        rendered = render(spec, state, player, self.protocol, view, self.framing)
        turn = Turn(
            game_id=spec.id,
            player=player,
            rules=rendered.rules,
            observation=rendered.observation,
            legal_actions=rendered.legal_actions,
            protocol=self.protocol,  # type: ignore[arg-type]
            prompt=rendered.prompt,
            view=view,
            seed=stable_seed(task.seed, step, player),
            episode_id=task.episode_id,
            step=step,
        )
        is_subject = player == task.role
        agent = self.subject if is_subject else self.opponent
        reserved = await self.budget.admit(agent.name)  # CostLimitReached: nothing asked
        try:
            decision = await agent.act(turn)
        except ContextLengthError:  # no turn can be answered: the run stops (see runner)
            raise
        except Exception as exc:  # an agent bug or an outage: recorded, never a move
            decision = Decision(None, "error", error=f"{type(exc).__name__}: {exc}")
        await self.budget.settle(agent.name, reserved, decision)
        if decision.action is not None and decision.action not in rendered.legal_actions:
            decision = Decision(
                None,
                "illegal",
                raw_output=decision.raw_output,
                reasoning=decision.reasoning,
                attempts=decision.attempts,
                usage=decision.usage,
                latency_s=decision.latency_s,
                error=f"action {decision.action} is not legal",
            )
        label = rendered.legal_actions.get(decision.action) if decision.action is not None else None
        pending.append(
            PendingDecision(
                step,
                player,
                "subject" if is_subject else "opponent",
                agent.name,
                decision,
                label,
                rendered.legal_actions,
            )
        )
        return decision

    async def play(self, task: EpisodeTask) -> Outcome:
        """Plays one episode to its end, unless it is done or another owner plays it.

        An episode taken over while it was played here (its lease lapsed and another owner
        claimed it) is left to that owner: ``elsewhere``.
        """
        claim = self.store.claim_episode(
            task.episode_id,
            self.run_id,
            task.game_id,
            task.role,
            task.idx,
            task.seed,
            owner=self.owner,
        )
        if claim.status == "done":
            return Outcome("skipped")
        if claim.status == "owned":
            return Outcome("elsewhere", claim.holder)
        try:
            return Outcome(await self._play(task))
        except LeaseError as exc:
            return Outcome("elsewhere", exc.holder)

    def _finish(
        self,
        task: EpisodeTask,
        pending: list[PendingDecision],
        status: str,
        returns: list[float] | None = None,
        payoff: float | None = None,
        error: str | None = None,
    ) -> str:
        self.store.finish_episode(
            task.episode_id, status, returns, payoff, error, owner=self.owner, decisions=pending
        )
        return status

    async def _play(self, task: EpisodeTask) -> str:
        spec = get_game(task.game_id)
        state = spec.game().new_initial_state()
        rng = np.random.default_rng(task.seed)
        simultaneous = is_simultaneous(spec)
        everyone = list(range(spec.game().num_players()))  # N players move at once in a guess game
        step = 0
        pending: list[PendingDecision] = []  # written with the episode's end, all at once
        while not state.is_terminal():
            if state.is_chance_node():
                state.apply_action(sample_chance(state, rng))
                continue
            players = everyone if simultaneous else [state.current_player()]
            outcomes: list[Decision | BaseException]
            if len(players) == 1 or self._inline:  # no Task: answered without waiting
                outcomes = []
                for p in players:
                    try:
                        outcomes.append(await self._decide(task, spec, state, p, step, pending))
                    except Exception as exc:  # as `gather` would return it
                        outcomes.append(exc)
                        break
            else:
                outcomes = await asyncio.gather(
                    *(self._decide(task, spec, state, p, step, pending) for p in players),
                    return_exceptions=True,
                )
            for out in outcomes:
                if isinstance(out, CostLimitReached):
                    return self._finish(task, pending, "failed", error=str(out))
                if isinstance(out, BaseException):
                    raise out
            decisions = [d for d in outcomes if isinstance(d, Decision)]
            step += 1
            failed = [(p, d) for p, d in zip(players, decisions, strict=True) if d.action is None]
            if failed:
                p, d = failed[0]
                reason = f"player {p + 1}: {d.parse_status}" + (f" ({d.error})" if d.error else "")
                # An infrastructure error is retried on the next run; an unusable answer is a
                # result (an execution failure) and ends the episode without payoffs.
                errored = any(d.parse_status == "error" for _, d in failed)
                return self._finish(task, pending, "failed" if errored else "done", error=reason)
            if simultaneous:
                state.apply_actions([d.action for d in decisions])
            else:
                state.apply_action(decisions[0].action)
        returns = [float(r) for r in state.returns()]
        return self._finish(task, pending, "done", returns, returns[task.role])
