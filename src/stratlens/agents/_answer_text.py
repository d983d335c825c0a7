"""Reading one answer text: the option it begins with, and whether what follows keeps it a
commitment (a reason may follow; an alternative, a correction or a condition may not).

`stratlens.agents.parsing` finds the answer text in a reply and decides the outcome; this
module reads the text itself. The rules are those of `stratlens.agents.parsing`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

STRIP = " \t\r\n*_`'\"“”‘’[](){}<>.,;:!?#>"
DECOR = re.compile(r"(?:[\s*_`'\"“”‘’«»\[\](){}<>#>:•–—]|-(?!\d))*")
_NUMBERED = re.compile(r"(?<![a-z0-9])(?:action|option|id|choice)[ \t]*#?[ \t]*(\d+)(?![0-9])")
_STEM = re.compile(r"^([a-z][a-z ]*?)[ \t]+(\d+)$")
_ID_AT_START = re.compile(
    r"(?:(action|option|id|choice|move)[ \t]*#?[ \t]*|(#)[ \t]*)?(\d+)(?![0-9a-z]|[.,]\d)"
)
LEAD_WORDS = re.compile(
    r"(?:so|thus|therefore|hence|then|ok(?:ay)?|well|overall|in[ \t]+(?:conclusion|summary))\b"
    r"[ \t,:]*"
)
COMMIT = re.compile(
    r"(?:(?:(?:i|player[ \t]+[12])[ \t]+(?:(?:will|would|shall|am[ \t]+going[ \t]+to)[ \t]+)?"
    r"|i(?:'|’)(?:ll|d|m[ \t]+going[ \t]+to)[ \t]+)?"
    r"(?:choose|chooses|pick|picks|play|plays|select|selects|take|takes|go[ \t]+with"
    r"|goes[ \t]+with|opt[ \t]+for|opts[ \t]+for|commit[ \t]+to)\b"
    r"|(?:my|your|the)[ \t]+(?:(?:final|correct|best|right)[ \t]+)?"
    r"(?:answer|choice|move|decision|action|option|pick)[ \t]+(?:is|would[ \t]+be|will[ \t]+be)\b"
    r"|(?:(?:my|your)[ \t]+)?(?:answer|choice|decision|action|move)[ \t*_`]*[:：=])[ \t*_`:]*"
)
_CONDITIONAL = re.compile(r"(?:if|unless|assuming|provided|in[ \t]+case|when|once|only[ \t]+if)\b")
_REASON_OPENER = re.compile(
    r"[ \t]*(?:\(|—|–|[ \t]-[ \t]|:)|[ \t,;.]*[ \t]*(?:because|since|as|given|which|that|this|it"
    r"|its|it's|it’s|for|so|due|to|being|considering|with|i|my|not|over|rather[ \t]+than"
    r"|instead[ \t]+of)\b",
    re.IGNORECASE,
)
# alternatives and corrections: a tail holding one names more than one action
_CHANGE = re.compile(
    r"\b(?:or|either|maybe|perhaps|wait|actually|instead(?![ \t]+of)|rather(?![ \t]+than)"
    r"|reconsider\w*|change|switch|second[ \t]+thought|scratch[ \t]+that|correction|i[ \t]+mean"
    r"|versus|vs)\b|\bno\b[ \t]*[,!.]|/",
    re.IGNORECASE,
)
# a row or column right after an option: the answer names a cell ("row 1, column 0")
_CELL = re.compile(
    r"[\s,;/&+]*(?:and[ \t]+|with[ \t]+)?(?:row|column|col|cell)[ \t_-]*\d", re.IGNORECASE
)
MAX_LINE = 2000  # longer "answers" are read only up to here


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.lower()).strip(STRIP).strip()


def _label_body(label: str) -> str:
    words = [re.escape(w) for w in re.split(r"[\s_\-]+", label.lower().strip()) if w]
    return r"[\s_\-]*".join(words) + r"(?![a-z0-9])"


def _label_pattern(label: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])" + _label_body(label))


def named_actions(answer: str, legal_actions: Mapping[int, str]) -> tuple[set[int], set[str]]:
    """``(legal ids named, names of actions that are not legal)`` anywhere in a text."""
    text = answer[:MAX_LINE].lower()
    norm = _norm(text)
    by_label = {_norm(lab): a for a, lab in legal_actions.items()}
    if norm.isdigit():
        n = int(norm)
        return ({n}, set()) if n in legal_actions else (set(), {f"action {n}"})
    legal: set[int] = set()
    illegal: set[str] = set()
    spans: list[tuple[int, int]] = []
    for a, lab in legal_actions.items():
        for m in _label_pattern(lab).finditer(text):
            legal.add(a)
            spans.append(m.span())
    for m in _NUMBERED.finditer(text):
        if any(s <= m.start() < e for s, e in spans):
            continue
        n = int(m.group(1))
        if n in legal_actions:
            legal.add(n)
        else:
            illegal.add(f"action {n}")
    for stem in _stems(legal_actions):
        pat = re.compile(r"(?<![a-z0-9])" + re.escape(stem) + r"[\s_\-]*(\d+)(?![0-9])")
        for m in pat.finditer(text):
            name = f"{stem} {int(m.group(1))}"
            if name not in by_label:
                illegal.add(name)
    return legal, illegal


def _stems(legal_actions: Mapping[int, str]) -> set[str]:
    """The words before a number in labels like ``send 3`` (``send``)."""
    return {sm.group(1) for lab in legal_actions.values() if (sm := _STEM.match(_norm(lab)))}


def _ids_are_label_numbers(legal_actions: Mapping[int, str]) -> bool:
    """Whether no label holds a number other than its id (so a bare number is unambiguous)."""
    for a, lab in legal_actions.items():
        found = re.findall(r"\d+", lab)
        if found and any(int(n) != a for n in found):
            return False
    return True


@dataclass(frozen=True)
class Reading:
    """An answer text read: the option it commits to (legal id or illegal name), or why not."""

    action: int | None = None
    illegal: str | None = None
    problem: str | None = None  # why the text is not a commitment (None: it is one)

    @property
    def committed(self) -> bool:
        return self.problem is None and (self.action is not None or self.illegal is not None)


def option_at_start(s: str, legal_actions: Mapping[int, str]) -> tuple[int | None, str, int]:
    """``(legal id or None, name, end)`` of the option ``s`` (lower case) begins with.

    ``end`` is -1 when it begins with none; ``name`` is then a reason, or empty."""
    best: tuple[int | None, str, int] = (None, "", -1)
    for a, lab in legal_actions.items():
        m = re.match(_label_body(lab), s)
        if m and m.end() > best[2]:
            best = (a, lab, m.end())
    if best[2] >= 0:
        return best
    m = _ID_AT_START.match(s)
    if m:
        n = int(m.group(3))
        if m.group(1) is None and m.group(2) is None and not _ids_are_label_numbers(legal_actions):
            return None, f"the bare number {n} is ambiguous (the options' labels hold numbers)", -1
        if n in legal_actions:
            return n, legal_actions[n], m.end()
        return None, f"action {n}", m.end()
    for stem in sorted(_stems(legal_actions), key=len, reverse=True):
        m = re.match(re.escape(stem) + r"[\s_\-]*(\d+)(?![0-9])", s)
        if m:
            return None, f"{stem} {int(m.group(1))}", m.end()
    return None, "", -1


def names_of(legal: set[int], illegal: set[str], legal_actions: Mapping[int, str]) -> str:
    return ", ".join(sorted({legal_actions[a] for a in legal} | illegal))


def skip(pattern: re.Pattern[str], s: str) -> str:
    m = pattern.match(s)
    return s[m.end() :] if m else s


def read_option(answer: str, legal_actions: Mapping[int, str], *, bare: bool = False) -> Reading:
    """Read an answer text that must begin with one option; ``bare``: nothing may follow it.

    A commitment phrase (``I choose``) may precede the option unless ``bare``."""
    s = skip(LEAD_WORDS, skip(DECOR, answer[:MAX_LINE].lower()))
    if not bare:
        s = skip(DECOR, skip(COMMIT, s))
    action, name, end = option_at_start(s, legal_actions)
    if end < 0:
        if name:
            return Reading(problem=name)
        legal, illegal = named_actions(s, legal_actions)
        if legal or illegal:
            what = names_of(legal, illegal, legal_actions)
            return Reading(problem=f"the answer does not begin with an option (it mentions {what})")
        return Reading(problem="the reply names no action")
    tail = s[end:]
    rest = tail.strip(STRIP + "-–—")
    illegal_name = None if action is not None else name
    if not rest:
        return Reading(action, illegal_name)
    if bare:
        return Reading(problem=f"the reply's last line mentions {name} but does not commit to it")
    if s[:1].isdigit() and not _REASON_OPENER.match(tail):  # "50 you cannot…", "[2][int]"
        return Reading(problem=f"the answer begins with the number {s[:end]} but goes on")
    if _CONDITIONAL.match(rest):
        return Reading(problem=f"the answer is conditional ({name} {rest[:40]})")
    if _CELL.match(tail):  # "row 1, column 0": a cell of the table, not one option
        return Reading(problem=f"the answer names a cell ({name} {rest[:20]}), not an option")
    legal, illegal = named_actions(tail, legal_actions)
    if action is not None:
        legal.discard(action)
    else:
        illegal.discard(name)
    if not legal and not illegal:
        return Reading(action, illegal_name)
    if _REASON_OPENER.match(tail) and not _CHANGE.search(tail):
        return Reading(action, illegal_name)
    both = names_of(
        legal | ({action} if action is not None else set()), illegal | {name}, legal_actions
    )
    return Reading(problem=f"the reply names more than one action ({both})")
