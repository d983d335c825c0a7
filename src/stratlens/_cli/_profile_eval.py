"""`stratlens profile evaluate`: agreement of text classifiers with labelled traces, printed.

Without ``--data`` each classifier is cross-validated on the package's corpus (folds grouped by
writer family, or stratified with ``--stratified``); with ``--data FILE.jsonl`` it labels that
file as it is and is scored against the file's labels, per ``--group-by`` field as well
(default ``source_repo`` when every record has one).
"""

from __future__ import annotations

import argparse
from typing import Any

DEFAULT_EVALUATED = ("offline", "keywords")
DEFAULT_GROUP_FIELD = "source_repo"


def evaluate(args: argparse.Namespace, options: dict[str, str]) -> int:
    from stratlens._cli._common import dump_json
    from stratlens._cli._reference_agents import REFERENCE_SUITES, reference_check
    from stratlens.errors import UsageError
    from stratlens.profiler.text import corpus_hash, cross_validate, load_corpus
    from stratlens.profiler.text.evaluate import evaluate_file, read_labelled

    names = args.classifier or list(DEFAULT_EVALUATED)
    if args.data is not None:
        if args.folds is not None or args.seed is not None or args.stratified:
            raise UsageError("--folds, --seed and --stratified are for the corpus, not --data")
        group = args.group_by
        if group is None:
            records = read_labelled(args.data, None)
            group = DEFAULT_GROUP_FIELD if all(DEFAULT_GROUP_FIELD in r for r in records) else None
        else:
            read_labelled(args.data, group)  # a bad file or field fails before any classifier
        evaluations = [
            evaluate_file(n, args.data, group_field=group, options=options if ":" in n else None)
            for n in names
        ]
    else:
        if args.group_by is not None:
            raise UsageError("--group-by goes with --data")
        folds = 5 if args.folds is None else args.folds
        seed = 0 if args.seed is None else args.seed
        evaluations = [
            cross_validate(
                n,
                folds=folds,
                seed=seed,
                grouped=not args.stratified,
                options=options if ":" in n else None,
            )
            for n in names
        ]
    checks = (
        {
            n: [
                c.to_json()
                for suite in REFERENCE_SUITES
                for c in reference_check(n, suite=suite, options=options if ":" in n else None)
            ]
            for n in names
        }
        if args.agents
        else None
    )
    if args.json:
        out = {
            "corpus": {"n": len(load_corpus()), "sha256": corpus_hash()},
            "evaluations": [e.to_json() for e in evaluations],
            "reference_agents": checks,
        }
        print(dump_json(out))
        return 0
    print_evaluations(evaluations, checks)
    return 0


def _console() -> Any:
    import sys

    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 140)


def _pct(x: float | None) -> str:
    return "-" if x is None or x != x else f"{100 * x:.0f}%"


def _title(e: Any) -> str:
    if e.data == "corpus":
        how = "folds grouped by writer family" if e.grouped else "stratified folds"
        return f"Cross-validated agreement with the corpus labels ({e.n} traces, {how})"
    return f"Agreement with the labels of {e.data} ({e.n} traces)"


def print_evaluations(
    evaluations: list[Any], checks: dict[str, list[dict[str, Any]]] | None
) -> None:
    from rich.table import Table

    from stratlens.profiler.text import LABELS

    console = _console()
    head = Table(title=_title(evaluations[0]))
    cols = (
        "classifier",
        "macro-F1",
        "95% interval",
        "fold range",
        "accuracy",
        "kappa",
        "log loss",
        "Brier",
    )
    for col in (*cols, "ECE", "abstained", "F1 labelled"):
        head.add_column(col, justify="left" if col == "classifier" else "right")
    for e in evaluations:
        abstained = sum(e.abstained.values())
        head.add_row(
            e.classifier,
            f"{e.macro_f1:.3f}",
            "{:.2f}-{:.2f}".format(*e.macro_f1_interval),
            f"{min(e.fold_macro_f1):.2f}-{max(e.fold_macro_f1):.2f}" if e.folds else "-",
            f"{e.accuracy:.3f}",
            f"{e.kappa:.3f}",
            f"{e.log_loss:.3f}",
            f"{e.brier:.3f}",
            f"{e.ece:.3f}",
            ", ".join(f"{k} {v}" for k, v in e.abstained.items()) if abstained else "0",
            f"{e.labelled_macro_f1:.3f}",
        )
    console.print(head)
    for e in evaluations:
        t = Table(title=f"{e.classifier}: per class, and confusion (rows: true label)")
        t.add_column("label")
        for col in ("precision", "recall", "F1", "n", *LABELS, "none"):
            t.add_column(col, justify="right")
        for i, k in enumerate(LABELS):
            pc = e.per_class[k]
            t.add_row(
                k,
                f"{pc['precision']:.3f}",
                f"{pc['recall']:.3f}",
                f"{pc['f1']:.3f}",
                str(pc["n"]),
                *(str(v) for v in e.confusion[i]),
            )
        console.print(t)
        if e.by_tag:
            tags = ", ".join(
                f"{tag} {v['accuracy']:.2f} (n={v['n']})" for tag, v in e.by_tag.items()
            )
            console.print(f"accuracy by tag: {tags}")
        if e.by_language:
            langs = ", ".join(
                f"{k} {v['accuracy']:.2f} (n={v['n']}, {v['abstained']} unlabelled, "
                f"{v['confident_wrong']} wrong with p>=0.5)"
                for k, v in e.by_language.items()
            )
            console.print(f"accuracy by language: {langs}")
        if e.by_group and e.data != "corpus":
            g = Table(title=f"{e.classifier}: per {e.group_field}")
            for col in (e.group_field or "group", "n", "accuracy", "macro-F1", "abstained"):
                g.add_column(col, justify="left" if col == e.group_field else "right")
            for name, v in e.by_group.items():
                g.add_row(
                    name,
                    str(v["n"]),
                    f"{v['accuracy']:.2f}",
                    f"{v['macro_f1']:.2f}",
                    str(v["abstained"]),
                )
            console.print(g)
        r = Table(title=f"{e.classifier}: reliability (top score against accuracy)")
        for col in ("confidence bin", "n", "mean confidence", "accuracy"):
            r.add_column(col, justify="right")
        for row in e.reliability:
            r.add_row(
                f"{row['low']:.1f}-{row['high']:.1f}",
                str(row["n"]),
                f"{row['confidence']:.2f}",
                f"{row['accuracy']:.2f}",
            )
        console.print(r)
    if checks:
        t = Table(title="Reference agents' traces (cot, 5 episodes per game and role)")
        for col in ("classifier", "suite", "agent", "style", "traces", "majority", "own style"):
            t.add_column(col)
        for name, rows in checks.items():
            for row in rows:
                t.add_row(
                    name,
                    row["suite"],
                    row["agent"],
                    row["style"],
                    str(row["n"]),
                    row["majority"],
                    _pct(row["share"]),
                )
        console.print(t)


def add_arguments(p: Any) -> None:
    """The options only ``profile evaluate`` takes."""
    p.add_argument("--data", help="evaluate: a labelled JSON-lines file (id, text, label)")
    p.add_argument(
        "--group-by",
        help=f"evaluate --data: report per this field (default {DEFAULT_GROUP_FIELD} if present)",
    )
    p.add_argument(
        "--stratified",
        action="store_true",
        help="evaluate: stratified corpus folds instead of folds grouped by writer family",
    )
