"""The Ray executor: a run's episodes as Ray tasks, the store written by the driver alone.

The driver (this process) plans the run as always and opens the store; `RayExecutor.play`
cuts the episodes not done into chunks of one game and role (`chunks`), claims each chunk's
episodes in the store under the driver's own lease (renewed by the runner's `LeaseKeeper`,
so that another invocation of the same run leaves them alone), and submits it as a task
(`stratlens._ray_task.play_chunk`). As each task returns, the driver merges its new response
cache entries, then writes each episode with its decisions in one transaction
(`Store.finish_episode`, as one process does). A task whose worker dies is retried by Ray;
whatever a retried or duplicated task returns is written once: an episode already done is
skipped, and only the driver's claim can be finished.

Limits over the cluster: at most ``slots`` tasks run at once (the cluster's CPUs), each with
a share of ``concurrency`` (``--max-connections``) for its episodes and requests, the shares
summing to it; a 429 pauses that model's requests on every worker (Retry-After, else the
back-off), and with ``--max-cost`` every decision is admitted by one budget, both kept by
one small actor of the driver (`stratlens._ray_limits`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
from collections import deque
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from stratlens._episode import EpisodeTask, Outcome
from stratlens._executor import Job
from stratlens._ray_task import CacheRow, Chunk, ChunkResult, EpisodeResult, play_chunk
from stratlens._schedule import Scheduled, holders
from stratlens._seeds import stable_seed
from stratlens.agents._cache import ResponseCache
from stratlens.errors import ContextLengthError, UsageError
from stratlens.games import get_game
from stratlens.results._episodes import now_iso
from stratlens.results._ownership import LeaseError

if TYPE_CHECKING:
    from stratlens.results.store import Store

#: The limits actor of each job this process drives (cluster address and job id).
_LIMITS: dict[str, Any] = {}
#: The most episodes in one task.
MAX_CHUNK = 32
ADDRESS_ENV_VAR = "RAY_ADDRESS"


def chunks(todo: Sequence[EpisodeTask], size: int) -> list[list[EpisodeTask]]:
    """``todo`` in plan order, cut into runs of at most ``size`` episodes of one game and role."""
    out: list[list[EpisodeTask]] = []
    for task in todo:
        last = out[-1] if out else None
        if (
            last
            and len(last) < size
            and (last[0].game_id, last[0].role)
            == (
                task.game_id,
                task.role,
            )
        ):
            last.append(task)
        else:
            out.append([task])
    return out


def _check_reachable(address: str) -> None:
    """A one-line `UsageError` unless ``host:port`` (or ``ray://host:port``) answers."""
    if address in ("auto", "local"):
        return
    hostport = address.removeprefix("ray://")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"--ray-address must be HOST:PORT (or ray://HOST:PORT), got {address!r}")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        raise UsageError(
            f"cannot reach the Ray cluster at {address}: {exc.strerror or exc}"
        ) from None


