"""The litellm client: every provider litellm knows, through ``litellm.acompletion``.

litellm is imported when the first client is built (``load_litellm``), never at package import.
Its own retries are off (``max_retries=0``): `stratlens.agents._llm_call.RetryPolicy` is the one
retry policy. The cost of a response is litellm's, from its local price map.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

from stratlens.agents._llm_call import REFUSAL_CODES, Completion, FailureKind, completion_from


def load_litellm() -> Any:
    """litellm, imported on first use, with its local price map and without its banners."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    return litellm


def failure_kind(exc: BaseException) -> FailureKind:
    """How the one retry policy treats an exception from ``litellm.acompletion``."""
    litellm = load_litellm()

    if isinstance(exc, litellm.RateLimitError):
        return "rate_limit"
    if isinstance(exc, litellm.ContentPolicyViolationError):
        return "refusal"
    if isinstance(exc, litellm.BadRequestError) and getattr(exc, "code", None) in REFUSAL_CODES:
        return "refusal"  # litellm maps content-policy 400s by their message text only
    if isinstance(
        exc,
        litellm.AuthenticationError
        | litellm.PermissionDeniedError
        | litellm.NotFoundError
        | litellm.UnsupportedParamsError,
    ):
        return "fatal"
    if isinstance(exc, litellm.Timeout | litellm.APIConnectionError):
        return "transient"
    status = getattr(exc, "status_code", None)
    if status in (401, 403):  # litellm maps some providers' 403 to a bare APIError
        return "fatal"
    if isinstance(status, int) and (status >= 500 or status in (408, 409)):
        return "transient"
    if isinstance(exc, litellm.APIError) and not isinstance(status, int):
        return "transient"
    return "permanent"


def describe(exc: BaseException) -> str:
    """A one-line reason, without the provider's help text."""
    text = " ".join(str(exc).split())
    for noise in ("Handle with `litellm.", " LiteLLM Retried:", " Received Model Group"):
        cut = text.find(noise)
        if cut > 0:
            text = text[:cut].rstrip(" .")
    status = getattr(exc, "status_code", None)
    if isinstance(status, int) and f"HTTP {status}" not in text:
        text = f"HTTP {status}: {text}"
    return f"{type(exc).__name__}: {text[:300]}"


class LiteLLMClient:
    """``litellm.acompletion(**kwargs, messages=…)``; ``kwargs`` hold the model and parameters."""

    def __init__(self, kwargs: Mapping[str, Any]) -> None:
        self._litellm = load_litellm()
        self._kwargs = {**kwargs, "max_retries": 0}

    async def send(self, messages: list[dict[str, str]]) -> Completion:
        start = time.perf_counter()
        response = await self._litellm.acompletion(**self._kwargs, messages=messages)
        latency = time.perf_counter() - start
        hidden = getattr(response, "_hidden_params", None) or {}
        cost = hidden.get("response_cost") if isinstance(hidden, dict) else None
        return completion_from(response, latency, float(cost or 0.0))

    def classify(self, exc: BaseException) -> FailureKind:
        return failure_kind(exc)

    def describe(self, exc: BaseException) -> str:
        return describe(exc)

    async def aclose(self) -> None:
        """litellm keeps its own connection pools; nothing to release here."""
