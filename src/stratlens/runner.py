"""Plays a suite for one model: plans the episodes, runs them concurrently, resumes.

The episode itself (the driver loop over chance and decision nodes) is `stratlens._episode`;
this module decides which episodes to play, with which agents, and reports what happened.

One episode is one play of one game with the evaluated model (the *subject*) in one role and
an opponent in the other. One-shot games follow Jia et al. 2025: independent trials, the model
in each role in turn; games with interaction pair it with ``--opponent`` (a reference agent by
default, ``self`` for self-play).

Everything random is derived from the run's seed: each episode's seed from (seed, game, role,
index), each decision's seed from (episode seed, step, player), chance outcomes from the episode
seed. Episode ids are derived from the run config, so rerunning the same command finds the
episodes already done in the store and plays only the rest (and the ones that failed).

Two invocations of the same run on one store share the work: each episode is played by the
one that claims it first (its owner, under a lease renewed while it plays; see
`stratlens.results._ownership`). One that finds an episode owned by another live process
plays the rest, then waits for the other's episodes to end (``wait=True``, the default),
playing any whose owner dies meanwhile; with ``wait=False`` it stops and reports them
(``RunReport.elsewhere``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stratlens._cost import CostBudget
from stratlens._episode import EpisodeRunner, EpisodeTask
from stratlens._executor import Executor, Job, make_executor
from stratlens._gc import frozen_heap
from stratlens._schedule import holders
from stratlens._seeds import digest, stable_seed
from stratlens._sync import run_sync
from stratlens._version import __version__
from stratlens.agents import Agent, make_agent
from stratlens.agents._cache import check_cache_file, resolve_cache_path
from stratlens.agents._llm_args import RUN_NEUTRAL_ARGS
from stratlens.agents.llm import RunOptions, run_options
from stratlens.contracts import PROTOCOLS
from stratlens.errors import UsageError
from stratlens.games import (
    get_game,
    list_games,
)
from stratlens.games.framings import FRAMINGS
from stratlens.results._ownership import DEFAULT_LEASE_S, LeaseKeeper, Owner
from stratlens.results._sizes import resolve_max_reply_bytes
from stratlens.results.store import check_store_location, open_store, resolve_store_path

SELF = "self"
DEFAULT_OPPONENT = "baseline/belief"
DEFAULT_EPISODES = 15
#: The most episodes one run may plan (every game × role × ``episodes``): a run is planned in
#: memory and its episodes are rows of the store.
MAX_PLANNED_EPISODES = 1_000_000
#: The most episodes of reference agents claimed, and written, in one transaction (see
#: `stratlens._episode.EpisodeRunner`).
WRITE_BATCH = 256


#: A 63-bit seed from JSON-able parts (stable across processes and platforms).
derive_seed = stable_seed


@dataclass(frozen=True)
class EvalConfig:
    """What to evaluate. Two configs with the same fields are the same run."""

    model: str
    games: tuple[str, ...]
    model_args: Mapping[str, str] = field(default_factory=dict)
    suite: str | None = None
    episodes: int = DEFAULT_EPISODES
    seed: int = 0
    protocol: str = "vanilla"
    opponent: str = DEFAULT_OPPONENT
    framing: str = "neutral"

    @property
    def run_id(self) -> str:
        """The run's id: every field but the ``-M`` arguments that do not change what is asked
        (``client``, ``timeout``, ``retries``, ``backoff``, ``threads``: a run may be resumed
        with others). A framing other than ``neutral`` is part of it (a neutral run keeps the
        id it had before framings existed)."""
        identity = {k: v for k, v in self.model_args.items() if k not in RUN_NEUTRAL_ARGS}
        return digest(
            "run",
            self.model,
            dict(sorted(identity.items())),
            list(self.games),
            self.episodes,
            self.seed,
            self.protocol,
            self.opponent,
            *([] if self.framing == "neutral" else [{"framing": self.framing}]),
        )[:16]

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "model_args": dict(self.model_args),
            "games": list(self.games),
            "suite": self.suite,
            "episodes": self.episodes,
            "seed": self.seed,
            "protocol": self.protocol,
            "opponent": self.opponent,
            **({} if self.framing == "neutral" else {"framing": self.framing}),
        }


def plan(config: EvalConfig) -> list[EpisodeTask]:
    """Every episode of a run, in a fixed order."""
    tasks = []
    run_id = config.run_id
    for game_id in config.games:
        spec = get_game(game_id)
        for role in spec.roles:
            for idx in range(config.episodes):
                tasks.append(
                    EpisodeTask(
                        episode_id=digest("episode", run_id, game_id, role, idx)[:20],
                        game_id=game_id,
                        role=role,
                        idx=idx,
                        seed=derive_seed(config.seed, game_id, role, idx),
                    )
                )
    return tasks


def resolve_games(suite: str | None, games: Iterable[str] | None) -> tuple[str, ...]:
    """Game ids from ``--suite`` and ``--game`` (default: the ``jia2025`` suite).

    Each ``--game`` may name several games, comma-separated (``--game a,b``). With both, the
    games select from the suite: each must belong to it.
    """
    named = [g.strip() for item in games or () for g in item.split(",") if g.strip()]
    if games is not None and any(not part.strip() for item in games for part in item.split(",")):
        raise UsageError(f"--game {','.join(games)!r} has an empty game id")
    ids = [get_game(g).id for g in named]
    if suite is not None:
        members = [s.id for s in list_games(suite)]
        if not ids:
            return tuple(members)
        outside = [g for g in ids if g not in members]
        if outside:
            raise UsageError(
                f"--game {', '.join(outside)} not in suite {suite!r} (see `stratlens games "
                f"list --suite {suite}`)"
            )
    if not ids:
        ids = [s.id for s in list_games("jia2025")]
    return tuple(dict.fromkeys(ids))


@dataclass
class RunReport:
    """What one invocation did. ``cost_usd`` is what its fresh requests cost (answers from the
    response cache are free: ``cached`` counts them); ``run_cost_usd`` is the cost of every
    decision of the run in the store. ``stopped`` says why the run stopped early (``--max-cost``),
    and ``not_started`` how many episodes it left for the next invocation. ``elsewhere`` counts
    the episodes another live process was playing when this one ended (``wait=False``), and
    ``elsewhere_by`` says which (``pid P on host H``); ``waited`` how many this invocation
    waited for (played by the other process, or here once their owner had died)."""

    run_id: str
    store_path: str
    planned: int
    played: int
    skipped: int
    failed: int
    cost_usd: float = 0.0
    run_cost_usd: float = 0.0
    cached: int = 0
    stopped: str | None = None
    not_started: int = 0
    elsewhere: int = 0
    elsewhere_by: str | None = None
    waited: int = 0

    def elsewhere_line(self) -> str | None:
        """One line on the episodes left to another process, or None."""
        if not self.elsewhere:
            return None
        return (
            f"{self.elsewhere} episodes are being played by another process ({self.elsewhere_by});"
            " rerun when it ends"
        )


def validate(
    config: EvalConfig, store_path: str | None, options: RunOptions | None = None
) -> tuple[Agent, Agent]:
    """Checks everything the user gave before anything is written; builds the agents.

    ``options`` (connections, response cache) go to the API agents built here.
    """
    if config.episodes < 1:
        raise UsageError(f"--episodes must be a positive integer, got {config.episodes}")
    if config.protocol not in PROTOCOLS:
        known = ", ".join(PROTOCOLS)
        raise UsageError(f"unknown prompt protocol {config.protocol!r} ({known})")
    if config.framing not in FRAMINGS:
        known = ", ".join(FRAMINGS)
        raise UsageError(f"unknown framing {config.framing!r} ({known})")
    roles = sum(len(get_game(g).roles) for g in config.games)
    if config.episodes * roles > MAX_PLANNED_EPISODES:
        raise UsageError(
            f"--episodes {config.episodes} plans {config.episodes * roles:,} episodes "
            f"({len(config.games)} games, {roles} roles); at most {MAX_PLANNED_EPISODES:,} "
            "per run"
        )
    with run_options(options or RunOptions()):
        subject = make_agent(config.model, config.model_args)
        opponent = subject if config.opponent == SELF else make_agent(config.opponent, {})
    check_store_location(resolve_store_path(store_path))
    if options is not None and options.use_cache:
        check_cache_file(resolve_cache_path(options.cache))
    return subject, opponent


async def run_async(
    config: EvalConfig,
    store_path: str | None = None,
    *,
    concurrency: int = 16,
    progress: bool = False,
    max_cost: float | None = None,
    cache: str | None = None,
    use_cache: bool = True,
    wait: bool = True,
    notify: Callable[[str], None] | None = None,
    owner: Owner | None = None,
    lease_s: float = DEFAULT_LEASE_S,
    max_reply_bytes: int | None = None,
    executor: str | Executor | None = None,
    ray_address: str | None = None,
) -> RunReport:
    """Plays the episodes of ``config`` not yet done in the store.

    ``concurrency`` bounds the episodes (and an API agent's requests) in flight; ``max_cost``
    (USD) stops the run before its fresh requests would cost more; ``cache`` is the response
    cache file of API agents (default ``$STRATLENS_CACHE`` or ``results/cache.db``), bypassed
    with ``use_cache=False``.

    Episodes another live process is playing are waited for at the end (``wait``), with one
    line to ``notify`` when the wait begins; ``owner`` is who this invocation plays as
    (default: a new `Owner` of this process), ``lease_s`` how long its leases last unless
    renewed (every third of that). ``max_reply_bytes`` caps what the store keeps of one
    decision's text (default ``$STRATLENS_MAX_REPLY_BYTES`` or 64 KiB).

    ``executor`` plays the episodes: ``local`` (this process, the default), ``ray`` (a Ray
    cluster at ``ray_address``; see `stratlens._ray`), or an `Executor`; the store is written
    by this process alone either way.
    """
    if concurrency < 1:
        raise UsageError(f"concurrency must be at least 1, got {concurrency}")
    if max_cost is not None and not max_cost >= 0:
        raise UsageError(f"--max-cost must be a number of USD >= 0, got {max_cost}")
    if not lease_s > 0:
        raise UsageError(f"a lease lasts a positive number of seconds, got {lease_s}")
    reply_cap = resolve_max_reply_bytes(max_reply_bytes)
    play = _Play(owner or Owner.here(), lease_s, reply_cap, wait, notify or (lambda line: None))
    options = RunOptions(max_connections=concurrency, cache=cache, use_cache=use_cache)
    exe = make_executor(executor, ray_address=ray_address)
    subject, opponent = validate(config, store_path, options)
    try:
        exe.start()
        with frozen_heap():
            return await _play_run(
                config, store_path, subject, opponent, concurrency, progress, max_cost, play,
                _Seam(exe, options),
            )  # fmt: skip
    finally:
        exe.stop()
        for agent in {id(subject): subject, id(opponent): opponent}.values():
            aclose = getattr(agent, "aclose", None)
            close = getattr(agent, "close", None)
            if callable(aclose):
                await aclose()
            elif callable(close):
                close()


@dataclass(frozen=True)
class _Play:
    """How one invocation plays: as whom, its lease, the reply cap, waiting for others."""

    owner: Owner
    lease_s: float
    max_reply_bytes: int
    wait: bool
    notify: Callable[[str], None]
    poll_s: float = 0.25


@dataclass(frozen=True)
class _Seam:
    """Who plays the episodes (`stratlens._executor`), with the run options of API agents."""

    executor: Executor
    options: RunOptions


async def _play_run(
    config: EvalConfig,
    store_path: str | None,
    subject: Agent,
    opponent: Agent,
    concurrency: int,
    progress: bool,
    max_cost: float | None,
    play: _Play,
    seam: _Seam,
) -> RunReport:
    with (
        open_store(
            store_path,
            owner=play.owner,
            lease_s=play.lease_s,
            max_reply_bytes=play.max_reply_bytes,
        ) as store,
        LeaseKeeper(store, play.owner, play.lease_s),
    ):
        store.add_run(
            config.run_id,
            model=config.model,
            model_args=dict(config.model_args),
            suite=config.suite,
            games=list(config.games),
            protocol=config.protocol,
            opponent=config.opponent,
            episodes=config.episodes,
            seed=config.seed,
            package_version=__version__,
            config=config.to_json(),
        )
        status = store.episode_status(config.run_id)
        tasks = plan(config)
        todo = [t for t in tasks if status.get(t.episode_id) != "done"]
        budget = CostBudget(max_cost)
        runner = EpisodeRunner(
            config.run_id,
            config.protocol,
            subject,
            opponent,
            store,
            budget,
            play.owner,
            framing=config.framing,
            batch=WRITE_BATCH,
        )
        with _progress(progress, len(todo), config.model) as advance:
            job = Job(
                config, todo, runner, store, play.owner, budget, concurrency, seam.options,
                advance, play.wait, play.notify, play.poll_s,
            )  # fmt: skip
            done = await seam.executor.play(job)
        row = store.conn.execute(
            "SELECT COALESCE(SUM(cost_usd), 0) FROM decisions WHERE run_id = ?", (config.run_id,)
        ).fetchone()
        results = [o.status for o in done.outcomes.values()]
        left = done.held_elsewhere(todo)
        skipped = results.count("skipped")
        return RunReport(
            run_id=config.run_id,
            store_path=str(store.path),
            planned=len(tasks),
            played=results.count("done") + results.count("failed"),
            skipped=len(tasks) - len(todo) + skipped,
            failed=results.count("failed"),
            cost_usd=budget.spent,
            run_cost_usd=float(row[0]),
            cached=budget.cached,
            stopped=budget.reason if budget.stopped else None,
            not_started=len(todo) - len(done.outcomes),
            elsewhere=len(left),
            elsewhere_by=holders(done.outcomes, left) if left else None,
            waited=len(done.waited),
        )


class _progress:
    """A rich progress bar when asked for, a no-op otherwise."""

    def __init__(self, enabled: bool, total: int, label: str) -> None:
        self.enabled, self.total, self.label = enabled, total, label
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return lambda: None
        from rich.progress import Progress

        self._bar = Progress(transient=False)
        self._bar.__enter__()
        self._task = self._bar.add_task(self.label, total=self.total)
        return lambda: self._bar.advance(self._task)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def evaluate(
    model: str,
    *,
    model_args: Mapping[str, str] | None = None,
    suite: str | None = None,
    games: Iterable[str] | None = None,
    episodes: int = DEFAULT_EPISODES,
    seed: int = 0,
    protocol: str = "vanilla",
    opponent: str = DEFAULT_OPPONENT,
    store: str | None = None,
    concurrency: int = 16,
    progress: bool = False,
    max_cost: float | None = None,
    cache: str | None = None,
    use_cache: bool = True,
    wait: bool = True,
    max_reply_bytes: int | None = None,
    framing: str = "neutral",
    executor: str | Executor | None = None,
    ray_address: str | None = None,
) -> RunReport:
    """Evaluates one model on a suite and writes the run to the store (Python API).

    Works from synchronous code and from inside a running event loop (a notebook); in async
    code, ``await run_async(config, ...)`` is the same without the worker thread.

    See `run_async` for ``max_cost``, ``cache``, ``use_cache``, ``wait``,
    ``max_reply_bytes``, ``executor`` and ``ray_address``.
    """
    config = EvalConfig(
        model=model,
        games=resolve_games(suite, games),
        model_args=dict(model_args or {}),
        suite=suite,
        episodes=episodes,
        seed=seed,
        protocol=protocol,
        opponent=opponent,
        framing=framing,
    )
    return run_sync(  # also from a notebook, whose event loop is already running
        run_async(
            config,
            store,
            concurrency=concurrency,
            progress=progress,
            max_cost=max_cost,
            cache=cache,
            use_cache=use_cache,
            wait=wait,
            max_reply_bytes=max_reply_bytes,
            executor=executor,
            ray_address=ray_address,
        )
    )
