"""The judge classifier, ``judge:<litellm model>``: a language model reads each trace.

A fixed rubric (`RUBRIC`, versioned by `RUBRIC_VERSION`) gives the four labels and the
decisive-step rule of ``reference/profiles.md``; the model answers at temperature 0 with one
JSON object ``{"label", "scores", "evidence"}``. Answers are kept in the agents' response cache
(``$STRATLENS_CACHE``, else ``results/cache.db``), keyed by the model, the rubric version, the
generation parameters and the trace, so a trace is judged once. An answer that cannot be read
is asked again once with the reason; if it still cannot be read, the trace gets no label
(``TextLabel.error``) and nothing is cached.

Options (``-M key=value``): ``api_base`` (an OpenAI-compatible or provider endpoint),
``max_tokens``, ``timeout`` (seconds per request), ``retries`` (litellm's retries per request),
``concurrency`` (requests in flight). Keys come from the providers' environment variables.
The scores are the judge's own numbers, normalised to sum to 1, not calibrated probabilities.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from stratlens.errors import UsageError
from stratlens.profiler.text._base import LABELS, TextLabel, classifier, normalised

RUBRIC_VERSION = "1"

RUBRIC = """You label the reasoning style of a player's reasoning trace in a two-player game.

The label is the style of the step that DECIDES the final choice, not the style whose words \
occur most often. Traces often weigh one style's argument and then decide by another.

Labels:
- "minimax": the decision rates each own option by the worst outcome it can lead to and takes \
the best of those worst cases (a guaranteed floor, the option that cannot fall below some \
amount). The other player is treated as anything or as an adversary.
- "trust_based": the decision assumes the other player will go for the outcome that is good for \
both (joint gain, fairness, reciprocity) and plays its own part of that outcome. Expecting the \
other side to stay in a good outcome because neither gains by leaving it is also trust_based.
- "belief_anticipation": the decision predicts what the other player will most likely do given \
the other player's OWN incentives (possibly recursively: they expect me to ...), then picks the \
best reply to that prediction.
- "other": none of these: own payoffs only (the biggest number, row sums or averages that ignore \
the other player), a dominance argument that never models the other player, a random or \
arbitrary pick, misread rules, a refusal, bare arithmetic.

Examples of the rule: a trace that computes worst cases at length and then decides by \
predicting the opponent's move is belief_anticipation; one that predicts the opponent's move, \
then says it cannot be sure and takes the best floor is minimax; one that notes defection \
dominates and still cooperates expecting the same from the other is trust_based. A style can be \
present without its usual words ("row 1 never pays less than 5" is minimax).

Answer with one JSON object and nothing else:
{"label": "<one of minimax, trust_based, belief_anticipation, other>",
 "scores": {"minimax": p, "trust_based": p, "belief_anticipation": p, "other": p},
 "evidence": "<the one sentence of the trace, quoted exactly, where the decision is made>"}
