"""Label a JSON-lines file of traces: read every line first, write the result atomically.

Input: one JSON object per line with at least ``id`` (a string or a number) and ``text`` (a
string); blank lines are skipped. Output: one line per input, the input's fields with
``label``, ``scores`` (label → probability) and ``evidence`` set (``label`` null and ``error``
set where the classifier gave no label). Any bad line stops everything before a classifier is
built or a byte is written; the output file is written to a temporary file beside it and
renamed, so it is never left half-written.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stratlens.errors import UsageError
from stratlens.profiler.text._base import TextClassifier


def read_traces(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The records of ``path``; a `UsageError` naming the first bad line otherwise."""
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"cannot read {p}: {reason}") from None
    records = []
    for n, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{p} line {n}: not JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise UsageError(f"{p} line {n}: not a JSON object")
        if "id" not in obj or not isinstance(obj["id"], str | int) or isinstance(obj["id"], bool):
            raise UsageError(f"{p} line {n}: needs an 'id' (a string or an integer)")
        if not isinstance(obj.get("text"), str):
            raise UsageError(f"{p} line {n}: needs a 'text' string")
        records.append(obj)
    if not records:
        raise UsageError(f"{p}: no traces")
    return records


def check_output(path: str | os.PathLike[str]) -> Path:
    """``path`` if a file can be written there (its folder exists and is writable)."""
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"--out {p} is a folder")
    folder = p.absolute().parent
    if not folder.is_dir():
        raise UsageError(f"--out {p}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"--out {p}: folder {folder} is not writable")
    return p


def label_records(records: Sequence[dict[str, Any]], clf: TextClassifier) -> list[dict[str, Any]]:
    """Each record with ``label``, ``scores`` and ``evidence`` (and ``error``) set."""
    answers = clf.classify([str(r["text"]) for r in records])
    out = []
    for r, a in zip(records, answers, strict=True):
        rec = {k: v for k, v in r.items() if k not in ("label", "scores", "evidence", "error")}
        rec.update(a.to_json())
        out.append(rec)
    return out


def write_jsonl(records: Sequence[dict[str, Any]], out: Path | None) -> None:
    """JSON lines to ``out`` (atomically) or, when ``out`` is None, to stdout."""
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.absolute().parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
