"""A local causal language-model checkpoint as an agent: model strings ``hf/<path>``.

``hf/ckpts/step-400`` loads the model and tokenizer saved in that folder with transformers
(extra ``[local]``; torch and transformers are imported only here, when such a model is used).
``hf/models/SmolLM2-135M-Instruct.Q4_1.gguf``, or a folder holding exactly one ``.gguf`` file,
loads a GGUF file directly: transformers dequantises its tensors (``gguf`` package) and builds
the tokenizer, chat template included, from the same file; no conversion step. A missing path,
a folder with no or several ``.gguf`` files, or a quantisation transformers cannot dequantise is
one `UsageError` line naming the problem, before anything is played. Agents on the same
unchanged checkpoint in one process (with the same ``device`` and ``dtype``) share one loaded
model while any of them is alive: a notebook that evaluates twice loads it once.
The prompt goes through the tokenizer's chat template when it has one (a single user message,
generation prompt added), and is fed as plain text otherwise.

========================  ==========================================================  =========
``-M`` argument           meaning                                                      default
========================  ==========================================================  =========
``temperature``           sampling temperature; ``0`` is greedy decoding               1.0
``top_p``                 nucleus sampling mass                                        1.0
``max_new_tokens``        generated tokens per answer at most                          256
``batch_size``            answers generated together at most                           16
``batch_window_ms``       how long a batch waits for more turns after its first        5
``device``                ``cpu``, ``cuda``, ``cuda:1``, … or ``auto``                 auto
``dtype``                 ``float32``, ``bfloat16``, ``float16`` or ``auto``           auto
``threads``               torch CPU threads (process-wide; inter-op threads set to 1)  see below
========================  ==========================================================  =========

**Threads.** By default torch uses the CPUs this process may run on (``os.sched_getaffinity``)
that the 1-minute load average leaves free, rounded up, at least one; ``-M threads=N``
overrides it. ``bench/local_threads.py`` on a 2-core machine, SmolLM2-135M, 4 answers:
quiet (load 0.8), 2 threads generated 42.1 tokens/s and 1 thread 24.0 (×1.75); shared with
other work (load 3 to 6), 2 threads 1.7 and 1 thread 12.0 (×0.14; another run: 3.2 and 10.6).
Torch's own default of every CPU is the losing choice on a busy machine.

**Batching.** `act` calls that arrive while a batch is being formed (within ``batch_window_ms``
of the first, up to ``batch_size``) or while the previous batch runs are generated together in
one left-padded forward pass per token; `generate` is the same batched call, synchronous. An
opening that every prompt of a batch shares (32 tokens or more) is run once, and its key-values
are kept for later batches that start with it too (a judge's rubric before every trace); only
the rest of each prompt is run per batch, and only the last position's logits are computed.

**Latency.** A decision's ``latency_s`` is its own: the seconds from the start of the batch that
generated it (the batch's prefill, which it shares) to its own last token. In a batch, an answer
that stops early has a shorter latency than one that runs to ``max_new_tokens``. The time spent
waiting for its batch to form or for the previous batch is not counted (as an API model's
latency does not count the wait for a free connection).

**Determinism.** Each answer samples from its own ``torch.Generator`` seeded with the turn's
seed, so an answer does not depend on which other answers share its batch.

**Per-token records.** Every generated token is stored with the decision as
``{"token": text, "logprob": log p(token), "entropy": H}``, both of the model's raw next-token
distribution (softmax of the logits at temperature 1, before temperature and top-p: vLLM's
default "raw" convention), the entropy exact over the whole vocabulary:
``H = logsumexp(z) − Σ_v p_v z_v``. The tokens' texts, joined, are the generated text.

**Answers.** Generation stops at the end-of-sequence token, at ``max_new_tokens``, or once a
``Final answer:`` line is complete. The answer is read by `stratlens.agents.parsing`, as the
API agent reads it: an answer that names no legal option is recorded as ``unparseable``,
``illegal`` or ``refused``, never turned into a move.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from stratlens.agents._hf_model import Generation, shared_model, use_threads
from stratlens.agents._hf_source import default_threads, resolve
from stratlens.agents._registry import agent_factory
from stratlens.agents.parsing import parse_answer
from stratlens.contracts import Decision, Turn, Usage
from stratlens.errors import ModelArgsError

_ARGS = (
    "temperature",
    "top_p",
    "max_new_tokens",
    "batch_size",
    "batch_window_ms",
    "device",
    "dtype",
    "threads",
)


class _Batcher:
    """Collects the generation requests of one event loop into batches."""

    def __init__(
        self,
        run: Callable[[list[str], list[int]], list[Generation]],
        size: int,
        window_s: float,
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self._run, self._size, self._window = run, size, window_s
        self._queue: asyncio.Queue[tuple[str, int, asyncio.Future[Generation]]] = asyncio.Queue()
        self._task = self.loop.create_task(self._serve())

    async def submit(self, prompt: str, seed: int) -> Generation:
        fut: asyncio.Future[Generation] = self.loop.create_future()
        await self._queue.put((prompt, seed, fut))
        return await fut

    async def _serve(self) -> None:
        while True:
            batch = [await self._queue.get()]
            deadline = self.loop.time() + self._window
            while len(batch) < self._size:
                try:
                    batch.append(self._queue.get_nowait())
                    continue
                except asyncio.QueueEmpty:
                    pass
                remaining = deadline - self.loop.time()
                if remaining <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(self._queue.get(), remaining))
                except TimeoutError:
                    break
            live = [b for b in batch if not b[2].done()]
            if not live:
                continue
            try:
                gens = await asyncio.to_thread(
                    self._run, [b[0] for b in live], [b[1] for b in live]
                )
            except Exception as exc:  # every waiting turn sees the failure
                for b in live:
                    if not b[2].done():
                        b[2].set_exception(exc)
                continue
            for b, g in zip(live, gens, strict=True):
                if not b[2].done():
                    b[2].set_result(g)


class LocalAgent:
    """The agent for ``hf/<path>`` (see the module doc)."""

    def __init__(
        self,
        path: str,
        *,
        temperature: float = 1.0,
        top_p: float = 1.0,
        max_new_tokens: int = 256,
        batch_size: int = 16,
        batch_window_ms: float = 5.0,
        device: str = "auto",
        dtype: str = "auto",
        threads: int | None = None,
    ) -> None:
        if not (temperature >= 0.0 and math.isfinite(temperature)):
            raise ModelArgsError(f"hf: temperature must be >= 0, got {temperature}")
        if not 0.0 < top_p <= 1.0:
            raise ModelArgsError(f"hf: top_p must be in (0, 1], got {top_p}")
        if max_new_tokens < 1 or batch_size < 1 or batch_window_ms < 0:
            raise ModelArgsError(
                "hf: max_new_tokens and batch_size must be >= 1, batch_window_ms >= 0"
            )
        if threads is not None and threads < 1:
            raise ModelArgsError(f"hf: threads must be >= 1, got {threads}")
        source = resolve(path)
        self._path = path
        self.temperature, self.top_p, self.max_new_tokens = temperature, top_p, max_new_tokens
        self.batch_size, self.batch_window_s = batch_size, batch_window_ms / 1000.0
        self.threads = default_threads() if threads is None else threads
        use_threads(self.threads)
        self.model = shared_model(source, device=device, dtype=dtype)
        self.batch_sizes: list[int] = []  # the size of every batch generated, in order
        self._batcher: _Batcher | None = None

    @property
    def name(self) -> str:
        return f"hf/{self._path}"

    def generate(self, prompts: Sequence[str], seeds: Sequence[int]) -> list[Generation]:
        """Generate answers to ``prompts`` together, with this agent's settings."""
        self.batch_sizes.append(len(prompts))
        return self.model.generate(
            prompts,
            seeds,
            max_new_tokens=self.max_new_tokens,
            temperature=self.temperature,
            top_p=self.top_p,
        )

    def _submit(self, prompt: str, seed: int) -> Any:
        loop = asyncio.get_running_loop()
        if self._batcher is None or self._batcher.loop is not loop:
            self._batcher = _Batcher(self.generate, self.batch_size, self.batch_window_s)
        return self._batcher.submit(prompt, seed)

    async def act(self, turn: Turn) -> Decision:
        gen: Generation = await self._submit(turn.prompt, turn.seed)
        parsed = parse_answer(gen.text, turn.legal_actions)
        return Decision(
            parsed.action,
            parsed.status,
            raw_output=gen.text,
            reasoning=parsed.reasoning,
            usage=Usage(prompt_tokens=gen.prompt_tokens, completion_tokens=len(gen.tokens)),
            latency_s=gen.seconds,
            logprobs=gen.records(),
            error=parsed.reason,
        )


