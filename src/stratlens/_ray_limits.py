"""Limits that hold across a Ray cluster: what one small actor keeps for every worker.

``--max-connections`` needs no actor: the driver runs at most ``slots`` tasks at once and
gives each a share of the connections (`stratlens._ray`), so the shares in flight never sum
to more. The rest is kept by `ClusterLimits`, one Ray actor per driver, for each run it plays:

- a 429 pauses every worker's requests to that model: the worker that got it tells the actor
  how long (its Retry-After, else the back-off), and each worker's `ClusterGate` asks the
  actor every `WATCH_S` seconds whether its model is paused, and holds its requests till then;
- ``--max-cost``: the run's one `CostBudget` admits every decision of every worker by the
  same rule as in one process (spent + reserved + the estimate of one more within the limit);
  a worker's `ClusterBudget` asks it before each decision and reports what each one cost.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from stratlens._cost import CostBudget, CostLimitReached
from stratlens.agents import Decision
from stratlens.agents._llm_call import Gate

#: How often a worker asks whether its model is paused (seconds).
WATCH_S = 0.05


class RunLimits:
    """One run's pauses (per model, until a time of the actor's clock) and budget."""

    def __init__(self, max_cost: float | None = None) -> None:
        self.resume_at: dict[str, float] = {}
        self.pauses = 0
        self.budget = CostBudget(max_cost)


class ClusterLimits:
    """The actor: the limits of every run its driver plays (keyed by a token per run)."""

    def __init__(self) -> None:
        self.runs: dict[str, RunLimits] = {}

    async def open(self, key: str, max_cost: float | None) -> None:
        self.runs[key] = RunLimits(max_cost)

    async def close(self, key: str) -> dict[str, Any]:
        """Forget a run; its totals (spent, cached, how many 429 pauses)."""
        run = self.runs.pop(key)
        return {"spent": run.budget.spent, "cached": run.budget.cached, "pauses": run.pauses}

    async def pause(self, key: str, model: str, wait_s: float) -> None:
        """A 429 for ``model``: no worker starts one of its requests for ``wait_s``."""
        run = self.runs[key]
        run.pauses += 1
        run.resume_at[model] = max(run.resume_at.get(model, 0.0), time.monotonic() + wait_s)

    async def paused_for(self, key: str, model: str) -> float:
        """Seconds until ``model``'s requests may start again (0: now)."""
        run = self.runs.get(key)
        return 0.0 if run is None else max(0.0, run.resume_at.get(model, 0.0) - time.monotonic())

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
    """A worker's API-agent gate (at most ``limit``, this task's share of the connections)
    that holds its requests while the cluster has ``model`` paused, and pauses the cluster
    on a 429 of its own."""

    def __init__(self, limit: int, actor: Any, key: str, model: str) -> None:
        super().__init__(limit)
        self.actor, self.key, self.model = actor, key, model
        self._watch: asyncio.Task[None] | None = None

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._watch is None:  # in the task's event loop, which cancels it at its end
            self._watch = asyncio.get_running_loop().create_task(self._watch_pauses())
        async with super().slot():
            yield

    async def _watch_pauses(self) -> None:
        while True:
            wait_s = float(await self.actor.paused_for.remote(self.key, self.model))
            if wait_s > 0:
                self.resume_at = max(self.resume_at, time.monotonic() + wait_s)
            await asyncio.sleep(WATCH_S)

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
