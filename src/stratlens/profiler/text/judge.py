"""The judge classifier, ``judge:<litellm model>``: a language model reads each trace.

A fixed rubric (`rubric()`, versioned by `RUBRIC_VERSION` and the hash of its text) gives the
four labels, the decisive-step rule and the hard-case rules of ``reference/profiles.md``, and
quotes a few example traces of the package's corpus (`RUBRIC_EXAMPLES`); the model answers at
temperature 0 with one JSON object ``{"label", "scores", "evidence"}``. Answers are kept in the
agents' response cache (``$STRATLENS_CACHE``, else ``results/cache.db``), keyed by the model,
the rubric version and hash, the generation parameters and the trace, so a trace is judged
once. An answer that cannot be read is asked again once with the reason; if it still cannot be
read, the trace gets no label (``TextLabel.error``) and nothing is cached.

Requests go through the API agents' machinery (`stratlens.agents.llm.make_client`, the gate and
the one retry policy), so the judge is reached as a played model is: through litellm, or the
plain HTTP client for an OpenAI-compatible server (``-M client=http``, the default for
``hosted_vllm/`` and for ``openai/`` with an ``api_base``). `JudgeClassifier.classify` may be
called from inside a running event loop (a notebook): it then runs its own loop in a worker
thread.

``judge:hf/<path>`` judges with a local checkpoint or GGUF file instead (as the ``hf/`` agent
loads it): the rubric and the trace go through its chat template, the requests in flight
(``concurrency``) are generated in one batch, greedily; ``api_base`` and ``client`` do not apply.

Options (``-M key=value``): ``api_base`` (an OpenAI-compatible or provider endpoint),
``max_tokens``, ``timeout`` (seconds per request), ``retries`` (transient faults per request),
``backoff`` (first back-off, seconds), ``concurrency`` (requests in flight), ``client``
(``litellm`` or ``http``). Keys come from the providers' environment variables. The scores
are the judge's own numbers, normalised to sum to 1, not calibrated probabilities.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import cache
from typing import Any

from stratlens.agents._llm_call import Completion, RequestFailed
from stratlens.errors import UsageError
from stratlens.profiler.text._base import LABELS, TextLabel, classifier, normalised

RUBRIC_VERSION = "2"

_RUBRIC_TEXT = """You label the reasoning style of a player's reasoning trace in a game.

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
the other player's OWN incentives, history or stated strategy (possibly recursively: they \
expect me to ...), then picks the best reply to that prediction.
- "other": none of these: own payoffs only (the biggest number, the best card, row sums or \
averages that ignore the other player), a random or arbitrary pick, misread rules, a refusal, \
bare arithmetic, a trace that is cut off or never decides.

