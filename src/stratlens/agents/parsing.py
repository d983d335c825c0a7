"""Reading a model's reply: which legal action it names, if any, and the reasoning around it.

The prompt asks for a last line ``Final answer: <option>``; replies are read more forgivingly
than that, but never by guessing:

- ``<think>…</think>`` blocks are reasoning, not answer (an unclosed ``<think>`` means the
  reply was cut off inside its reasoning).
- The answer is the *last* of: a ``Final answer: …`` line (markdown, case and punctuation
  forgiven; the next line when the marker ends its line), a JSON object with an ``answer``,
  ``action`` or ``choice`` key, or a weaker ``Answer: …`` / ``Choice: …`` line. Without any of
  these, the reply's last non-empty line is read. Everything before the answer is the visible
  chain of thought.
- The answer names an action by its label (``row 1``, ``Row-1``, ``**row 1**.``), by its id
  alone (``1``), or as ``action 1`` / ``option 1``.

The outcome is ``ok`` when exactly one legal action is named, ``illegal`` when only actions
that are not legal are named (``action 99``, ``row 7``), ``unparseable`` when two different
actions or none are named, and ``refused`` when the reply declines to choose. Nothing is ever
defaulted to a move.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

AnswerStatus = Literal["ok", "unparseable", "illegal", "refused"]

#: JSON keys that hold the answer, in order of preference.
ANSWER_KEYS = ("answer", "final_answer", "action", "choice", "move", "option")
_REASON_KEYS = ("reasoning", "reason", "explanation", "thoughts", "rationale")

_TAG = re.compile(r"<(/?)(?:think|thinking|reasoning)>", re.IGNORECASE)
_FINAL = re.compile(
    r"final[ \t_]*(?:answer|choice|decision)[ \t*_`]*"
    r"(?:(?:is\b|[:：=\-–—])[ \t*_`:]*(.*)|$)",
    re.IGNORECASE | re.MULTILINE,
)
_WEAK = re.compile(
    r"(?:^|\n)[ \t>*_#`-]*(?:my[ \t]+)?(?:answer|choice|decision|action|move)"
    r"[ \t*_`]*[:：=][ \t]*(.*)",
    re.IGNORECASE,
)
_FLAT_JSON = re.compile(r"\{[^{}]{0,2000}\}")
_STRIP = " \t\r\n*_`'\"“”‘’[](){}<>.,;:!?#>"
_NUMBERED = re.compile(r"(?<![a-z0-9])(?:action|option|id|choice)[ \t]*#?[ \t]*(\d+)(?![0-9])")
_STEM = re.compile(r"^([a-z][a-z ]*?)[ \t]+(\d+)$")
_REFUSAL = re.compile(
    r"\b(?:i[ \t]*(?:can(?:no|'|’)?t|cannot|won(?:'|’)?t|will[ \t]+not"
    r"|am[ \t]+(?:unable|not[ \t]+able)"
    r"|'m[ \t]+(?:unable|not[ \t]+able)|’m[ \t]+(?:unable|not[ \t]+able)|must[ \t]+decline"
    r"|decline|refuse|(?:do[ \t]+not|don(?:'|’)t)[ \t]+(?:feel[ \t]+comfortable|participate))"
    r"|as[ \t]+an[ \t]+ai\b)",
    re.IGNORECASE,
)
_MAX_LINE = 2000  # longer "answers" are read only up to here
_LEAD_IN = 24  # "So my" before "final answer" is not reasoning; a sentence is
_REFUSAL_SPAN = 400  # a refusal says so at once


@dataclass(frozen=True)
class ParsedAnswer:
    """What a reply says: the action (or None and why), the answer text, the reasoning."""

    action: int | None
    status: AnswerStatus
    reason: str | None
    answer: str
    reasoning: str


def split_think(text: str) -> tuple[str, str, bool]:
    """``(reasoning in <think> blocks, the rest, cut_off)``, in one pass over the tags.

    ``cut_off`` is True when a ``<think>`` is never closed (the reply ended inside it). A
    closing tag before any opening one (some chat templates emit only that) makes everything
    before it reasoning.
    """
    thoughts: list[str] = []
    rest: list[str] = []
    pos, open_at = 0, -1
    for i, m in enumerate(_TAG.finditer(text)):
        closing = m.group(1) == "/"
        if closing and i == 0:
            thoughts.append(text[: m.start()])
            pos = m.end()
        elif closing and open_at >= 0:
            thoughts.append(text[open_at : m.start()])
            open_at, pos = -1, m.end()
        elif closing:
            rest.append(text[pos : m.start()])
            pos = m.end()
        elif open_at < 0:
            rest.append(text[pos : m.start()])
            open_at = m.end()
    cut_off = open_at >= 0
    if cut_off:
        thoughts.append(text[open_at:])
    else:
        rest.append(text[pos:])
    reasoning = "\n\n".join(t.strip() for t in thoughts if t.strip())
    return reasoning, "\n".join(rest).strip(), cut_off


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.lower()).strip(_STRIP).strip()


def _label_pattern(label: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in re.split(r"[\s_\-]+", label.lower().strip()) if w]
    return re.compile(r"(?<![a-z0-9])" + r"[\s_\-]*".join(words) + r"(?![a-z0-9])")


def _last_json_answer(text: str) -> tuple[int, Any, str] | None:
    """``(position, answer value, reasoning)`` of the last flat JSON object with an answer."""
    found = None
    for m in _FLAT_JSON.finditer(text):
        try:
            obj = json.loads(m.group(0))
        except ValueError:
            continue
        if not isinstance(obj, dict):
            continue
        lowered = {str(k).lower(): v for k, v in obj.items()}
        key = next((k for k in ANSWER_KEYS if k in lowered), None)
        if key is None:
            continue
        why = next((str(lowered[k]) for k in _REASON_KEYS if k in lowered), "")
        found = (m.start(), lowered[key], why)
    return found


def _last_marker(pattern: re.Pattern[str], text: str) -> tuple[int, str] | None:
    """``(position, answer text)`` of the last match; the next line if the match ends its line."""
    last = None
    for m in pattern.finditer(text):
        last = m
    if last is None:
        return None
    answer = (last.group(1) or "").strip()
    if not answer.strip(_STRIP):
        following = [ln for ln in text[last.end() :].splitlines() if ln.strip(_STRIP)]
        answer = following[0].strip() if following else ""
    return last.start(), answer


def _before(text: str, pos: int) -> str:
    """The text before an answer marker, without a short lead-in on the marker's line."""
    line_start = text.rfind("\n", 0, pos) + 1
    lead = text[line_start:pos]
    keep = lead if len(lead.strip(_STRIP)) > _LEAD_IN else ""
    return (text[:line_start] + keep).strip()


