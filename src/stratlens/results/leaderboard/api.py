"""`build_leaderboard` and `write_leaderboard`: from a store to the leaderboard folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from stratlens._progress import Steps, report
from stratlens.errors import UsageError
from stratlens.results._paths import require_runs
from stratlens.results.leaderboard import export, html, model_page, plots
from stratlens.results.leaderboard.build import Leaderboard, build
from stratlens.results.leaderboard.publish import FolderWriter, check_target, publish
from stratlens.results.leaderboard.summaries import write_cache
from stratlens.results.metrics import LEVEL, N_BOOT
from stratlens.results.store import Store, resolve_store_path

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
    if n_boot < 100:
        raise UsageError(f"the bootstrap needs at least 100 resamples, got {n_boot}")
    if not 0.5 <= level < 1:
        raise UsageError(f"the interval level must be in [0.5, 1), got {level}")
    with _store(store) as opened:
        lb, fresh = build(
            opened.conn, n_boot=n_boot, level=level, seed=seed, use_cache=use_cache, steps=steps
        )
        if write_back and not opened.readonly:  # a read-only copy is read, never cached
            write_cache(opened.conn, fresh)
    return lb


def render_files(lb: Leaderboard, writer: FolderWriter, steps: Steps | None = None) -> None:
    """Every file of the leaderboard folder, in a fixed order."""
    report(steps, "pages and plots", 0, len(lb.entries) + 1)
    writer.write("index.html", html.render_index(lb))
    writer.write("leaderboard.md", export.to_markdown(lb))
    writer.write("leaderboard.csv", export.to_csv(lb))
    writer.write("per_game.csv", export.per_game_csv(lb))
    writer.write("leaderboard.json", export.to_json(lb))
    png, svg = plots.headline_plot(
        [en.key for en in lb.entries], [en.headline for en in lb.entries]
    )
    writer.write("plots/headline.png", png)
    writer.write("plots/headline.svg", svg)
    if lb.pooled is not None:
        png, svg = plots.structure_plot(
            "all models pooled", lb.pooled.correlations, lb.pooled.regressions
        )
        writer.write("plots/structure-all.png", png)
        writer.write("plots/structure-all.svg", svg)
    for i, en in enumerate(lb.entries):
        report(steps, "pages and plots", i + 1, len(lb.entries) + 1)
        plot = None
        if en.structure is not None:
            png, svg = plots.structure_plot(
                en.key, en.structure.correlations, en.structure.regressions
            )
            plot = f"structure-{en.slug}.svg"
            writer.write(f"plots/structure-{en.slug}.png", png)
            writer.write(f"plots/{plot}", svg)
        writer.write(f"models/{en.slug}.html", model_page.render_model(lb, en, plot))
    report(steps, "pages and plots", len(lb.entries) + 1, len(lb.entries) + 1)


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
    lb = build_leaderboard(
        store, n_boot=n_boot, level=level, seed=seed, use_cache=use_cache, steps=steps
    )
    files = publish(target, lambda writer: render_files(lb, writer, steps))
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