Decision rules for the hard cases:
1. A dominance argument ("this option is better whatever they do") treats the other player as \
anything: minimax.
2. A gift or a fair split given with no expectation about what the other will do ("because it \
is right") models no opponent: other. Giving BECAUSE the other is expected to return or \
reciprocate is trust_based.
3. Staying in a mutually good outcome because the other has been cooperating and is expected \
to go on is trust_based; predicting that the other will defect (or cooperate) and choosing the \
best reply to that prediction, including exploiting it, is belief_anticipation.
4. Best-responding to a strategy or probability that the rules state (an opponent's described \
betting rule, a known chance of reciprocation) is belief_anticipation.
5. In pure coordination, predicting the salient option the others will pick and matching it is \
belief_anticipation; a pick by salience, order or chance with no thought of the others is other.
6. A trace that computes worst cases and then decides by predicting the opponent's move is \
belief_anticipation; one that predicts the opponent's move, then says it cannot be sure and \
takes the best floor is minimax; one that notes defection dominates and still cooperates \
expecting the same from the other is trust_based.
7. A style can be present without its usual words ("row 1 never pays less than 5" is minimax), \
and a trace can use another style's words on the way to its decision.

Examples (trace, then its label):
{examples}

Answer with one JSON object and nothing else:
{{"label": "<one of minimax, trust_based, belief_anticipation, other>",
 "scores": {{"minimax": p, "trust_based": p, "belief_anticipation": p, "other": p}},
 "evidence": "<the one sentence of the trace, quoted exactly, where the decision is made>"}}
The scores are your probabilities for each label and sum to 1."""

#: The corpus traces the rubric quotes as examples: one per hard-case rule, or near.
RUBRIC_EXAMPLES = (
    "hard-001",  # dominance: minimax
    "hard-018",  # lowest entries compared: minimax
    "hard-056",  # floors listed, then stays with a cooperating partner: trust_based
    "hard-036",  # counts on her to show up: trust_based
    "hard-030",  # they will defect again, D answers D: belief_anticipation
    "hard-054",  # a stated betting rule answered: belief_anticipation
    "hard-028",  # a gift with no expectation: other
    "hard-015",  # a pick by a lucky number: other
)


@cache
def rubric() -> str:
    """The rubric prompt: the rules above with the example traces from the corpus."""
    from stratlens.profiler.text.corpus import load_corpus

    by_id = {e.id: e for e in load_corpus()}
    lines = []
    for n, ident in enumerate(RUBRIC_EXAMPLES, start=1):
        e = by_id[ident]
        text = " ".join(e.text.split())
        lines.append(f"{n}. <<<{text}>>> -> {e.label}")
    return _RUBRIC_TEXT.format(examples="\n".join(lines))


def rubric_key() -> str:
    """The rubric's version and a hash of its text (examples included)."""
    digest = hashlib.sha256(rubric().encode()).hexdigest()[:8]
    return f"{RUBRIC_VERSION}-{digest}"


OPTIONS = {
    "api_base": "URL of the endpoint",
    "max_tokens": "positive integer",
    "timeout": "seconds per request, > 0",
    "retries": "integer in [0, 20]",
    "backoff": "seconds, >= 0 (first back-off after a transient fault)",
    "concurrency": "integer in [1, 256]",
    "client": "litellm|http",
}
#: The options that are the judge model's own ``-M`` arguments (checked as a played model's).
_MODEL_OPTIONS = ("api_base", "max_tokens", "timeout", "retries", "backoff", "client")
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
        {"role": "system", "content": rubric()},
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
    """A language model with the rubric (see the module docstring)."""

    def __init__(self, model: str, **options: str) -> None:
        unknown = sorted(set(options) - set(OPTIONS))
        if unknown:
            raise UsageError(
                f"unknown judge option(s) {', '.join(unknown)}; known: {', '.join(OPTIONS)}"
            )
        from stratlens.agents._llm_args import parse_settings

        args = {k: options[k] for k in _MODEL_OPTIONS if k in options}
        self.settings = parse_settings(model, {"temperature": "0", "retries": "3", **args})
        self.model = model
        self.name = f"judge:{model}"
        self.key = f"judge:{model}@{rubric_key()}"
        self.concurrency = _int_option("concurrency", options.get("concurrency", "8"), 1, 256)
        self.calls = 0  # requests sent (cache misses), for the caller's accounting
        self._local: Any = None
        if model.startswith("hf/"):  # a local checkpoint, loaded now: a bad path fails here
            for key in ("api_base", "client"):
                if key in options:
                    raise UsageError(f"-M {key} is not used by a local judge ({model})")
            from stratlens.agents._hf_client import LocalChatClient

            self._local = LocalChatClient(
                model, max_tokens=self.settings.max_tokens or 256, batch_size=self.concurrency
            )

    def cache_params(self) -> dict[str, Any]:
        """What, besides the model and the messages, decides an answer (the cache key)."""
        return {
            "temperature": 0,
            "rubric": rubric_key(),
            "api_base": self.settings.api_base,
            "max_tokens": self.settings.max_tokens,
        }

    def classify(self, texts: Sequence[str]) -> list[TextLabel]:
        from stratlens._sync import run_sync
        from stratlens.agents._cache import ResponseCache

        with ResponseCache() as cache:
            # from a running loop (a notebook), run_sync runs ours in a thread of its own
            return run_sync(self._all(list(texts), cache))

    async def _all(self, texts: list[str], cache: Any) -> list[TextLabel]:
        from stratlens.agents._llm_call import Gate, RetryPolicy
        from stratlens.agents.llm import make_client

        client = self._local or make_client(self.settings, self.concurrency)
        gate = Gate(self.concurrency)
        policy = RetryPolicy(self.settings.retries, self.settings.backoff)

        async def one(text: str) -> TextLabel:
            if not text.strip():
                return TextLabel(None, normalised({}), "", error="empty text")
            return await self._judge(text, cache, lambda m: policy.run(gate, client, m))

        try:
            return list(await asyncio.gather(*(one(t) for t in texts)))
        finally:
            await client.aclose()

    async def _judge(
        self,
        text: str,
        cache: Any,
        ask: Callable[[list[dict[str, str]]], Awaitable[Completion]],
    ) -> TextLabel:
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
            self.calls += 1
            try:
                content = (await ask(asked)).content
            except RequestFailed as exc:  # after the retry policy gave up, or not retryable
                return TextLabel(None, normalised({}), "", error=exc.reason)
            try:
                result = parse_reply(content)
            except ValueError as exc:
                failed = (content, str(exc))
                continue
            cache.put(request, {"content": content})
            return result
        return TextLabel(None, normalised({}), "", error=f"unreadable answer: {failed[1]}")


@classifier("judge", takes_arg=True)
def _make(arg: str | None, **options: str) -> JudgeClassifier:
    assert arg is not None  # make_classifier checks it
    return JudgeClassifier(arg, **options)
