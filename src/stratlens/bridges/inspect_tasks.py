"""stratlens's suites as Inspect AI tasks (registered through the ``inspect_ai`` entry point).

    inspect eval stratlens/jia2025 --model openai/gpt-4o
    inspect eval stratlens/repeated --model openai/gpt-4o -T protocol=cot -T opponent=baseline/trust
    inspect eval stratlens/suite -T suite=classic -T game=stag_hunt,chicken --model …

One sample per (game, role, episode), in the order `stratlens.runner.plan` plays them, with its
episode id and seed; the run is the one ``stratlens eval`` would make of the same model and
options (``-T`` ``game``, ``protocol``, ``opponent``, ``episodes``, ``seed``, ``max_attempts``
as ``-M max_attempts``). The solver walks the OpenSpiel state with the runner's own episode
loop: the model is asked with stratlens's prompts through Inspect's model (so Inspect's
providers, retries, cache and batch mode apply), its answer is read by stratlens's parser (an
unusable answer ends the episode as an execution failure, never as a move), and the opponent is
a reference agent played in-process, the model itself (``opponent=self``), or a second model
given as an Inspect model role (``opponent=role:NAME`` with ``--model-role NAME=provider/model``).
An infrastructure error (the model could not be reached) is a sample error, retried by Inspect's
``--retry-on-error``. The scorer's value is the normalised payoff in [0, 1] (an execution
failure scores 0, as on the leaderboard); its metadata keep the payoff, whether the episode
ended on an execution failure and the parse status. The whole episode travels in the sample's
store (``stratlens_episode``), which `stratlens.bridges.inspect_logs` imports into the store.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessage, GenerateConfig, Model, ModelOutput, get_model
from inspect_ai.scorer import Score, Target, mean, scorer, stderr
from inspect_ai.solver import Generate, Solver, TaskState, solver

from stratlens._episode import EpisodeRunner, EpisodeTask
from stratlens.agents import Agent, make_agent
from stratlens.agents._llm_args import LLMSettings
from stratlens.agents.llm import LLMAgent, RunOptions
from stratlens.bridges._records import RECORD_KEY, EpisodeRecord, EpisodeRecorder
from stratlens.bridges.inspect_model import InspectClient
from stratlens.contracts import PROTOCOLS
from stratlens.errors import UsageError
from stratlens.games import get_game
from stratlens.results.metrics import ONE_SHOT_KINDS, game_facts, normalised
from stratlens.runner import DEFAULT_EPISODES, DEFAULT_OPPONENT, SELF, EvalConfig, plan
from stratlens.runner import resolve_games as _resolve_games


def offline_tokenizer_cache() -> str | None:
    """Point tiktoken at the encodings litellm ships, unless a cache is set already.

    Inspect counts tokens with tiktoken's ``o200k_base`` where a provider reports none (its
    ``mockllm/model`` does), and tiktoken downloads that file on first use; litellm (installed
    with the ``[inspect]`` extra) ships it, and sets the same variable when it is imported.
    Returns the folder now in use, or None.
    """
    for name in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if os.environ.get(name):
            return os.environ[name]
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "litellm_core_utils" / "tokenizers"
    if not folder.is_dir():
        return None
    os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)
    return str(folder)


#: The key of the run's configuration in each sample's metadata.
META_KEY = "stratlens"
ROLE_PREFIX = "role:"


def _games(suite: str | None, game: str | Sequence[str] | None) -> tuple[str, ...]:
    if game is None:
        return _resolve_games(suite, None)
    named = [game] if isinstance(game, str) else [str(g) for g in game]
    return _resolve_games(suite, named)


def inspect_config(
    model: str,
    *,
    suite: str | None,
    game: str | Sequence[str] | None = None,
    protocol: str = "vanilla",
    opponent: str = DEFAULT_OPPONENT,
    episodes: int = DEFAULT_EPISODES,
    seed: int = 0,
    max_attempts: int = 1,
) -> EvalConfig:
    """The run an Inspect task plays: the `EvalConfig` ``stratlens eval`` would build."""
    if protocol not in PROTOCOLS:
        raise UsageError(f"unknown prompt protocol {protocol!r} ({', '.join(PROTOCOLS)})")
    if not isinstance(episodes, int) or episodes < 1:
        raise UsageError(f"episodes must be a positive integer, got {episodes!r}")
    if not isinstance(max_attempts, int) or not 1 <= max_attempts <= 10:
        raise UsageError(f"max_attempts must be an integer in [1, 10], got {max_attempts!r}")
    opponent = str(opponent)
    if opponent.startswith(ROLE_PREFIX):
        role = opponent[len(ROLE_PREFIX) :]
        opponent = f"{ROLE_PREFIX}{role}={get_model(role=role, required=True)}"
    elif opponent != SELF:
        make_agent(opponent, {})  # an unknown reference agent: a one-line error now
    args = {"max_attempts": str(max_attempts)} if max_attempts != 1 else {}
    return EvalConfig(
        model=model,
        games=_games(suite, game),
        model_args=args,
        suite=suite,
        episodes=episodes,
        seed=int(seed),
        protocol=protocol,
        opponent=opponent,
    )


def config_from_json(data: dict[str, Any]) -> EvalConfig:
    """The `EvalConfig` of `EvalConfig.to_json`."""
    return EvalConfig(
        model=str(data["model"]),
        games=tuple(data["games"]),
        model_args={str(k): str(v) for k, v in data["model_args"].items()},
        suite=data["suite"],
        episodes=int(data["episodes"]),
        seed=int(data["seed"]),
        protocol=str(data["protocol"]),
        opponent=str(data["opponent"]),
    )


def samples(config: EvalConfig) -> list[Sample]:
    """One sample per planned episode, id = the stratlens episode id."""
    out = []
    run = config.to_json()
    for t in plan(config):
        spec = get_game(t.game_id)
        out.append(
            Sample(
                input=f"{spec.title}: play as Player {t.role + 1} (episode {t.idx}).",
                id=t.episode_id,
                metadata={
                    META_KEY: {
                        "run": run,
                        "run_id": config.run_id,
                        "episode_id": t.episode_id,
                        "game_id": t.game_id,
                        "role": t.role,
                        "idx": t.idx,
                        "seed": str(t.seed),  # 63-bit: kept exact through JSON readers
                    }
                },
            )
        )
    return out


def _model_agent(
    name: str, model: Model, max_attempts: int, state: TaskState | None, one_shot: bool
) -> LLMAgent:
    def record(sent: list[ChatMessage], output: ModelOutput) -> None:
        if state is None:
            return
        state.messages.extend([sent[-1], output.message])
        state.output = output

    return LLMAgent(
        LLMSettings(model=name, max_attempts=max_attempts),
        RunOptions(use_cache=False),  # Inspect has its own cache (--cache)
        # batch mode only where an episode is one call: a turn of a longer game would wait for
        # a whole batch before the next turn could be asked
        client=InspectClient(model, record, None if one_shot else GenerateConfig(batch=False)),
    )


@solver
def play_episode() -> Solver:
    """Plays the sample's episode: the model on its role's turns, the opponent on the other."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        meta = state.metadata[META_KEY]
        config = config_from_json(meta["run"])
        attempts = int(config.model_args.get("max_attempts", 1))
        state.messages = []
        one_shot = get_game(meta["game_id"]).kind in ONE_SHOT_KINDS
        subject = _model_agent(config.model, get_model(), attempts, state, one_shot)
        opponent: Agent
        if config.opponent == SELF:
            opponent = subject
        elif config.opponent.startswith(ROLE_PREFIX):
            role = config.opponent[len(ROLE_PREFIX) :].split("=", 1)[0]
            opponent = _model_agent(config.opponent, get_model(role=role), attempts, None, one_shot)
        else:
            opponent = make_agent(config.opponent, {})
        recorder = EpisodeRecorder()
        episode = EpisodeTask(
            meta["episode_id"], meta["game_id"], int(meta["role"]), int(meta["idx"]),
            int(meta["seed"]),
        )  # fmt: skip
        runner = EpisodeRunner(config.run_id, config.protocol, subject, opponent, recorder)
        outcome = await runner.play(episode)
        assert recorder.record is not None
        state.store.set(RECORD_KEY, recorder.record.to_json())
        for agent in (subject, opponent):
            client = agent.client if isinstance(agent, LLMAgent) else None
            if isinstance(client, InspectClient) and client.limit is not None:
                raise client.limit  # Inspect ends the sample at its limit
        if outcome.status == "failed":  # the model could not be asked: an error Inspect may retry
            raise RuntimeError(f"episode {episode.episode_id}: {recorder.record.error}")
        return state

    return solve


