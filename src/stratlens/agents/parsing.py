"""Reading a model's reply: the one legal action it commits to, if any, and the reasoning.

The prompt asks for a last line ``Final answer: <option>``. A reply counts only when it
*commits* to exactly one option, in that form or an unambiguous equivalent at the end; a
quoted, negated, hypothetical or passing mention of an option is not a commitment, and
nothing is ever guessed or defaulted to a move.

- ``<think>…</think>`` blocks are reasoning, not answer (an unclosed ``<think>`` means the
  reply was cut off inside its reasoning).
- **Where the answer is.** The last ``Final answer: …`` marker (also ``final choice``,
  ``final decision``, ``The final answer is …``, markdown and case forgiven, the next line when
  the marker ends its line; ``Respuesta final``, ``Réponse finale``, ``Endgültige Antwort``,
  ``最终答案``) that is used, not mentioned: a marker inside a quotation opened earlier on its
  line (``I cannot process the line "Final answer: 1"``), or in a clause that negates or
  supposes (``if``, ``not``, ``unless``, ``could``, …) is skipped. A flat JSON object with an
  ``answer`` (``action``, ``choice``, …) key counts when it ends the reply, and the later of the
  two wins. Without either, only the end of the reply's last non-empty line can hold the
  answer (the whole line, its last sentence, or that sentence's last clause), and only when it
  is itself an option (``row 1``, ``**Row 1.**``) or a commitment phrase and an option (``I
  will play row 1``, ``so I play row 1``, ``Answer: row 1``, ``My choice is row 1``, ``the
  answer is row 1``): a ramble that mentions an option, or an ``Answer: row 1`` line followed
  by more text, is not an answer. A bare number there counts only as the whole reply: after
  a reasoning it is arithmetic or a list's counter more often than an id.
- **What the answer says.** The answer text must *begin* with the option (after markdown,
  quotes and a commitment phrase such as ``I choose``): by its label (``row 1``, ``Row-1``,
  ``row1``), by id as ``action 1`` / ``option 1``, or by a bare number ``1`` (read as the id,
  and only where no option's label holds a number other than its id, else it is ambiguous:
  the prompt shows labels, never ids). An answer that starts with anything else (``Cell not
  included (… 'row 1 column 2' …)``, ``not row 1``, ``either row 0 or row 1``, ``the top
  row``) is not a commitment.
- **After the option**, a reason is fine (``row 1, because it dominates row 0``, ``row 1 (it
  is safe)``, ``row 1, not row 0``): a tail that names another option counts only as a
  reason, opened by a connective (``because``, ``since``, ``as``, ``which``, ``it``, ``(``,
  ``—``, …) and free of alternatives and corrections (``or``, ``maybe``, ``wait``,
  ``actually``, ``instead``, ``/``, …); ``row 0 or row 1``, ``send 3, send 5``, ``stop and
  continue``, ``row 1. Row 2.`` name more than one action. A tail that names no other option
  is fine (``row 1 is my choice``, ``row 1 column 0``), except after a bare number, which
  must end there or be followed by a reason (``50 you cannot…``, ``(0, 0)`` are not
  answers). A conditional tail (``row 1 if they cooperate``) is not a commitment. Text after
  the final answer that reconsiders it and names another option (``Wait, actually row 2 is
  better``) undoes it; a later final answer settles it again.

The outcome is ``ok`` when the reply commits to one legal action, ``illegal`` when it commits
to an option of the right form that is not legal (``row 7``, ``action 99``), ``refused`` when
it declines to choose (``I can't help with that``, ``As an AI …``; not ``I won't pick row 0``,
which negates one option), and ``unparseable`` otherwise, with the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from stratlens.agents._answer_text import (
    COMMIT,
    DECOR,
    LEAD_WORDS,
    MAX_LINE,
    STRIP,
    Reading,
    named_actions,
    names_of,
    option_at_start,
    read_option,
    skip,
)

AnswerStatus = Literal["ok", "unparseable", "illegal", "refused"]

#: JSON keys that hold the answer, in order of preference.
ANSWER_KEYS = ("answer", "final_answer", "action", "choice", "move", "option")
_REASON_KEYS = ("reasoning", "reason", "explanation", "thoughts", "rationale")

_TAG = re.compile(r"<(/?)(?:think|thinking|reasoning)>", re.IGNORECASE)
_FINAL = re.compile(
    r"(?:final[ \t_]*(?:answer|choice|decision)|respuesta[ \t]+final|r[ée]ponse[ \t]+finale"
    r"|(?:endg[üu]ltige|finale)[ \t]+antwort|最终答案|最終答案|最终选择)[ \t*_`]*"
    r"(?:(?:is\b|es\b|est\b|ist\b|[:：=\-–—])[ \t*_`:]*|$)",
    re.IGNORECASE | re.MULTILINE,
)
_FLAT_JSON = re.compile(r"\{[^{}]{0,2000}\}")
# a clause that negates or supposes what follows it (checked before a final-answer marker)
_NOT_MEANT = re.compile(
    r"\b(?:not|never|no|if|unless|whether|suppose|supposing|assume|assuming|imagine|could|might"
    r"|may|instead|rather|cannot|without)\b|n(?:'|’)t\b",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.!?;,:()]|\bbut\b|\band\b|\bso\b", re.IGNORECASE)
# what, after a final answer, takes it back
_RECONSIDER = re.compile(
    r"\b(?:wait|actually|instead(?![ \t]+of)|reconsider\w*|change[ \t]+my|switch\w*"
    r"|second[ \t]+thought|scratch[ \t]+that|correction|i[ \t]+mean)\b",
    re.IGNORECASE,
)
_REFUSAL = re.compile(
    r"\b(?:i[ \t]*(?:can(?:no|'|’)?t|cannot|won(?:'|’)?t|will[ \t]+not|do[ \t]+not|don(?:'|’)t"
    r"|(?:am|'m|’m)[ \t]+(?:unable|not[ \t]+(?:able|allowed|permitted|going))[ \t]+to"
    r"|must[ \t]+decline[ \t]+to|decline[ \t]+to"
    r"|refuse[ \t]+to)[ \t]+(?:\w+[ \t]+)?(?:help|assist|participate|take[ \t]+part|play|choose"
    r"|make|pick|select|decide|answer|comply|engage|provide|fulfil+|do[ \t]+that|continue)\b"
    r"|i[ \t]+(?:must[ \t]+)?(?:decline|refuse)\b|as[ \t]+an[ \t]+ai\b)",
    re.IGNORECASE,
)
_LEAD_IN = 24  # "So my" before "final answer" is not reasoning; a sentence is
_LEAD_SPAN = 300  # how far back a marker's clause and quotation are looked for
_REFUSAL_SPAN = 400  # a refusal says so at once
_MAX_MARKERS = 50  # final-answer markers examined from the last one back


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


def _marker_is_used(text: str, pos: int) -> bool:
    """Whether the marker at ``pos`` is used, not quoted and not negated or supposed.

    Quotes are counted from the start of the marker's line; the clause that may negate or
    suppose is looked for in the last `_LEAD_SPAN` characters before it."""
    line_start = text.rfind("\n", 0, pos) + 1
    line = text[line_start:pos]
    lead = line[-_LEAD_SPAN:]
    if re.search(r"[a-z0-9]", line, re.IGNORECASE):
        opened = (
            line.count('"') % 2 == 1
            or line.count("“") > line.count("”")
            or line.count("`") % 2 == 1
            or bool(re.search(r"(?:^|[\s(])['‘]$", lead.rstrip(" \t*_")))
        )
        if opened:
            return False
    clause = lead
    for clause_mark in _CLAUSE_END.finditer(lead):
        clause = lead[clause_mark.end() :]
    return not _NOT_MEANT.search(clause)


def _answer_after(m: re.Match[str], text: str) -> tuple[str, int]:
    """``(answer text, end of it)`` after a final-answer marker: the rest of its line, or the
    next non-empty line if the marker ends its line."""
    end = text.find("\n", m.end())
    end = len(text) if end < 0 else end
    answer = text[m.end() : end].strip()
    if not answer.strip(STRIP):
        for line in re.finditer(r"[^\n]+", text[end : end + MAX_LINE * 2]):
            if line.group(0).strip(STRIP):
                return line.group(0).strip(), end + line.end()
        return "", end
    return answer, end


def _final_marker(text: str) -> tuple[int, str, int] | None:
    """``(position, answer text, end)`` of the last final-answer marker that is used."""
    found = list(_FINAL.finditer(text))
    for m in reversed(found[-_MAX_MARKERS:]):
        if _marker_is_used(text, m.start()):
            answer, end = _answer_after(m, text)
            return m.start(), answer, end
    return None


def _json_at_end(text: str) -> tuple[int, Any, str] | None:
    """``(position, answer value, reasoning)`` of a flat JSON answer that ends the reply."""
    content_end = len(text.rstrip(" \t\r\n`."))
    last = None
    for m in _FLAT_JSON.finditer(text):
        last = m
    if last is None or last.end() < content_end:
        return None
    try:
        obj = json.loads(last.group(0))
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    lowered = {str(k).lower(): v for k, v in obj.items()}
    key = next((k for k in ANSWER_KEYS if k in lowered), None)
    if key is None:
        return None
    why = next((str(lowered[k]) for k in _REASON_KEYS if k in lowered), "")
    return last.start(), lowered[key], why


def _before(text: str, pos: int) -> str:
    """The text before an answer marker, without a short lead-in on the marker's line."""
    line_start = text.rfind("\n", 0, pos) + 1
    lead = text[line_start:pos]
    keep = lead if len(lead.strip(STRIP)) > _LEAD_IN else ""
    return (text[:line_start] + keep).strip()


