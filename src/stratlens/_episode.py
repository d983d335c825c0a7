"""Plays one episode: the one driver loop that branches on node type, and writes it down.

A chance node draws from the episode's own generator (`sample_chance`); a decision node asks
the agent whose turn it is (both at once in a simultaneous game) and keeps its decisions to
write them with the episode's end, in one transaction (an episode cut short leaves none: its
next claim plays it again from the start, with the same seeds; reference agents' episodes are
claimed and written several at a time, see `EpisodeRunner`). An unusable answer ends the
episode as done without payoffs (an execution failure, a result); an infrastructure error ends
it as failed, to be played again by the next run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from stratlens._cost import CostBudget, CostLimitReached
from stratlens._seeds import stable_seed
from stratlens.agents import Agent, Decision, Turn
from stratlens.errors import ContextLengthError
from stratlens.games import GameSpec, decision_view, get_game, is_simultaneous, sample_chance
from stratlens.games.prompts import render
from stratlens.results._episodes import EpisodeKey
from stratlens.results._ownership import Claim, Holder, LeaseError, Owner
from stratlens.results.store import AgentRole, Finished, PendingDecision


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


@runtime_checkable
class BatchLog(EpisodeLog, Protocol):
    """An `EpisodeLog` that also claims and finishes several episodes in one transaction
    (the store)."""

    def claim_episodes(
        self, episodes: Sequence[EpisodeKey], *, owner: Owner | None = None
    ) -> list[Claim]: ...

    def finish_episodes(
        self, finished: Sequence[Finished], *, owner: Owner | None = None
    ) -> dict[str, LeaseError]: ...


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


_OUTCOMES = {s: Outcome(s) for s in ("done", "failed", "skipped")}  # immutable: shared

#: Seconds an ended episode may wait to be written with others (see `EpisodeRunner`).
WRITE_DELAY_S = 0.2


class EpisodeRunner:
    """Plays episodes of one run as ``owner`` and writes them to the store.

    When both agents answer without waiting (reference agents) and the store is a `BatchLog`,
    up to ``batch`` episodes are claimed in one transaction (`claim`) and the ended ones are
    written together, once ``batch`` have ended or `WRITE_DELAY_S` after the first of them,
    and at `flush`: a process killed meanwhile loses those episodes (still running in the
    store, under its lease), and the next run plays them again from their seeds. Otherwise
    each episode is claimed as it starts and written as it ends, in its own transaction.
    """

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
        batch: int = 1,
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
        self._batch: BatchLog | None = None
        if batch > 1 and self._inline and isinstance(store, BatchLog):
            self._batch = store
        self.claim_batch = batch if self._batch is not None else 1
        self._ended: list[Finished] = []  # not yet written
        self._first_ended = 0.0
        self._refused: dict[str, Outcome] = {}  # taken over before they were written
        self._games: dict[str, tuple[GameSpec, Any, bool]] = {}
        self._sides: tuple[tuple[Agent, str, AgentRole], ...] = (
            (subject, subject.name, "subject"),
            (opponent, opponent.name, "opponent"),
        )  # by whether the decider is the opponent

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
        agent, name, role = self._sides[player != task.role]
        reserved = await self.budget.admit(name)  # CostLimitReached: nothing asked
        try:
            decision = await agent.act(turn)
        except ContextLengthError:  # no turn can be answered: the run stops (see runner)
            raise
        except Exception as exc:  # an agent bug or an outage: recorded, never a move
            decision = Decision(None, "error", error=f"{type(exc).__name__}: {exc}")
        await self.budget.settle(name, reserved, decision)
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
            PendingDecision(step, player, role, name, decision, label, rendered.legal_actions)
        )
        return decision

    def claim(self, tasks: Sequence[EpisodeTask]) -> list[Claim]:
        """Claims ``tasks`` (at most `claim_batch`), in one transaction where batched."""
        keys = [(t.episode_id, self.run_id, t.game_id, t.role, t.idx, t.seed) for t in tasks]
        if self._batch is not None:
            return self._batch.claim_episodes(keys, owner=self.owner)
        return [self.store.claim_episode(*key, owner=self.owner) for key in keys]

    async def play(self, task: EpisodeTask, claim: Claim | None = None) -> Outcome:
        """Plays one episode to its end, unless it is done or another owner plays it;
        ``claim`` is what `claim` gave for it (None: claimed here).

        An episode taken over while it was played here (its lease lapsed and another owner
        claimed it) is left to that owner: ``elsewhere`` (when its writing was batched, `flush`
        says so instead).
        """
        if claim is None:
            (claim,) = self.claim([task])
        if claim.status == "done":
            return _OUTCOMES["skipped"]
        if claim.status == "owned":
            return Outcome("elsewhere", claim.holder)
        try:
            return _OUTCOMES[await self._play(task)]
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
        if self._batch is None:
            self.store.finish_episode(
                task.episode_id, status, returns, payoff, error, owner=self.owner, decisions=pending
            )
            return status
        if not self._ended:
            self._first_ended = time.monotonic()
        ended = Finished(task.episode_id, status, returns, payoff, error, pending, self.run_id)
        self._ended.append(ended)
        if len(self._ended) >= self.claim_batch or (
            time.monotonic() - self._first_ended >= WRITE_DELAY_S
        ):
            self._write()
        return status

    def _write(self) -> None:
        ended, self._ended = self._ended, []
        if ended and self._batch is not None:
            for episode_id, exc in self._batch.finish_episodes(ended, owner=self.owner).items():
                self._refused[episode_id] = Outcome("elsewhere", exc.holder)

    def flush(self) -> dict[str, Outcome]:
        """Writes the ended episodes not yet written; returns the new outcome of those taken
        over by another owner before they were (``elsewhere``), by id, since the last call."""
        self._write()
        refused, self._refused = self._refused, {}
        return refused

    def _game(self, game_id: str) -> tuple[GameSpec, Any, bool]:
        """A game's spec, its pyspiel game and whether it is simultaneous (once per game)."""
        found = self._games.get(game_id)
        if found is None:
            spec = get_game(game_id)
            found = self._games[game_id] = (spec, spec.game(), is_simultaneous(spec))
        return found

    async def _play(self, task: EpisodeTask) -> str:
        spec, game, simultaneous = self._game(task.game_id)
        state = game.new_initial_state()
        rng: np.random.Generator | None = None  # made at the first chance node: costly
        everyone = list(range(game.num_players()))  # N players move at once in a guess game
        step = 0
        pending: list[PendingDecision] = []  # written with the episode's end, all at once
        while not state.is_terminal():
            if state.is_chance_node():
                if rng is None:
                    rng = np.random.default_rng(task.seed)
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
