"""`stratlens store check [--repair]`: whether every done episode holds what its play made."""

from __future__ import annotations

import argparse
from typing import Any

from stratlens._cli._common import Parser

#: How many damaged episodes the text report lists one by one.
SHOWN = 20


def add_parser(sub: Any) -> None:
    store = sub.add_parser("store", help="the results store: consistency check and repair")
    ssub = store.add_subparsers(dest="store_command", required=True, parser_class=Parser)
    ck = ssub.add_parser(
        "check",
        help="replay every done episode: all of its decisions there, its payoffs the game's",
    )
    ck.add_argument(
        "--store", help="SQLite store (default $STRATLENS_STORE or results/stratlens.db)"
    )
    ck.add_argument(
        "--repair",
        action="store_true",
        help="mark damaged episodes not done, so that rerunning their command plays them again",
    )
    ck.add_argument("--json", action="store_true")
    store.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from stratlens._cli._common import EXIT_FAILED, dump_json
    from stratlens.errors import UsageError
    from stratlens.results.check import check_store
    from stratlens.results.store import Store, resolve_store_path

    path = resolve_store_path(args.store)
    if not path.is_file():
        raise UsageError(f"no store at {path}")
    with Store(path) as store:  # an older store is migrated first, where it can be written
        report = check_store(store, repair=args.repair)
    status = 0 if report.ok or report.repaired == len(report.damaged) else EXIT_FAILED
    if args.json:
        out = asdict(report)
        out["ok"] = report.ok
        print(dump_json(out))
        return status
    print(
        f"{report.path}: {report.checked} done episodes checked ({report.replayed} replayed), "
        f"{len(report.damaged)} damaged, {report.running} not finished"
    )
    for d in report.damaged[:SHOWN]:
        print(f"  {d.run_id} {d.episode_id} {d.game_id}: {d.problem}")
    if len(report.damaged) > SHOWN:
        print(f"  … and {len(report.damaged) - SHOWN} more (--json lists them all)")
    if report.repaired:
        print(
            f"marked {report.repaired} episodes not done: rerun the commands of their runs to "
            "play them again"
        )
    elif report.damaged:
        print("run `stratlens store check --repair` to mark them not done, then rerun")
    return status
