"""How much of a decision's text the store keeps.

A decision's reasoning is stored once: where it is a part of the raw output (the visible chain
of thought of an answer), as a span into it; elsewhere (a native reasoning field) as its own
text. What is kept of both together is capped (`DEFAULT_MAX_REPLY_BYTES`, UTF-8): a longer
text keeps its beginning and its end (where the answer is) around a marker, and the store
records how many bytes it cut. The answer was read from the whole reply before it is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from stratlens._limits import (
    DEFAULT_MAX_REPLY_BYTES,
    MAX_REPLY_ENV_VAR,
    MIN_REPLY_BYTES,
    resolve_max_reply_bytes,
)

_TAIL_SHARE = 0.25


def _marker(cut: int) -> str:
    return f"\n[… {cut:,} bytes cut by the store …]\n"


@dataclass(frozen=True)
class Cut:
    """A text cut to fit: ``head`` characters of the original, the marker, then its last
    ``tail`` characters (``length`` in all)."""

    text: str
    length: int
    head: int
    tail: int
    cut_bytes: int

    def position(self, i: int) -> int:
        """Where character ``i`` of the original is in ``text`` (a cut one: the marker)."""
        if i <= self.head:
            return i
        if i >= self.length - self.tail:
            return i - (self.length - self.tail) + len(self.text) - self.tail
        return self.head


def cut(text: str, limit: int) -> Cut:
    """``text`` in at most ``limit`` UTF-8 bytes (the marker included), cut in the middle."""
    data = text.encode()
    if len(data) <= limit:
        return Cut(text, len(text), len(text), 0, 0)
    room = max(limit - len(_marker(len(data)).encode()), 0)
    tail_bytes = int(room * _TAIL_SHARE)
    head = data[: room - tail_bytes].decode(errors="ignore")
    tail = data[len(data) - tail_bytes :].decode(errors="ignore") if tail_bytes else ""
    kept = len(head.encode()) + len(tail.encode())
    marker = _marker(len(data) - kept)
    return Cut(head + marker + tail, len(text), len(head), len(tail), len(data) - kept)


class StoredText(NamedTuple):
    """The columns of a decision's text: raw output, own reasoning text or a span into the
    raw output, the sizes given, and the bytes cut."""

    raw_output: str
    reasoning_text: str
    reasoning_start: int | None
    reasoning_len: int | None
    raw_bytes: int
    reasoning_bytes: int
    truncated: int


def fit_text(raw: str, reasoning: str, limit: int) -> StoredText:
    """What the store keeps of ``raw`` and ``reasoning``, in at most ``limit`` bytes."""
    raw_bytes, reasoning_bytes = len(raw.encode()), len(reasoning.encode())
    start = raw.find(reasoning) if reasoning else -1
    if start >= 0:
        kept = cut(raw, limit)
        a, b = kept.position(start), kept.position(start + len(reasoning))
        return StoredText(kept.text, "", a, b - a, raw_bytes, reasoning_bytes, kept.cut_bytes)
    if raw_bytes + reasoning_bytes <= limit:
        return StoredText(raw, reasoning, None, None, raw_bytes, reasoning_bytes, 0)
    # Two texts: the smaller keeps what it needs up to half, the other the rest.
    half = limit // 2
    if raw_bytes <= reasoning_bytes:
        raw_cut = cut(raw, max(half, MIN_REPLY_BYTES // 2))
        reasoning_cut = cut(reasoning, limit - len(raw_cut.text.encode()))
    else:
        reasoning_cut = cut(reasoning, max(half, MIN_REPLY_BYTES // 2))
        raw_cut = cut(raw, limit - len(reasoning_cut.text.encode()))
    return StoredText(
        raw_cut.text,
        reasoning_cut.text,
        None,
        None,
        raw_bytes,
        reasoning_bytes,
        raw_cut.cut_bytes + reasoning_cut.cut_bytes,
    )


__all__ = [
    "DEFAULT_MAX_REPLY_BYTES",
    "MAX_REPLY_ENV_VAR",
    "MIN_REPLY_BYTES",
    "Cut",
    "StoredText",
    "cut",
    "fit_text",
    "resolve_max_reply_bytes",
]
