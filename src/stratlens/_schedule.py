"""How one invocation schedules a run's episodes in this process: at most ``concurrency`` at
once, then a wait for the ones another process holds.

``concurrency`` workers (asyncio tasks) take the episodes in plan order; a worker that finds
none claimed claims the next `EpisodeRunner.claim_batch` (one for agents that wait, whose
episodes are claimed as they start), and the runner's unwritten episodes are flushed when
the workers are through, whatever stopped them.

An episode whose claim finds a live other owner (`Outcome` ``elsewhere``) is asked for again
once every other episode is through: by then it is done there (``skipped``), or its owner has
died and it is played here, or it is still held, and the scheduler waits ``poll_s`` and asks
again (with ``wait``; without, it stops and leaves it to its owner).
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from stratlens._cost import CostBudget
from stratlens._episode import EpisodeRunner, EpisodeTask, Outcome
from stratlens.errors import ContextLengthError
from stratlens.results._ownership import Claim


@dataclass
class Scheduled:
    """What became of the episodes: an `Outcome` per episode asked for (episodes not started,
    after ``--max-cost``, have none), and the ids of those waited for."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    waited: set[str] = field(default_factory=set)

    def held_elsewhere(self, tasks: Iterable[EpisodeTask]) -> list[EpisodeTask]:
        return [t for t in tasks if _elsewhere(self.outcomes.get(t.episode_id))]


def _elsewhere(outcome: Outcome | None) -> bool:
    return outcome is not None and outcome.status == "elsewhere"


def holders(outcomes: Mapping[str, Outcome], tasks: Iterable[EpisodeTask]) -> str:
    """``pid P on host H`` (several: comma-separated) of the owners of ``tasks``."""
    seen: dict[str, None] = {}
    for t in tasks:
        holder = outcomes[t.episode_id].holder
        seen[holder.describe() if holder is not None else "an owner that has just ended"] = None
    return ", ".join(seen)


async def schedule(
    runner: EpisodeRunner,
    todo: list[EpisodeTask],
    *,
    concurrency: int,
    budget: CostBudget,
    advance: Callable[[], None],
    wait: bool,
    notify: Callable[[str], None],
    poll_s: float = 0.25,
) -> Scheduled:
    """Play ``todo`` with ``runner``; see the module. A `ContextLengthError` stops the run:
    the episodes in flight end, none starts, and it is raised."""
    done = Scheduled()
    fatal: list[ContextLengthError] = []

    async def play_all(tasks: list[EpisodeTask]) -> None:
        """``tasks`` in order, by at most ``concurrency`` workers; each takes the next claimed
        episode, claiming the next ones (`EpisodeRunner.claim_batch` at once) when none is."""
        waiting = iter(tasks)
        claimed: deque[tuple[EpisodeTask, Claim | None]] = deque()

        async def worker() -> None:
            while not (budget.stopped or fatal):
                if not claimed:
                    chunk = list(itertools.islice(waiting, runner.claim_batch))
                    if not chunk:
                        return
                    claims = runner.claim(chunk) if len(chunk) > 1 else [None]
                    claimed.extend(zip(chunk, claims, strict=True))
                task, claim = claimed.popleft()
                try:
                    outcome = await runner.play(task, claim)
                except ContextLengthError as exc:  # the episode stays unfinished
                    fatal.append(exc)
                    return
                done.outcomes[task.episode_id] = outcome
                if outcome.status != "elsewhere":
                    advance()

        try:
            await asyncio.gather(*(worker() for _ in range(min(concurrency, len(tasks)))))
        finally:  # the episodes ended here are written, whatever stopped the run
            done.outcomes.update(runner.flush())

    await play_all(todo)
    while not (budget.stopped or fatal):
        others = done.held_elsewhere(todo)
        if not others:
            break
        await play_all(others)  # done there, or ours now
        still = done.held_elsewhere(others)
        if not (still and wait):
            break
        if not done.waited:
            notify(
                f"waiting for {len(still)} episodes being played by another process "
                f"({holders(done.outcomes, still)})"
            )
        done.waited.update(t.episode_id for t in still)
        await asyncio.sleep(poll_s)
    if fatal:
        raise fatal[0]
    return done
