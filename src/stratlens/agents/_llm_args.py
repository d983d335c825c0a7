"""The ``-M`` arguments of API models, and the checks made before anything is written.

`parse_settings` turns ``-M key=value`` strings into `LLMSettings` (one-line `ModelArgsError`
for an unknown key, a bad value, or an API key given as an argument); `check_model` asks
litellm whether the provider exists, takes each generation parameter, and has its key in the
environment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlparse

from stratlens._configuration import NEUTRAL_ARGS
from stratlens.agents._client_http import PROVIDERS as HTTP_PROVIDERS
from stratlens.agents._client_http import endpoint
from stratlens.agents._client_litellm import load_litellm
from stratlens.errors import ModelArgsError, UnknownModelError, UsageError

_SECRET_ARG = re.compile(r"key|secret|passw|token|auth", re.IGNORECASE)
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
CLIENTS = ("litellm", "http")
#: ``-M`` arguments that say how requests are sent, not what is asked: a run resumed with
#: another value is the same run (they are left out of its id), so that a run whose requests
#: timed out can be finished with a longer ``timeout`` or more ``retries``.
RUN_NEUTRAL_ARGS = NEUTRAL_ARGS  # one notion of configuration: stratlens._configuration
MIN_THINKING_BUDGET = 1024
THINKING_HEADROOM = 4096  # answer tokens allowed beyond the thinking budget by default

#: ``-M`` keys and what they take.
MODEL_ARGS = {
    "api_base": "URL of the endpoint (http or https)",
    "temperature": "number in [0, 2]",
    "top_p": "number in (0, 1]",
    "max_tokens": "positive integer",
    "reasoning_effort": "|".join(REASONING_EFFORTS),
    "thinking_budget": f"integer >= {MIN_THINKING_BUDGET} (Anthropic extended thinking)",
    "logprobs": "true or false",
    "top_logprobs": "integer in [0, 20] (implies logprobs=true)",
    "seed": "integer",
    "max_attempts": "integer in [1, 10]",
    "timeout": "seconds per request, > 0",
    "retries": "integer in [0, 20]",
    "backoff": "seconds, >= 0",
    "client": "litellm|http (http: OpenAI-compatible servers without litellm; "
    "the default for hosted_vllm/ and for openai/ with api_base)",
}


@dataclass(frozen=True)
class LLMSettings:
    """A model string and its ``-M`` arguments, checked."""

    model: str
    api_base: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None
    thinking_budget: int | None = None
    logprobs: bool = False
    top_logprobs: int | None = None
    seed: int | None = None
    max_attempts: int = 1
    timeout: float = 120.0
    retries: int = 6
    backoff: float = 1.0
    client: str | None = None  # None: see `transport`

    @property
    def transport(self) -> str:
        """The client that sends the requests: ``litellm`` or ``http``.

        ``-M client`` if given; else ``http`` for ``hosted_vllm/`` models and for ``openai/``
        models with an ``api_base`` (an OpenAI-compatible server: vLLM, SGLang, llama.cpp, a
        local proxy) unless they ask for Anthropic-style thinking, which only litellm sends;
        else ``litellm``. The client is not part of a run's identity, so a run started with
        one resumes with the other.
        """
        if self.client is not None:
            return self.client
        if self.model.startswith("hosted_vllm/"):
            return "http"
        served = self.model.startswith("openai/") and self.api_base is not None
        return "http" if served and self.thinking_budget is None else "litellm"

    def generation_params(self) -> dict[str, Any]:
        """What is sent besides the model and the messages (and keyed in the cache)."""
        out: dict[str, Any] = {}
        for name in ("temperature", "top_p", "max_tokens", "reasoning_effort", "seed"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.thinking_budget is not None:
            out["thinking"] = {"type": "enabled", "budget_tokens": self.thinking_budget}
            out.setdefault("max_tokens", self.thinking_budget + THINKING_HEADROOM)
        if self.logprobs:
            out["logprobs"] = True
            if self.top_logprobs is not None:
                out["top_logprobs"] = self.top_logprobs
        return out

    def cache_params(self) -> dict[str, Any]:
        return {**self.generation_params(), "api_base": self.api_base}


def _bad(key: str, value: str, model: str) -> ModelArgsError:
    return ModelArgsError(f"-M {key}={value!r} for {model}: expected {MODEL_ARGS[key]}")


def _number(key: str, value: str, model: str, lo: float, hi: float, *, open_lo: bool) -> float:
    try:
        x = float(value)
    except ValueError:
        raise _bad(key, value, model) from None
    if not (lo < x if open_lo else lo <= x) or x > hi or x != x:
        raise _bad(key, value, model)
    return x


def _integer(key: str, value: str, model: str, lo: int, hi: int) -> int:
    try:
        n = int(value)
    except ValueError:
        raise _bad(key, value, model) from None
    if not lo <= n <= hi:
        raise _bad(key, value, model)
    return n


def _flag(key: str, value: str, model: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise _bad(key, value, model)


def parse_settings(model: str, args: Mapping[str, str]) -> LLMSettings:
    """Check the ``-M`` arguments of ``model``; one-line `ModelArgsError` on a bad one."""
    for key in args:
        if key in MODEL_ARGS:
            continue
        if _SECRET_ARG.search(key):
            raise ModelArgsError(
                f"-M {key} is not accepted: API keys come only from the provider's "
                "environment variable (e.g. OPENAI_API_KEY, ANTHROPIC_API_KEY)"
            )
        raise ModelArgsError(
            f"unknown model argument {key!r} for {model} (known: {', '.join(MODEL_ARGS)})"
        )
    big = 10**9
    kw: dict[str, Any] = {}
    for key, value in args.items():
        if key == "api_base":
            url = urlparse(value)
            if url.scheme not in ("http", "https") or not url.netloc:
                raise _bad(key, value, model)
            if url.username or url.password:
                raise ModelArgsError(
                    f"-M api_base for {model} must not contain credentials; keys come from "
                    "the provider's environment variable"
                )
            kw[key] = value.rstrip("/")
        elif key == "temperature":
            kw[key] = _number(key, value, model, 0.0, 2.0, open_lo=False)
        elif key == "top_p":
            kw[key] = _number(key, value, model, 0.0, 1.0, open_lo=True)
        elif key in ("timeout",):
            kw[key] = _number(key, value, model, 0.0, 86400.0, open_lo=True)
        elif key == "backoff":
            kw[key] = _number(key, value, model, 0.0, 600.0, open_lo=False)
        elif key == "max_tokens":
            kw[key] = _integer(key, value, model, 1, big)
        elif key == "thinking_budget":
            kw[key] = _integer(key, value, model, MIN_THINKING_BUDGET, big)
        elif key == "top_logprobs":
            kw[key] = _integer(key, value, model, 0, 20)
        elif key == "seed":
            kw[key] = _integer(key, value, model, -(2**63), 2**63 - 1)
        elif key == "max_attempts":
            kw[key] = _integer(key, value, model, 1, 10)
        elif key == "retries":
            kw[key] = _integer(key, value, model, 0, 20)
        elif key == "logprobs":
            kw[key] = _flag(key, value, model)
        elif key == "client":
            if value.strip().lower() not in CLIENTS:
                raise _bad(key, value, model)
            kw[key] = value.strip().lower()
        elif key == "reasoning_effort":
            if value.strip().lower() not in REASONING_EFFORTS:
                raise _bad(key, value, model)
            kw[key] = value.strip().lower()
    settings = LLMSettings(model=model, **kw)
    if settings.top_logprobs is not None:
        if "logprobs" in args and not settings.logprobs:
            raise ModelArgsError(f"-M top_logprobs for {model} needs logprobs=true")
        settings = replace(settings, logprobs=True)
    budget, cap = settings.thinking_budget, settings.max_tokens
    if budget is not None and cap is not None and cap <= budget:
        raise ModelArgsError(
            f"-M max_tokens={cap} for {model} must exceed thinking_budget={budget}"
        )
    return settings


def check_model(settings: LLMSettings) -> str:
    """The provider of ``settings.model``, after checking that it can be called at all.

    One-line errors for an unknown provider, a parameter the provider does not take, or a
    missing API key in the environment.
    """
    litellm = load_litellm()
    model = settings.model
    try:
        _, provider, _, _ = litellm.get_llm_provider(model, api_base=settings.api_base)
    except Exception:
        raise UnknownModelError(
            f"unknown model {model!r}: no stratlens agent and no litellm provider for "
            f"{model.split('/', 1)[0]!r} (e.g. openai/gpt-4o, anthropic/…, hosted_vllm/…)"
        ) from None
    supported = litellm.get_supported_openai_params(
        model=model.split("/", 1)[1] if model.startswith(f"{provider}/") else model,
        custom_llm_provider=provider,
    )
    if supported is not None:
        for name in settings.generation_params():
            if name not in supported:
                arg = "thinking_budget" if name == "thinking" else name
                raise ModelArgsError(f"-M {arg} is not supported by {model} (provider {provider})")
    thinking = provider == "anthropic" and settings.thinking_budget is not None
    if thinking and (settings.temperature not in (None, 1.0) or settings.top_p is not None):
        raise ModelArgsError(
            f"-M thinking_budget for {model}: Anthropic extended thinking takes no "
            "temperature other than 1 and no top_p"
        )
    if settings.transport == "http":
        _check_http(settings, str(provider))
    env = litellm.validate_environment(model=model, api_base=settings.api_base)
    missing = [k for k in env.get("missing_keys") or [] if k.endswith(("_KEY", "_TOKEN"))]
    if missing and not env.get("keys_in_environment") and settings.api_base is None:
        raise UsageError(f"{' or '.join(missing)} is not set: {model} needs an API key")
    return str(provider)


def _check_http(settings: LLMSettings, provider: str) -> None:
    model = settings.model
    if provider not in HTTP_PROVIDERS or not model.startswith(f"{provider}/"):
        raise ModelArgsError(
            f"-M client=http for {model}: the http client speaks OpenAI chat completions "
            f"and takes {'/… or '.join(HTTP_PROVIDERS)}/… models"
        )
    if settings.thinking_budget is not None:
        raise ModelArgsError(f"-M thinking_budget for {model} needs -M client=litellm")
    if endpoint(provider, settings.api_base) is None:
        raise ModelArgsError(f"{model} needs -M api_base=… (the server's URL)")
