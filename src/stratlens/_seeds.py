"""Stable hashes of JSON-able parts: ids and seeds that are the same in every process and
platform (Python's `hash` is salted per process); numpy's draws from such a seed, cheaply.
A leaf module."""

from __future__ import annotations

import hashlib
import json
from typing import Protocol

import numpy as np


def _json(parts: tuple[object, ...]) -> str:
    """``json.dumps(parts, sort_keys=True, default=str)``; written directly where every part
    is a plain `int` or `str` (the ids and seeds of the play loop), the same text."""
    if all(type(p) is int or type(p) is str for p in parts):
        return "[" + ", ".join(_quote(p) if type(p) is str else str(p) for p in parts) + "]"
    return json.dumps(parts, sort_keys=True, default=str)


_quote = json.encoder.encode_basestring_ascii  # what `json.dumps` writes a string with


def digest(*parts: object) -> str:
    """The SHA-256 hex digest of the parts as sorted-key JSON (non-JSON values as `str`)."""
    return hashlib.sha256(_json(parts).encode()).hexdigest()


def stable_seed(*parts: object) -> int:
    """A 63-bit integer seed from the parts (the first 64 bits of their `digest`, halved)."""
    return int.from_bytes(hashlib.sha256(_json(parts).encode()).digest()[:8], "big") >> 1


class Rng(Protocol):
    """The draws the reference agents make from a decision's generator."""

    def random(self) -> float: ...

    def integers(self, high: int, /) -> int: ...


_M32, _M64, _M128 = (1 << 32) - 1, (1 << 64) - 1, (1 << 128) - 1
_PCG_MULT = 0x2360ED051FC65DA44385DF649FCCF645  # PCG64's 128-bit multiplier


def _hash_constants(init: int, mult: int, n: int) -> list[int]:
    out = [init]
    for _ in range(n):
        out.append(out[-1] * mult & _M32)
    return out


# numpy's SeedSequence (pool of 4 words, an entropy of at most 2) with its running hash
# constants precomputed: the k-th hash of a word v is ((v ^ A[k]) * A[k + 1]) mod 2**32.
_A = _hash_constants(0x43B0D7E5, 0x931E8875, 16)
_B = _hash_constants(0x8B51F9DD, 0x58F38DED, 8)
_POOL_ZERO = [_A[k] * _A[k + 1] & _M32 for k in (2, 3)]  # the hash of the absent words
_POOL_ZERO = [v ^ (v >> 16) for v in _POOL_ZERO]
_MIXING = [
    (s, d, _A[k], _A[k + 1])
    for k, (s, d) in enumerate(((s, d) for s in range(4) for d in range(4) if s != d), start=4)
]


class Draws:
    """``numpy.random.default_rng(seed)`` for ``random()`` and ``integers(n)`` (scalar), the
    same numbers bit for bit, in plain Python and at a fraction of numpy's cost per generator:
    SeedSequence's mixing, PCG64 (XSL-RR 128/64), 53-bit doubles, and Lemire's bounded
    integers on the 32-bit halves of its outputs, as numpy's C code does them. ``seed`` is an
    integer in [0, 2**64) (`draws` takes any seed)."""

    __slots__ = ("_half", "_inc", "_state")

    def __init__(self, seed: int) -> None:
        if not 0 <= seed <= _M64:
            raise ValueError(f"a seed in [0, 2**64), not {seed}")
        pool = [0, 0, *_POOL_ZERO]
        for i, word in enumerate((seed & _M32, seed >> 32)):
            v = (word ^ _A[i]) * _A[i + 1] & _M32
            pool[i] = v ^ (v >> 16)
        for s, d, a, b in _MIXING:
            v = (pool[s] ^ a) * b & _M32
            v ^= v >> 16
            r = (0xCA01F9DD * pool[d] - 0x4973F715 * v) & _M32
            pool[d] = r ^ (r >> 16)
        words = []
        for i in range(8):
            v = (pool[i & 3] ^ _B[i]) * _B[i + 1] & _M32
            words.append(v ^ (v >> 16))
        state = (words[0] | words[1] << 32) << 64 | (words[2] | words[3] << 32)
        seq = (words[4] | words[5] << 32) << 64 | (words[6] | words[7] << 32)
        self._inc = (seq << 1 | 1) & _M128
        self._state = ((self._inc + state) * _PCG_MULT + self._inc) & _M128
        self._half: int | None = None

    def _next64(self) -> int:
        s = self._state = (self._state * _PCG_MULT + self._inc) & _M128
        x = ((s >> 64) ^ s) & _M64
        rot = s >> 122
        return ((x >> rot) | (x << (64 - rot))) & _M64

    def random(self) -> float:
        """A float in [0, 1), as ``Generator.random()``."""
        return (self._next64() >> 11) * (1.0 / 9007199254740992.0)

    def _next32(self) -> int:
        if self._half is not None:
            half, self._half = self._half, None
            return half
        x = self._next64()
        self._half = x >> 32
        return x & _M32

    def integers(self, high: int, /) -> int:
        """An integer in [0, high), as ``Generator.integers(high)`` for 1 <= high < 2**32
        (``high`` 1 draws nothing)."""
        if high <= 1:
            return 0
        if high > _M32:
            raise ValueError(f"integers below at most 2**32, not {high}")
        m = self._next32() * high
        if (m & _M32) < high:  # rejection, as numpy: rare
            threshold = (_M32 - (high - 1)) % high
            while (m & _M32) < threshold:
                m = self._next32() * high
        return m >> 32


class _NumpyDraws:
    """`Rng` over numpy's own generator (seeds `Draws` does not take)."""

    def __init__(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    def random(self) -> float:
        return float(self._rng.random())

    def integers(self, high: int, /) -> int:
        return int(self._rng.integers(high))


def draws(seed: int) -> Rng:
    """The draws of ``numpy.random.default_rng(seed)`` (`Draws` where it can)."""
    return Draws(seed) if 0 <= seed <= _M64 else _NumpyDraws(seed)
