"""Reference-agent runs claim and write episodes in batches: what is written when, what a
takeover before the write gives, and agents that wait keeping one transaction per episode."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from stratlens import _episode
from stratlens._episode import EpisodeRunner, EpisodeTask
from stratlens.agents import make_agent
from stratlens.contracts import Decision, Turn
from stratlens.results import open_store
from stratlens.results._ownership import Owner
from stratlens.results.store import Store
from stratlens.runner import EvalConfig, plan

CONFIG = EvalConfig("baseline/random", ("prisoners_dilemma",), episodes=3, seed=4)


class _Waits:
    """An agent that answers after a pause (as an API model does): not `synchronous`."""

    name = "test/waits"

    async def act(self, turn: Turn) -> Decision:
        await asyncio.sleep(0)
        return Decision(min(turn.legal_actions), "ok", raw_output="Final answer: it")


def _store(path: Path, owner: Owner, lease_s: float = 30.0) -> Store:
    store = open_store(path, owner=owner, lease_s=lease_s)
    store.add_run(CONFIG.run_id, model=CONFIG.model, model_args={}, suite=None,
                  games=list(CONFIG.games), protocol="vanilla", opponent="baseline/random",
                  episodes=3, seed=4, package_version="test", config=CONFIG.to_json())  # fmt: skip
    return store


async def _play(runner: EpisodeRunner, tasks: list[EpisodeTask]) -> list[str]:
    claims = runner.claim(tasks)
    return [(await runner.play(t, c)).status for t, c in zip(tasks, claims, strict=True)]


def test_ended_episodes_are_written_together_at_the_batch_size_or_the_flush(
    tmp_path: Path,
) -> None:
    me = Owner.here()
    tasks = plan(CONFIG)  # 6 episodes: 3 per role
    agent = make_agent("baseline/random", {})
    with _store(tmp_path / "s.db", me) as store:
        runner = EpisodeRunner(CONFIG.run_id, "vanilla", agent, agent, store, owner=me, batch=4)
        assert runner.claim_batch == 4
        assert asyncio.run(_play(runner, tasks[:3])) == ["done"] * 3
        status = store.episode_status(CONFIG.run_id)
        assert sorted(status.values()) == ["running"] * 3 and store.count_decisions() == 0
        assert asyncio.run(_play(runner, tasks[3:5])) == ["done"] * 2  # the 4th ended: written
        assert sorted(store.episode_status(CONFIG.run_id).values()) == ["done"] * 4 + ["running"]
        assert store.count_decisions() == 8
        assert runner.flush() == {}
        assert sorted(store.episode_status(CONFIG.run_id).values()) == ["done"] * 5
        assert store.count_decisions() == 10


def test_an_episode_ended_a_while_ago_is_written_with_the_next(tmp_path: Path) -> None:
    me = Owner.here()
    tasks = plan(CONFIG)
    agent = make_agent("baseline/random", {})
    with _store(tmp_path / "s.db", me) as store:
        runner = EpisodeRunner(CONFIG.run_id, "vanilla", agent, agent, store, owner=me, batch=64)
        asyncio.run(_play(runner, tasks[:1]))
        assert store.count_episodes(CONFIG.run_id) == 0
        time.sleep(_episode.WRITE_DELAY_S + 0.05)
        asyncio.run(_play(runner, tasks[1:2]))
        assert store.count_episodes(CONFIG.run_id) == 2


def test_an_episode_taken_over_before_its_write_is_left_to_its_new_owner(tmp_path: Path) -> None:
    me, other = Owner.here(host="elsewhere.example", pid=1), Owner.here()
    tasks = plan(CONFIG)[:2]
    agent = make_agent("baseline/random", {})
    path = tmp_path / "s.db"
    with _store(path, me, lease_s=0.2) as store:
        runner = EpisodeRunner(CONFIG.run_id, "vanilla", agent, agent, store, owner=me, batch=8)
        assert asyncio.run(_play(runner, tasks)) == ["done", "done"]
        time.sleep(0.3)  # no keeper renewed the lease: another owner claims the second
        with open_store(path, owner=other) as theirs:
            t = tasks[1]
            claim = theirs.claim_episode(t.episode_id, CONFIG.run_id, t.game_id, t.role, t.idx,
                                         t.seed)  # fmt: skip
            assert claim.status == "claimed"
        outcomes = runner.flush()
        assert list(outcomes) == [t.episode_id] and outcomes[t.episode_id].status == "elsewhere"
        holder = outcomes[t.episode_id].holder
        assert holder is not None and holder.owner == other.id
        status = store.episode_status(CONFIG.run_id)
        assert status == {tasks[0].episode_id: "done", t.episode_id: "running"}
        assert store.count_decisions(episode_id=t.episode_id) == 0


def test_agents_that_wait_claim_and_write_each_episode_on_its_own(tmp_path: Path) -> None:
    me = Owner.here()
    tasks = plan(CONFIG)
    waits, ref = _Waits(), make_agent("baseline/random", {})
    with _store(tmp_path / "s.db", me) as store:
        runner = EpisodeRunner(CONFIG.run_id, "vanilla", waits, ref, store, owner=me, batch=64)
        assert runner.claim_batch == 1
        assert asyncio.run(runner.play(tasks[0])).status == "done"
        assert store.episode_status(CONFIG.run_id) == {tasks[0].episode_id: "done"}
        assert store.count_decisions(episode_id=tasks[0].episode_id) == 2
