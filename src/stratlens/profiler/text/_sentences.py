"""Sentences of a trace, and the part of it where the decision is made.

A reasoning trace ends where it decides: the last few sentences, and whatever follows the last
turn of the argument ("But …", "Hold on …", "Actually …") usually carry the decisive step,
while the opening may weigh other styles' arguments first. The ``Final answer:`` line names the
action only and is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ANSWER_LINE = re.compile(r"^[\s*#>_-]*final\s+answer\s*:.*$", re.IGNORECASE | re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(*A-Z0-9])")
_HEADING = re.compile(r"^\s*(#{1,6}\s+.*|\*\*[^*]{1,60}\*\*:?\s*)$")
_TABLE_ROW = re.compile(r"^\s*\|")
#: Words that open a turn of the argument: what follows tends to override what came before.
CONTRAST = re.compile(
    r"^\W*(but|however|still|hold on|wait|actually|honestly|that said|instead|hmm,? but|"
    r"on the other hand|then again|even so|yet|though|let me (?:step back|instead|just))\b",
    re.IGNORECASE,
)
TAIL_SENTENCES = 3


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # character offsets into the original text
    end: int
    heading: bool = False


def strip_answer(text: str) -> str:
    """``text`` without its ``Final answer: …`` line(s)."""
    return _ANSWER_LINE.sub("", text).strip()


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with their offsets in ``text``; each line of a list or heading is one unit.

    Markdown table rows and ``Final answer`` lines are left out.
    """
    out: list[Sentence] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        start_line = pos
        pos += len(line)
        body = line.strip()
        if not body or _TABLE_ROW.match(line) or _ANSWER_LINE.fullmatch(line.rstrip("\n")):
            continue
        offset = start_line + line.index(body)
        if _HEADING.match(body):
            out.append(Sentence(body, offset, offset + len(body), heading=True))
            continue
        cursor = 0
        for m in _SENTENCE_END.finditer(body):
            piece = body[cursor : m.start()].strip()
            if piece:
                out.append(Sentence(piece, offset + cursor, offset + m.start()))
            cursor = m.end()
        piece = body[cursor:].strip()
        if piece:
            at = body.index(piece, cursor)
            out.append(Sentence(piece, offset + at, offset + at + len(piece)))
    return out


def content(sentences: list[Sentence]) -> list[Sentence]:
    """The sentences that are not headings."""
    return [s for s in sentences if not s.heading]


def tail(sentences: list[Sentence], n: int = TAIL_SENTENCES) -> list[Sentence]:
    """The last ``n`` content sentences."""
    body = content(sentences)
    return body[-n:]


def after_turn(sentences: list[Sentence]) -> list[Sentence]:
    """The sentences from the last turn of the argument in the second half to the end.

    Without such a turn, the second half of the trace.
    """
    body = content(sentences)
    if not body:
        return []
    half = len(body) // 2
    for i in range(len(body) - 1, half - 1, -1):
        if CONTRAST.match(body[i].text):
            return body[i:]
    return body[half:]


def views(text: str) -> tuple[str, str, str]:
    """(the whole trace, its last sentences, what follows its last turn), answer line removed."""
    sents = split_sentences(text)
    whole = " ".join(s.text for s in content(sents)) or strip_answer(text)
    return (
        whole,
        " ".join(s.text for s in tail(sents)),
        " ".join(s.text for s in after_turn(sents)),
    )
