"""What belongs to the plain HTTP client alone: its arguments, its costs, its connections.

The reply kinds and faults it shares with the litellm client are in `test_llm_agent` and
`test_llm_runs`, run through both clients.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from stratlens import evaluate
from stratlens.agents import Decision, Turn, make_agent
from stratlens.agents._client_http import env_proxy
from stratlens.agents.llm import LLMAgent, RunOptions, run_options
from stratlens.errors import ModelArgsError
from stratlens.games import decision_view, get_game
from stratlens.games.prompts import render
from tests.agents.llm_server import FakeLLMServer, Reply

KEY = "sk-test-" + "5e0a9c1b7d3f4e28"
OPENAI = "openai/gpt-4o-mini"


#: The environment of this module's fake server (`server` in tests/agents/conftest.py).
SERVER_ENV: dict[str, str | None] = {
    "OPENAI_API_KEY": KEY,
    "HOSTED_VLLM_API_BASE": None,
}


def turn(seed: int = 7) -> Turn:
    spec = get_game("prisoners_dilemma")
    state = spec.game().new_initial_state()
    r = render(spec, state, 0, "vanilla")
    view = decision_view(spec, state, 0)
    return Turn(
        spec.id, 0, r.rules, r.observation, r.legal_actions, "vanilla", r.prompt, view, seed
    )


def build(model: str, **args: str) -> LLMAgent:
    with run_options(RunOptions(max_connections=4, use_cache=False)):
        agent = make_agent(model, args)
    assert isinstance(agent, LLMAgent)
    return agent


def wait_until_closed(srv: FakeLLMServer, timeout: float = 5.0) -> int:
    deadline = time.monotonic() + timeout
    while srv.state.open_connections and time.monotonic() < deadline:
        time.sleep(0.02)
    return srv.state.open_connections


def test_cost_is_the_same_through_both_clients(srv: FakeLLMServer) -> None:
    # gpt-4o-mini from litellm's price map, with part of the prompt from the prompt cache
    srv.script = lambda req: Reply(prompt_tokens=2000, cached_tokens=1500, completion_tokens=300)
    base = f"{srv.url}/v1"
    costs = {}
    for client in ("litellm", "http"):
        d = asyncio.run(build(OPENAI, api_base=base, client=client).act(turn()))
        assert d.parse_status == "ok"
        costs[client] = d.usage.cost_usd
    assert costs["http"] > 0
    assert costs["http"] == pytest.approx(costs["litellm"], rel=1e-9)
    # cached prompt tokens are cheaper than fresh ones, and less than the whole prompt at full price
    assert costs["http"] < 2000 * 0.15e-6 + 300 * 0.60e-6


@pytest.mark.parametrize(
    ("model", "args", "message"),
    [
        (
            OPENAI,
            {"client": "grpc"},
            "-M client='grpc' for openai/gpt-4o-mini: expected litellm|http",
        ),
        ("anthropic/claude-sonnet-4-5", {"client": "http"}, "the http client speaks OpenAI chat"),
        (
            "hosted_vllm/ckpt",
            {"api_base": "http://127.0.0.1:9", "thinking_budget": "2048"},
            "-M thinking_budget for hosted_vllm/ckpt needs -M client=litellm",
        ),
        ("hosted_vllm/ckpt", {}, "hosted_vllm/ckpt needs -M api_base="),
    ],
)
def test_bad_client_arguments_are_one_line_errors(
    srv: FakeLLMServer, model: str, args: dict[str, str], message: str
) -> None:
    with pytest.raises(ModelArgsError) as info:
        build(model, **args)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert srv.total() == 0


def test_hosted_vllm_takes_its_endpoint_from_the_environment(
    srv: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOSTED_VLLM_API_BASE", srv.url + "/served/v1/")
    d = asyncio.run(build("hosted_vllm/ckpt").act(turn()))
    assert d.parse_status == "ok"
    (req,) = srv.log
    assert (req.path, req.model) == ("/served/v1/chat/completions", "ckpt")
    assert "authorization" not in req.headers  # no HOSTED_VLLM_API_KEY: no key sent


def test_generation_parameters_are_sent_as_given(srv: FakeLLMServer) -> None:
    args = {"temperature": "0.7", "top_p": "0.9", "max_tokens": "64", "seed": "11"}
    agent = build("hosted_vllm/ckpt", api_base=srv.url, reasoning_effort="low", **args)
    asyncio.run(agent.act(turn()))
    (req,) = srv.log
    body = {k: v for k, v in req.body.items() if k != "messages"}
    assert body == {
        "model": "ckpt",
        "temperature": 0.7,
        "top_p": 0.9,
        "max_tokens": 64,
        "seed": 11,
        "reasoning_effort": "low",
    }
    assert req.messages == [{"role": "user", "content": turn().prompt}]


@pytest.fixture
def own_server(server: FakeLLMServer) -> Iterator[FakeLLMServer]:
    """A server of the test's own: litellm keeps its connections to the shared one open."""
    with FakeLLMServer() as srv:
        yield srv


