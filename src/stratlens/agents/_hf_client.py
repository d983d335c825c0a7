"""A local ``hf/<path>`` checkpoint behind the API agents' `Client` interface.

For code that sends chat requests (several messages, a system rubric included) rather than
playing turns: the judge classifier (``judge:hf/<path>``). The messages go through the model's
chat template (`LocalModel.format_messages`); requests in flight at once are generated in one
batch (the ``hf/`` agent's batcher); decoding is greedy unless ``temperature`` says otherwise,
with no stop at a ``Final answer:`` line. The model is shared with any ``hf/`` agent on the same
checkpoint (`shared_model`); torch threads as for the agent (`default_threads`).
"""

from __future__ import annotations

from stratlens.agents._hf_model import Generation, LocalModel, shared_model, use_threads
from stratlens.agents._hf_source import default_threads, resolve
from stratlens.agents._llm_call import Completion, FailureKind
from stratlens.errors import ContextLengthError

PREFIX = "hf/"


class LocalChatClient:
    """Sends chat requests to a local checkpoint (see the module doc)."""

    def __init__(
        self,
        model: str,
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        batch_size: int = 8,
        batch_window_ms: float = 50.0,
        threads: int | None = None,
    ) -> None:
        if not model.startswith(PREFIX):
            raise ValueError(f"not an hf/ model string: {model!r}")
        self.model_name = model
        use_threads(default_threads() if threads is None else threads)
        self.model: LocalModel = shared_model(resolve(model[len(PREFIX) :]))
        self.max_tokens, self.temperature = max_tokens, temperature
        self.batch_size, self.batch_window_s = batch_size, batch_window_ms / 1000.0
        self._batcher: object | None = None
        self.batch_sizes: list[int] = []  # the size of every batch generated, in order

    def _run(self, prompts: list[str], seeds: list[int]) -> list[Generation]:
        self.batch_sizes.append(len(prompts))
        return self.model.generate(
            prompts,
            seeds,
            max_new_tokens=self.max_tokens,
            temperature=self.temperature,
            stop_at_answer=False,
            formatted=True,
        )

    async def send(self, messages: list[dict[str, str]]) -> Completion:
        import asyncio

        from stratlens.agents.local import _Batcher

        batcher = self._batcher
        if not isinstance(batcher, _Batcher) or batcher.loop is not asyncio.get_running_loop():
            batcher = _Batcher(self._run, self.batch_size, self.batch_window_s)
            self._batcher = batcher
        gen = await batcher.submit(self.model.format_messages(messages), 0)
        return Completion(
            content=gen.text,
            reasoning="",
            finish_reason="length" if gen.finish_reason == "length" else "stop",
            refusal="",
            prompt_tokens=gen.prompt_tokens,
            completion_tokens=len(gen.tokens),
            reasoning_tokens=0,
            cost_usd=0.0,
            latency_s=gen.seconds,
            logprobs=None,
        )

    def classify(self, exc: BaseException) -> FailureKind:
        # A local model has no transient faults: asking again gives the same failure.
        return "permanent" if isinstance(exc, ContextLengthError) else "fatal"

    def describe(self, exc: BaseException) -> str:
        lines = str(exc).strip().splitlines()
        line = lines[0] if lines else type(exc).__name__
        return line if line.startswith(self.model_name) else f"{self.model_name}: {line}"

    async def aclose(self) -> None:
        self._batcher = None
