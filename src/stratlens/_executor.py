"""How a run's episodes are played: in this process (the default) or on a Ray cluster.

The runner plans the run, opens the store, claims nothing yet and hands an executor a `Job`:
the episodes not done, and what it needs to play them. An executor returns what became of
each (`Scheduled`, as `stratlens._schedule.schedule` does). Whatever the executor, the
driver process alone writes the store: `InProcessExecutor` plays with the runner's
`EpisodeRunner` here; `stratlens._ray.RayExecutor` sends chunks of episodes to Ray workers,
which return their episodes and decisions as plain data for the driver to write.

An executor is a small object with two methods (`Executor`): ``start`` (before the store is
opened: connect, or fail with one line) and ``play``; `make_executor` builds one by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from stratlens._schedule import Scheduled, schedule
from stratlens.errors import UsageError

if TYPE_CHECKING:
    from stratlens._cost import CostBudget
    from stratlens._episode import EpisodeRunner, EpisodeTask
    from stratlens.agents.llm import RunOptions
    from stratlens.results._ownership import Owner
    from stratlens.results.store import Store
    from stratlens.runner import EvalConfig

EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class Job:
    """One invocation's episodes to play (``todo``, in plan order) and how.

    ``runner`` plays in this process and writes to ``store`` as ``owner``; ``concurrency``
    bounds the episodes (and an API agent's requests) in flight over the whole executor;
    ``advance`` is called once per episode that ends; ``wait``, ``notify`` and ``poll_s``
    say what to do about episodes another live process holds (see `stratlens._schedule`).
    ``options`` are the run options of API agents (connections, the response cache)."""

    config: EvalConfig
    todo: list[EpisodeTask]
    runner: EpisodeRunner
    store: Store
    owner: Owner
    budget: CostBudget
    concurrency: int
    options: RunOptions
    advance: Callable[[], None]
    wait: bool
    notify: Callable[[str], None]
    poll_s: float = 0.25


class Executor(Protocol):
    """Plays the episodes of a `Job` and says what became of each."""

    @property
    def name(self) -> str: ...

    def start(self) -> None:
        """Get ready (connect to a cluster); `UsageError` with one line when it cannot."""
        ...

    async def play(self, job: Job) -> Scheduled: ...

    def stop(self) -> None:
        """Release what `start` took (a cluster it started)."""
        ...


class InProcessExecutor:
    """Today's behaviour: the episodes as tasks of this process's event loop."""

    name = "local"

    def start(self) -> None:
        pass

    async def play(self, job: Job) -> Scheduled:
        return await schedule(
            job.runner,
            job.todo,
            concurrency=job.concurrency,
            budget=job.budget,
            advance=job.advance,
            wait=job.wait,
            notify=job.notify,
            poll_s=job.poll_s,
        )

    def stop(self) -> None:
        pass


def make_executor(
    executor: str | Executor | None = None, *, ray_address: str | None = None
) -> Executor:
    """An executor by name (``local``, the default, or ``ray``), or ``executor`` itself.

    ``ray_address`` is the cluster ``ray`` connects to (default: ``$RAY_ADDRESS``, else a
    new local cluster); naming one with another executor is a `UsageError`."""
    if executor is None or executor == "local":
        if ray_address is not None:
            raise UsageError("--ray-address needs --executor ray")
        return InProcessExecutor()
    if executor == "ray":
        from stratlens._ray import RayExecutor

        return RayExecutor(address=ray_address)
    if isinstance(executor, str):
        raise UsageError(f"unknown executor {executor!r} ({', '.join(EXECUTORS)})")
    return executor