class RayExecutor:
    """Plays a run's episodes on a Ray cluster; see the module.

    ``address``: the cluster (``HOST:PORT`` of its head, ``ray://HOST:PORT``, ``auto``);
    default ``$RAY_ADDRESS``, else Ray's own choice (a new local cluster). A process that has
    already called ``ray.init`` is used as it is. ``chunk_size`` caps the episodes of one task
    (default: the todo spread over twice the slots, at most `MAX_CHUNK`); ``max_retries`` is
    how many times Ray retries a task whose worker died."""

    name = "ray"

    def __init__(
        self, address: str | None = None, *, chunk_size: int | None = None, max_retries: int = 3
    ) -> None:
        if chunk_size is not None and chunk_size < 1:
            raise UsageError(f"a chunk holds at least one episode, got {chunk_size}")
        self.address = address
        self.chunk_size = chunk_size
        self.max_retries = max_retries
        self._started = False
        self._depth = 0

    def start(self) -> None:
        """Connect (or start a local cluster); nestable: each `start` is matched by a `stop`,
        and the cluster this started is shut down by the last one."""
        self._depth += 1
        if self._depth > 1:
            return
        try:
            self._connect()
        except BaseException:
            self._depth -= 1
            raise

    def _connect(self) -> None:
        try:
            import ray
        except ImportError:
            raise UsageError("--executor ray needs Ray: pip install 'stratlens[ray]'") from None
        if ray.is_initialized():
            return
        address = self.address or os.environ.get(ADDRESS_ENV_VAR) or None
        if address is not None:
            _check_reachable(address)
        try:
            ray.init(
                address=address,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.WARNING,
            )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise UsageError(f"cannot start or reach a Ray cluster ({address}): {first}") from None
        self._started = True

    def stop(self) -> None:
        self._depth = max(0, self._depth - 1)
        self._limits = None  # the actor lives as long as this driver's job (`_LIMITS`)
        if self._depth == 0 and self._started:
            import ray

            ray.shutdown()
            self._started = False

    def slots(self, concurrency: int, n_chunks: int) -> int:
        """Tasks in flight at once: the cluster's CPUs, at most ``concurrency`` and the chunks."""
        import ray

        resources: dict[str, float] = ray.cluster_resources()
        cpus = int(resources.get("CPU", 1)) or 1
        return max(1, min(cpus, concurrency, n_chunks))

    async def play(self, job: Job) -> Scheduled:
        self._fatal = None
        await self._open_limits(job)
        try:
            return await self._play(job)
        finally:
            await self._close_limits()

    async def _open_limits(self, job: Job) -> None:
        """The cluster's limits for this run, where it asks an API or has ``--max-cost``."""
        import ray

        from stratlens._ray_limits import ClusterLimits
        from stratlens.agents.llm import LLMAgent

        agents = (job.runner.subject, job.runner.opponent)
        if job.budget.limit is None and not any(isinstance(a, LLMAgent) for a in agents):
            self._key = ""
            return
        if self._limits is None:  # one per driver (job), kept for its later runs
            context = ray.get_runtime_context()
            driver = f"{context.gcs_address}/{context.get_job_id()}"
            if driver not in _LIMITS:  # held here: Ray ends an actor nobody refers to
                _LIMITS[driver] = ray.remote(num_cpus=0)(ClusterLimits).remote()
            self._limits = _LIMITS[driver]
        self._key = f"{job.owner.id}/{job.config.run_id}"
        await self._limits.open.remote(self._key, job.budget.limit)

    async def _close_limits(self) -> None:
        if self._key and self._limits is not None:
            self.last_limits = await self._limits.close.remote(self._key)
        self._key = ""

    async def _play(self, job: Job) -> Scheduled:
        done = Scheduled()
        await self._round(job, job.todo, done)
        waiting = False
        while not (job.budget.stopped or self._fatal):
            others = done.held_elsewhere(job.todo)
            if not others:
                break
            await self._round(job, others, done)  # done there, or ours now
            still = done.held_elsewhere(others)
            if not (still and job.wait):
                break
            if not waiting:
                job.notify(
                    f"waiting for {len(still)} episodes being played by another process "
                    f"({holders(done.outcomes, still)})"
                )
                waiting = True
            done.waited.update(t.episode_id for t in still)
            await asyncio.sleep(job.poll_s)
        if self._fatal:
            raise ContextLengthError(self._fatal)
        return done

    _fatal: str | None = None
    _limits: Any = None
    _remote: Any = None
    _key: str = ""
    #: The totals of the last run's limits actor: spent, cached, 429 pauses.
    last_limits: dict[str, Any] | None = None

    async def _round(self, job: Job, todo: Sequence[EpisodeTask], done: Scheduled) -> None:
        import ray

        if not todo:
            return
        n_slots = self.slots(job.concurrency, len(todo))
        size = self.chunk_size or max(1, min(MAX_CHUNK, math.ceil(len(todo) / (2 * n_slots))))
        queue = deque(chunks(todo, size))
        n_slots = min(n_slots, len(queue))
        shares = _shares(job.concurrency, n_slots)
        if self._remote is None:
            self._remote = ray.remote(num_cpus=1, max_retries=self.max_retries)(play_chunk)
        cache = _central_cache(job)
        pending: dict[asyncio.Future[ChunkResult], tuple[list[EpisodeTask], int, Any]] = {}
        while queue or pending:
            while queue and len(pending) < n_slots and not (job.budget.stopped or self._fatal):
                mine = self._claim(job.store, job, queue.popleft(), done)
                if not mine:
                    continue
                share = shares.pop()
                chunk = Chunk(
                    job.config,
                    tuple(mine),
                    share,
                    job.options.use_cache,
                    _cached_rows(cache, mine),
                    self._limits,
                    self._key,
                    job.budget.limit is not None,
                    os.getcwd(),
                )
                ref = self._remote.remote(chunk)  # kept while pending: Ray frees unreferenced
                pending[asyncio.wrap_future(ref.future())] = (mine, share, ref)
            if not pending:
                break
            finished, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for fut in finished:
                mine, share, _ = pending.pop(fut)
                shares.append(share)
                try:
                    result: ChunkResult = fut.result()
                except Exception as exc:  # the task failed for good (its retries spent)
                    self._lost(job, mine, exc, done)
                    continue
                self._write(job, cache, result, done)

    def _claim(
        self, store: Store, job: Job, tasks: Iterable[EpisodeTask], done: Scheduled
    ) -> list[EpisodeTask]:
        """Claim ``tasks`` for the driver; the ones claimed (the rest are done or elsewhere)."""
        mine = []
        for t in tasks:
            claim = store.claim_episode(
                t.episode_id, job.config.run_id, t.game_id, t.role, t.idx, t.seed, owner=job.owner
            )
            if claim.status == "claimed":
                mine.append(t)
            else:
                outcome = Outcome(
                    "skipped" if claim.status == "done" else "elsewhere", claim.holder
                )
                done.outcomes[t.episode_id] = outcome
                if outcome.status == "skipped":
                    job.advance()
        return mine

    def _write(
        self, job: Job, cache: ResponseCache | None, result: ChunkResult, done: Scheduled
    ) -> None:
        if cache is not None and result.cache_rows:
            _merge_cache(cache, result.cache_rows)
        budget = job.budget
        budget.spent += result.spent
        budget.cached += result.cached
        for agent, est in result.estimate.items():
            budget.estimate[agent] = max(budget.estimate.get(agent, 0.0), est)
        if result.stopped:
            budget.stopped = True
        if result.fatal and not self._fatal:
            self._fatal = result.fatal
        for episode in result.episodes:
            done.outcomes[episode.task.episode_id] = _finish(job, episode)
            if done.outcomes[episode.task.episode_id].status != "elsewhere":
                job.advance()

    def _lost(
        self, job: Job, tasks: Sequence[EpisodeTask], exc: BaseException, done: Scheduled
    ) -> None:
        """A task Ray gave up on: its episodes end as failed, to be played by the next run."""
        cause = getattr(exc, "cause", None) or exc  # a RayTaskError's original exception
        first = (str(cause).strip().splitlines() or [""])[0]
        reason = f"ray task lost: {type(cause).__name__}: {first}"[:500]
        for t in tasks:
            failed = EpisodeResult(t, "failed", None, None, reason, ())
            done.outcomes[t.episode_id] = _finish(job, failed)
            job.advance()


