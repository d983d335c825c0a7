"""A causal language model loaded with transformers, and batched generation with per-token records.

The model half of the ``hf/`` agent (`stratlens.agents.local`, whose documentation gives the
sampling, determinism, latency and record conventions). A checkpoint is a transformers folder
or a GGUF file (`stratlens.agents._hf_source`), which transformers dequantises as it loads it
(the ``gguf`` and ``accelerate`` packages, in the ``[local]`` extra). torch and transformers are
imported when a `LocalModel` is built, never at package import.
"""

from __future__ import annotations

import contextlib
import inspect
import re
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stratlens.agents._hf_source import Source
from stratlens.errors import ContextLengthError, UsageError

_LOADED_LOCK = threading.Lock()
#: The shortest common opening of a batch's prompts whose key-values are shared (tokens).
MIN_SHARED = 32
DONE_ANSWER = re.compile(r"final answer\s*:[^\n]*\S[^\n]*\n", re.IGNORECASE)


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
    seconds: float = 0.0  # from the start of its batch (the prefill) to its own last token

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


#: Where configs keep the number of positions a model can attend to.
_CONTEXT_KEYS = (
    "max_position_embeddings",
    "n_positions",
    "max_sequence_length",
    "seq_length",
    "n_ctx",
)


def context_length(config: Any) -> int | None:
    """The model's context in tokens, from its config; None when it does not say."""
    for key in _CONTEXT_KEYS:
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def use_threads(n: int) -> None:
    """torch's intra-op threads for this process, and one inter-op thread where still possible
    (torch allows that only before its first inter-op work)."""
    import torch

    torch.set_num_threads(n)
    with contextlib.suppress(RuntimeError):
        torch.set_num_interop_threads(1)


_LOADED: weakref.WeakValueDictionary[tuple[Any, ...], LocalModel] = weakref.WeakValueDictionary()


