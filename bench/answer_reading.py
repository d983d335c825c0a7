"""How the strict answer reader changes readings, beside the reader it replaced, in one run.

    python bench/answer_reading.py [--set tests/agents/data/replies.jsonl] [--old COMMIT]
                                   [--store FILE ...] [--show N]

Both readers read the same replies:

- ``new``: `stratlens.agents.parsing.parse_answer` of this checkout;
- ``old``: the same module as it was at ``--old`` (default: the last commit before strict
  reading), loaded from git history (``git show``), so the comparison needs no frozen copy.

On the labelled set (each reply with its legal actions and the status and action that the
answer-reading contract gives it, labelled by reading it): each reader's accuracy (status and
action both right), per ``source`` and overall, and its errors by kind; then how many of the
old reader's ``ok`` readings the new one changes, and to what. With ``--store``, the same
old-vs-new table over every decision of a model (``baseline/`` agents left out: their replies
are written by the agent) in those stratlens stores: the final attempt's reply, re-read
against its stored legal actions. ``--show N`` prints up to N changed readings.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import types
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

#: the last commit whose answer reader was the lenient one
OLD_READER = "dee6bcdfb01f5489ec5422a1e7514e52a959b81c"
Reader = Callable[[str, Mapping[int, str]], Any]


def old_reader(commit: str) -> Reader:
    """``parse_answer`` of ``src/stratlens/agents/parsing.py`` at ``commit``."""
    try:
        source = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{commit}:src/stratlens/agents/parsing.py"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(f"error: cannot read the old reader at {commit}: {exc}") from None
    module = types.ModuleType("stratlens_old_parsing")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{commit[:10]}:parsing.py", "exec"), module.__dict__)
    reader: Reader = module.parse_answer
    return reader


def load_set(path: Path) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                row = json.loads(line)
                row["legal"] = {int(k): v for k, v in row["legal"].items()}
            except (ValueError, KeyError, AttributeError) as exc:
                raise SystemExit(f"error: {path}:{n}: not a labelled reply ({exc})") from None
            rows.append(row)
    return rows


def store_replies(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Every model decision of the stores: its final reply and legal actions."""
    from stratlens.contracts import final_output

    rows = []
    for path in paths:
        if not path.is_file():
            raise SystemExit(f"error: no store at {path}")
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            found = con.execute(
                "SELECT model, raw_output, attempts, legal_actions, parse_status, action "
                "FROM decisions WHERE model NOT LIKE 'baseline/%' AND parse_status != 'error'"
            ).fetchall()
        except sqlite3.Error as exc:
            raise SystemExit(f"error: {path} is not a stratlens store ({exc})") from None
        finally:
            con.close()
        for model, raw, attempts, legal, status, action in found:
            rows.append(
                {
                    "id": f"{path.name}:{model}",
                    "text": final_output(raw, attempts),
                    "legal": {int(k): v for k, v in json.loads(legal).items()},
                    "source": model,
                    "stored": (status, action),
                }
            )
    return rows


def reading(reader: Reader, row: Mapping[str, Any]) -> tuple[str, int | None]:
    p = reader(row["text"], row["legal"])
    return p.status, p.action


def changes(old: list[tuple[str, int | None]], new: list[tuple[str, int | None]]) -> Counter[str]:
    """``old -> new`` counts of the readings that differ."""
    return Counter(
        f"{o[0]}{'' if o[1] is None else ' ' + str(o[1])} -> "
        f"{n[0]}{'' if n[1] is None else ' ' + str(n[1])}"
        for o, n in zip(old, new, strict=True)
        if o != n
    )


def report_changes(
    prefix: str, old: list[tuple[str, int | None]], new: list[tuple[str, int | None]]
) -> None:
    """How many of the old reader's 'ok' readings the new one changes, and every change."""
    ok_old = [i for i, o in enumerate(old) if o[0] == "ok"]
    moved = changes([old[i] for i in ok_old], [new[i] for i in ok_old])
    print(
        f"{prefix}old 'ok' readings: {len(ok_old)}; changed: {sum(moved.values())} ({dict(moved)})"
    )
    print(f"all changed readings: {dict(changes(old, new))}")


def report_set(rows: list[dict[str, Any]], old_r: Reader, new_r: Reader, show: int) -> None:
    old = [reading(old_r, r) for r in rows]
    new = [reading(new_r, r) for r in rows]
    truth = [(r["status"], r["action"]) for r in rows]
    by_source = Counter(r["source"] for r in rows)
    print(f"labelled replies: {len(rows)}")
    print(f"{'source':<80} {'n':>4} {'old':>6} {'new':>6}")
    for source in sorted(by_source):
        idx = [i for i, r in enumerate(rows) if r["source"] == source]
        o = sum(old[i] == truth[i] for i in idx) / len(idx)
        n = sum(new[i] == truth[i] for i in idx) / len(idx)
        print(f"{source[:80]:<80} {len(idx):>4} {o:>6.3f} {n:>6.3f}")
    o_all = sum(a == t for a, t in zip(old, truth, strict=True))
    n_all = sum(a == t for a, t in zip(new, truth, strict=True))
    print(f"{'all':<80} {len(rows):>4} {o_all / len(rows):>6.3f} {n_all / len(rows):>6.3f}")
    for name, got in (("old", old), ("new", new)):
        wrong = Counter(
            "a move where the label has none"
            if g[1] is not None and t[1] is None
            else "no move where the label has one"
            if g[1] is None and t[1] is not None
            else "another move"
            if g[1] != t[1]
            else f"status {g[0]} for {t[0]}"
            for g, t in zip(got, truth, strict=True)
            if g != t
        )
        print(f"{name} reader's errors: {dict(wrong) or 'none'}")
    report_changes("", old, new)
    shown = [i for i in range(len(rows)) if old[i] != new[i]][:show]
    for i in shown:
        text = rows[i]["text"].replace("\n", "⏎")
        print(f"  {rows[i]['id']}: old {old[i]} new {new[i]} label {truth[i]}: {text[:120]!r}")


def report_store(rows: list[dict[str, Any]], old_r: Reader, new_r: Reader) -> None:
    old = [reading(old_r, r) for r in rows]
    new = [reading(new_r, r) for r in rows]
    report_changes(f"stored model decisions: {len(rows)}; ", old, new)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, default=ROOT / "tests/agents/data/replies.jsonl")
    ap.add_argument("--old", default=OLD_READER, help="the commit of the old reader")
    ap.add_argument("--store", type=Path, nargs="*", default=[])
    ap.add_argument("--show", type=int, default=0)
    args = ap.parse_args()
    if not args.set.is_file():
        raise SystemExit(f"error: no labelled set at {args.set}")
    rows = load_set(args.set)
    stored = store_replies(args.store)
    from stratlens.agents.parsing import parse_answer

    old_r = old_reader(args.old)
    report_set(rows, old_r, parse_answer, args.show)
    if stored:
        report_store(stored, old_r, parse_answer)


if __name__ == "__main__":
    main()
