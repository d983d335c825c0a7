"""The HTTP client: OpenAI-compatible chat completions straight over aiohttp.

For servers that speak the OpenAI API (vLLM, SGLang, llama.cpp, OpenAI itself) at high
concurrency. litellm spends a few milliseconds of CPU on every request (request translation,
logging payloads, cost bookkeeping), which caps one process at a few hundred requests per
second; this client spends a fraction of a millisecond, so a local server is the limit, not
the evaluator (``bench/concurrency.py`` measures both). It is the default for ``hosted_vllm/``
and for ``openai/`` with an ``api_base`` (`LLMSettings.transport`), and chosen for any other
``openai/`` model with ``-M client=http``.

It posts ``{"model", "messages", **generation parameters}`` to ``{api_base}/chat/completions``
(the URL litellm would use) with the key from the provider's environment variable as a bearer
token, and reads the same fields as the litellm client. Failures are exceptions that
`OpenAIHTTPClient.classify` sorts for the one retry policy:

- `HTTPStatusError`: a non-2xx answer (429 rate limit; 401/403/404 fatal; 408/409/5xx
  transient; a content-policy 400 is a refusal; other 4xx permanent),
- `MalformedResponse`: a 2xx answer that is not a chat completion (transient),
- ``TimeoutError`` and aiohttp's connection errors (transient).

One aiohttp session per event loop, opened on the first request; it is closed by `aclose`,
or when its event loop shuts down (it lives in an async generator, which ``asyncio.run``
finalises).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import urllib.parse
import urllib.request
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from typing import Any

from stratlens.agents._llm_call import REFUSAL_CODES, Completion, FailureKind, completion_from
from stratlens.errors import ModelArgsError

#: Per provider: the environment variables of its key and of its default endpoint.
KEY_ENV = {"openai": "OPENAI_API_KEY", "hosted_vllm": "HOSTED_VLLM_API_KEY"}
BASE_ENV = {
    "openai": ("OPENAI_BASE_URL", "OPENAI_API_BASE"),
    "hosted_vllm": ("HOSTED_VLLM_API_BASE",),
}
DEFAULT_BASE = {"openai": "https://api.openai.com/v1"}
PROVIDERS = tuple(KEY_ENV)


class HTTPStatusError(Exception):
    """The server answered with a status other than 2xx."""

    def __init__(
        self, status: int, reason: str, headers: Mapping[str, str], message: str, code: str
    ) -> None:
        super().__init__(f"HTTP {status} {reason}: {message}".rstrip(": "))
        self.status = status
        self.headers = headers  # Retry-After is read from here
        self.code = code  # the error body's code or type


class MalformedResponse(Exception):
    """A 2xx answer whose body is not a chat completion."""


@dataclass(frozen=True)
class Prices:
    """USD per token, from litellm's local price map."""

    input: float
    output: float
    cached_input: float

    def cost(self, usage: Any) -> float:
        if not isinstance(usage, Mapping):
            return 0.0
        prompt = int(usage.get("prompt_tokens") or 0)
        details = usage.get("prompt_tokens_details")
        cached = int(details.get("cached_tokens") or 0) if isinstance(details, Mapping) else 0
        completion = int(usage.get("completion_tokens") or 0)
        fresh = prompt - cached
        return fresh * self.input + cached * self.cached_input + completion * self.output


def prices_for(model: str) -> Prices | None:
    """The price of ``openai/<name>`` in litellm's local map; None when it has none."""
    from stratlens.agents._client_litellm import load_litellm

    table = load_litellm().model_cost
    name = model.split("/", 1)[1]
    entry = table.get(model) or table.get(name)
    if not entry or entry.get("input_cost_per_token") is None:
        return None
    inp = float(entry["input_cost_per_token"])
    out = float(entry.get("output_cost_per_token") or 0.0)
    cached = entry.get("cache_read_input_token_cost")
    return Prices(inp, out, inp if cached is None else float(cached))


def endpoint(provider: str, api_base: str | None) -> str | None:
    """``api_base``, else the provider's environment variable, else its public endpoint."""
    if api_base:
        return api_base.rstrip("/")
    for var in BASE_ENV[provider]:
        if os.environ.get(var):
            return os.environ[var].rstrip("/")
    return DEFAULT_BASE.get(provider)


