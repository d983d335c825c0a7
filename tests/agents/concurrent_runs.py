"""Two identical `stratlens eval` commands on one store, started a few seconds apart.

Shared by the test (`tests/agents/test_concurrent_runs.py`, a few trials) and the benchmark
(`bench/concurrent_runs.py`, twenty). The model is an OpenAI-compatible fake server on
127.0.0.1 (`FakeLLMServer`) answering a legal move for whichever player a prompt is for;
each command is its own process, as a user would start it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.agents.llm_server import Reply, Request

ROOT = Path(__file__).resolve().parents[2]
MODEL = "openai/gpt-4o-mini"
KEY = "sk-test-concurrent-5e1f"

#: What a decision is, for comparing two stores decision for decision (not how long it took,
#: nor whether the answer came from the cache).
DECISION_COLUMNS = (
    "d.episode_id, d.step, d.player, d.agent, d.model, d.action, d.action_label, "
    "d.legal_actions, d.parse_status, d.raw_output, d.reasoning, d.attempts, d.prompt_tokens, "
    "d.completion_tokens, d.error"
)
EPISODE_COLUMNS = "episode_id, run_id, game_id, role, idx, seed, status, returns, subject_payoff"


def answer(req: Request) -> Reply:
    """A legal answer for whichever player the prompt is for, with a visible reason."""
    if "You are Player 2" in req.prompt:
        return Reply("I expect cooperation.\nFinal answer: column 1", completion_tokens=12)
    return Reply("Safer to hedge.\nFinal answer: row 1", completion_tokens=11)


def eval_argv(
    url: str, store: Path, cache: Path, *, episodes: int, suite: str, connections: int = 16
) -> list[str]:
    return [
        sys.executable, "-m", "stratlens.cli", "eval", "--model", MODEL,
        "-M", f"api_base={url}/v1", "-M", "backoff=0.01", "-M", "client=http",
        "--suite", suite, "--episodes", str(episodes), "--seed", "1",
        "--max-connections", str(connections), "--no-progress", "--json",
        "--store", str(store), "--cache", str(cache),
    ]  # fmt: skip


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["OPENAI_API_KEY"] = KEY
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
    )
    return env


@dataclass
class Finished:
    returncode: int
    report: dict[str, Any] | None
    stderr: str


def _finished(proc: subprocess.Popen[str]) -> Finished:
    out, err = proc.communicate(timeout=300)
    try:
        report = json.loads(out)
    except ValueError:
        report = None
    return Finished(proc.returncode, report, err)


def run_once(argv: list[str]) -> Finished:
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT
    )
    return _finished(proc)


def run_two(argv: list[str], delay: float) -> tuple[Finished, Finished]:
    """The same command twice, the second ``delay`` seconds after the first."""
    first = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT
    )
    time.sleep(delay)
    second = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT
    )
    return _finished(first), _finished(second)


def store_rows(path: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every episode and every decision of a store, in a fixed order."""
    with sqlite3.connect(path) as con:
        episodes = con.execute(
            f"SELECT {EPISODE_COLUMNS} FROM episodes ORDER BY episode_id"
        ).fetchall()
        decisions = con.execute(
            f"SELECT {DECISION_COLUMNS} FROM decisions d "
            "ORDER BY d.episode_id, d.step, d.player, d.agent"
        ).fetchall()
    return episodes, decisions


@dataclass
class Trial:
    """One trial: the two commands' exit statuses, and how their store differs from a single
    run's (episodes and decisions missing, extra or different)."""

    delay: float
    returncodes: tuple[int, int]
    played: tuple[int, int]
    waited: tuple[int, int]
    episode_diff: int
    decision_diff: int
    decisions: int
    errors: str

    @property
    def clean(self) -> bool:
        return self.returncodes == (0, 0) and self.episode_diff == 0 and self.decision_diff == 0


def _diff(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> int:
    return len(set(a) ^ set(b)) + abs(len(a) - len(set(a))) + abs(len(b) - len(set(b)))


def _field(f: Finished, name: str) -> int:
    """A number of the command's JSON summary (-1 when it printed none)."""
    return int((f.report or {}).get(name, -1))


def trial(
    url: str,
    folder: Path,
    reference: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]],
    delay: float,
    *,
    episodes: int,
    suite: str,
    connections: int = 16,
) -> Trial:
    """Two identical commands ``delay`` seconds apart on a fresh store (and cache)."""
    folder.mkdir(parents=True, exist_ok=True)
    store, cache = folder / "store.db", folder / "cache.db"
    argv = eval_argv(url, store, cache, episodes=episodes, suite=suite, connections=connections)
    a, b = run_two(argv, delay)
    episodes_got, decisions_got = store_rows(store)
    ref_episodes, ref_decisions = reference
    errors = "\n".join(
        f.stderr.strip().splitlines()[-1] for f in (a, b) if f.returncode != 0 and f.stderr.strip()
    )
    return Trial(
        delay=delay,
        returncodes=(a.returncode, b.returncode),
        played=(_field(a, "played"), _field(b, "played")),
        waited=(_field(a, "waited"), _field(b, "waited")),
        episode_diff=_diff(episodes_got, ref_episodes),
        decision_diff=_diff(decisions_got, ref_decisions),
        decisions=len(decisions_got),
        errors=errors,
    )
