"""A local causal language-model checkpoint as an agent: model strings ``hf/<path>``.

``hf/ckpts/step-400`` loads the model and tokenizer saved in that folder with transformers
(extra ``[local]``; torch and transformers are imported only here, when such a model is used).
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
========================  ==========================================================  =========

**Batching.** `act` calls that arrive while a batch is being formed (within ``batch_window_ms``
of the first, up to ``batch_size``) or while the previous batch runs are generated together in
one left-padded forward pass per token; `generate` is the same batched call, synchronous.

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
import inspect
import math
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stratlens.agents._protocol import Decision, Turn, Usage
from stratlens.agents._registry import agent_factory
from stratlens.agents.parsing import parse_answer
from stratlens.errors import ModelArgsError, UsageError

_ARGS = (
    "temperature",
    "top_p",
    "max_new_tokens",
    "batch_size",
    "batch_window_ms",
    "device",
    "dtype",
)
_DONE_ANSWER = re.compile(r"final answer\s*:[^\n]*\S[^\n]*\n", re.IGNORECASE)


@dataclass(frozen=True)
class Generation:
    """One generated answer: its text, tokens, and per token the logprob and the entropy."""

    text: str
    token_ids: tuple[int, ...]
    tokens: tuple[str, ...]
    logprobs: tuple[float, ...]
    entropies: tuple[float, ...]
    prompt_tokens: int
    finish_reason: str  # "stop" (end of sequence), "answer" (answer line done) or "length"

    def records(self) -> list[dict[str, Any]]:
        return [
            {"token": t, "logprob": round(lp, 6), "entropy": round(h, 6)}
            for t, lp, h in zip(self.tokens, self.logprobs, self.entropies, strict=True)
        ]


def _pieces(tok: Any, ids: Sequence[int]) -> tuple[str, tuple[str, ...]]:
    """The decoded text and each token's share of it (joined, they give the text)."""
    text = tok.decode(list(ids), skip_special_tokens=True)
    out, pos = [], 0
    for i in range(len(ids)):
        prefix = tok.decode(list(ids[: i + 1]), skip_special_tokens=True)
        end = len(prefix) if text.startswith(prefix) else pos
        end = max(end, pos)
        out.append(text[pos:end])
        pos = end
    if pos < len(text) and out:
        out[-1] += text[pos:]
    return text, tuple(out)


