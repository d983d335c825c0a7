"""An Inspect AI model as the client of stratlens's API agent.

`InspectClient` sends an `stratlens.agents.llm.LLMAgent`'s requests through an Inspect `Model`
(``get_model()`` in a solver), so that a model played by an Inspect task is asked with
stratlens's prompts and read by stratlens's parser exactly as ``stratlens eval`` reads it, while
Inspect does what it does for its users: providers, retries, caching, batch mode, the
transcript. Inspect retries transient faults itself, so every failure that reaches the agent is
final here (no second retry loop). Imports Inspect AI: load it only where Inspect is used.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageUser,
    ContentReasoning,
    ContentText,
    GenerateConfig,
    Model,
    ModelOutput,
)
from inspect_ai.util import LimitExceededError

from stratlens.agents._llm_call import Completion, FailureKind, compact_logprobs

#: Inspect's stop reasons in the words of OpenAI's finish reasons (what the agent reads).
_FINISH = {"max_tokens": "length", "model_length": "length", "content_filter": "content_filter"}

#: Called with the messages of each request and the model's output (the task's transcript).
Exchange = Callable[[list[ChatMessage], ModelOutput], None]


def inspect_messages(messages: list[dict[str, str]]) -> list[ChatMessage]:
    out: list[ChatMessage] = []
    for m in messages:
        if m["role"] == "assistant":
            out.append(ChatMessageAssistant(content=m["content"]))
        else:
            out.append(ChatMessageUser(content=m["content"]))
    return out


def completion_of(output: ModelOutput, latency_s: float) -> Completion:
    """The parts of an Inspect output that stratlens keeps (see `Completion`)."""
    reasoning, refusal, finish = "", "", ""
    logprobs = None
    if output.choices:
        choice = output.choices[0]
        finish = _FINISH.get(choice.stop_reason, choice.stop_reason)
        if choice.logprobs is not None:
            logprobs = compact_logprobs(choice.logprobs.content)
        content = choice.message.content
        if isinstance(content, list):
            reasoning = "\n\n".join(
                c.reasoning for c in content if isinstance(c, ContentReasoning) and c.reasoning
            )
            refusal = "\n".join(c.text for c in content if isinstance(c, ContentText) and c.refusal)
    usage = output.usage
    return Completion(
        content=output.completion,
        reasoning=reasoning,
        finish_reason=finish,
        refusal=refusal,
        prompt_tokens=int(usage.input_tokens) if usage else 0,
        completion_tokens=int(usage.output_tokens) if usage else 0,
        reasoning_tokens=int(usage.reasoning_tokens or 0) if usage else 0,
        cost_usd=float(usage.total_cost or 0.0) if usage else 0.0,
        latency_s=float(output.time) if output.time is not None else latency_s,
        logprobs=logprobs,
    )


class InspectClient:
    """A `stratlens.agents._llm_call.Client` over an Inspect `Model`."""

    def __init__(
        self,
        model: Model,
        on_exchange: Exchange | None = None,
        config: GenerateConfig | None = None,
    ) -> None:
        self.model = model
        self.on_exchange = on_exchange
        self.config = config or GenerateConfig()
        #: An Inspect limit (``--token-limit``, ``--message-limit``, …) reached by a request:
        #: the agent records the turn as an error, and the solver re-raises this so that
        #: Inspect ends the sample the way it ends a sample that reaches a limit.
        self.limit: LimitExceededError | None = None

    async def send(self, messages: list[dict[str, str]]) -> Completion:
        sent = inspect_messages(messages)
        start = time.perf_counter()
        try:
            output = await self.model.generate(sent, config=self.config)
            if output.error and not output.completion:
                raise RuntimeError(output.error)
            if self.on_exchange is not None:
                self.on_exchange(sent, output)
        except LimitExceededError as exc:
            self.limit = exc
            raise
        return completion_of(output, time.perf_counter() - start)

    def classify(self, exc: BaseException) -> FailureKind:
        return "permanent"  # Inspect has retried already

    def describe(self, exc: BaseException) -> str:
        text = str(exc).strip().splitlines()
        return f"{type(exc).__name__}: {text[0] if text else ''}".strip()

    async def aclose(self) -> None:
        return None
