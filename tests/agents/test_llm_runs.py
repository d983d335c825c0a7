"""Whole runs of an API model against the fake servers: faults, resume, cost limit, cache, CLI.

The server counts requests per prompt and the answers it served; the store says what was kept.
Together they show that nothing is lost or counted twice, that a rerun repeats only what
failed, and that the cache answers identical requests without asking again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stratlens import evaluate
from stratlens._cost import CostBudget, CostLimitReached
from stratlens.agents import Decision, Usage
from stratlens.cli import main
from stratlens.results import load_decisions, load_episodes
from tests.agents.llm_server import FakeLLMServer, Reply, Request

KEY = "sk-test-71d0c9e4a2b84f3f95e6"
MODEL = "openai/gpt-4o-mini"  # in litellm's price map: 0.15 / 0.60 USD per million tokens


#: The environment of this module's fake server (`server` in tests/agents/conftest.py).
SERVER_ENV: dict[str, str | None] = {"OPENAI_API_KEY": KEY}


def answer(req: Request) -> Reply:
    """A legal answer for whichever player the prompt is for."""
    return Reply(
        "Final answer: column 1" if "You are Player 2" in req.prompt else "Final answer: row 1"
    )


def _args(srv: FakeLLMServer, **extra: str) -> dict[str, str]:
    return {"api_base": srv.url + "/v1", "backoff": "0.01", **extra}


@pytest.mark.parametrize("client", ["litellm", "http"])
def test_faulty_run_ends_every_episode_and_a_rerun_repeats_only_what_failed(
    srv: FakeLLMServer, tmp_path: Path, client: str
) -> None:
    # One request at a time, so the n-th request of a prompt is the n-th in plan order. Each
    # request may be retried once (retries=1): a fault that comes twice in a row fails it.
    fault_429 = Reply(status=429, headers=(("retry-after-ms", "30"),))
    p1 = [
        Reply(status=500), Reply(),  # episode 0: retried, done
        Reply(status=503), Reply(status=503),  # episode 1: fails
        Reply(fault="timeout", delay=1.0), Reply(),  # episode 2: a timeout, retried
        Reply(fault="reset"), Reply(fault="reset"),  # episode 3: fails
        Reply(fault="malformed"), Reply(),  # episode 4: retried
        fault_429, Reply(),  # episode 5: rate limited, retried
        Reply(),  # the rerun
    ]  # fmt: skip
    col = Reply("Final answer: column 1")
    p2 = [col, Reply(fault="malformed"), Reply(fault="malformed"), col]  # episode 1 fails

    def script(req: Request) -> Reply | list[Reply]:
        if "This is round" in req.prompt:
            # the repeated game against a deterministic opponent: every episode sees the same
            # prompts, and round 3 of the first one fails twice, then answers
            if "You are Player 1" in req.prompt and "This is round 3 of" in req.prompt:
                return [Reply(status=500), Reply(status=500), Reply()]
            return answer(req)
        if "You are Player 1" in req.prompt:
            return p1
        return p2

    srv.script = script
    store, cache = tmp_path / "s.db", tmp_path / "c.db"
    kw = {
        "model_args": _args(srv, retries="1", timeout="0.3", client=client),
        "games": ["prisoners_dilemma", "iterated_prisoners_dilemma"],
        "episodes": 6,
        "store": str(store),
        "cache": str(cache),
        "concurrency": 1,
        "opponent": "baseline/minimax",
    }
    first = evaluate(MODEL, **kw)  # type: ignore[arg-type]
    eps = load_episodes(str(store), run=first.run_id)
    # every planned episode ended, done or failed with its reason; none is left running
    assert first.planned == first.played == len(eps) == 2 * 6 + 2 * 6
    assert sorted(eps.status.unique()) == ["done", "failed"]
    failed = eps[eps.status == "failed"]
    assert first.failed == len(failed) == 4
    reasons = sorted(failed.error)
    assert all(r.startswith("player ") and "error" in r for r in reasons)
    if client == "litellm":
        assert any("ServiceUnavailableError" in r for r in reasons)
        assert any("InternalServerError" in r and "Connection" in r for r in reasons)
    else:
        assert any("HTTP 503 Service Unavailable" in r for r in reasons)
        assert any("Connection reset by peer" in r for r in reasons)
        assert any("MalformedResponse: the body is not JSON" in r for r in reasons)
    assert any("gave up after 2 attempts" in r for r in reasons)
    answered_first = srv.answered()

    # the rerun plays exactly the failed episodes; their earlier answers come from the cache
    second = evaluate(MODEL, **kw)  # type: ignore[arg-type]
    assert (second.played, second.skipped, second.failed) == (4, 20, 0)
    eps = load_episodes(str(store), run=first.run_id)
    assert (eps.status == "done").all() and len(eps) == 24
    dec = load_decisions(str(store), run=first.run_id)
    assert (dec.parse_status == "ok").all()
    assert not dec.duplicated(["episode_id", "step", "player"]).any()
    # every answer the server ever gave is in the store once: no successful call repeated
    assert srv.answered() == len(dec)
    # the rerun asked only for what had failed: 3 one-shot answers and the repeated game's
    # rounds from the failed round on (rounds 1-2 came from the cache)
    ipd = dec[dec.game_id == "iterated_prisoners_dilemma"]
    rounds_of_failed = int(ipd.groupby("episode_id").step.max().max()) + 1
    assert srv.answered() - answered_first == 3 + (rounds_of_failed - 2)
    assert second.cached == 2
    assert int(dec.cached.sum()) == 2  # the store says which answers came from the cache


def test_max_cost_stops_cleanly_and_a_rerun_resumes(srv: FakeLLMServer, tmp_path: Path) -> None:
    # each answer: 1000 prompt + 1000 completion tokens = 0.00075 USD for gpt-4o-mini
    srv.script = lambda req: Reply(answer(req).content, prompt_tokens=1000, completion_tokens=1000)
    kw = {
        "model_args": _args(srv),
        "games": ["prisoners_dilemma"],
        "episodes": 5,
        "store": str(tmp_path / "s.db"),
        "cache": str(tmp_path / "c.db"),
        "concurrency": 2,
        "opponent": "baseline/random",
    }
    first = evaluate(MODEL, max_cost=0.0032, **kw)  # type: ignore[arg-type]
    assert srv.answered() == 4  # a fifth would have made 0.00375 > 0.0032
    assert first.cost_usd == pytest.approx(4 * 0.00075)
    assert first.cost_usd <= 0.0032
    assert first.stopped is not None and "--max-cost 0.0032 USD" in first.stopped
    eps = load_episodes(str(tmp_path / "s.db"), run=first.run_id)
    assert (eps.status == "done").sum() == 4
    assert first.not_started + (eps.status == "failed").sum() == 10 - 4
    assert all("max-cost" in e for e in eps[eps.status == "failed"].error)

    second = evaluate(MODEL, max_cost=1.0, **kw)  # type: ignore[arg-type]
    assert second.stopped is None and second.failed == 0
    assert srv.answered() == 10  # nothing asked twice
    assert second.cost_usd == pytest.approx(6 * 0.00075)
    assert second.run_cost_usd == pytest.approx(10 * 0.00075)
    eps = load_episodes(str(tmp_path / "s.db"), run=first.run_id)
    assert len(eps) == 10 and (eps.status == "done").all()


def test_a_run_begun_through_litellm_resumes_through_the_default_http_client(
    srv: FakeLLMServer, tmp_path: Path
) -> None:
    # Runs made before http became the default for an api_base server were sent by litellm:
    # without -M client they resume as the same run, and nothing is asked twice.
    srv.script = lambda req: Reply(answer(req).content, prompt_tokens=1000, completion_tokens=1000)
    kw = {
        "games": ["prisoners_dilemma"],
        "episodes": 5,
        "store": str(tmp_path / "s.db"),
        "cache": str(tmp_path / "c.db"),
        "concurrency": 2,
        "opponent": "baseline/random",
    }
    first = evaluate(MODEL, model_args=_args(srv, client="litellm"), max_cost=0.0032, **kw)  # type: ignore[arg-type]
    assert first.stopped is not None and srv.answered() == 4
    second = evaluate(MODEL, model_args=_args(srv), max_cost=1.0, **kw)  # type: ignore[arg-type]
    assert second.run_id == first.run_id
    assert (second.played, second.failed) == (6, 0) and srv.answered() == 10
    assert second.run_cost_usd == pytest.approx(10 * 0.00075)  # the same price either way
    agents = [r.headers.get("user-agent", "").lower() for r in srv.log]
    assert ["aiohttp" in a for a in agents] == [False] * 4 + [True] * 6
    eps = load_episodes(str(tmp_path / "s.db"), run=first.run_id)
    assert len(eps) == 10 and (eps.status == "done").all()


def test_cost_budget_learns_its_estimate_and_never_overcommits() -> None:
    def spent(cost: float, cached: bool = False) -> Decision:
        return Decision(0, "ok", usage=Usage(cost_usd=cost), cached=cached)

    async def scenario() -> list[str]:
        budget = CostBudget(limit=1.0)
        log: list[str] = []
        # the first decision of an agent goes alone: it teaches the estimate
        first = await budget.admit("m")
        second = asyncio.ensure_future(budget.admit("m"))
        await asyncio.sleep(0)
        log.append(f"waiting={not second.done()}")
        await budget.settle("m", first, spent(0.3, cached=True))  # from the cache: free now
        log.append(f"reserved={await second:.1f} spent={budget.spent:.1f}")
        third = await budget.admit("m")  # 0.3 + 0.3 reserved, 0 spent: fits
        log.append(f"reserved={budget.reserved:.1f}")
        await budget.settle("m", second.result(), spent(0.3))
        await budget.settle("m", third, spent(0.3))
        await budget.admit("m")  # 0.6 spent + 0.3 = 0.9 <= 1.0
        try:
            await budget.admit("m")  # 0.6 + 0.3 reserved + 0.3 > 1.0
        except CostLimitReached as exc:
            log.append(str(exc))
        log.append(f"stopped={budget.stopped} cached={budget.cached}")
        return log

    assert asyncio.run(scenario()) == [
        "waiting=True",
        "reserved=0.3 spent=0.0",
        "reserved=0.6",
        "stopped before --max-cost 1 USD (spent 0.600000 USD; the next decision could cost "
        "0.300000 USD)",
        "stopped=True cached=1",
    ]


def _eval(srv: FakeLLMServer, tmp: Path, store: str, *extra: str) -> list[str]:
    argv = ["eval", "--model", MODEL, "-M", f"api_base={srv.url}/v1", "--game",
            "prisoners_dilemma", "--episodes", "3", "--opponent", "baseline/random",
            "--store", str(tmp / store), "--cache", str(tmp / "cache.db"), "--json",
            *extra]  # fmt: skip
    return argv


def test_cache_rerun_is_free_and_any_change_misses(
    srv: FakeLLMServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    srv.script = answer

    def run(store: str, *extra: str) -> dict[str, object]:
        assert main(_eval(srv, tmp_path, store, *extra)) == 0
        out: dict[str, object] = json.loads(capsys.readouterr().out)
        return out

    first = run("a.db")
    assert srv.total() == 6 and first["cached"] == 0
    assert first["cost_usd"] == pytest.approx(6 * (100 * 0.15e-6 + 10 * 0.60e-6))
    # the same command: nothing to play; the same run in a new store: all from the cache
    assert run("a.db")["played"] == 0 and srv.total() == 6
    fresh = run("b.db")
    assert (fresh["played"], fresh["cached"], fresh["cost_usd"], srv.total()) == (6, 6, 0.0, 6)
    # any generation parameter, or the model, or the endpoint: every request misses
    run("c.db", "-M", "temperature=0.5")
    assert srv.total() == 12
    run("d.db", "-M", "max_tokens=50")
    assert srv.total() == 18
    argv = _eval(srv, tmp_path, "e.db")
    argv[argv.index(MODEL)] = "openai/gpt-4o"
    assert main(argv) == 0
    capsys.readouterr()
    assert srv.total() == 24
    run("f.db", "--no-cache")
    assert srv.total() == 30
    run("g.db", "--no-cache")  # --no-cache neither reads nor writes
    assert srv.total() == 36

    assert main(["cache", "stats", "--cache", str(tmp_path / "cache.db"), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["entries"] == 24 and stats["hits"] == 6
    assert {m["model"]: m["entries"] for m in stats["models"]} == {
        "openai/gpt-4o": 6,
        "openai/gpt-4o-mini": 18,
    }
    assert main(["cache", "clear", "--cache", str(tmp_path / "cache.db")]) == 0
    assert "removed 24 cached responses" in capsys.readouterr().out
    run("h.db")
    assert srv.total() == 42


def test_text_summary_shows_cost(
    srv: FakeLLMServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    srv.script = lambda req: Reply(
        answer(req).content, prompt_tokens=2000, completion_tokens=0, delay=0.05
    )
    argv = _eval(srv, tmp_path, "s.db", "--max-cost", "5", "--max-connections", "2")
    argv.remove("--json")
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert (
        "cost: 0.001800 USD now (0 answers from the cache), 0.001800 USD for the whole run" in out
    )
    assert srv.state.max_in_flight == 2  # --max-connections bounds the requests
    assert main(["eval", "--model", MODEL, "--max-cost", "-1", "--game", "stag_hunt"]) == 2
    assert "--max-cost must be a number of USD >= 0" in capsys.readouterr().err


@pytest.mark.parametrize("client", ["litellm", "http"])
def test_the_key_appears_nowhere(
    srv: FakeLLMServer,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    client: str,
) -> None:
    # The key only in the environment; faults on the way (retried, then a 401 that ends the
    # other run's episodes with its reason); every logger at DEBUG.
    caplog.set_level(logging.DEBUG)
    srv.script = lambda req: [Reply(status=500), answer(req)]
    argv = [
        "eval", "--model", MODEL, "-M", f"api_base={srv.url}/v1", "-M", "backoff=0.01",
        "-M", f"client={client}", "--game", "prisoners_dilemma", "--episodes", "2",
        "--opponent", "baseline/random", "--cache", str(tmp_path / "cache.db"),
    ]  # fmt: skip
    assert main([*argv, "--store", str(tmp_path / "s.db")]) == 0
    srv.script = lambda req: [Reply(status=429), Reply(status=401)]
    assert main([*argv, "--store", str(tmp_path / "t.db"), "--no-cache", "--json"]) == 1
    out, err = capfd.readouterr()
    assert '"failed": 4' in out
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in srv.log)
    if client == "litellm":
        assert "Authorization" in caplog.text  # litellm logged the requests it sent ...
    for text in (out, err, caplog.text):  # ... and nothing shows the key, whole or in part
        assert KEY not in text and KEY[-12:] not in text
    files = list(tmp_path.iterdir())
    assert {f.name for f in files} >= {"s.db", "t.db", "cache.db"}
    for f in files:  # the stores, the cache, and their -wal and -shm files
        assert KEY[-12:].encode() not in f.read_bytes(), f.name
    eps = load_episodes(str(tmp_path / "t.db"))
    named = "AuthenticationError" if client == "litellm" else "HTTP 401 Unauthorized"
    assert len(eps) == 4 and all(named in e for e in eps.error)


def test_importing_stratlens_loads_no_provider_sdk() -> None:
    code = (
        "import sys, stratlens, stratlens.agents, stratlens.runner, stratlens.cli; "
        "from stratlens.agents import make_agent; make_agent('baseline/random'); "
        "print(','.join(m for m in ('litellm', 'openai', 'anthropic', 'tenacity', 'aiohttp') "
        "if m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if k != "LITELLM_LOG"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == ""


def test_every_failed_attempt_counts_as_an_execution_error(
    srv: FakeLLMServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Player 1 answers "row 0 or row 1" first and then a legal row when asked again; player 2
    # answers an illegal column twice, then gives up with "no idea" (max_attempts=3).
    def script(req: Request) -> Reply:
        asked = sum(m["role"] == "user" for m in req.messages)
        if "You are Player 1" in req.prompt:
            return Reply("Final answer: row 0 or row 1" if asked == 1 else "Final answer: row 1")
        return Reply("Final answer: column 9" if asked < 3 else "no idea")

    srv.script = script
    argv = [*_eval(srv, tmp_path, "s.db"), "-M", "max_attempts=3", "-M", "client=http"]
    assert main(argv) == 0
    rows = {r["role"]: r for r in json.loads(capsys.readouterr().out)["summary"]}
    # role 1: every decision answered in the end, each after one unusable answer
    assert (rows[1]["failures"], rows[1]["failed_attempts"]) == (0, 3)
    # role 2: every decision unusable, three unusable answers each
    assert (rows[2]["failures"], rows[2]["failed_attempts"]) == (3, 9)


def test_the_execution_metrics_read_the_final_attempt(srv: FakeLLMServer, tmp_path: Path) -> None:
    # Asked twice: the first answer states a payoff but names two actions; the second names one
    # action and states nothing. The payoff claim belongs to the first attempt, not the answer.
    def script(req: Request) -> Reply:
        mine = "column" if "You are Player 2" in req.prompt else "row"
        if len(req.messages) == 1:
            return Reply(f"Expected payoff: 2.5\nFinal answer: {mine} 0 or {mine} 1")
        return Reply(f"Final answer: {mine} 0")

    srv.script = script
    store = str(tmp_path / "s.db")
    evaluate(MODEL, model_args=_args(srv, max_attempts="2"), games=["prisoners_dilemma"],
             episodes=2, protocol="payoff", store=store, use_cache=False)  # fmt: skip
    from stratlens.results.phases.execution import execution_table

    dec = load_decisions(store)
    assert (dec.attempts == 2).all() and (dec.parse_status == "ok").all()
    ex = execution_table(dec, load_episodes(store))
    assert len(ex) == 4 and ex.legal.all()
    assert not ex.claimed.any()  # the final answers state no payoff


@pytest.mark.parametrize("client", ["litellm", "http"])
@pytest.mark.parametrize("status", [401, 403])
def test_a_run_whose_requests_are_refused_exits_1_with_the_reason_counted(
    srv: FakeLLMServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    client: str,
    status: int,
) -> None:
    # The server refuses every request: not retried, the agent stops asking, the summary names
    # the reason once with its count, and the exit status is 1 (some episodes failed).
    srv.script = lambda req: Reply(status=status)
    argv = _eval(srv, tmp_path, "s.db", "-M", f"client={client}", "--max-connections", "1")
    argv.remove("--json")
    assert main(argv) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert srv.total() == 1  # asked once: a refused key is not retried, nor asked again
    named = f"HTTP {status}"
    assert "6 episodes failed" in out
    lines = out.split(" 6 × ")[1:]
    assert len(lines) == 1 and named in lines[0]  # one reason: the first failure's, repeated
    assert main([*argv, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [r["episodes"] for r in report["failure_reasons"]] == [6]


def test_a_closed_port_is_retried_then_counted_as_one_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    argv = ["eval", "--model", MODEL, "-M", f"api_base=http://127.0.0.1:{port}/v1",
            "-M", "client=http", "-M", "retries=1", "-M", "backoff=0.01", "--game", "stag_hunt",
            "--episodes", "2", "--store", str(tmp_path / "s.db"), "--no-cache",
            "--json"]  # fmt: skip
    assert main(argv) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["failed"] == 4
    [reason] = report["failure_reasons"]
    assert reason["episodes"] == 4 and "gave up after 2 attempts" in reason["reason"]