def locate_answer(text: str) -> tuple[str, str]:
    """``(answer text, visible reasoning before it)`` of a reply without ``<think>`` blocks."""
    candidates: list[tuple[int, str, str]] = []
    final = _last_marker(_FINAL, text)
    if final is not None:
        candidates.append((final[0], final[1], ""))
    js = _last_json_answer(text)
    if js is not None:
        value = js[1]
        candidates.append((js[0], str(value) if not isinstance(value, str) else value, js[2]))
    if candidates:
        pos, answer, why = max(candidates, key=lambda c: c[0])
        return answer, "\n\n".join(x for x in (_before(text, pos), why) if x)
    weak = _last_marker(_WEAK, text)
    if weak is not None:
        return weak[1], _before(text, weak[0])
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return "", ""
    return lines[-1].strip(), "\n".join(lines[:-1]).strip()


def named_actions(answer: str, legal_actions: Mapping[int, str]) -> tuple[set[int], set[str]]:
    """``(legal ids named, names of actions that are not legal)`` in an answer text."""
    text = answer[:_MAX_LINE].lower()
    norm = _norm(text)
    by_label = {_norm(lab): a for a, lab in legal_actions.items()}
    compact = {k.replace(" ", ""): a for k, a in by_label.items()}
    if norm in by_label:
        return {by_label[norm]}, set()
    if norm.replace(" ", "") in compact:
        return {compact[norm.replace(" ", "")]}, set()
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
    stems = {sm.group(1) for lab in by_label if (sm := _STEM.match(lab))}
    legal_names = set(by_label)
    for stem in stems:
        pat = re.compile(r"(?<![a-z0-9])" + re.escape(stem) + r"[\s_\-]*(\d+)(?![0-9])")
        for m in pat.finditer(text):
            name = f"{stem} {int(m.group(1))}"
            if name not in legal_names:
                illegal.add(name)
    return legal, illegal


def _labels(legal_actions: Mapping[int, str]) -> str:
    return ", ".join(legal_actions.values())


def parse_answer(text: str, legal_actions: Mapping[int, str]) -> ParsedAnswer:
    """Read a reply against the legal actions ``{id: label}``."""
    think, rest, cut_off = split_think(text or "")
    answer, visible = locate_answer(rest)
    reasoning = "\n\n".join(x for x in (think, visible) if x)
    if not rest.strip():
        why = "the reply ends inside its <think> block" if cut_off else "the reply is empty"
        return ParsedAnswer(None, "unparseable", why, "", reasoning)
    legal, illegal = named_actions(answer, legal_actions)
    if len(legal) == 1 and not illegal:
        return ParsedAnswer(next(iter(legal)), "ok", None, answer, reasoning)
    if _REFUSAL.search(answer) or (not legal and _REFUSAL.search(rest[:_REFUSAL_SPAN])):
        return ParsedAnswer(None, "refused", "the reply declines to choose", answer, reasoning)
    if not legal and illegal:
        return ParsedAnswer(
            None,
            "illegal",
            f"the reply names {', '.join(sorted(illegal))}, which is not a legal action "
            f"(legal: {_labels(legal_actions)})",
            answer,
            reasoning,
        )
    if legal or illegal:
        names = sorted({legal_actions[a] for a in legal} | illegal)
        return ParsedAnswer(
            None,
            "unparseable",
            f"the reply names more than one action ({', '.join(names)})",
            answer,
            reasoning,
        )
    return ParsedAnswer(None, "unparseable", "the reply names no action", answer, reasoning)


def retry_message(reason: str | None, legal_actions: Mapping[int, str]) -> str:
    """The message that asks again after a reply that named no single legal action."""
    return (
        f"Your reply could not be used: {reason or 'the reply names no action'}. "
        f"Choose exactly one of: {_labels(legal_actions)}. End with one line in exactly this "
        "form:\nFinal answer: <option>"
    )
