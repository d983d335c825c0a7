"""Two identical `stratlens eval` commands on one store at once end as one run would.

Each trial starts the same command twice, 0–1.5 s apart, on a fresh store and cache, against a
fake OpenAI-compatible server on 127.0.0.1 with 0.1 s latency; the store they leave must equal
a single run's, episode for episode and decision for decision, and both must exit 0. Twenty
trials: ``python bench/concurrent_runs.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stratlens.cli import main
from tests.agents.concurrent_runs import KEY, answer, eval_argv, store_rows, trial
from tests.agents.llm_server import FakeLLMServer

SERVER_ENV: dict[str, str | None] = {"OPENAI_API_KEY": KEY}
EPISODES = 5
SUITE = "jia2025"


@pytest.fixture(scope="module")
def slow_server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(answer, latency=0.1) as srv:
        yield srv


def test_two_identical_commands_leave_the_store_of_one(
    slow_server: FakeLLMServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the single run's store, from this process (one process start fewer)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    single = tmp_path / "single"
    single.mkdir()
    argv = eval_argv(
        slow_server.url, single / "store.db", single / "cache.db", episodes=EPISODES, suite=SUITE
    )
    assert main(argv[3:]) == 0  # without `python -m stratlens.cli`
    capsys.readouterr()
    reference = store_rows(single / "store.db")
    assert len(reference[0]) == 14 * 2 * EPISODES - EPISODES  # `sequential`: one role
    assert {row[6] for row in reference[0]} == {"done"}

    trials = [
        trial(slow_server.url, tmp_path / f"t{k}", reference, delay, episodes=EPISODES, suite=SUITE)
        for k, delay in enumerate((0.0, 0.5, 1.5))
    ]
    for t in trials:
        assert t.clean, t
        assert t.decisions == len(reference[1])
    # every episode was played once, by one of the two; where they overlapped (at least when
    # started together) each played a part
    total = len(reference[0])
    assert all(sum(t.played) == total for t in trials)
    assert any(0 < t.played[0] < total and 0 < t.played[1] < total for t in trials)
