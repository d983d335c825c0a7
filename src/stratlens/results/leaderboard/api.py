"""`build_leaderboard` and `write_leaderboard`: from a store to the leaderboard folder."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stratlens._progress import Steps, report
from stratlens.errors import UsageError
from stratlens.results._paths import require_runs
from stratlens.results.leaderboard import _codec, export, html, model_page, plots
from stratlens.results.leaderboard._memo import Memo, write_memo
from stratlens.results.leaderboard.build import Leaderboard, build
from stratlens.results.leaderboard.publish import FolderWriter, check_target, publish
from stratlens.results.leaderboard.summaries import write_cache
from stratlens.results.metrics import LEVEL, N_BOOT
from stratlens.results.store import Store, resolve_store_path
from stratlens.results.structure_analysis import StructureResult

DEFAULT_OUT = Path("results") / "leaderboard"
StoreArg = Store | str | os.PathLike[str] | None


@dataclass(frozen=True)
class WriteReport:
    out: str
    files: list[str]
    entries: int
    generated_from: str
    runs: int
    computed: int  # run summaries computed in this regeneration
    reused: int  # run summaries read from the cache
    ranking: str = ""  # the ranking as a Markdown table (what leaderboard.md holds)


@contextmanager
def _store(store: StoreArg) -> Iterator[Store]:
    if isinstance(store, Store):
        yield store
        return
    path = resolve_store_path(store)
    if not path.is_file():
        raise UsageError(f"no store at {path} (run `stratlens eval` first, or pass --store)")
    with Store(path) as opened:
        yield opened


def build_leaderboard(
    store: StoreArg = None,
    *,
    n_boot: int = N_BOOT,
    level: float = LEVEL,
    seed: int = 0,
    use_cache: bool = True,
    write_back: bool = True,
    steps: Steps | None = None,
) -> Leaderboard:
    """The leaderboard's tables for the store (a `Store`, a path, or the default store).

    Run summaries are read from the cache where the run is unchanged (``use_cache``) and the
    new ones written back (``write_back``).
    """
    _check(n_boot, level)
    with _store(store) as opened:
        lb, memo = _build(opened, n_boot, level, seed, use_cache, steps)
        if write_back:
            _write_back(opened, memo)
    return lb


def _check(n_boot: int, level: float) -> None:
    if n_boot < 100:
        raise UsageError(f"the bootstrap needs at least 100 resamples, got {n_boot}")
    if not 0.5 <= level < 1:
        raise UsageError(f"the interval level must be in [0.5, 1), got {level}")


def _build(
    opened: Store, n_boot: int, level: float, seed: int, use_cache: bool, steps: Steps | None
) -> tuple[Leaderboard, Memo]:
    memo = Memo(opened.conn, enabled=use_cache)
    lb, fresh = build(
        opened.conn, n_boot=n_boot, level=level, seed=seed, use_cache=use_cache, steps=steps,
        memo=memo,
    )  # fmt: skip
    memo.summaries = fresh
    return lb, memo


def _write_back(opened: Store, memo: Memo) -> None:
    """The fresh run summaries and steps into the cache (a read-only copy: never)."""
    if not opened.readonly:
        write_cache(opened.conn, memo.summaries)
        write_memo(opened.conn, memo)


def render_files(
    lb: Leaderboard,
    writer: FolderWriter,
    steps: Steps | None = None,
    memo: Memo | None = None,
) -> None:
    """Every file of the leaderboard folder, in a fixed order (figures looked up in
    ``memo`` by what they show, where given)."""
    memo = Memo(None, enabled=False) if memo is None else memo
    report(steps, "pages and plots", 0, len(lb.entries) + 1)
    writer.write("index.html", html.render_index(lb))
    writer.write("leaderboard.md", export.to_markdown(lb))
    writer.write("leaderboard.csv", export.to_csv(lb))
    writer.write("per_game.csv", export.per_game_csv(lb))
    writer.write("leaderboard.json", export.to_json(lb))
    labels, scores = [en.key for en in lb.entries], [en.headline for en in lb.entries]
    png, svg = _figure(
        memo, ["headline", labels, [_codec.est(s) for s in scores]],
        lambda: plots.headline_plot(labels, scores),
    )  # fmt: skip
    writer.write("plots/headline.png", png)
    writer.write("plots/headline.svg", svg)
    if lb.pooled is not None:
        png, svg = _structure_figure(memo, "all models pooled", lb.pooled)
        writer.write("plots/structure-all.png", png)
        writer.write("plots/structure-all.svg", svg)
    for i, en in enumerate(lb.entries):
        report(steps, "pages and plots", i + 1, len(lb.entries) + 1)
        plot = None
        if en.structure is not None:
            png, svg = _structure_figure(memo, en.key, en.structure)
            plot = f"structure-{en.slug}.svg"
            writer.write(f"plots/structure-{en.slug}.png", png)
            writer.write(f"plots/{plot}", svg)
        writer.write(f"models/{en.slug}.html", model_page.render_model(lb, en, plot))
    report(steps, "pages and plots", len(lb.entries) + 1, len(lb.entries) + 1)


def _figure(
    memo: Memo, parts: list[Any], draw: Callable[[], tuple[bytes, bytes]]
) -> tuple[bytes, bytes]:
    def encode(pair: tuple[bytes, bytes]) -> list[str]:
        return [base64.b64encode(b).decode() for b in pair]

    def decode(v: list[str]) -> tuple[bytes, bytes]:
        return base64.b64decode(v[0]), base64.b64decode(v[1])

    return memo.get("figure", parts, draw, encode, decode)


def _structure_figure(memo: Memo, title: str, result: StructureResult) -> tuple[bytes, bytes]:
    corr, reg = result.correlations, result.regressions
    shown = [
        title, list(corr.columns), corr.to_numpy().tolist(), list(reg.columns),
        reg.to_numpy().tolist(),
    ]  # fmt: skip
    return _figure(memo, ["structure", *shown], lambda: plots.structure_plot(title, corr, reg))


def write_leaderboard(
    store: StoreArg = None,
    out: str | os.PathLike[str] = DEFAULT_OUT,
    *,
    n_boot: int = N_BOOT,
    level: float = LEVEL,
    seed: int = 0,
    use_cache: bool = True,
    steps: Steps | None = None,
) -> WriteReport:
    """Regenerate the leaderboard folder ``out`` from the store; atomic and deterministic.

    ``steps`` is called as the work goes (see `stratlens._progress`)."""
    target = Path(out)
    check_target(target)
    if not isinstance(store, Store):
        require_runs(store)  # nothing to rank: an error, before anything is written
    _check(n_boot, level)
    with _store(store) as opened:
        lb, memo = _build(opened, n_boot, level, seed, use_cache, steps)
        files = publish(target, lambda writer: render_files(lb, writer, steps, memo))
        _write_back(opened, memo)
    return WriteReport(
        out=str(target),
        files=files,
        entries=len(lb.entries),
        generated_from=lb.generated_from,
        runs=lb.stats.get("runs", 0),
        computed=lb.stats.get("computed", 0),
        reused=lb.stats.get("reused", 0),
        ranking=export.ranking_markdown(lb),
    )
