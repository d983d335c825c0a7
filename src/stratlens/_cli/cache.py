"""`stratlens cache stats|clear`: the response cache of API models."""

from __future__ import annotations

import argparse
from typing import Any

from stratlens._cli._common import Parser


def add_parser(sub: Any) -> None:
    cache = sub.add_parser("cache", help="the response cache of API models")
    csub = cache.add_subparsers(dest="cache_command", required=True, parser_class=Parser)
    st = csub.add_parser("stats", help="entries, size and hits, per model")
    st.add_argument("--cache", help="cache file (default $STRATLENS_CACHE or results/cache.db)")
    st.add_argument("--json", action="store_true")
    cl = csub.add_parser("clear", help="remove cached responses")
    cl.add_argument("--cache", help="cache file (default $STRATLENS_CACHE or results/cache.db)")
    cl.add_argument("--model", help="only this model's responses")
    cache.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from stratlens._cli._common import dump_json
    from stratlens.agents._cache import ResponseCache, check_cache_file, resolve_cache_path

    path = resolve_cache_path(args.cache)
    check_cache_file(path)
    if not path.exists():
        if args.cache_command == "clear":
            print(f"no cache at {path}; nothing to clear")
            return 0
        stats = None
    else:
        with ResponseCache(path) as cache:
            if args.cache_command == "clear":
                removed = cache.clear(args.model)
                what = f" of {args.model}" if args.model else ""
                print(f"removed {removed} cached responses{what} from {path}")
                return 0
            stats = cache.stats()
    if args.json:
        out = asdict(stats) if stats else {"path": str(path), "entries": 0, "bytes": 0, "hits": 0}
        print(dump_json(out))
        return 0
    if stats is None:
        print(f"no cache at {path}")
        return 0
    print(
        f"{stats.path}: {stats.entries} responses, {stats.bytes / 1e6:.2f} MB, "
        f"{stats.hits} hits so far"
    )
    for m in stats.models:
        print(f"  {m['model']}: {m['entries']} responses, {m['hits']} hits")
    return 0
