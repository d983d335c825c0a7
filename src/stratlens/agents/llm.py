"""Language-model agents through litellm: one agent for every provider.

Any litellm model string that no other prefix claims is played by `LLMAgent`:
``openai/gpt-4o``, ``anthropic/claude-sonnet-4-5``, ``gemini/…``, ``together_ai/…``,
``ollama/…``, ``hosted_vllm/<checkpoint>`` (also written ``litellm/<model>``). litellm is
imported only when such a model is built. Keys come from the providers' usual environment
variables (``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``, ``HOSTED_VLLM_API_KEY``, …) and are
never taken as arguments.

Requests go through one of two clients (`stratlens.agents._llm_call.Client`): litellm, for
every provider, or a plain HTTP client for OpenAI-compatible servers (``-M client=http``; the
default for ``hosted_vllm/`` and for ``openai/`` with an ``api_base``), which costs far less
CPU per request. Both share the gate, the retry policy, the cache and the answer reading, and
give the same `Decision`.

``-M`` arguments (checked by `stratlens.agents._llm_args`): ``api_base``, ``temperature``,
``top_p``, ``max_tokens``, ``reasoning_effort``, ``thinking_budget`` (Anthropic extended
thinking), ``logprobs``, ``top_logprobs``, ``seed`` (generation: they are part of the cache
key, as is ``api_base``), and ``max_attempts`` (ask again after an unusable answer),
``timeout`` (seconds per request), ``retries`` (transient faults per request), ``backoff``
(first back-off, seconds), ``client`` (``litellm`` or ``http``).

Each decision: the prompt as one user message; the answer read by `stratlens.agents.parsing`;
with ``max_attempts > 1``, an unparseable or illegal answer is followed by a message giving the
reason, and asked again. The `Decision` keeps the final attempt's answer in ``raw_output``
when there was one attempt, and a JSON list of every attempt
(``{"output", "reasoning", "parse_status", "reason"}``, the last one final) when there were
several; tokens, cost and latency are summed over the attempts; ``reasoning`` holds the final
attempt's native reasoning, ``<think>`` blocks and visible chain of thought. A request that
still fails after its retries gives ``parse_status="error"`` with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

from stratlens.agents._cache import CacheRequest, ResponseCache
from stratlens.agents._client_http import OpenAIHTTPClient
from stratlens.agents._client_litellm import LiteLLMClient
from stratlens.agents._llm_args import MODEL_ARGS, LLMSettings, check_model, parse_settings
from stratlens.agents._llm_call import Client, Completion, Gate, RequestFailed, RetryPolicy
from stratlens.agents._registry import agent_factory
from stratlens.agents.parsing import parse_answer, retry_message
from stratlens.contracts import Agent, Decision, ParseStatus, Turn, Usage

PREFIX = "litellm"
__all__ = [
    "MODEL_ARGS",
    "PREFIX",
    "LLMAgent",
    "LLMSettings",
    "RunOptions",
    "check_model",
    "make_llm_agent",
    "parse_settings",
    "run_options",
]


@dataclass(frozen=True)
class RunOptions:
    """How a run uses API models, beside the model itself (not part of the run's identity)."""

    max_connections: int = 16
    cache: str | None = None  # the cache file; None: $STRATLENS_CACHE or results/cache.db
    use_cache: bool = True
    #: Builds an agent's gate from its model and ``max_connections`` (None: a `Gate` of this
    #: process alone; a Ray worker's gate also takes the cluster's slots).
    gate: Callable[[str, int], Gate] | None = None


_DEFAULT_OPTIONS = RunOptions()
_RUN_OPTIONS: ContextVar[RunOptions | None] = ContextVar("stratlens_llm_run_options", default=None)


@contextmanager
def run_options(options: RunOptions) -> Iterator[RunOptions]:
    """API agents built inside the block use ``options``."""
    token = _RUN_OPTIONS.set(options)
    try:
        yield options
    finally:
        _RUN_OPTIONS.reset(token)


@dataclass(frozen=True)
class _Attempt:
    """One request and what its answer said (``completion`` is None for a failed request)."""

    completion: Completion | None
    status: ParseStatus
    reason: str | None
    action: int | None = None
    reasoning: str = ""
    cached: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "output": self.completion.content if self.completion else "",
            "reasoning": self.reasoning,
            "parse_status": self.status,
            "reason": self.reason,
        }


