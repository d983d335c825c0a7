"""Model strings and ``-M`` arguments of API models: checked before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from stratlens.agents import make_agent
from stratlens.agents.llm import LLMAgent, LLMSettings, parse_settings
from stratlens.cli import main
from stratlens.errors import ModelArgsError, UnknownModelError, UsageError


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0a1b2c3d4e5f6a7b8c9d")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-" + "test-0a1b2c3d4e5f6a7b")


def test_settings_become_the_request_parameters() -> None:
    s = parse_settings(
        "anthropic/claude-sonnet-4-5",
        {"temperature": "1", "thinking_budget": "2048", "max_attempts": "3", "timeout": "30"},
    )
    assert s == LLMSettings(
        "anthropic/claude-sonnet-4-5",
        temperature=1.0,
        thinking_budget=2048,
        max_attempts=3,
        timeout=30.0,
    )
    assert s.generation_params() == {
        "temperature": 1.0,
        "thinking": {"type": "enabled", "budget_tokens": 2048},
        "max_tokens": 2048 + 4096,
    }
    s = parse_settings(
        "openai/gpt-4o", {"top_logprobs": "3", "seed": "5", "api_base": "http://h:8/v1/"}
    )
    assert s.generation_params() == {"seed": 5, "logprobs": True, "top_logprobs": 3}
    assert s.cache_params()["api_base"] == "http://h:8/v1"
    # transport settings are not generation parameters: they do not change the answer
    assert "timeout" not in s.generation_params() and "retries" not in s.cache_params()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"temprature": "0"}, "unknown model argument 'temprature'"),
        ({"api_key": "sk-live-abcdefghijklmnop"}, "API keys come only from the provider's"),
        ({"openai_token": "x"}, "API keys come only from the provider's"),
        ({"temperature": "hot"}, "expected number in [0, 2]"),
        ({"temperature": "2.5"}, "expected number in [0, 2]"),
        ({"top_p": "0"}, "expected number in (0, 1]"),
        ({"max_tokens": "-1"}, "expected positive integer"),
        ({"reasoning_effort": "extreme"}, "expected none|minimal|low|medium|high|xhigh"),
        ({"thinking_budget": "100"}, "expected integer >= 1024"),
        ({"thinking_budget": "2048", "max_tokens": "1000"}, "must exceed thinking_budget"),
        ({"logprobs": "maybe"}, "expected true or false"),
        ({"top_logprobs": "3", "logprobs": "false"}, "needs logprobs=true"),
        ({"top_logprobs": "50"}, "expected integer in [0, 20]"),
        ({"max_attempts": "0"}, "expected integer in [1, 10]"),
        ({"timeout": "0"}, "seconds per request, > 0"),
        ({"api_base": "localhost:8000"}, "expected URL of the endpoint"),
        ({"api_base": "http://user:secret@host/v1"}, "must not contain credentials"),
    ],
)
def test_bad_arguments_are_one_line_errors(args: dict[str, str], message: str) -> None:
    with pytest.raises(ModelArgsError) as err:
        parse_settings("openai/gpt-4o", args)
    assert message in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("model", "args", "error", "message"),
    [
        ("anthropic/claude-sonnet-4-5", {"logprobs": "true"}, ModelArgsError,
         "-M logprobs is not supported"),
        ("openai/gpt-4o", {"reasoning_effort": "high"}, ModelArgsError,
         "-M reasoning_effort is not supported"),
        ("anthropic/claude-3-5-haiku-20241022", {"thinking_budget": "2048"}, ModelArgsError,
         "-M thinking_budget is not supported"),
        ("anthropic/claude-sonnet-4-5", {"thinking_budget": "2048", "temperature": "0"},
         ModelArgsError, "takes no temperature other than 1"),
        ("nosuchprovider/model-x", {}, UnknownModelError,
         "no litellm provider for 'nosuchprovider'"),
    ],
)  # fmt: skip
def test_the_provider_is_checked_when_the_agent_is_built(
    model: str, args: dict[str, str], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        make_agent(model, args)


def test_a_missing_key_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(UsageError, match="OPENAI_API_KEY is not set: openai/gpt-4o needs"):
        make_agent("openai/gpt-4o")
    # a local server needs none
    assert isinstance(
        make_agent("hosted_vllm/ckpts/step-100", {"api_base": "http://h:1/v1"}), LLMAgent
    )


def test_every_provider_and_the_explicit_prefix_reach_the_agent() -> None:
    for model in ("openai/gpt-4o", "anthropic/claude-sonnet-4-5", "ollama/llama3"):
        agent = make_agent(model)
        assert isinstance(agent, LLMAgent) and agent.name == model
    explicit = make_agent("litellm/openai/gpt-4o")
    assert isinstance(explicit, LLMAgent) and explicit.name == "openai/gpt-4o"


def test_cli_rejects_bad_arguments_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, cache = tmp_path / "s.db", tmp_path / "c.db"
    code = main(["eval", "--model", "openai/gpt-4o", "-M", "temperature=9", "--game",
                 "stag_hunt", "--store", str(store), "--cache", str(cache)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert (
        err == "stratlens: error: -M temperature='9' for openai/gpt-4o: expected number in [0, 2]\n"
    )
    assert not store.exists() and not cache.exists()


@pytest.mark.parametrize(
    ("model", "args", "client"),
    [
        ("openai/my-model", {"api_base": "http://127.0.0.1:30000/v1"}, "http"),
        ("hosted_vllm/ckpts/step-1", {"api_base": "http://127.0.0.1:8000/v1"}, "http"),
        ("openai/gpt-4o", {}, "litellm"),  # OpenAI itself: litellm's translations and prices
        ("ollama/llama3.1", {"api_base": "http://127.0.0.1:11434"}, "litellm"),  # not OpenAI's API
        ("openai/my-model", {"api_base": "http://h:1/v1", "client": "litellm"}, "litellm"),
        ("openai/my-model", {"api_base": "http://h:1/v1", "thinking_budget": "2048"}, "litellm"),
        ("openai/gpt-4o", {"client": "http"}, "http"),
    ],
)
def test_the_client_each_model_is_sent_by(model: str, args: dict[str, str], client: str) -> None:
    assert parse_settings(model, args).transport == client
