"""What one Ray task does: play a chunk of episodes and return them as plain data.

A task never opens the run's store or its response cache. It builds the run's agents in the
worker, plays its episodes with the same `EpisodeRunner` and scheduler as one process does,
against an in-memory `EpisodeLog` (`MemoryLog`), and returns each episode's end and decisions
(`EpisodeResult`). API agents answer from an in-memory response cache filled with the entries
the driver sent for these episodes (``Chunk.cache_rows``: every earlier answer with one of
their decisions' samples), and the answers they had to ask for come back as rows for the
driver to merge into the response cache (``ChunkResult.cache_rows``).

The driver writes the results (`stratlens._ray`); a task played twice (Ray retries one whose
worker died) returns the same episodes, and the driver writes each once.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from stratlens._cost import CostBudget
from stratlens._episode import EpisodeRunner, EpisodeTask
from stratlens._gc import frozen_heap
from stratlens._ray_limits import ClusterBudget, ClusterGate
from stratlens._schedule import schedule
from stratlens.agents import Agent, Decision, make_agent
from stratlens.agents._cache import ResponseCache
from stratlens.agents.llm import RunOptions, run_options
from stratlens.errors import ContextLengthError
from stratlens.results._ownership import Claim, Owner
from stratlens.results.store import AgentRole, PendingDecision

if TYPE_CHECKING:
    from stratlens.runner import EvalConfig

#: A response cache row: key, model, params (JSON), messages (digest), sample, value (JSON).
CacheRow = tuple[str, str, str, str, int, str]
#: Where a worker's response cache lives: in memory, gone with the task.
IN_MEMORY = ":memory:"


@dataclass(frozen=True)
class Chunk:
    """A task: episodes of one game and role of ``config``'s run, played with at most
    ``connections`` in flight here. ``limits`` is the driver's `ClusterLimits` actor (None:
    none), ``limits_key`` the run's token there: API requests take its slots, and with
    ``cost_limited`` every decision asks it for ``--max-cost``."""

    config: EvalConfig
    tasks: tuple[EpisodeTask, ...]
    connections: int
    use_cache: bool = True
    cache_rows: tuple[CacheRow, ...] = ()
    limits: Any = None
    limits_key: str = ""
    cost_limited: bool = False
    cwd: str = ""  # the driver's working directory (relative checkpoint paths)


@dataclass(frozen=True)
class EpisodeResult:
    """How one episode ended, with its decisions: what `Store.finish_episode` takes."""

    task: EpisodeTask
    status: str
    returns: tuple[float, ...] | None
    subject_payoff: float | None
    error: str | None
    decisions: tuple[PendingDecision, ...]


@dataclass(frozen=True)
class ChunkResult:
    """What a task played: its episodes' ends, the answers it asked for, its spending.

    ``stopped`` is the ``--max-cost`` reason when its share ran out, ``fatal`` the message of
    a `ContextLengthError` that stopped it; ``pid`` the worker process."""

    episodes: tuple[EpisodeResult, ...]
    cache_rows: tuple[CacheRow, ...] = ()
    spent: float = 0.0
    cached: int = 0
    estimate: Mapping[str, float] = field(default_factory=dict)
    stopped: str | None = None
    fatal: str | None = None
    pid: int = 0


class MemoryLog:
    """An `EpisodeLog` in memory: every claim succeeds (the driver holds the real one in the
    store) and every finished episode is kept as an `EpisodeResult`."""

    def __init__(self, tasks: Sequence[EpisodeTask]) -> None:
        self.owner = Owner.here()
        self._tasks = {t.episode_id: t for t in tasks}
        self.results: dict[str, EpisodeResult] = {}

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
        if episode_id not in self._tasks:
            raise ValueError(f"episode {episode_id!r} is not in this chunk")
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
        raise NotImplementedError("a worker returns an episode's decisions with its end")

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
        self.results[episode_id] = EpisodeResult(
            self._tasks[episode_id],
            status,
            None if returns is None else tuple(float(x) for x in returns),
            subject_payoff,
            error,
            tuple(decisions),
        )


def build_agents(config: EvalConfig, options: RunOptions) -> tuple[Agent, Agent]:
    """The run's subject and opponent, built with ``options`` (as `runner.validate` does)."""
    from stratlens.runner import SELF

    with run_options(options):
        subject = make_agent(config.model, config.model_args)
        opponent = subject if config.opponent == SELF else make_agent(config.opponent, {})
    return subject, opponent


