"""The run's spending: what fresh requests cost, and the ``--max-cost`` limit.

`CostBudget` admits a decision only while the money already spent, plus what the decisions in
flight may still cost, plus an estimate for this one stays within the limit. The estimate for
an agent is the most one of its decisions has cost so far; until an agent has one, its
decisions go one at a time (each one teaches the estimate). Answers served from a response
cache cost nothing now but still teach the estimate. Once a decision is refused, every later
one is: the run stops starting work, and what was left can be resumed by running again.
"""

from __future__ import annotations

import asyncio

from stratlens.agents import Decision


class CostLimitReached(Exception):
    """The next decision could take the run past ``--max-cost``."""


class CostBudget:
    """Spending of one run; ``limit=None`` only counts."""

    def __init__(self, limit: float | None = None) -> None:
        if limit is not None and not limit >= 0:
            raise ValueError(f"a cost limit must be >= 0 USD, got {limit}")
        self.limit = limit
        self.spent = 0.0
        self.reserved = 0.0
        self.cached = 0
        self.stopped = False
        self.estimate: dict[str, float] = {}
        self._probing: set[str] = set()
        self._cond: asyncio.Condition | None = None

    @property
    def reason(self) -> str:
        return (
            f"stopped before --max-cost {self.limit:g} USD "
            f"(spent {self.spent:.6f} USD; the next decision could cost "
            f"{max(self.estimate.values(), default=0.0):.6f} USD)"
        )

    def _condition(self) -> asyncio.Condition:
        if self._cond is None:
            self._cond = asyncio.Condition()
        return self._cond

    async def admit(self, agent: str) -> float:
        """Reserve the estimate of one decision of ``agent``; `CostLimitReached` if it won't fit."""
        if self.limit is None:
            return 0.0
        cond = self._condition()
        async with cond:
            while True:
                if self.stopped:
                    raise CostLimitReached(self.reason)
                est = self.estimate.get(agent)
                if est is None and agent in self._probing:
                    await cond.wait()
                    continue
                if self.spent + self.reserved + (est or 0.0) > self.limit or (
                    est is None and self.spent + self.reserved >= self.limit
                ):
                    self.stopped = True
                    cond.notify_all()
                    raise CostLimitReached(self.reason)
                if est is None:
                    self._probing.add(agent)
                    return 0.0
                self.reserved += est
                return est

    async def settle(self, agent: str, reserved: float, decision: Decision | None) -> None:
        """Account for a decision admitted with ``reserved`` (None: it raised)."""
        if decision is not None:
            cost = float(decision.usage.cost_usd)
            if decision.cached:
                self.cached += 1
            else:
                self.spent += cost
            if decision.parse_status != "error" or cost > 0:
                self.estimate[agent] = max(self.estimate.get(agent, 0.0), cost)
        if self.limit is None:
            return
        cond = self._condition()
        async with cond:
            self.reserved -= reserved
            self._probing.discard(agent)
            cond.notify_all()