def normalised_payoff(record: EpisodeRecord) -> float:
    """The subject's payoff normalised to [0, 1] by its role's payoff range (per round in
    repeated games), 0 for an execution failure: the leaderboard's ``norm``."""
    if record.subject_payoff is None:
        return 0.0
    facts = game_facts(record.game_id)
    payoff = record.subject_payoff
    if facts.kind == "repeated":
        payoff /= max(1, sum(d.action is not None for d in record.subject_decisions))
    lo, hi = facts.payoff_range[record.role]
    value = float(normalised(payoff, lo, hi))
    return value if value == value else 0.0  # NaN (a payoff range of zero width): 0


@scorer(metrics=[mean(), stderr()])
def payoff() -> Any:
    """Normalised payoff; metadata: payoff, execution failure, parse status.

    ``execution_failure`` is the model's own (``opponent_failure``: a model opponent's); either
    ends the episode without an outcome, scored 0 as on the leaderboard. ``parse_status`` is
    the failing answer's, ``failed_player`` its player (1 or 2)."""

    async def score(state: TaskState, target: Target) -> Score:
        record = EpisodeRecord.from_json(state.store.get(RECORD_KEY))
        failure = record.failure
        mine = record.subject_decisions
        last = next((d for d in reversed(mine) if d.action_label is not None), None)
        return Score(
            value=normalised_payoff(record),
            answer=last.action_label if last is not None else None,
            explanation=record.error or "",
            metadata={
                "payoff": record.subject_payoff,
                "returns": record.returns,
                "execution_failure": failure is not None and failure.agent == "subject",
                "opponent_failure": failure is not None and failure.agent == "opponent",
                "parse_status": failure.parse_status if failure is not None else "ok",
                "failed_player": None if failure is None else failure.player + 1,
                "decisions": len(mine),
                "episode_id": record.episode_id,
                "game_id": record.game_id,
                "role": record.role,
            },
        )

    return score