The scores are your probabilities for each label and sum to 1."""

OPTIONS = {
    "api_base": "URL of the endpoint",
    "max_tokens": "positive integer",
    "timeout": "seconds per request, > 0",
    "retries": "integer in [0, 20]",
    "concurrency": "integer in [1, 256]",
}
_ALIASES = {
    "trust": "trust_based",
    "trust-based": "trust_based",
    "belief": "belief_anticipation",
    "belief-anticipation": "belief_anticipation",
    "belief_based": "belief_anticipation",
    "maximin": "minimax",
}
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def messages_for(text: str) -> list[dict[str, str]]:
    """The request for one trace: the rubric, then the trace."""
    return [
        {"role": "system", "content": RUBRIC},
        {"role": "user", "content": f"Reasoning trace:\n<<<\n{text}\n>>>"},
    ]


def parse_reply(content: str) -> TextLabel:
    """A judge's reply read as a `TextLabel`; raises ValueError with the reason if unreadable."""
    m = _OBJECT.search(content or "")
    if m is None:
        raise ValueError("no JSON object in the reply")
    try:
        data = json.loads(m.group(0))
    except json.JSONDecodeError as exc:
        raise ValueError(f"the JSON object does not parse: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ValueError("the reply is not a JSON object")
    raw_label = str(data.get("label", "")).strip().lower()
    label = _ALIASES.get(raw_label, raw_label)
    if label not in LABELS:
        raise ValueError(f"label {data.get('label')!r} is not one of {', '.join(LABELS)}")
    raw_scores = data.get("scores")
    scores: dict[str, float] = {}
    if isinstance(raw_scores, Mapping):
        for k, v in raw_scores.items():
            name = _ALIASES.get(str(k).strip().lower(), str(k).strip().lower())
            if name in LABELS and isinstance(v, int | float) and not isinstance(v, bool):
                scores[name] = float(v)
    if not any(v > 0 for v in scores.values()):
        scores = {label: 1.0}
    evidence = data.get("evidence", "")
    return TextLabel(label, normalised(scores), evidence if isinstance(evidence, str) else "")


def _int_option(key: str, value: str, lo: int, hi: int) -> int:
    try:
        x = int(value)
    except ValueError:
        raise UsageError(f"-M {key}={value!r}: expected {OPTIONS[key]}") from None
    if not lo <= x <= hi:
        raise UsageError(f"-M {key}={value!r}: expected {OPTIONS[key]}")
    return x


class JudgeClassifier:
    """A litellm model with the rubric (see the module docstring)."""

    def __init__(self, model: str, **options: str) -> None:
        unknown = sorted(set(options) - set(OPTIONS))
        if unknown:
            raise UsageError(
                f"unknown judge option(s) {', '.join(unknown)}; known: {', '.join(OPTIONS)}"
            )
        self.model = model
        self.name = f"judge:{model}"
        self.key = f"judge:{model}@{RUBRIC_VERSION}"
        self.api_base = options.get("api_base")
        self.max_tokens = (
            _int_option("max_tokens", options["max_tokens"], 1, 1_000_000)
            if "max_tokens" in options
            else None
        )
        try:
            self.timeout = float(options.get("timeout", "120"))
        except ValueError:
            raise UsageError(f"-M timeout={options['timeout']!r}: expected a number") from None
        if not self.timeout > 0:
            raise UsageError(f"-M timeout={options['timeout']!r}: expected {OPTIONS['timeout']}")
        self.retries = _int_option("retries", options.get("retries", "3"), 0, 20)
        self.concurrency = _int_option("concurrency", options.get("concurrency", "8"), 1, 256)
        self.calls = 0  # requests sent (cache misses), for the caller's accounting

    def cache_params(self) -> dict[str, Any]:
        """What, besides the model and the messages, decides an answer (the cache key)."""
        return {
            "temperature": 0,
            "rubric": RUBRIC_VERSION,
            "api_base": self.api_base,
            "max_tokens": self.max_tokens,
        }

    def classify(self, texts: Sequence[str]) -> list[TextLabel]:
        from stratlens.agents._cache import ResponseCache

        with ResponseCache() as cache:
            return asyncio.run(self._all(list(texts), cache))

    async def _all(self, texts: list[str], cache: Any) -> list[TextLabel]:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(text: str) -> TextLabel:
            if not text.strip():
                return TextLabel(None, normalised({}), "", error="empty text")
            async with gate:
                return await self._judge(text, cache)

        return list(await asyncio.gather(*(one(t) for t in texts)))

    async def _judge(self, text: str, cache: Any) -> TextLabel:
        from stratlens.agents._cache import CacheRequest

        messages = messages_for(text)
        request = CacheRequest(self.model, self.cache_params(), messages, 0)
        hit = cache.get(request)
        if hit is not None:
            try:
                return parse_reply(str(hit.get("content", "")))
            except ValueError:
                pass  # an entry from an older reader: ask again
        failed: tuple[str, str] = ("", "")  # the last unreadable reply and why
        for attempt in range(2):
            asked = list(messages)
            if attempt:
                asked += [
                    {"role": "assistant", "content": failed[0]},
                    {
                        "role": "user",
                        "content": f"Your answer could not be read ({failed[1]}). "
                        "Answer with the JSON object only.",
                    },
                ]
            try:
                content = await self._ask(asked)
            except Exception as exc:  # a provider error after litellm's retries
                return TextLabel(None, normalised({}), "", error=f"{type(exc).__name__}: {exc}")
            try:
                result = parse_reply(content)
            except ValueError as exc:
                failed = (content, str(exc))
                continue
            cache.put(request, {"content": content})
            return result
        return TextLabel(None, normalised({}), "", error=f"unreadable answer: {failed[1]}")

    async def _ask(self, messages: list[dict[str, str]]) -> str:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        litellm.suppress_debug_info = True
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "timeout": self.timeout,
            "num_retries": self.retries,
        }
        if self.api_base:
            kwargs["api_base"] = self.api_base
        if self.max_tokens is not None:
            kwargs["max_tokens"] = self.max_tokens
        self.calls += 1
        response = await litellm.acompletion(**kwargs)
        return str(response.choices[0].message.content or "")


@classifier("judge", takes_arg=True)
def _make(arg: str | None, **options: str) -> JudgeClassifier:
    assert arg is not None  # make_classifier checks it
    return JudgeClassifier(arg, **options)
