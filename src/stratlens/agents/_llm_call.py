"""One request to a provider: the gate, the retry policy, the normalised reply.

- `Client` is the seam between the agent and a provider's API: it sends one request and says
  how a failure should be treated. Two clients exist: `LiteLLMClient` (every provider, through
  ``litellm.acompletion``) and `OpenAIHTTPClient` (OpenAI-compatible chat completions straight
  over aiohttp, for servers such as vLLM where litellm's per-request CPU would be the limit).
- `Gate` bounds the requests in flight (``--max-connections``) and slows the whole agent down
  on a 429: every request waits out the ``Retry-After``, and the concurrency is halved, then
  grows back by one after each window of successes (additive increase, multiplicative
  decrease).
- `RetryPolicy` is the one retry policy for every client, run by tenacity (with the SDKs' own
  retries off): 429s, 5xx, timeouts, dropped connections and unreadable bodies are retried with
  exponential back-off and jitter (``Retry-After`` honoured); other errors (authentication, bad
  request, unknown model) are not.
- `Completion` is what is kept of a response (and cached): text, native reasoning, finish
  reason, tokens, cost from litellm's local price map, latency, compact logprobs.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal, Protocol

FailureKind = Literal["rate_limit", "transient", "refusal", "fatal", "permanent"]

#: A 429 only means "slower": it is retried this many times more often than other faults.
RATE_LIMIT_FACTOR = 8
MAX_WAIT_S = 120.0
#: Error codes of an OpenAI-style 400 that mean the provider refused the request's content.
REFUSAL_CODES = ("content_policy_violation", "content_filter")


@dataclass(frozen=True)
class Completion:
    """One response, as kept in the decision and in the cache."""

    content: str
    reasoning: str
    finish_reason: str
    refusal: str
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int
    cost_usd: float
    latency_s: float
    logprobs: list[Any] | None

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Completion:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


class RequestFailed(Exception):
    """A request that failed for good: after its retries, or at once when not retryable."""

    def __init__(self, reason: str, kind: FailureKind) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def compact_logprobs(content: Any, digits: int = 5) -> list[Any] | None:
    """``[[token, logprob, [[alternative, logprob], …]], …]`` from OpenAI-style logprobs."""
    if not content:
        return None
    out: list[Any] = []
    for tok in content:
        top = _get(tok, "top_logprobs") or []
        alts = [[str(_get(t, "token")), round(float(_get(t, "logprob")), digits)] for t in top]
        out.append([str(_get(tok, "token")), round(float(_get(tok, "logprob")), digits), alts])
    return out


def completion_from(response: Any, latency_s: float, cost_usd: float) -> Completion:
    """The parts of a chat completion that stratlens keeps.

    ``response`` is litellm's ``ModelResponse`` or the OpenAI JSON body as a dict. Reasoning is
    ``reasoning_content`` (litellm, older vLLM), ``reasoning`` (newer vLLM) or Anthropic
    thinking blocks as litellm passes them on.
    """
    choice = _get(response, "choices")[0]
    message = _get(choice, "message")
    reasoning = _get(message, "reasoning_content") or _get(message, "reasoning") or ""
    if not reasoning:
        blocks = _get(message, "thinking_blocks") or []
        reasoning = "\n\n".join(str(_get(b, "thinking") or "") for b in blocks).strip()
    usage = _get(response, "usage")
    details = _get(usage, "completion_tokens_details")
    logprobs = _get(choice, "logprobs")
    return Completion(
        content=str(_get(message, "content") or ""),
        reasoning=str(reasoning),
        finish_reason=str(_get(choice, "finish_reason") or ""),
        refusal=str(_get(message, "refusal") or ""),
        prompt_tokens=int(_get(usage, "prompt_tokens") or 0),
        completion_tokens=int(_get(usage, "completion_tokens") or 0),
        reasoning_tokens=int(_get(details, "reasoning_tokens") or 0),
        cost_usd=float(cost_usd),
        latency_s=float(latency_s),
        logprobs=compact_logprobs(_get(logprobs, "content")),
    )


def retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked to wait (``retry-after-ms`` or ``Retry-After``), if any."""
    headers = getattr(exc, "litellm_response_headers", None)
    if headers is None:
        headers = getattr(exc, "headers", None)
    if headers is None:
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            return max(0.0, float(ms) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(value)
            return max(0.0, parsed.timestamp() - time.time())
    except (TypeError, ValueError, AttributeError):
        return None


class Client(Protocol):
    """Sends one chat request to a provider; knows how its failures are to be treated."""

    async def send(self, messages: list[dict[str, str]]) -> Completion:
        """The response to ``messages``, or the client's exception."""
        ...

    def classify(self, exc: BaseException) -> FailureKind:
        """How `RetryPolicy` treats an exception raised by `send`."""
        ...

    def describe(self, exc: BaseException) -> str:
        """A one-line reason for the decision's ``error`` (never a credential)."""
        ...

    async def aclose(self) -> None:
        """Release connections (the client may be used again afterwards)."""
        ...


class Gate:
    """Bounds the requests in flight; a 429 pauses every request and halves the bound."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"the request limit must be at least 1, got {limit}")
        self.limit = limit
        self.allowed = limit
        self.in_flight = 0
        self.resume_at = 0.0
        self.rate_limited = 0
        self._successes = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self._acquire()
        try:
            yield
        finally:
            self.in_flight -= 1
            self._wake()

    async def _acquire(self) -> None:
        while True:
            delay = self.resume_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
                continue
            if self.in_flight < self.allowed:
                self.in_flight += 1
                return
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(fut)
            try:
                await fut
            except asyncio.CancelledError:
                if fut in self._waiters:
                    self._waiters.remove(fut)
                raise

    def _wake(self) -> None:
        free = self.allowed - self.in_flight
        while free > 0 and self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_result(None)
                free -= 1

    def succeeded(self) -> None:
        self._successes += 1
        if self.allowed < self.limit and self._successes >= self.allowed:
            self.allowed += 1
            self._successes = 0
            self._wake()

    def throttle(self, wait_s: float) -> None:
        """A 429: nobody starts a request for ``wait_s``, and fewer run at once after that."""
        self.rate_limited += 1
        self.allowed = max(1, self.allowed // 2)
        self._successes = 0
        self.resume_at = max(self.resume_at, time.monotonic() + wait_s)


@dataclass
class RetryPolicy:
    """Exponential back-off with jitter: ``backoff * 2**k`` seconds, at most ``max_backoff``."""

    retries: int = 6
    backoff: float = 1.0
    max_backoff: float = 30.0
    seed: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def delay(self, failures: int, exc: BaseException | None) -> float:
        asked = retry_after(exc) if exc is not None else None
        step = min(self.max_backoff, self.backoff * 2.0 ** max(0, failures - 1))
        jittered = float(step * (0.5 + 0.5 * self._rng.random()))
        if asked is not None:
            return min(MAX_WAIT_S, max(asked, 0.0))
        return jittered

    async def run(self, gate: Gate, client: Client, messages: list[dict[str, str]]) -> Completion:
        """``client.send(messages)`` under the gate and this policy."""
        import tenacity

        counts = {"rate_limit": 0, "transient": 0}

        def retryable(exc: BaseException) -> bool:
            kind = client.classify(exc)
            if kind not in counts:
                return False
            counts[kind] += 1
            budget = self.retries * (RATE_LIMIT_FACTOR if kind == "rate_limit" else 1)
            return counts[kind] <= budget

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            limited = exc is not None and client.classify(exc) == "rate_limit"
            n = counts["rate_limit"] if limited else counts["transient"]
            return self.delay(n, exc)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            if exc is not None and client.classify(exc) == "rate_limit":
                gate.throttle(state.upcoming_sleep)

        retrying = tenacity.AsyncRetrying(
            retry=tenacity.retry_if_exception(retryable),
            wait=wait,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    async with gate.slot():
                        completion = await client.send(messages)
                    gate.succeeded()
                    return completion
        except Exception as exc:
            kind = client.classify(exc)
            tries = 1 + counts["rate_limit"] + counts["transient"]
            if kind in counts:
                reason = f"{client.describe(exc)} (gave up after {tries - 1} attempts)"
            else:
                reason = client.describe(exc)
            raise RequestFailed(reason, kind) from None
        raise AssertionError("unreachable")  # pragma: no cover