def _task(suite: str | None, name: str, **options: Any) -> Task:
    offline_tokenizer_cache()
    config = inspect_config(str(get_model()), suite=suite, **options)
    return Task(
        dataset=MemoryDataset(samples(config), name=name),
        solver=play_episode(),
        scorer=payoff(),
        metadata={META_KEY: config.to_json(), "run_id": config.run_id},
    )


@task
def jia2025(
    game: str | list[str] | None = None,
    protocol: str = "vanilla",
    opponent: str = DEFAULT_OPPONENT,
    episodes: int = DEFAULT_EPISODES,
    seed: int = 0,
    max_attempts: int = 1,
) -> Task:
    """The 13 games of Jia et al. 2025 plus sw10, each role in turn."""
    return _task("jia2025", "jia2025", game=game, protocol=protocol, opponent=opponent,
                 episodes=episodes, seed=seed, max_attempts=max_attempts)  # fmt: skip


@task
def classic(
    game: str | list[str] | None = None,
    protocol: str = "vanilla",
    opponent: str = DEFAULT_OPPONENT,
    episodes: int = DEFAULT_EPISODES,
    seed: int = 0,
    max_attempts: int = 1,
) -> Task:
    """OpenSpiel's matrix games and the textbook games that separate the reasoning styles."""
    return _task("classic", "classic", game=game, protocol=protocol, opponent=opponent,
                 episodes=episodes, seed=seed, max_attempts=max_attempts)  # fmt: skip


@task
def sequential(
    game: str | list[str] | None = None,
    protocol: str = "vanilla",
    opponent: str = DEFAULT_OPPONENT,
    episodes: int = DEFAULT_EPISODES,
    seed: int = 0,
    max_attempts: int = 1,
) -> Task:
    """Ultimatum, trust and centipede games."""
    return _task("sequential", "sequential", game=game, protocol=protocol, opponent=opponent,
                 episodes=episodes, seed=seed, max_attempts=max_attempts)  # fmt: skip


@task
def repeated(
    game: str | list[str] | None = None,
    protocol: str = "vanilla",
    opponent: str = DEFAULT_OPPONENT,
    episodes: int = DEFAULT_EPISODES,
    seed: int = 0,
    max_attempts: int = 1,
) -> Task:
    """Iterated games, fixed or random horizon."""
    return _task("repeated", "repeated", game=game, protocol=protocol, opponent=opponent,
                 episodes=episodes, seed=seed, max_attempts=max_attempts)  # fmt: skip


@task
def suite(
    suite: str | None = None,
    game: str | list[str] | None = None,
    protocol: str = "vanilla",
    opponent: str = DEFAULT_OPPONENT,
    episodes: int = DEFAULT_EPISODES,
    seed: int = 0,
    max_attempts: int = 1,
) -> Task:
    """Any suite (``-T suite=…``) or any games of the catalog (``-T game=a,b``)."""
    return _task(suite, suite or "games", game=game, protocol=protocol, opponent=opponent,
                 episodes=episodes, seed=seed, max_attempts=max_attempts)  # fmt: skip