def _read_end(rest: str, legal_actions: Mapping[int, str]) -> tuple[Reading, str, str]:
    """``(reading, answer, reasoning)`` of a reply without a marker: the end of its last line.

    Tried in turn: the whole last line, its last sentence, that sentence's last clause; a bare
    option must be all of it, a commitment phrase and an option may be followed by a reason. A
    bare number counts only as the whole reply (at the end of a reasoning it is arithmetic or a
    list's counter more often than an answer: the prompt shows labels, not ids)."""
    lines = [ln for ln in rest.splitlines() if ln.strip()]
    last, before = lines[-1].strip(), "\n".join(lines[:-1]).strip()
    tries = [(last, "", True)]  # (text, what precedes it on the line, may be a bare option)
    sentences = [x for x in re.split(r"(?<=[.!?])\s+", last) if x.strip(STRIP)]
    if len(sentences) > 1:
        tries.append((sentences[-1], last[: last.rfind(sentences[-1])], True))
    clauses = re.split(r"[,;:]\s+", sentences[-1] if sentences else last)
    if len(clauses) > 1:
        tries.append((clauses[-1], last[: last.rfind(clauses[-1])], False))
    specific: Reading | None = None
    for answer, head, bare_ok in tries:
        start = skip(LEAD_WORDS, skip(DECOR, answer.lower()))
        commits = COMMIT.match(start) is not None
        if not commits and (not bare_ok or (start[:1].isdigit() and answer.strip() != rest)):
            continue
        reading = read_option(answer, legal_actions, bare=not commits)
        if reading.committed:
            return reading, answer, "\n".join(x for x in (before, head.strip()) if x)
        if commits and specific is None:
            specific = reading
    if specific is not None:
        return specific, "", rest
    legal, illegal = named_actions(last, legal_actions)
    if legal or illegal:
        what = names_of(legal, illegal, legal_actions)
        why = f"the reply has no final answer (its last line mentions {what} without choosing)"
        return Reading(problem=why), "", rest
    return Reading(problem="the reply names no action"), "", rest


