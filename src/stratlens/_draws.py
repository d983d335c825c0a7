"""numpy's random numbers from a decision's seed, without numpy's cost per generator.

A reference agent draws from ``numpy.random.default_rng(turn.seed)``: one ``random()`` for its
action, then ``integers(n)`` for each wording of its trace. Making that generator costs more
than the agent's whole decision otherwise does; `Draws` gives the same numbers, bit for bit,
in plain Python: numpy's SeedSequence (its pool of four 32-bit words, the seed's two words of
entropy), PCG64 (128-bit LCG, XSL-RR output), 53-bit doubles, and Lemire's bounded integers on
the 32-bit halves of the outputs, as numpy's C code computes them. A leaf module.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

_M32, _M64, _M128 = (1 << 32) - 1, (1 << 64) - 1, (1 << 128) - 1
_PCG_MULT = 0x2360ED051FC65DA44385DF649FCCF645  # PCG64's default 128-bit multiplier
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715


class Rng(Protocol):
    """The draws the reference agents make from a decision's generator."""

    def random(self) -> float: ...

    def integers(self, high: int, /) -> int: ...


def _constants(init: int, mult: int, n: int) -> tuple[int, ...]:
    out = [init]
    for _ in range(n):
        out.append(out[-1] * mult & _M32)
    return tuple(out)


# SeedSequence's running hash constants, precomputed: its k-th hash of a word v is
# ((v ^ A[k]) * A[k + 1]) mod 2**32, then v ^ (v >> 16); B likewise for the output words.
_A = _constants(0x43B0D7E5, 0x931E8875, 16)
_B = _constants(0x8B51F9DD, 0x58F38DED, 8)


def _hash_of_zero(k: int) -> int:
    v = _A[k] * _A[k + 1] & _M32
    return v ^ (v >> 16)


_POOL_2, _POOL_3 = _hash_of_zero(2), _hash_of_zero(3)  # the pool words of absent entropy


def _pcg64_seed(seed: int) -> tuple[int, int]:
    """(state, increment) of ``PCG64(SeedSequence(seed))`` for ``0 <= seed < 2**64``.

    SeedSequence's mixing written out: the pool's words hashed from the seed's two 32-bit
    words (and from nothing), then each word mixed with the hash of every other word, in
    numpy's order (source 0 into 1, 2, 3; source 1 into 0, 2, 3; …), one hash constant after
    the other. A loop over that order costs a third more.
    """
    m, ml, mr = _M32, _MIX_L, _MIX_R
    a0, a1, a2, _, _, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16 = _A
    a4 = _A[4]
    v = ((seed & m) ^ a0) * a1 & m
    p0 = v ^ (v >> 16)
    v = ((seed >> 32) ^ a1) * a2 & m
    p1, p2, p3 = v ^ (v >> 16), _POOL_2, _POOL_3
    v = (p0 ^ a4) * a5 & m
    v ^= v >> 16
    r = (ml * p1 - mr * v) & m
    p1 = r ^ (r >> 16)
    v = (p0 ^ a5) * a6 & m
    v ^= v >> 16
    r = (ml * p2 - mr * v) & m
    p2 = r ^ (r >> 16)
    v = (p0 ^ a6) * a7 & m
    v ^= v >> 16
    r = (ml * p3 - mr * v) & m
    p3 = r ^ (r >> 16)
    v = (p1 ^ a7) * a8 & m
    v ^= v >> 16
    r = (ml * p0 - mr * v) & m
    p0 = r ^ (r >> 16)
    v = (p1 ^ a8) * a9 & m
    v ^= v >> 16
    r = (ml * p2 - mr * v) & m
    p2 = r ^ (r >> 16)
    v = (p1 ^ a9) * a10 & m
    v ^= v >> 16
    r = (ml * p3 - mr * v) & m
    p3 = r ^ (r >> 16)
    v = (p2 ^ a10) * a11 & m
    v ^= v >> 16
    r = (ml * p0 - mr * v) & m
    p0 = r ^ (r >> 16)
    v = (p2 ^ a11) * a12 & m
    v ^= v >> 16
    r = (ml * p1 - mr * v) & m
    p1 = r ^ (r >> 16)
    v = (p2 ^ a12) * a13 & m
    v ^= v >> 16
    r = (ml * p3 - mr * v) & m
    p3 = r ^ (r >> 16)
    v = (p3 ^ a13) * a14 & m
    v ^= v >> 16
    r = (ml * p0 - mr * v) & m
    p0 = r ^ (r >> 16)
    v = (p3 ^ a14) * a15 & m
    v ^= v >> 16
    r = (ml * p1 - mr * v) & m
    p1 = r ^ (r >> 16)
    v = (p3 ^ a15) * a16 & m
    v ^= v >> 16
    r = (ml * p2 - mr * v) & m
    p2 = r ^ (r >> 16)
    words = []  # generate_state(4, uint64): eight 32-bit words, the pool twice over
    for i, p in enumerate((p0, p1, p2, p3, p0, p1, p2, p3)):
        v = (p ^ _B[i]) * _B[i + 1] & m
        words.append(v ^ (v >> 16))
    state = (words[0] | words[1] << 32) << 64 | (words[2] | words[3] << 32)
    sequence = (words[4] | words[5] << 32) << 64 | (words[6] | words[7] << 32)
    inc = (sequence << 1 | 1) & _M128
    return ((inc + state) * _PCG_MULT + inc) & _M128, inc  # srandom: step, add, step


class Draws:
    """``numpy.random.default_rng(seed)`` for ``random()`` and scalar ``integers(high)``, the
    same numbers in the same order (see the module); ``seed`` in [0, 2**64) (`draws` takes
    any seed)."""

    __slots__ = ("_half", "_inc", "_state")

    def __init__(self, seed: int) -> None:
        if not 0 <= seed <= _M64:
            raise ValueError(f"a seed in [0, 2**64), not {seed}")
        self._state, self._inc = _pcg64_seed(seed)
        self._half: int | None = None  # the high half of an output, for the next 32-bit draw

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
        """An integer in [0, high), as ``Generator.integers(high)`` for 1 <= high <= 2**32
        (``high`` 1 draws nothing)."""
        if high <= 1:
            return 0
        if high > _M32 + 1:
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
