"""Two identical `stratlens eval` commands on one store at once end as one run would.

Each trial starts the same command twice, 0–6 s apart, on a fresh store and cache, against a
fake OpenAI-compatible server on 127.0.0.1 with 20 ms latency; the store they leave must equal
a single run's, episode for episode and decision for decision, and both must exit 0. Twenty
trials: ``python bench/concurrent_runs.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agents.concurrent_runs import KEY, answer, eval_argv, run_once, store_rows, trial
from tests.agents.llm_server import FakeLLMServer

SERVER_ENV: dict[str, str | None] = {"OPENAI_API_KEY": KEY}
EPISODES = 6
SUITE = "jia2025"


@pytest.fixture(scope="module")
def slow_server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(answer, latency=0.02) as srv:
        yield srv


def test_two_identical_commands_leave_the_store_of_one(
    slow_server: FakeLLMServer, tmp_path: Path
) -> None:
    single = tmp_path / "single"
    single.mkdir()
    ref = run_once(
        eval_argv(
            slow_server.url,
            single / "store.db",
            single / "cache.db",
            episodes=EPISODES,
            suite=SUITE,
        )
    )
    assert ref.returncode == 0, ref.stderr
    reference = store_rows(single / "store.db")
    assert len(reference[0]) == 14 * 2 * EPISODES - EPISODES  # `sequential`: one role
    assert {row[6] for row in reference[0]} == {"done"}

    trials = [
        trial(slow_server.url, tmp_path / f"t{k}", reference, delay, episodes=EPISODES, suite=SUITE)
        for k, delay in enumerate((0.0, 0.5, 2.0))
    ]
    for t in trials:
        assert t.clean, t
        assert t.decisions == len(reference[1])
    # the work was shared where the two overlapped: at once, neither played everything alone
    at_once = trials[0]
    total = len(reference[0])
    assert sum(at_once.played) == total
    assert 0 < at_once.played[0] < total and 0 < at_once.played[1] < total