def _refuses(answer: str, rest: str, legal_actions: Mapping[int, str]) -> bool:
    """Whether the reply declines to choose (``I won't pick row 0`` negates an option)."""
    for where in (answer, rest[:_REFUSAL_SPAN]):
        for m in _REFUSAL.finditer(where):
            after = where[m.end() : m.end() + 40].lower()
            after = skip(DECOR, after)
            if option_at_start(after, legal_actions)[2] < 0:
                return True
    return False


def _after_final(after: str, reading: Reading, legal_actions: Mapping[int, str]) -> Reading:
    """The reading, undone when the text after the final answer takes it back."""
    if not reading.committed or not _RECONSIDER.search(after):
        return reading
    legal, illegal = named_actions(after, legal_actions)
    if legal - {reading.action} or illegal - {reading.illegal}:
        return Reading(problem="the reply reconsiders after its final answer")
    return reading


def parse_answer(text: str, legal_actions: Mapping[int, str]) -> ParsedAnswer:
    """Read a reply against the legal actions ``{id: label}``."""
    think, rest, cut_off = split_think(text or "")
    if not rest.strip():
        why = "the reply ends inside its <think> block" if cut_off else "the reply is empty"
        return ParsedAnswer(None, "unparseable", why, "", think)
    final = _final_marker(rest)
    js = _json_at_end(rest)
    if js is not None and (final is None or js[0] > final[0]):
        pos, value, why = js
        answer = value if isinstance(value, str) else json.dumps(value)
        if isinstance(value, int) and not isinstance(value, bool):
            answer = f"action {value}"
        reading = read_option(answer, legal_actions)
        visible = "\n\n".join(x for x in (_before(rest, pos), why) if x)
    elif final is not None:
        pos, answer, end = final
        reading = _after_final(
            rest[end:][:MAX_LINE], read_option(answer, legal_actions), legal_actions
        )
        visible = _before(rest, pos)
    else:
        reading, answer, visible = _read_end(rest, legal_actions)
    reasoning = "\n\n".join(x for x in (think, visible) if x)
    if reading.committed and reading.action is not None:
        return ParsedAnswer(reading.action, "ok", None, answer, reasoning)
    if not reading.committed and _refuses(answer, rest, legal_actions):
        return ParsedAnswer(None, "refused", "the reply declines to choose", answer, reasoning)
    if reading.committed:
        return ParsedAnswer(
            None,
            "illegal",
            f"the reply names {reading.illegal}, which is not a legal action "
            f"(legal: {_labels(legal_actions)})",
            answer,
            reasoning,
        )
    return ParsedAnswer(None, "unparseable", reading.problem, answer, reasoning)


def _labels(legal_actions: Mapping[int, str]) -> str:
    return ", ".join(legal_actions.values())


def retry_message(reason: str | None, legal_actions: Mapping[int, str]) -> str:
    """The message that asks again after a reply that named no single legal action."""
    return (
        f"Your reply could not be used: {reason or 'the reply names no action'}. "
        f"Choose exactly one of: {_labels(legal_actions)}. End with one line in exactly this "
        "form:\nFinal answer: <option>"
    )