def _caches(agents: Sequence[Agent]) -> list[ResponseCache]:
    out: dict[int, ResponseCache] = {}
    for agent in agents:
        cache = getattr(agent, "cache", None)
        if isinstance(cache, ResponseCache):
            out[id(cache)] = cache
    return list(out.values())


_COLUMNS = "key, model, params, messages, sample, value"


def _preload(cache: ResponseCache, rows: Sequence[CacheRow]) -> None:
    with cache.transaction() as conn:
        conn.executemany(
            f"INSERT OR IGNORE INTO responses ({_COLUMNS}, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, '')",
            rows,
        )


def _new_rows(cache: ResponseCache, known: set[str]) -> list[CacheRow]:
    with cache.transaction() as conn:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM responses").fetchall()
    return [tuple(r) for r in rows if r[0] not in known]


async def _play(chunk: Chunk) -> ChunkResult:
    actor, key = chunk.limits, chunk.limits_key
    options = RunOptions(
        max_connections=chunk.connections,
        cache=IN_MEMORY,
        use_cache=chunk.use_cache,
        gate=None if actor is None else (lambda model, n: ClusterGate(n, actor, key, model)),
    )
    subject, opponent = build_agents(chunk.config, options)
    agents = list({id(subject): subject, id(opponent): opponent}.values())
    log = MemoryLog(chunk.tasks)
    budget = ClusterBudget(actor, key) if actor is not None and chunk.cost_limited else CostBudget()
    caches = _caches(agents) if chunk.use_cache else []
    known = {row[0] for row in chunk.cache_rows}
    for cache in caches:
        _preload(cache, chunk.cache_rows)
    runner = EpisodeRunner(
        chunk.config.run_id,
        chunk.config.protocol,
        subject,
        opponent,
        log,
        budget,
        log.owner,
        framing=chunk.config.framing,
    )
    fatal = None
    try:
        await schedule(
            runner,
            list(chunk.tasks),
            concurrency=chunk.connections,
            budget=budget,
            advance=lambda: None,
            wait=False,
            notify=lambda line: None,
        )
    except ContextLengthError as exc:
        fatal = str(exc)
    rows = [row for cache in caches for row in _new_rows(cache, known)]
    await _close(agents)
    return ChunkResult(
        episodes=tuple(
            log.results[t.episode_id] for t in chunk.tasks if t.episode_id in log.results
        ),
        cache_rows=tuple(dict((r[0], r) for r in rows).values()),
        spent=budget.spent,
        cached=budget.cached,
        estimate=dict(budget.estimate),
        stopped=budget.reason if budget.stopped else None,
        fatal=fatal,
        pid=os.getpid(),
    )


async def _close(agents: Sequence[Any]) -> None:
    for agent in agents:
        aclose = getattr(agent, "aclose", None)
        close = getattr(agent, "close", None)
        if callable(aclose):
            await aclose()
        elif callable(close):
            close()


def play_chunk(chunk: Chunk) -> ChunkResult:
    """Play ``chunk`` in this (worker) process; see the module. In the driver's working
    directory where this node has it (a relative ``hf/`` path means the same there)."""
    here = os.getcwd()
    if chunk.cwd and os.path.isdir(chunk.cwd):
        os.chdir(chunk.cwd)
    try:
        with frozen_heap():
            return asyncio.run(_play(chunk))
    finally:
        os.chdir(here)
