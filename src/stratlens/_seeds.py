"""Stable hashes of JSON-able parts: ids and seeds that are the same in every process and
platform (Python's `hash` is salted per process). A leaf module."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any


def _json(parts: tuple[object, ...]) -> str:
    """``json.dumps(parts, sort_keys=True, default=str)``; written directly where every part
    is a plain `int` or `str` (the ids and seeds of the play loop), the same text."""
    try:
        return "[" + ", ".join([_PLAIN[type(p)](p) for p in parts]) + "]"
    except KeyError:  # another type (a bool, a float, a dict, …)
        return json.dumps(parts, sort_keys=True, default=str)


#: How `json.dumps` writes a plain int and a plain str.
_PLAIN: dict[type, Callable[[Any], str]] = {
    int: int.__repr__,
    str: json.encoder.encode_basestring_ascii,
}


def digest(*parts: object) -> str:
    """The SHA-256 hex digest of the parts as sorted-key JSON (non-JSON values as `str`)."""
    return hashlib.sha256(_json(parts).encode()).hexdigest()


def stable_seed(*parts: object) -> int:
    """A 63-bit integer seed from the parts (the first 64 bits of their `digest`, halved)."""
    return int.from_bytes(hashlib.sha256(_json(parts).encode()).digest()[:8], "big") >> 1