def shared_model(source: Source, *, device: str = "auto", dtype: str = "auto") -> LocalModel:
    """The `LocalModel` of ``source``, loaded once per process while an agent holds it: a second
    ``hf/`` agent on the same unchanged checkpoint (a notebook evaluating twice) shares it."""
    files = [source.path] if source.gguf_file else sorted(source.folder.iterdir())
    stamp = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files if f.is_file())
    key = (str(source.path.resolve()), stamp, device, dtype)
    with _LOADED_LOCK:
        model = _LOADED.get(key)
        if model is None:
            model = LocalModel(source, device=device, dtype=dtype)
            _LOADED[key] = model
        return model


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _load(source: Source, dtype: str | None) -> tuple[Any, Any]:
    """The tokenizer and the model of ``source``; any failure is one `UsageError` line."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    where = f"hf/{source.path}"
    kw: dict[str, Any] = {"local_files_only": True}
    if source.gguf_file is not None:
        kw["gguf_file"] = source.gguf_file
    torch_dtype: Any = "auto" if dtype is None else getattr(torch, dtype)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(source.folder), **kw)
        model = AutoModelForCausalLM.from_pretrained(str(source.folder), dtype=torch_dtype, **kw)
    except ImportError as exc:  # gguf or accelerate missing
        raise UsageError(
            f"{where}: {_first_line(exc)} (pip install 'stratlens[local]' brings them)"
        ) from None
    except NotImplementedError as exc:  # gguf-py: "Dequantization for Q8_K is not yet ..."
        raise UsageError(
            f"{where}: a quantisation transformers cannot dequantise: {_first_line(exc)}"
        ) from None
    except (OSError, ValueError, KeyError) as exc:
        raise UsageError(f"{where}: cannot load the checkpoint: {_first_line(exc)}") from None
    return tokenizer, model


class LocalModel:
    """A causal LM and its tokenizer, loaded from a folder or a GGUF file, with batched
    generation. ``threads``: torch's intra-op threads (process-wide; None leaves torch's)."""

    def __init__(
        self,
        source: Source | str | Path,
        *,
        device: str = "auto",
        dtype: str = "auto",
        threads: int | None = None,
    ) -> None:
        import torch

        self.source = source if isinstance(source, Source) else Source(Path(source))
        self.path = self.source.path
        if threads is not None:
            use_threads(threads)
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        self.tokenizer, self.model = _load(self.source, None if dtype == "auto" else dtype)
        self.model.to(self.device)
        self.model.eval()
        eos = self.model.generation_config.eos_token_id
        if eos is None:
            eos = self.tokenizer.eos_token_id
        self.eos_ids: frozenset[int] = frozenset(
            () if eos is None else ([int(eos)] if isinstance(eos, int) else [int(e) for e in eos])
        )
        pad = self.tokenizer.pad_token_id
        self.pad_id = int(pad if pad is not None else (min(self.eos_ids) if self.eos_ids else 0))
        self.has_chat_template = bool(getattr(self.tokenizer, "chat_template", None))
        self.context = context_length(self.model.config)
        self._lock = threading.Lock()
        # transformers 5 names the key-value cache ``cache``; earlier versions ``past_key_values``.
        params = inspect.signature(self.model.forward).parameters
        self._cache_kw = "cache" if "cache" in params else "past_key_values"
        # Only the last position's logits are needed after a prompt (transformers >= 4.50).
        self._last_logits = {"logits_to_keep": 1} if "logits_to_keep" in params else {}
        self._prefix: tuple[tuple[int, ...], Any] | None = None  # token ids, their key-values

    def format_prompt(self, prompt: str) -> str:
        """The text fed to the model: the chat template applied, or the prompt itself."""
        return self.format_messages([{"role": "user", "content": prompt}])

    def format_messages(self, messages: Sequence[Mapping[str, str]]) -> str:
        """Chat messages as the text fed to the model: through the chat template (generation
        prompt added), or without one the contents one after the other."""
        if self.has_chat_template:
            text = self.tokenizer.apply_chat_template(
                [dict(m) for m in messages], tokenize=False, add_generation_prompt=True
            )
            return str(text)
        return "".join(m["content"] + "\n" for m in messages)

    def encode(self, prompt: str, *, formatted: bool = False) -> list[int]:
        """Token ids of ``prompt`` (``formatted``: already through `format_messages`)."""
        text = prompt if formatted else self.format_prompt(prompt)
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
        formatted: bool = False,
    ) -> list[Generation]:
        """One batched generation for ``prompts`` (each with its own seed; ``formatted``: the
        prompts are already through `format_messages`)."""
        import torch

        if len(prompts) != len(seeds):
            raise ValueError("one seed per prompt")
        if not prompts:
            return []
        encoded = [self.encode(p, formatted=formatted) for p in prompts]
        longest = max(len(e) for e in encoded)
        if self.context is not None:
            if longest >= self.context:
                raise ContextLengthError(
                    f"hf/{self.path}: a prompt of {longest} tokens exceeds the model's context "
                    f"of {self.context} tokens"
                )
            max_new_tokens = min(max_new_tokens, self.context - longest)  # then "length"
        with self._lock, torch.inference_mode():
            return self._generate(
                encoded,
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
        shared, cache = self._shared_prefix(encoded)
        rest = [e[shared:] for e in encoded]
        n, width = len(rest), max(len(r) for r in rest)
        ids = torch.full((n, width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((n, shared + width), dtype=torch.long)
        mask[:, :shared] = 1
        for i, r in enumerate(rest):  # left padding, after the shared prefix
            ids[i, width - len(r) :] = torch.tensor(r, dtype=torch.long)
            mask[i, shared + width - len(r) :] = 1
        ids, mask = ids.to(dev), mask.to(dev)
        pos = (mask.cumsum(-1) - 1).clamp(min=0)[:, shared:]
        first = {self._cache_kw: cache} if cache is not None else {}
        gens = [torch.Generator().manual_seed(int(s) % (2**63)) for s in seeds]
        out_ids: list[list[int]] = [[] for _ in range(n)]
        out_lp: list[list[float]] = [[] for _ in range(n)]
        out_h: list[list[float]] = [[] for _ in range(n)]
        finish = ["length"] * n
        live = [True] * n
        start = time.perf_counter()
        done_at = [0.0] * n
        out = self.model(
            input_ids=ids,
            attention_mask=mask,
            position_ids=pos,
            use_cache=True,
            **first,
            **self._last_logits,
        )
        last_pos = pos[:, -1]
        for _ in range(max_new_tokens):
            z = out.logits[:, -1, :].to(torch.float64)
            logp = torch.log_softmax(z, dim=-1)
            p = logp.exp()
            ent = torch.logsumexp(z, dim=-1) - torch.where(p > 0, p * z, torch.zeros_like(z)).sum(
                -1
            )
            nxt = torch.full((n,), self.pad_id, dtype=torch.long, device=dev)
            stepped = [i for i in range(n) if live[i]]
            for i in stepped:
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
                    if DONE_ANSWER.search(text):
                        live[i], finish[i] = False, "answer"
            now = time.perf_counter()
            for i in stepped:
                done_at[i] = now  # the time of its last token so far
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
                    seconds=done_at[i] - start,
                )
            )
        return result

    def _shared_prefix(self, encoded: list[list[int]]) -> tuple[int, Any]:
        """The prompts' common opening whose key-values are computed once and reused, as
        (its length, a copy of its cache for every prompt), or ``(0, None)``.

        The opening is the one kept from an earlier batch when every prompt starts with it (a
        judge's rubric), else the common prefix of this batch's prompts; at least
        `MIN_SHARED` tokens, and every prompt keeps one token of its own."""
        import copy

        import torch

        def common(a: Sequence[int], b: Sequence[int]) -> int:
            k = 0
            for x, y in zip(a, b, strict=False):
                if x != y:
                    break
                k += 1
            return k

        limit = min(len(e) for e in encoded) - 1
        kept = self._prefix
        if kept is None or any(common(kept[0], e) < len(kept[0]) for e in encoded):
            length = limit
            for e in encoded[1:]:
                length = min(length, common(encoded[0], e))
            if len(encoded) < 2 or length < MIN_SHARED:
                return 0, None
            ids = torch.tensor([encoded[0][:length]], dtype=torch.long, device=self.device)
            out = self.model(input_ids=ids, use_cache=True, **self._last_logits)
            kept = self._prefix = (tuple(encoded[0][:length]), out.get(self._cache_kw))
        length = len(kept[0])
        if length > limit or not hasattr(kept[1], "batch_repeat_interleave"):
            return 0, None  # an older transformers' tuple cache: no sharing
        cache = copy.deepcopy(kept[1])
        cache.batch_repeat_interleave(len(encoded))
        return length, cache

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