@dataclass(eq=False)
class LLMAgent:
    """Plays through litellm; see the module's documentation."""

    settings: LLMSettings
    options: RunOptions = field(default_factory=RunOptions)
    #: The client that sends the requests; None: the one ``settings`` name (`make_client`).
    client: Client | None = None

    def __post_init__(self) -> None:
        make_gate = self.options.gate
        limit = self.options.max_connections
        self._gate = make_gate(self.settings.model, limit) if make_gate else Gate(limit)
        self._policy = RetryPolicy(self.settings.retries, self.settings.backoff)
        self._cache: ResponseCache | None = None
        self._fatal: str | None = None
        self._client = self.client or make_client(self.settings, self.options.max_connections)
        self._cache_params = self.settings.cache_params()

    @property
    def name(self) -> str:
        return self.settings.model

    @property
    def cache(self) -> ResponseCache | None:
        """The response cache, opened on first use (None with ``use_cache=False``)."""
        if self._cache is None and self.options.use_cache:
            self._cache = ResponseCache(self.options.cache)
        return self._cache

    def close(self) -> None:
        """Close the response cache (connections are released by `aclose`)."""
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    async def aclose(self) -> None:
        """Release the client's connections and close the response cache."""
        await self._client.aclose()
        self.close()

    async def complete(
        self, messages: list[dict[str, str]], sample: int
    ) -> tuple[Completion, bool]:
        """One response to ``messages``: from the cache, or asked for (and then cached)."""
        request = CacheRequest(self.settings.model, self._cache_params, messages, sample)
        cache = self.cache
        if cache is not None:
            hit = cache.get(request)
            if hit is not None:
                return Completion.from_json(hit), True
        completion = await self._policy.run(self._gate, self._client, messages)
        if cache is not None:
            cache.put(request, completion.to_json())
        return completion, False

    @staticmethod
    def read(completion: Completion, legal_actions: Mapping[int, str]) -> _Attempt:
        """What one response says, with its native reasoning kept apart."""
        parsed = parse_answer(completion.content, legal_actions)
        status: ParseStatus = parsed.status
        reason = parsed.reason
        provider_refused = completion.refusal or completion.finish_reason in (
            "content_filter",
            "refusal",
        )
        if status != "ok" and provider_refused:
            why = completion.refusal or f"finish reason {completion.finish_reason}"
            status, reason = "refused", f"the provider reports a refusal: {why}"
        elif status == "unparseable" and completion.finish_reason == "length":
            reason = f"{reason} (cut off at max_tokens)"
        reasoning = "\n\n".join(x for x in (completion.reasoning, parsed.reasoning) if x)
        return _Attempt(completion, status, reason, parsed.action, reasoning)

    async def act(self, turn: Turn) -> Decision:
        messages = [{"role": "user", "content": turn.prompt}]
        attempts: list[_Attempt] = []
        for n in range(self.settings.max_attempts):
            if self._fatal is not None:
                attempts.append(_Attempt(None, "error", self._fatal))
                break
            try:
                completion, hit = await self.complete(messages, turn.seed)
            except RequestFailed as exc:
                status: ParseStatus = "refused" if exc.kind == "refusal" else "error"
                attempts.append(_Attempt(None, status, exc.reason))
                if exc.kind == "fatal":
                    self._fatal = exc.reason
                break
            attempt = replace(self.read(completion, turn.legal_actions), cached=hit)
            attempts.append(attempt)
            if attempt.status in ("ok", "refused"):
                break
            if n + 1 < self.settings.max_attempts:
                messages = [
                    *messages,
                    {"role": "assistant", "content": completion.content},
                    {"role": "user", "content": retry_message(attempt.reason, turn.legal_actions)},
                ]
        return self._decision(attempts)

    def _decision(self, attempts: list[_Attempt]) -> Decision:
        final = attempts[-1]
        done = [a.completion for a in attempts if a.completion is not None]
        if len(attempts) == 1:
            raw = final.completion.content if final.completion else ""
        else:
            raw = json.dumps([a.to_json() for a in attempts], ensure_ascii=False)
        return Decision(
            action=final.action if final.status == "ok" else None,
            parse_status=final.status,
            raw_output=raw,
            reasoning=final.reasoning,
            attempts=len(attempts),
            usage=Usage(
                prompt_tokens=sum(c.prompt_tokens for c in done),
                completion_tokens=sum(c.completion_tokens for c in done),
                reasoning_tokens=sum(c.reasoning_tokens for c in done),
                cost_usd=sum(c.cost_usd for c in done),
            ),
            latency_s=sum(c.latency_s for c in done),
            logprobs=final.completion.logprobs if final.completion else None,
            error=None if final.status == "ok" else final.reason,
            cached=all(a.cached for a in attempts),
        )


def make_client(settings: LLMSettings, max_connections: int) -> Client:
    """The client that sends ``settings.model``'s requests (see ``LLMSettings.transport``)."""
    params = settings.generation_params()
    if settings.transport == "http":
        return OpenAIHTTPClient(
            settings.model,
            params,
            api_base=settings.api_base,
            timeout=settings.timeout,
            max_connections=max_connections,
        )
    kwargs: dict[str, Any] = {"model": settings.model, **params, "timeout": settings.timeout}
    if settings.api_base is not None:
        kwargs["api_base"] = settings.api_base
    return LiteLLMClient(kwargs)


@agent_factory(PREFIX, fallback=True)
def make_llm_agent(model: str, args: Mapping[str, str]) -> Agent:
    """``openai/gpt-4o`` (or ``litellm/openai/gpt-4o``) with its ``-M`` arguments."""
    settings = parse_settings(model, args)
    check_model(settings)
    return LLMAgent(settings, _RUN_OPTIONS.get() or _DEFAULT_OPTIONS)