def _num(args: Mapping[str, str], key: str, kind: Callable[[str], Any], default: Any) -> Any:
    if key not in args:
        return default
    try:
        return kind(args[key])
    except ValueError:
        raise ModelArgsError(f"hf: {key} must be a number, got {args[key]!r}") from None


@agent_factory("hf")
def _factory(path: str, args: Mapping[str, str]) -> LocalAgent:
    unknown = sorted(set(args) - set(_ARGS))
    if unknown:
        raise ModelArgsError(f"hf: unknown model argument {unknown[0]!r} ({', '.join(_ARGS)})")
    dtype = args.get("dtype", "auto")
    if dtype not in ("auto", "float32", "bfloat16", "float16"):
        raise ModelArgsError(f"hf: dtype must be auto, float32, bfloat16 or float16, got {dtype!r}")
    return LocalAgent(
        path,
        temperature=_num(args, "temperature", float, 1.0),
        top_p=_num(args, "top_p", float, 1.0),
        max_new_tokens=_num(args, "max_new_tokens", int, 256),
        batch_size=_num(args, "batch_size", int, 16),
        batch_window_ms=_num(args, "batch_window_ms", float, 5.0),
        device=args.get("device", "auto"),
        dtype=dtype,
        threads=_num(args, "threads", int, None),
    )
