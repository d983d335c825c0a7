"""`stratlens profile`: reasoning styles from the stored traces, and the text classifiers.

    stratlens profile [--store S] [--run R] [--classifier C] [--bootstrap N] [--json]
    stratlens profile classify FILE.jsonl [--classifier C] [--out FILE]
    stratlens profile evaluate [--classifier C ...] [--data FILE.jsonl [--group-by FIELD]]
                               [--folds 5] [--stratified] [--agents] [--json]

The first form labels the stored traces (kept in the store, so each is labelled once per
classifier) and prints per model the text style shares, the behavioural style weights and the
says-vs-does coherence. Classifiers: ``offline`` (default), ``keywords``, ``judge:MODEL`` with
``-M key=value`` options. ``--bootstrap N`` sets the parametric-bootstrap refits behind each
behavioural fit's p-value (default 100; 0: the χ² p alone).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

ACTIONS = ("classify", "evaluate")


def add_parser(sub: Any) -> None:
    from stratlens._cli._profile_eval import add_arguments

    p = sub.add_parser(
        "profile",
        help="reasoning styles of stored traces; classify or evaluate text classifiers",
        usage=(
            "stratlens profile [--store S] [--run R] [--classifier C] [--bootstrap N] [--json]\n"
            "       stratlens profile classify FILE.jsonl [--classifier C] [--out FILE]\n"
            "       stratlens profile evaluate [--classifier C ...] [--data FILE.jsonl "
            "[--group-by FIELD]] [--folds N] [--stratified] [--agents] [--json]"
        ),
    )
    p.add_argument("action", nargs="?", choices=ACTIONS, help="classify or evaluate")
    p.add_argument("file", nargs="?", help="classify: a JSON-lines file with id and text")
    p.add_argument(
        "--classifier",
        action="append",
        default=None,
        help="offline (default), keywords or judge:MODEL (evaluate: repeatable; "
        "default offline and keywords)",
    )
    p.add_argument(
        "-M",
        dest="model_args",
        action="append",
        default=None,
        metavar="KEY=VALUE",
        help="classifier option, e.g. api_base for a judge (repeatable)",
    )
    p.add_argument("--out", help="classify: write here instead of stdout")
    p.add_argument("--folds", type=int, default=None, help="evaluate: folds (default 5)")
    p.add_argument("--seed", type=int, default=None, help="evaluate: fold shuffle seed")
    p.add_argument(
        "--agents",
        action="store_true",
        help="evaluate: also label the reference agents' traces (classic, repeated, sequential)",
    )
    p.add_argument(
        "--store", help="SQLite store (default $STRATLENS_STORE or results/stratlens.db)"
    )
    p.add_argument("--run", action="append", default=None, help="run id (repeatable; default all)")
    p.add_argument(
        "--bootstrap",
        type=int,
        default=None,
        metavar="N",
        help="behavioural fit: parametric-bootstrap refits behind the fit test's p-value "
        "(default 100; 0: the chi-square p alone)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    add_arguments(p)
    p.set_defaults(func=run)


def _refuse(args: argparse.Namespace, names: tuple[str, ...], action: str) -> None:
    from stratlens.errors import UsageError

    flags = {
        "file": "a file argument",
        "out": "--out",
        "folds": "--folds",
        "seed": "--seed",
        "agents": "--agents",
        "store": "--store",
        "run": "--run",
        "data": "--data",
        "group_by": "--group-by",
        "stratified": "--stratified",
        "bootstrap": "--bootstrap",
    }
    for name in names:
        value = getattr(args, name)
        if value not in (None, False):
            raise UsageError(f"{flags[name]} is not used by {action}")


def _options(args: argparse.Namespace) -> dict[str, str]:
    from stratlens.agents import parse_model_args

    return dict(parse_model_args(args.model_args))


def _one_classifier(args: argparse.Namespace) -> str:
    from stratlens.errors import UsageError

    names = args.classifier or ["offline"]
    if len(names) > 1:
        raise UsageError("give one --classifier here")
    return str(names[0])


def run(args: argparse.Namespace) -> int:
    if args.action == "classify":
        return _classify(args)
    if args.action == "evaluate":
        return _evaluate(args)
    return _profile(args)


def _classify(args: argparse.Namespace) -> int:
    from stratlens.errors import UsageError
    from stratlens.profiler.text import make_classifier
    from stratlens.profiler.text.files import check_output, label_records, read_traces, write_jsonl

    _refuse(
        args,
        ("folds", "seed", "agents", "store", "run", "data", "group_by", "stratified", "bootstrap"),
        "profile classify",
    )
    if args.file is None:
        raise UsageError("profile classify needs a FILE.jsonl")
    if args.json:
        raise UsageError("--json is not used by profile classify (it writes JSON lines)")
    out = check_output(args.out) if args.out else None
    records = read_traces(args.file)
    clf = make_classifier(_one_classifier(args), **_options(args))
    labelled = label_records(records, clf)
    write_jsonl(labelled, out)
    failed = sum(1 for r in labelled if r.get("label") is None)
    if failed:
        print(f"stratlens: {failed} of {len(labelled)} traces got no label", file=sys.stderr)
        return 1
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from stratlens._cli._profile_eval import evaluate

    _refuse(args, ("file", "out", "store", "run", "bootstrap"), "profile evaluate")
    return evaluate(args, _options(args))


def _profile(args: argparse.Namespace) -> int:
    from stratlens._cli._common import dump_json
    from stratlens.profiler.stored import profile_store

    _refuse(
        args,
        ("file", "out", "folds", "seed", "agents", "data", "group_by", "stratified"),
        "profile",
    )
    show = not args.json and sys.stderr.isatty()
    rows = profile_store(
        args.store,
        run=args.run,
        classifier=_one_classifier(args),
        options=_options(args),
        progress=_progress if show else None,
        draws=args.bootstrap,
    )
    if args.json:
        print(dump_json(rows))
        return 0
    _print_profiles(rows)
    return 0


def _progress(done: int, total: int) -> None:
    print(f"\rlabelling traces: {done}/{total}", end="" if done < total else "\n", file=sys.stderr)


def _pct(x: float | None) -> str:
    return "-" if x is None or x != x else f"{100 * x:.0f}%"


def _interval(share: float | None, low: float | None, high: float | None) -> str:
    if share is None or share != share:
        return "-"
    return f"{_pct(share)} [{_pct(low)}, {_pct(high)}]"


def _console() -> Any:
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 140)


def _print_profiles(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    from stratlens.profiler.text import LABELS

    console = _console()
    if not rows:
        console.print("no traces in the store")
        return
    classifier = rows[0]["text"]["classifier"]
    t = Table(title=f"Reasoning styles per model (text: {classifier}; 95% intervals)")
    t.add_column("model")
    t.add_column("source")
    for k in LABELS:
        t.add_column(k, justify="right")
    t.add_column("n", justify="right")
    for r in rows:
        shares = r["text"]["shares"]
        t.add_row(
            r["model"],
            "text",
            *(_interval(shares[k]["share"], shares[k]["low"], shares[k]["high"]) for k in LABELS),
            str(r["text"]["n"]),
        )
        b = r["behavior"]
        if b is None:
            t.add_row("", "behaviour", *(["-"] * len(LABELS)), "-")
        else:
            weights = b.get("weights", {})
            bounds = b.get("intervals") or {}
            fit = b.get("fit") or {}
            t.add_row(
                "",
                "behaviour (no fit)" if fit.get("rejected") else "behaviour",
                *(
                    _interval(weights.get(k), *bounds[k]) if k in bounds else _pct(weights.get(k))
                    for k in LABELS
                ),
                str(b.get("n_decisions", "-")),
            )
        c = r["coherence"]
        t.add_row(
            "", "says = does", _interval(c["rate"], c["low"], c["high"]), "", "", "", str(c["n"])
        )
    console.print(t)
    for r in rows:
        unlabelled = r["text"].get("unlabelled") or {}
        if unlabelled:
            why = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in unlabelled.items())
            console.print(f"{r['model']}: {sum(unlabelled.values())} traces not labelled ({why})")
    for r in rows:
        fit = (r["behavior"] or {}).get("fit")
        if fit:
            console.print(f"behaviour fit, {r['model']}: {fit['verdict']}")
    missing = [r for r in rows if r["behavior"] is None]
    if missing:
        console.print(f"behaviour: {missing[0].get('behavior_error', 'not available')}")