class LocalModel:
    """A causal LM and its tokenizer loaded from a folder, with batched generation."""

    def __init__(self, path: str | Path, *, device: str = "auto", dtype: str = "auto") -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.path = Path(path)
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        torch_dtype: Any = "auto" if dtype == "auto" else getattr(torch, dtype)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
            self.model = AutoModelForCausalLM.from_pretrained(
                str(self.path), dtype=torch_dtype, local_files_only=True
            )
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot load a checkpoint from {self.path}: {exc}") from None
        self.model.to(self.device)  # type: ignore[arg-type]
        self.model.eval()  # type: ignore[no-untyped-call]
        eos = self.model.generation_config.eos_token_id
        if eos is None:
            eos = self.tokenizer.eos_token_id
        self.eos_ids: frozenset[int] = frozenset(
            () if eos is None else ([int(eos)] if isinstance(eos, int) else [int(e) for e in eos])
        )
        pad = self.tokenizer.pad_token_id
        self.pad_id = int(pad if pad is not None else (min(self.eos_ids) if self.eos_ids else 0))
        self.has_chat_template = bool(getattr(self.tokenizer, "chat_template", None))
        self._lock = threading.Lock()
        # transformers 5 names the key-value cache ``cache``; earlier versions ``past_key_values``.
        params = inspect.signature(self.model.forward).parameters
        self._cache_kw = "cache" if "cache" in params else "past_key_values"

    def format_prompt(self, prompt: str) -> str:
        """The text fed to the model: the chat template applied, or the prompt itself."""
        if self.has_chat_template:
            text = self.tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
            )
            return str(text)
        return prompt + "\n"

    def encode(self, prompt: str) -> list[int]:
        text = self.format_prompt(prompt)
        ids: list[int] = self.tokenizer(text, add_special_tokens=not self.has_chat_template)[
            "input_ids"
        ]
        return ids

    def generate(
        self,
        prompts: Sequence[str],
        seeds: Sequence[int],
        *,
        max_new_tokens: int = 256,
        temperature: float = 1.0,
        top_p: float = 1.0,
        stop_at_answer: bool = True,
    ) -> list[Generation]:
        """One batched generation for ``prompts`` (each with its own seed)."""
        import torch

        if len(prompts) != len(seeds):
            raise ValueError("one seed per prompt")
        if not prompts:
            return []
        with self._lock, torch.inference_mode():
            return self._generate(
                [self.encode(p) for p in prompts],
                seeds,
                max_new_tokens,
                temperature,
                top_p,
                stop_at_answer,
            )

    def _generate(
        self,
        encoded: list[list[int]],
        seeds: Sequence[int],
        max_new_tokens: int,
        temperature: float,
        top_p: float,
        stop_at_answer: bool,
    ) -> list[Generation]:
        import torch

        dev = self.device
        n, width = len(encoded), max(len(e) for e in encoded)
        ids = torch.full((n, width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((n, width), dtype=torch.long)
        for i, e in enumerate(encoded):  # left padding
            ids[i, width - len(e) :] = torch.tensor(e, dtype=torch.long)
            mask[i, width - len(e) :] = 1
        ids, mask = ids.to(dev), mask.to(dev)
        pos = (mask.cumsum(-1) - 1).clamp(min=0)
        gens = [torch.Generator().manual_seed(int(s) % (2**63)) for s in seeds]
        out_ids: list[list[int]] = [[] for _ in range(n)]
        out_lp: list[list[float]] = [[] for _ in range(n)]
        out_h: list[list[float]] = [[] for _ in range(n)]
        finish = ["length"] * n
        live = [True] * n
        out = self.model(input_ids=ids, attention_mask=mask, position_ids=pos, use_cache=True)
        last_pos = pos[:, -1]
        for _ in range(max_new_tokens):
            z = out.logits[:, -1, :].to(torch.float64)
            logp = torch.log_softmax(z, dim=-1)
            p = logp.exp()
            ent = torch.logsumexp(z, dim=-1) - torch.where(p > 0, p * z, torch.zeros_like(z)).sum(
                -1
            )
            nxt = torch.full((n,), self.pad_id, dtype=torch.long, device=dev)
            for i in range(n):
                if not live[i]:
                    continue
                tok_id = self._pick(z[i], gens[i], temperature, top_p)
                nxt[i] = tok_id
                if tok_id in self.eos_ids:
                    live[i], finish[i] = False, "stop"
                    continue
                out_ids[i].append(tok_id)
                out_lp[i].append(float(logp[i, tok_id]))
                out_h[i].append(float(ent[i]))
                if stop_at_answer and "\n" in self.tokenizer.decode([tok_id]):
                    text = str(self.tokenizer.decode(out_ids[i], skip_special_tokens=True))
                    if _DONE_ANSWER.search(text):
                        live[i], finish[i] = False, "answer"
            if not any(live):
                break
            mask = torch.cat([mask, torch.ones((n, 1), dtype=torch.long, device=dev)], dim=1)
            last_pos = last_pos + 1
            out = self.model(
                input_ids=nxt[:, None],
                attention_mask=mask,
                position_ids=last_pos[:, None],
                use_cache=True,
                **{self._cache_kw: out.get(self._cache_kw)},
            )
        result = []
        for i in range(n):
            text, pieces = _pieces(self.tokenizer, out_ids[i])
            result.append(
                Generation(
                    text=text,
                    token_ids=tuple(out_ids[i]),
                    tokens=pieces,
                    logprobs=tuple(out_lp[i]),
                    entropies=tuple(out_h[i]),
                    prompt_tokens=len(encoded[i]),
                    finish_reason=finish[i],
                )
            )
        return result

    @staticmethod
    def _pick(z: Any, gen: Any, temperature: float, top_p: float) -> int:
        import torch

        if temperature <= 0.0:
            return int(torch.argmax(z))
        probs = torch.softmax(z / temperature, dim=-1)
        if top_p < 1.0:
            sorted_p, order = torch.sort(probs, descending=True)
            keep = (sorted_p.cumsum(-1) - sorted_p) < top_p
            probs = torch.zeros_like(probs).scatter(0, order[keep], sorted_p[keep])
            probs = probs / probs.sum()
        return int(torch.multinomial(probs.to(torch.float32).cpu(), 1, generator=gen)[0])


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
    ) -> None:
        if not (temperature >= 0.0 and math.isfinite(temperature)):
            raise ModelArgsError(f"hf: temperature must be >= 0, got {temperature}")
        if not 0.0 < top_p <= 1.0:
            raise ModelArgsError(f"hf: top_p must be in (0, 1], got {top_p}")
        if max_new_tokens < 1 or batch_size < 1 or batch_window_ms < 0:
            raise ModelArgsError(
                "hf: max_new_tokens and batch_size must be >= 1, batch_window_ms >= 0"
            )
        folder = Path(path).expanduser()
        if not (folder / "config.json").is_file():
            raise UsageError(f"hf/{path}: no checkpoint folder (with config.json) at {folder}")
        self._path = path
        self.temperature, self.top_p, self.max_new_tokens = temperature, top_p, max_new_tokens
        self.batch_size, self.batch_window_s = batch_size, batch_window_ms / 1000.0
        self.model = LocalModel(folder, device=device, dtype=dtype)
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
        start = time.perf_counter()
        gen: Generation = await self._submit(turn.prompt, turn.seed)
        latency = time.perf_counter() - start
        parsed = parse_answer(gen.text, turn.legal_actions)
        return Decision(
            parsed.action,
            parsed.status,
            raw_output=gen.text,
            reasoning=parsed.reasoning,
            usage=Usage(prompt_tokens=gen.prompt_tokens, completion_tokens=len(gen.tokens)),
            latency_s=latency,
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
    )