def env_proxy(url: str) -> str | None:
    """The proxy that ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` give for ``url``, if any.

    Read once per client: aiohttp's ``trust_env`` would read them (and ``~/.netrc``) in a
    thread on every request.
    """
    parts = urllib.parse.urlsplit(url)
    if urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return urllib.request.getproxies_environment().get(parts.scheme)


def _error_message(raw: bytes) -> tuple[str, str]:
    """(message, code) of an OpenAI-style error body; the start of the body otherwise."""
    try:
        body = json.loads(raw)
    except ValueError:
        return " ".join(raw[:200].decode("utf-8", "replace").split()), ""
    error = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(error, dict):
        message = str(error.get("message") or "")
        code = str(error.get("code") or error.get("type") or "")
        return " ".join(message.split())[:200], code
    return " ".join(str(error).split())[:200], ""


class OpenAIHTTPClient:
    """One model on one OpenAI-compatible endpoint; see the module's documentation."""

    def __init__(
        self,
        model: str,
        params: Mapping[str, Any],
        *,
        api_base: str | None,
        timeout: float,
        max_connections: int,
    ) -> None:
        provider, name = model.split("/", 1)
        if provider not in PROVIDERS:
            raise ModelArgsError(
                f"-M client=http for {model}: the http client takes "
                f"{'/… or '.join(PROVIDERS)}/… models"
            )
        base = endpoint(provider, api_base)
        if base is None:
            raise ModelArgsError(f"{model} needs -M api_base=… (the server's URL)")
        self.url = f"{base}/chat/completions"
        self.timeout = timeout
        self._body = {"model": name, **params}
        self._headers = {"Content-Type": "application/json"}
        key = os.environ.get(KEY_ENV[provider])
        if key:
            self._headers["Authorization"] = f"Bearer {key}"
        self._prices = prices_for(model) if provider == "openai" else None
        self._proxy = env_proxy(self.url)
        self._limit = max_connections
        self._session: Any = None
        self._holder: AsyncGenerator[Any, None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _open(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._session is not None and self._loop is loop and not self._session.closed:
            return self._session
        import aiohttp

        connector = aiohttp.TCPConnector(limit=self._limit, limit_per_host=self._limit)
        session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=self.timeout),
        )
        self._session, self._loop = session, loop
        self._holder = self._hold(session)
        await anext(self._holder)
        return session

    @staticmethod
    async def _hold(session: Any) -> AsyncGenerator[Any, None]:
        async with session:
            yield session

    async def aclose(self) -> None:
        holder, self._holder, self._session = self._holder, None, None
        if holder is not None and self._loop is asyncio.get_running_loop():
            await holder.aclose()

    async def send(self, messages: list[dict[str, str]]) -> Completion:
        session = await self._open()
        data = json.dumps({**self._body, "messages": messages}, ensure_ascii=False)
        start = time.perf_counter()
        post = session.post(self.url, data=data.encode(), headers=self._headers, proxy=self._proxy)
        async with post as resp:
            raw = await resp.read()
            if not 200 <= resp.status < 300:
                message, code = _error_message(raw)
                raise HTTPStatusError(resp.status, resp.reason or "", resp.headers, message, code)
        latency = time.perf_counter() - start
        try:
            body = json.loads(raw)
            if not isinstance(body, dict) or not body.get("choices"):
                raise MalformedResponse("the body has no choices")
            cost = self._prices.cost(body.get("usage")) if self._prices else 0.0
            return completion_from(body, latency, cost)
        except MalformedResponse:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
            what = "not JSON" if isinstance(exc, ValueError) else "not a chat completion"
            raise MalformedResponse(f"the body is {what}") from None

    def classify(self, exc: BaseException) -> FailureKind:
        import aiohttp

        if isinstance(exc, HTTPStatusError):
            if exc.status == 429:
                return "rate_limit"
            if exc.status == 400 and exc.code in REFUSAL_CODES:
                return "refusal"
            if exc.status in (401, 403, 404):
                return "fatal"
            if exc.status >= 500 or exc.status in (408, 409):
                return "transient"
            return "permanent"
        if isinstance(exc, MalformedResponse | TimeoutError | aiohttp.ClientError | OSError):
            return "transient"
        return "permanent"

    def describe(self, exc: BaseException) -> str:
        if isinstance(exc, TimeoutError):
            return f"Timeout: no answer within {self.timeout:g} s"
        if isinstance(exc, HTTPStatusError):
            return str(exc)[:300]
        text = " ".join(str(exc).split())
        return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__