def test_connections_are_closed_when_the_event_loop_ends(own_server: FakeLLMServer) -> None:
    srv = own_server
    srv.script = lambda req: Reply(delay=0.1)
    agent = build(OPENAI, api_base=f"{srv.url}/v1", client="http")

    async def several() -> list[Decision]:
        return await asyncio.gather(*(agent.act(turn(seed=i)) for i in range(8)))

    assert all(d.parse_status == "ok" for d in asyncio.run(several()))
    assert srv.state.max_in_flight == 4  # the connector's limit is --max-connections
    assert wait_until_closed(srv) == 0
    # the agent still works in the next event loop: it opens a new session
    assert asyncio.run(agent.act(turn(seed=99))).parse_status == "ok"
    assert wait_until_closed(srv) == 0


def test_a_run_closes_its_connections(own_server: FakeLLMServer, tmp_path: object) -> None:
    srv = own_server
    srv.script = lambda req: Reply(
        "Final answer: column 0" if "You are Player 2" in req.prompt else "Final answer: row 0"
    )

    async def run_and_count() -> tuple[int, int]:
        # inside one event loop, so only the runner's own aclose can have closed them
        from stratlens.runner import EvalConfig, run_async

        config = EvalConfig(
            model=OPENAI,
            model_args={"api_base": f"{srv.url}/v1", "client": "http"},
            games=("prisoners_dilemma",),
            episodes=2,  # in each role: four episodes
        )
        report = await run_async(config, str(tmp_path) + "/s.db", use_cache=False)
        await asyncio.sleep(0.2)
        return report.played, srv.state.open_connections

    played, still_open = asyncio.run(run_and_count())
    assert (played, still_open) == (4, 0)
    assert srv.total() == 4


def test_the_environment_proxy_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    assert env_proxy("https://api.openai.com/v1/chat/completions") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    assert env_proxy("https://api.openai.com/v1/chat/completions") == "http://proxy.internal:3128"
    assert env_proxy("http://127.0.0.1:8000/v1/chat/completions") is None
    assert env_proxy("http://vllm.lan:8000/v1/chat/completions") is None  # no HTTP_PROXY


def test_evaluate_runs_a_served_model_end_to_end(srv: FakeLLMServer, tmp_path: object) -> None:
    srv.script = lambda req: Reply(
        "Final answer: column 1" if "You are Player 2" in req.prompt else "Final answer: row 1"
    )
    report = evaluate(
        "hosted_vllm/ckpts/step-200",
        model_args={"api_base": srv.url},
        games=["prisoners_dilemma", "stag_hunt"],
        episodes=3,
        store=str(tmp_path) + "/s.db",
        use_cache=False,
    )
    assert (report.played, report.failed) == (12, 0)
    assert srv.total() == 12 and {r.model for r in srv.log} == {"ckpts/step-200"}


def test_a_run_that_timed_out_resumes_with_a_longer_timeout(
    srv: FakeLLMServer, tmp_path: object
) -> None:
    # every request takes 0.3 s: with timeout=0.1 and no retries every episode fails; the
    # same command with timeout=5 is the same run and finishes them
    srv.script = lambda req: Reply(
        "Final answer: column 1" if "You are Player 2" in req.prompt else "Final answer: row 1",
        delay=0.3,
    )
    kw = {"games": ["prisoners_dilemma"], "episodes": 1, "store": str(tmp_path) + "/s.db",
          "use_cache": False}  # fmt: skip
    args = {"api_base": f"{srv.url}/v1", "client": "http", "retries": "0"}
    first = evaluate(OPENAI, model_args={**args, "timeout": "0.1"}, **kw)  # type: ignore[arg-type]
    assert (first.played, first.failed) == (2, 2)
    again = evaluate(OPENAI, model_args={**args, "timeout": "5"}, **kw)  # type: ignore[arg-type]
    assert again.run_id == first.run_id
    assert (again.played, again.failed, again.skipped) == (2, 0, 0)


def test_a_run_resumed_through_the_other_client_is_the_same_run(
    srv: FakeLLMServer, tmp_path: object
) -> None:
    srv.script = lambda req: Reply(
        "Final answer: column 1" if "You are Player 2" in req.prompt else "Final answer: row 1"
    )
    kw = {
        "games": ["prisoners_dilemma"],
        "episodes": 2,
        "store": str(tmp_path) + "/s.db",
        "use_cache": False,
    }
    base = {"api_base": f"{srv.url}/v1"}
    first = evaluate(OPENAI, model_args=base, **kw)  # type: ignore[arg-type]
    again = evaluate(OPENAI, model_args={**base, "client": "http"}, **kw)  # type: ignore[arg-type]
    assert again.run_id == first.run_id
    assert (first.played, again.played, again.skipped) == (4, 0, 4)
    assert srv.total() == 4
    other = evaluate(OPENAI, model_args={**base, "temperature": "0"}, **kw)  # type: ignore[arg-type]
    assert other.run_id != first.run_id and other.played == 4
