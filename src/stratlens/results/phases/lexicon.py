"""Strategic grams: the phrases that steer a reasoning trace, and how to find them in text.

A `Lexicon` maps phrases to categories. `Lexicon.starter()` is the starter list of
``reference/two_phase.md`` (§2: deduction, branching, backtracking, planning, hedging and
opponent modelling in games); `Lexicon.load` reads a user's list (JSON ``{category: [phrase,
…]}``, or a text file with one phrase per line, optionally ``category: phrase``); the
data-driven construction from a run's own successful traces is `stratlens.results.phases.grams`.

`find_spans` matches a lexicon case-insensitively on word boundaries, leftmost-longest and
without overlaps: in "but wait, actually" the phrase "but wait" wins over "wait".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from stratlens.errors import UsageError

STARTER: dict[str, tuple[str, ...]] = {
    "deduction": (
        "therefore",
        "this means that",
        "it follows that",
        "so we can conclude",
        "this implies",
        "which means",
        "we know that",
        "as a result",
        "the key is",
        "the key insight is",
        "note that",
        "given that",
    ),
    "branching": (
        "alternatively",
        "another approach",
        "let's try a different",
        "what if",
        "on the other hand",
        "consider the case where",
        "suppose instead",
        "another option is",
        "or we could",
        "let's consider",
        "one possibility is",
        "compare this with",
    ),
    "backtracking": (
        "wait",
        "but wait",
        "hold on",
        "let me check",
        "let me verify",
        "double-check",
        "that doesn't seem right",
        "i made a mistake",
        "let me reconsider",
        "going back to",
        "on second thought",
        "to confirm",
        "actually",
        "let me recalculate",
    ),
    "planning": (
        "first, i need to",
        "the goal is to",
        "let's break this down",
        "step by step",
        "my plan is",
        "the next step is",
        "i need to figure out",
        "to solve this",
        "let me think about",
        "the question asks",
        "let's start by",
        "to decide this",
    ),
    "hedging": (
        "maybe",
        "perhaps",
        "it seems",
        "i'm not sure",
        "it depends on",
        "probably",
        "assuming that",
        "if that's the case",
        "it's possible that",
        "hmm",
    ),
    "opponent": (
        "the opponent will likely",
        "if they cooperate",
        "if they defect",
        "worst case",
        "best case",
        "from their perspective",
        "their best response is",
        "they might expect me to",
        "if i were them",
        "regardless of what they do",
        "dominant strategy",
        "assuming they are rational",
        "they have an incentive to",
        "in the long run",
        "to build trust",
    ),
}

#: Transition expressions that open a new line of attack (``two_phase.md`` §5).
SWITCH_MARKERS: tuple[str, ...] = (
    "alternatively",
    "wait",
    "but wait",
    "hmm",
    "hold on",
    "actually",
    "on second thought",
    "let me try another approach",
    "another way to",
    "let me reconsider",
    "instead",
    "maybe i should",
    "or perhaps",
    "let's try something different",
    "no, wait",
)


def normalize(phrase: str) -> str:
    """Lower case, typographic apostrophes made plain, runs of spaces made one."""
    return " ".join(phrase.replace("\u2019", "'").lower().split())


@dataclass(frozen=True)
class Span:
    """One occurrence of a phrase: characters ``[start, end)`` of the text."""

    start: int
    end: int
    phrase: str
    category: str


@dataclass(frozen=True)
class Lexicon:
    """Phrases (normalised) and the category of each."""

    phrases: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def starter(cls) -> Lexicon:
        return cls.from_categories(STARTER)

    @classmethod
    def from_categories(cls, categories: Mapping[str, Iterable[str]]) -> Lexicon:
        out: dict[str, str] = {}
        for category, phrases in categories.items():
            for phrase in phrases:
                norm = normalize(phrase)
                if norm:
                    out.setdefault(norm, str(category))
        return cls(out)

    @classmethod
    def switches(cls) -> Lexicon:
        return cls.from_categories({"switch": SWITCH_MARKERS})

    @classmethod
    def load(cls, path: str | Path) -> Lexicon:
        """A JSON object ``{category: [phrases]}`` or a text file (``[category:] phrase`` per
        line; ``#`` starts a comment)."""
        p = Path(path)
        if not p.is_file():
            raise UsageError(f"no lexicon file at {p}")
        text = p.read_text(encoding="utf-8")
        if p.suffix == ".json":
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise UsageError(f"lexicon {p}: not valid JSON ({exc.msg})") from None
            if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
                raise UsageError(f"lexicon {p}: expected an object {{category: [phrases]}}")
            lex = cls.from_categories({str(k): [str(x) for x in v] for k, v in data.items()})
        else:
            cats: dict[str, list[str]] = {}
            for line in text.splitlines():
                line = line.split("#", 1)[0].strip()
                if not line:
                    continue
                cat, sep, phrase = line.partition(":")
                if sep and phrase.strip() and " " not in cat.strip():
                    cats.setdefault(cat.strip(), []).append(phrase)
                else:
                    cats.setdefault("custom", []).append(line)
            lex = cls.from_categories(cats)
        if not lex.phrases:
            raise UsageError(f"lexicon {p} has no phrases")
        return lex

    def merged(self, other: Lexicon) -> Lexicon:
        """This lexicon plus the phrases of ``other`` it lacks."""
        return Lexicon({**other.phrases, **self.phrases})

    def without_fraction(self, fraction: float, rng: np.random.Generator) -> Lexicon:
        """A copy without a random ``fraction`` of its phrases (the robustness check of §2)."""
        keys = sorted(self.phrases)
        n_drop = round(fraction * len(keys))
        drop = {keys[i] for i in rng.choice(len(keys), size=n_drop, replace=False)}
        return Lexicon({k: v for k, v in self.phrases.items() if k not in drop})

    def categories(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.phrases.values())))

    def __len__(self) -> int:
        return len(self.phrases)

    def pattern(self) -> re.Pattern[str] | None:
        return _compile(tuple(sorted(self.phrases, key=lambda s: (-len(s), s))))


_CACHE: dict[tuple[str, ...], re.Pattern[str] | None] = {}


def _phrase_regex(phrase: str) -> str:
    parts = [re.escape(w).replace("'", "['\u2019]") for w in phrase.split(" ")]
    body = r"\s+".join(parts)
    left = r"(?<![\w])" if phrase[0].isalnum() or phrase[0] == "_" else ""
    right = r"(?![\w])" if phrase[-1].isalnum() or phrase[-1] == "_" else ""
    return left + body + right


def _compile(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    if phrases not in _CACHE:
        if not phrases:
            _CACHE[phrases] = None
        else:
            # Longest first: the regex alternation takes the first alternative that matches at a
            # position, so a longer phrase wins over its prefix.
            alt = "|".join(_phrase_regex(p) for p in phrases)
            _CACHE[phrases] = re.compile(alt, re.IGNORECASE)
    return _CACHE[phrases]


def find_spans(text: str, lexicon: Lexicon) -> list[Span]:
    """Occurrences of the lexicon's phrases in ``text``, left to right, not overlapping."""
    pat = lexicon.pattern()
    if pat is None or not text:
        return []
    out = []
    for m in pat.finditer(text):
        phrase = normalize(m.group(0))
        out.append(Span(m.start(), m.end(), phrase, lexicon.phrases.get(phrase, "custom")))
    return out
