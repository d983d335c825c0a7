"""Sentence-level tools for the reference agents' traces: numbers, lists, random wording."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from stratlens._draws import Rng
from stratlens.agents._choice import FloatArray


def num(x: float) -> str:
    """A payoff as people write it: 5, 4.75, 126.67."""
    if abs(x - round(x)) < 1e-9:
        return str(round(x))
    return f"{x:.2f}".rstrip("0").rstrip(".")


def pct(p: float) -> str:
    return f"{100 * p:.0f}%"


@dataclass(frozen=True)
class Names:
    """How to name the decider's actions and the other player's."""

    mine: Callable[[int], str]
    theirs: Callable[[int], str]


class Writer:
    def __init__(self, rng: Rng) -> None:
        self.rng = rng
        self.parts: list[str] = []

    def pick(self, options: Sequence[str]) -> str:
        return options[int(self.rng.integers(len(options)))]

    def say(self, *options: str) -> None:
        text = self.pick(options)
        if text:
            self.parts.append(text)

    def listing(self, items: Sequence[str], sentences: bool = False) -> str:
        """Items joined in one sentence, or (``sentences``, at random) as sentences."""
        if len(items) == 1:
            return items[0]
        sep = self.pick(("; ", ", ", ". ") if sentences else ("; ", ", "))
        if sep == ". ":
            return ". ".join(s[0].upper() + s[1:] for s in items)
        return sep.join(items[:-1]) + self.pick((f"{sep}and ", f"{sep}")) + items[-1]

    def text(self) -> str:
        out = []
        for p in self.parts:
            p = p[0].upper() + p[1:]
            out.append(p if p.endswith((".", "?", "!", ":")) else p + ".")
        return " ".join(out)


def mix(w: Writer, probs: FloatArray, ids: Sequence[int], name: Callable[[int], str]) -> str:
    """A distribution in words: one action, an even split, or percentages."""
    support = [k for k in range(len(probs)) if probs[k] > 0.005]
    if len(support) == 1:
        k = support[0]
        if probs[k] > 1 - 1e-9:
            return name(ids[k])
        return w.pick((f"almost surely {name(ids[k])}", f"{name(ids[k])} nearly always"))
    if np.allclose(probs[support], probs[support[0]], atol=1e-6):
        names = [name(ids[k]) for k in support]
        joined = ", ".join(names[:-1]) + " or " + names[-1]
        return w.pick((f"{joined} with equal odds", f"an even split of {joined}"))
    return ", ".join(f"{name(ids[k])} {pct(float(probs[k]))}" for k in support)


def plus(a: float, b: float) -> str:
    """``a + b = c`` with a negative term in brackets."""
    nb = num(b) if b >= 0 else f"({num(b)})"
    return f"{num(a)} + {nb} = {num(a + b)}"


def payoff_list(
    w: Writer, values: FloatArray, ids: Sequence[int], name: Callable[[int], str]
) -> str:
    items = [
        w.pick((f"{name(a)} gives {num(float(v))}", f"{name(a)}: {num(float(v))}"))
        for a, v in zip(ids, values, strict=True)
    ]
    return w.listing(items)
