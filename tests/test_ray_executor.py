"""The Ray executor on a real local Ray cluster (2 CPUs), against the fake API server.

A Ray run's store must equal a single-process run's, row for row; so must the store of a
Ray run whose worker is killed mid-task (Ray retries the task), and of a driver killed and
run again. Skipped where Ray (the ``[ray]`` extra) is not installed.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stratlens import evaluate
from stratlens._ray import RayExecutor, chunks
from stratlens.runner import EvalConfig, plan
from tests.agents.llm_server import FakeLLMServer, Reply, Request

KEY = "sk-test-ray-5b1e0c"
MODEL = "openai/gpt-4o-mini"
GAMES = ["prisoners_dilemma", "iterated_prisoners_dilemma"]
#: Every column of a decision but its row id and what differs between two plays of it.
DECISION_COLUMNS = (
    "episode_id, run_id, step, player, agent, model, action, action_label, legal_actions, "
    "parse_status, raw_output, reasoning_text, attempts, prompt_tokens, completion_tokens, "
    "reasoning_tokens, cost_usd, error"
)
EPISODE_COLUMNS = "episode_id, run_id, game_id, role, idx, seed, status, returns, subject_payoff"


def answer(req: Request) -> Reply:
    """A legal answer that depends on the prompt alone (so every play of it is the same)."""
    if "You are Player 2" in req.prompt:
        return Reply("Final answer: column " + ("1" if len(req.prompt) % 2 else "0"))
    return Reply("Final answer: row " + ("1" if len(req.prompt) % 3 else "0"))


def decisions(store: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(store) as conn:
        return conn.execute(
            f"SELECT {DECISION_COLUMNS} FROM decisions ORDER BY episode_id, step, player"
        ).fetchall()


def episodes(store: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(store) as conn:
        return conn.execute(
            f"SELECT {EPISODE_COLUMNS} FROM episodes ORDER BY episode_id"
        ).fetchall()


def _asked(store: Path) -> int:
    """The decisions of a store that were requests to the API (the subject's)."""
    return sum(1 for d in decisions(store) if d[4] == "subject")


def test_chunks_are_of_one_game_and_role_in_plan_order() -> None:
    todo = plan(EvalConfig(model="baseline/random", games=tuple(GAMES), episodes=5))
    parts = chunks(todo, 2)
    assert [t for part in parts for t in part] == todo
    assert all(len({(t.game_id, t.role) for t in part}) == 1 for part in parts)
    assert [len(p) for p in parts] == [2, 2, 1] * 4  # 2 games × 2 roles of 5 episodes


def test_missing_ray_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['ray'] = None\n"  # as if the [ray] extra were not installed
        "from stratlens.cli import main\n"
        "raise SystemExit(main(sys.argv[1:]))"
    )
    store = tmp_path / "s.db"
    args = ["eval", "--model", "baseline/random", "--game", "prisoners_dilemma"]
    out = subprocess.run(
        [sys.executable, "-c", code, *args, "--store", str(store), "--executor", "ray"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "stratlens: error: --executor ray needs Ray: pip install 'stratlens[ray]'"
    ]
    assert not store.exists()


def test_unreachable_address_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    import socket

    # Without Ray the missing extra is reported first (the test above).
    pytest.importorskip("ray", reason="the [ray] extra (ray) is not installed")

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = tmp_path / "s.db"
    out = subprocess.run(
        [sys.executable, "-m", "stratlens.cli", "eval", "--model", "baseline/random",
         "--game", "prisoners_dilemma", "--store", str(store), "--executor", "ray",
         "--ray-address", f"127.0.0.1:{port}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 2
    assert out.stderr.strip() == (
        f"stratlens: error: cannot reach the Ray cluster at 127.0.0.1:{port}: Connection refused"
    )
    assert not store.exists()


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A local Ray cluster of 2 CPUs for the module; its GCS address."""
    ray = pytest.importorskip("ray", reason="the [ray] extra (ray) is not installed")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield str(ray.get_runtime_context().gcs_address)
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def api() -> Iterator[FakeLLMServer]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OPENAI_API_KEY", KEY)
        with FakeLLMServer(answer, latency=0.02) as srv:
            yield srv


def _kw(api: FakeLLMServer, tmp_path: Path, name: str, episodes: int) -> dict[str, Any]:
    return {
        "model_args": {"api_base": api.url + "/v1"},
        "games": GAMES,
        "episodes": episodes,
        "store": str(tmp_path / f"{name}.db"),
        "cache": str(tmp_path / f"{name}-cache.db"),
        "concurrency": 4,
    }


def _single(
    api: FakeLLMServer, tmp_path: Path, episodes: int, games: list[str] | None = None
) -> Path:
    kw = {**_kw(api, tmp_path, "single", episodes), "games": games or GAMES}
    report = evaluate(MODEL, **kw)
    assert report.failed == 0 and report.played == report.planned
    return Path(kw["store"])


def test_a_ray_run_stores_what_one_process_does_and_fills_the_cache(
    cluster: str, api: FakeLLMServer, tmp_path: Path
) -> None:
    single = _single(api, tmp_path, 3)
    api.reset()
    kw = _kw(api, tmp_path, "ray", 3)
    report = evaluate(MODEL, executor=RayExecutor(chunk_size=2), **kw)
    asked = api.total()
    assert (report.played, report.failed, report.cached) == (report.planned, 0, 0)
    assert asked == _asked(single) > 0
    assert decisions(Path(kw["store"])) == decisions(single)
    assert episodes(Path(kw["store"])) == episodes(single)
    # The driver merged the workers' answers into the cache: a new store is answered from it.
    again = evaluate(MODEL, executor="ray", **{**kw, "store": str(tmp_path / "again.db")})
    assert api.total() == asked  # nothing asked again
    assert again.cached == asked and again.played == again.planned
    assert decisions(tmp_path / "again.db") == decisions(single)


def _descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    parents[int(name)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    out, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - out
        out |= frontier
    return out


def _chunk_workers() -> list[int]:
    """Ray workers started by this test process that are playing a chunk now."""
    found = []
    for pid in _descendants(os.getpid()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if f.read().startswith(b"ray::play_chunk"):
                    found.append(pid)
        except OSError:
            continue
    return found


def _run_and_kill_a_worker(
    api: FakeLLMServer, executor: RayExecutor, kw: dict[str, Any]
) -> tuple[Any, int | None]:
    """``evaluate`` in a thread; a worker playing a chunk killed once 4 requests came."""
    box: dict[str, Any] = {}

    def play() -> None:
        try:
            box["report"] = evaluate(MODEL, executor=executor, **kw)
        except BaseException as exc:  # raised again in the test's thread
            box["error"] = exc

    run = threading.Thread(target=play)
    run.start()
    killed = None
    deadline = time.monotonic() + 60
    while killed is None and time.monotonic() < deadline and run.is_alive():
        workers = _chunk_workers() if api.total() >= 4 else []
        if workers:
            killed = workers[0]
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.01)
    run.join(120)
    if "error" in box:
        raise box["error"]
    return box["report"], killed


def test_a_worker_killed_mid_task_loses_and_repeats_nothing(
    cluster: str, api: FakeLLMServer, tmp_path: Path
) -> None:
    single = _single(api, tmp_path, 6)
    api.reset()
    kw = _kw(api, tmp_path, "killed", 6)
    report, killed = _run_and_kill_a_worker(api, RayExecutor(chunk_size=3), kw)
    # The killed process was playing a chunk: every episode is there all the same, so Ray
    # played that chunk again elsewhere.
    assert killed is not None, "no worker was playing a chunk to kill"
    assert (report.played, report.failed) == (report.planned, 0)
    assert api.total() >= _asked(single)
    got = decisions(Path(kw["store"]))
    assert len(got) == len(set(got)) == len(decisions(single))  # none twice, none lost
    assert got == decisions(single)
    assert episodes(Path(kw["store"])) == episodes(single)


def test_a_task_ray_gives_up_on_fails_its_episodes_for_the_next_run(
    cluster: str, api: FakeLLMServer, tmp_path: Path
) -> None:
    # Only the repeated game: every chunk lasts many requests, so the worker killed is in
    # the middle of one (a chunk of one-shot games may be returning its result already).
    games = ["iterated_prisoners_dilemma"]
    single = _single(api, tmp_path, 6, games)
    kw = {**_kw(api, tmp_path, "given-up", 6), "games": games}
    report, killed = _run_and_kill_a_worker(api, RayExecutor(chunk_size=3, max_retries=0), kw)
    assert killed is not None, "no worker was playing a chunk to kill"
    assert report.failed == 3 and report.played == report.planned, report  # the killed chunk's
    with sqlite3.connect(kw["store"]) as conn:
        errors = conn.execute("SELECT error FROM episodes WHERE status = 'failed'").fetchall()
    assert len(errors) == 3 and all(e[0].startswith("ray task lost: ") for e in errors)
    rerun = evaluate(MODEL, **kw)  # in one process: it plays the three again
    assert (rerun.played, rerun.skipped, rerun.failed) == (3, report.planned - 3, 0)
    assert decisions(Path(kw["store"])) == decisions(single)
    assert episodes(Path(kw["store"])) == episodes(single)


def _eval_cmd(api: FakeLLMServer, cluster: str, store: Path, cache: Path) -> list[str]:
    return [
        sys.executable, "-m", "stratlens.cli", "eval", "--model", MODEL,
        "-M", f"api_base={api.url}/v1", "--game", ",".join(GAMES), "--episodes", "6",
        "--max-connections", "4", "--store", str(store), "--cache", str(cache),
        "--executor", "ray", "--ray-address", cluster, "--json", "--no-progress",
    ]  # fmt: skip


def _done(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as conn:
            return int(
                conn.execute("SELECT COUNT(*) FROM episodes WHERE status = 'done'").fetchone()[0]
            )
    except sqlite3.Error:
        return 0


def test_a_driver_killed_and_rerun_resumes_to_the_same_store(
    cluster: str, api: FakeLLMServer, tmp_path: Path
) -> None:
    single = _single(api, tmp_path, 6)
    store, cache = tmp_path / "driver.db", tmp_path / "driver-cache.db"
    cmd = _eval_cmd(api, cluster, store, cache)
    env = {**os.environ, "OPENAI_API_KEY": KEY}
    driver = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _done(store) < 4 and driver.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    driver.kill()
    driver.wait(30)
    before = _done(store)
    assert 4 <= before < 24, f"the driver was not killed mid-run ({before} of 24 episodes done)"
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    import json

    report = json.loads(out.stdout)
    assert report["skipped"] == before and report["played"] == 24 - before
    got = decisions(store)
    assert len(got) == len(set(got)) and got == decisions(single)
    assert episodes(store) == episodes(single)


def test_connections_and_cost_are_limited_over_the_whole_cluster(
    cluster: str, api: FakeLLMServer, tmp_path: Path
) -> None:
    # Two tasks at once, sharing 3 connections (2 and 1): 3 requests in flight at most over
    # both workers, not 3 per worker.
    kw = {**_kw(api, tmp_path, "slots", 6), "concurrency": 3, "games": ["prisoners_dilemma"]}
    api.reset()
    api.state.latency = 0.1
    try:
        executor = RayExecutor(chunk_size=2)
        report = evaluate(MODEL, executor=executor, **kw)
    finally:
        api.state.latency = 0.02
    assert report.played == report.planned == 12
    assert 1 < api.state.max_in_flight <= 3
    # --max-cost over the cluster: what every worker spent together stays within it.
    price = report.run_cost_usd / 12
    assert price > 0
    limit = 5.5 * price
    capped = evaluate(
        MODEL,
        executor=RayExecutor(chunk_size=2),
        max_cost=limit,
        **{**kw, "store": str(tmp_path / "cost.db"), "cache": str(tmp_path / "cost-cache.db")},
    )
    assert capped.stopped is not None and "--max-cost" in capped.stopped
    assert 0 < capped.run_cost_usd <= limit
    assert capped.cost_usd == pytest.approx(capped.run_cost_usd)
    assert capped.not_started > 0 and capped.played < 12


def test_a_429_pauses_every_worker(cluster: str, api: FakeLLMServer, tmp_path: Path) -> None:
    # The first request of one prompt is refused with Retry-After 1 s; the cluster's pause
    # holds back every worker's next requests, not only the one that got the 429.
    refused: list[float] = []

    def script(req: Request) -> Reply | list[Reply]:
        if req.n == 0 and not refused:
            refused.append(time.monotonic())
            return [Reply(status=429, headers=(("retry-after", "1"),)), answer(req)]
        return answer(req)

    kw = {**_kw(api, tmp_path, "paused", 30), "concurrency": 4, "games": ["prisoners_dilemma"]}
    kw["model_args"] = {**kw["model_args"], "backoff": "0.01"}
    api.reset(script)
    try:
        executor = RayExecutor(chunk_size=4)
        report = evaluate(MODEL, executor=executor, **kw)
        times = sorted(api.state.times)
    finally:
        api.reset(answer)
    assert report.played == report.planned and report.failed == 0
    t = refused[0]
    during = [x for x in times if t + 0.25 < x < t + 0.9]
    assert not during, f"{len(during)} requests during the cluster's pause"
    assert any(x >= t + 0.9 for x in times)  # the rest came after it
    assert executor.last_limits is not None and executor.last_limits["pauses"] == 1
