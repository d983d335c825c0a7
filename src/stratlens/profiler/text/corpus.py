"""The labelled corpus of reasoning traces shipped with the package.

``stratlens/profiler/corpus/traces.jsonl`` holds one trace per line (see the README beside
it): ``id``, ``text``, ``label``, ``game``, ``family``, ``player``, ``language``, ``writer``,
``register``, ``tags``, ``provenance`` and ``labeller``. The offline classifier is trained on
it, and ``stratlens profile evaluate`` cross-validates every classifier on it, with folds
grouped by `CorpusEntry.group` (writer and register).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from stratlens.errors import StratlensError
from stratlens.profiler.text._base import LABELS

CORPUS_FILE = "traces.jsonl"


@dataclass(frozen=True)
class CorpusEntry:
    id: str
    text: str
    label: str
    game: str
    family: str
    player: int
    tags: tuple[str, ...]
    provenance: str
    labeller: str
    language: str = "en"
    writer: str = "v1"
    register: str = "plain"

    @property
    def group(self) -> str:
        """The writer family of the trace (writer and register): the cross-validation group."""
        return f"{self.writer}/{self.register}"


def _raw() -> bytes:
    return resources.files("stratlens.profiler").joinpath("corpus", CORPUS_FILE).read_bytes()


@cache
def corpus_hash() -> str:
    """SHA-256 of the corpus file: the identity of a classifier trained on it."""
    return hashlib.sha256(_raw()).hexdigest()


@cache
def load_corpus() -> tuple[CorpusEntry, ...]:
    """Every trace of the corpus, in file order."""
    out: list[CorpusEntry] = []
    for n, line in enumerate(_raw().decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            entry = CorpusEntry(
                id=str(d["id"]),
                text=str(d["text"]),
                label=str(d["label"]),
                game=str(d["game"]),
                family=str(d["family"]),
                player=int(d["player"]),
                tags=tuple(str(t) for t in d["tags"]),
                provenance=str(d["provenance"]),
                labeller=str(d["labeller"]),
                language=str(d["language"]),
                writer=str(d["writer"]),
                register=str(d["register"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise StratlensError(f"corpus line {n}: {exc}") from exc
        if entry.label not in LABELS:
            raise StratlensError(f"corpus line {n}: unknown label {entry.label!r}")
        out.append(entry)
    return tuple(out)