def _finish(job: Job, r: EpisodeResult) -> Outcome:
    """Write one returned episode in one transaction, unless it is not the driver's to write."""
    try:
        job.store.finish_episode(
            r.task.episode_id,
            r.status,
            None if r.returns is None else list(r.returns),
            r.subject_payoff,
            r.error,
            owner=job.owner,
            decisions=r.decisions,
        )
    except LeaseError as exc:  # taken over meanwhile: its new owner plays it
        return Outcome("elsewhere", exc.holder)
    except ValueError:
        status = job.store.episode_status(job.config.run_id).get(r.task.episode_id)
        if status == "done":  # written already (a duplicated result): nothing twice
            return Outcome("skipped")
        raise
    return Outcome(r.status)


def _shares(concurrency: int, slots: int) -> list[int]:
    """``concurrency`` cut into ``slots`` shares of at least one, as even as they go."""
    base, extra = divmod(concurrency, slots)
    return [max(1, base + (1 if i < extra else 0)) for i in range(slots)]


def _central_cache(job: Job) -> ResponseCache | None:
    """The run's response cache, where its agents use one (opened by the driver alone)."""
    if not job.options.use_cache:
        return None
    for agent in (job.runner.subject, job.runner.opponent):
        cache = getattr(agent, "cache", None)
        if isinstance(cache, ResponseCache):
            with cache.transaction() as conn:
                conn.execute("CREATE INDEX IF NOT EXISTS responses_sample ON responses(sample)")
            return cache
    return None


_COLUMNS = "key, model, params, messages, sample, value"


def _samples(task: EpisodeTask) -> list[int]:
    """Every sample index a decision of ``task`` can have (its seed at each step and player)."""
    game = get_game(task.game_id).game()
    steps, players = max(1, int(game.max_game_length())), int(game.num_players())
    return [stable_seed(task.seed, step, p) for step in range(steps) for p in range(players)]


def _cached_rows(cache: ResponseCache | None, tasks: Sequence[EpisodeTask]) -> tuple[CacheRow, ...]:
    """The cache entries a decision of ``tasks`` could be answered from."""
    if cache is None:
        return ()
    samples = [s for t in tasks for s in _samples(t)]
    rows: list[CacheRow] = []
    with cache.transaction() as conn:
        for i in range(0, len(samples), 500):
            part = samples[i : i + 500]
            rows += conn.execute(
                f"SELECT {_COLUMNS} FROM responses WHERE sample IN ({', '.join('?' * len(part))})",
                part,
            ).fetchall()
    return tuple(rows)


def _merge_cache(cache: ResponseCache, rows: Sequence[CacheRow]) -> None:
    """Add a task's new responses to the cache; entries already there are left as they are."""
    with cache.transaction() as conn:
        conn.executemany(
            f"INSERT OR IGNORE INTO responses ({_COLUMNS}, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(*row, now_iso()) for row in rows],
        )
