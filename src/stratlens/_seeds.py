"""Stable hashes of JSON-able parts: ids and seeds that are the same in every process and
platform (Python's `hash` is salted per process). A leaf module."""

from __future__ import annotations

import hashlib
import json


def digest(*parts: object) -> str:
    """The SHA-256 hex digest of the parts as sorted-key JSON (non-JSON values as `str`)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def stable_seed(*parts: object) -> int:
    """A 63-bit integer seed from the parts."""
    if all(type(p) is int for p in parts):  # the common case, as `json.dumps` writes it
        text = "[" + ", ".join(map(str, parts)) + "]"
        return int(hashlib.sha256(text.encode()).hexdigest()[:16], 16) >> 1
    return int(digest(*parts)[:16], 16) >> 1
