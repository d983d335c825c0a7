"""Limits that hold across a Ray cluster: one small actor grants request slots and cost.

`ClusterLimits` (one Ray actor per driver, started by it) keeps for each run, per API model, the
requests in flight over every worker (at most ``--max-connections``) and the time until which
a 429 has paused them all (its Retry-After, or the back-off), and the run's `CostBudget` for
``--max-cost``: the same admission rule as in one process (spent + reserved + the estimate of
one more decision within the limit), over every worker's decisions.

In a worker, `ClusterGate` is an API agent's gate (`stratlens.agents._llm_call.Gate`): a
request takes a local slot and then a slot from the actor, and a 429 pauses the whole cluster;
`ClusterBudget` is the runner's budget, asking the actor before each decision.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from stratlens._cost import CostBudget, CostLimitReached
from stratlens.agents import Decision
from stratlens.agents._llm_call import Gate


class RunLimits:
    """One run's limits; see the module. ``connections`` per model, ``max_cost`` USD."""

    def __init__(self, connections: int, max_cost: float | None = None) -> None:
        self.connections = connections
        self.in_flight: dict[str, int] = {}
        self.most: dict[str, int] = {}  # the most in flight at once, per model
        self.resume_at: dict[str, float] = {}
        self.budget = CostBudget(max_cost)
        self.cond = asyncio.Condition()

    async def acquire(self, model: str) -> None:
        async with self.cond:
            while True:
                delay = self.resume_at.get(model, 0.0) - time.monotonic()
                if delay > 0:
                    with suppress(TimeoutError):
                        await asyncio.wait_for(self.cond.wait(), delay)
                    continue
                if self.in_flight.get(model, 0) < self.connections:
                    n = self.in_flight[model] = self.in_flight.get(model, 0) + 1
                    self.most[model] = max(self.most.get(model, 0), n)
                    return
                await self.cond.wait()

    async def release(self, model: str) -> None:
        async with self.cond:
            self.in_flight[model] = self.in_flight.get(model, 1) - 1
            self.cond.notify_all()


class ClusterLimits:
    """The actor: the limits of every run its driver plays (keyed by a token per run)."""

    def __init__(self) -> None:
        self.runs: dict[str, RunLimits] = {}

    async def open(self, key: str, connections: int, max_cost: float | None) -> None:
        self.runs[key] = RunLimits(connections, max_cost)

    async def close(self, key: str) -> dict[str, Any]:
        """Forget a run; its totals (spent, cached, the most requests in flight per model)."""
        run = self.runs.pop(key)
        return {"spent": run.budget.spent, "cached": run.budget.cached, "most": run.most}

    async def acquire(self, key: str, model: str) -> None:
        """Wait for a request slot of ``model`` (and for the end of its pause)."""
        await self.runs[key].acquire(model)

    async def release(self, key: str, model: str) -> None:
        await self.runs[key].release(model)

    async def pause(self, key: str, model: str, wait_s: float) -> None:
        """A 429 for ``model``: no worker starts one of its requests for ``wait_s``."""
        run = self.runs[key]
        run.resume_at[model] = max(run.resume_at.get(model, 0.0), time.monotonic() + wait_s)

    async def admit(self, key: str, agent: str) -> tuple[float, str | None]:
        """(reserved, None), or (0, why) once the run's ``--max-cost`` would be passed."""
        try:
            return await self.runs[key].budget.admit(agent), None
        except CostLimitReached as exc:
            return 0.0, str(exc)

    async def settle(
        self, key: str, agent: str, reserved: float, decision: Decision | None
    ) -> None:
        await self.runs[key].budget.settle(agent, reserved, decision)


class ClusterGate(Gate):
    """A gate of one worker's API agent that also takes the cluster's slot for ``model``."""

    def __init__(self, limit: int, actor: Any, key: str, model: str) -> None:
        super().__init__(limit)
        self.actor, self.key, self.model = actor, key, model

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with super().slot():
            await self.actor.acquire.remote(self.key, self.model)
            try:
                yield
            finally:
                await self.actor.release.remote(self.key, self.model)

    def throttle(self, wait_s: float) -> None:
        super().throttle(wait_s)
        self.actor.pause.remote(self.key, self.model, wait_s)


class ClusterBudget(CostBudget):
    """The runner's budget in a worker: it counts here and asks the actor for the limit."""

    def __init__(self, actor: Any, key: str) -> None:
        super().__init__(None)
        self.actor, self.key = actor, key
        self.stop_reason: str | None = None

    async def admit(self, agent: str) -> float:
        if self.stopped:
            raise CostLimitReached(self.stop_reason or "--max-cost reached")
        reserved, why = await self.actor.admit.remote(self.key, agent)
        if why is not None:
            self.stopped, self.stop_reason = True, why
            raise CostLimitReached(why)
        return float(reserved)

    async def settle(self, agent: str, reserved: float, decision: Decision | None) -> None:
        await super().settle(agent, reserved, decision)
        await self.actor.settle.remote(self.key, agent, reserved, decision)

    @property
    def reason(self) -> str:
        return self.stop_reason or super().reason
