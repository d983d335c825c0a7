"""`stratlens import inspect LOGS…` and `stratlens export`: the store and other tools' files.

Both need the ``[inspect]`` extra for Inspect logs (``export --format jsonl`` does not).
"""

from __future__ import annotations

import argparse
from typing import Any

from stratlens._cli._common import Parser

FORMATS = ("jsonl", "inspect")


def add_parser(sub: Any) -> None:
    imp = sub.add_parser("import", help="read other tools' logs into the store as runs")
    kinds = imp.add_subparsers(dest="kind", required=True, parser_class=Parser)
    ins = kinds.add_parser(
        "inspect", help="Inspect AI logs (.eval/.json, or folders of them) of stratlens tasks"
    )
    ins.add_argument("logs", nargs="+", metavar="LOG", help="log files or folders")
    ins.add_argument(
        "--store", help="SQLite store (default $STRATLENS_STORE or results/stratlens.db)"
    )
    ins.add_argument("--json", action="store_true", help="print what was imported as JSON")
    ins.set_defaults(func=run_import)

    exp = sub.add_parser(
        "export", help="write runs as per-decision JSONL (lm-eval --log_samples) or Inspect logs"
    )
    exp.add_argument("out", metavar="OUT", help="output file (jsonl; - for stdout) or folder")
    exp.add_argument("--format", required=True, choices=FORMATS, help="jsonl or inspect")
    exp.add_argument("--run", default=None, help="a run id or a unique prefix (default: all)")
    exp.add_argument(
        "--store", help="SQLite store (default $STRATLENS_STORE or results/stratlens.db)"
    )
    exp.set_defaults(func=run_export)


def _inspect_module(name: str) -> Any:
    from importlib import import_module

    from stratlens.errors import UsageError

    try:
        return import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] == "inspect_ai":
            raise UsageError(
                "Inspect AI is not installed: pip install 'stratlens[inspect]'"
            ) from None
        raise


def _readable_store(path: str | None) -> Any:
    from stratlens.errors import UsageError
    from stratlens.results.store import Store, resolve_store_path

    where = resolve_store_path(path)
    if not where.is_file():
        raise UsageError(f"no store at {where}")
    return Store(where, readonly=True)


def run_import(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from stratlens._cli._common import dump_json
    from stratlens.results.store import check_store_location, open_store, resolve_store_path

    logs = _inspect_module("stratlens.bridges.inspect_logs")
    found = logs.read_logs(args.logs)  # every log read and checked before the store is opened
    check_store_location(resolve_store_path(args.store))
    with open_store(args.store) as store:
        report = logs.import_logs(found, store)
        where = store.path
    if args.json:
        print(dump_json({**asdict(report), "store": str(where)}))
        return 0
    print(
        f"imported {report.imported} episodes of {len(report.runs)} runs "
        f"({report.new_runs} new) from {report.logs} logs into {where}; "
        f"{report.skipped} already there, {report.errored_samples} samples with errors left out"
    )
    return 0


def run_export(args: argparse.Namespace) -> int:
    import json
    import os
    import sys
    from pathlib import Path

    from stratlens.bridges._stored import iter_runs, selected_runs

    with _readable_store(args.store) as store:
        selected_runs(store, args.run)  # a bad --run: one line, nothing written
        if args.format == "inspect":
            logs = _inspect_module("stratlens.bridges.inspect_logs")
            written = logs.export_runs(iter_runs(store, args.run), Path(args.out))
            print(f"wrote {len(written)} Inspect logs: {', '.join(map(str, written))}")
            return 0
        from stratlens.bridges.export_jsonl import decision_lines

        if args.out == "-":
            for stored in iter_runs(store, args.run):
                for line in decision_lines(stored):
                    sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
            return 0
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.partial")
        n = 0
        try:
            with partial.open("w", encoding="utf-8") as fh:
                for stored in iter_runs(store, args.run):
                    for line in decision_lines(stored):
                        fh.write(json.dumps(line, ensure_ascii=False) + "\n")
                        n += 1
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
    print(f"wrote {n} decisions to {out}")
    return 0
