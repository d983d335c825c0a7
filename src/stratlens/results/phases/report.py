"""The checkpoint-comparison report: HTML, Markdown, the curves as PNG, and every number.

`write_report(comparison, out)` writes into the folder ``out``:

- ``report.html`` (self-contained apart from the PNGs beside it; every text from the store or
  from a model is escaped) and ``report.md``;
- ``curves_execution.png``, ``curves_strategy.png``, ``curves_tokens.png`` (matplotlib, Agg
  backend): each metric against the checkpoint step with its interval, the phase boundary as
  a dashed line and its bootstrap interval shaded;
- ``metrics.csv`` (one row per checkpoint and metric) and ``metrics.json`` (the same rows, the
  checkpoints, the boundary with its per-curve fits, the strategic grams and the notes).
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from stratlens.results.phases.compare import Comparison

PLOTS = ("execution", "strategy", "tokens")
_TOKEN_PLOTTED = ("h_plan", "h_exec", "h_all", "h_sem", "switches", "length_tokens")


def _num(x: Any) -> Any:
    if isinstance(x, np.integer | np.bool_):
        return x.item()
    if isinstance(x, float | np.floating):
        return float(x) if math.isfinite(x) else None
    return x


def boundary_json(c: Comparison) -> dict[str, Any]:
    b = c.boundary
    return {
        "step": b.step,
        "checkpoint": None if b.index is None else c.checkpoints[b.index].label,
        "found": b.found,
        "reason": b.reason,
        "interval": None if b.interval is None else list(b.interval),
        "found_share": b.found_share,
        "level": b.level,
        "n_boot": b.n_boot,
        "execution_fits": [
            {
                "metric": f.name,
                "model": f.model,
                "saturated_at_step": None if f.saturated_at is None else b.steps[f.saturated_at],
            }
            for f in b.execution
        ],
        "strategy_fits": [
            {
                "metric": f.name,
                "slope_after": _num(f.slope_after),
                "t_after": _num(f.t_after),
                "moving": f.moving,
                "break_at_step": None if f.break_at is None else b.steps[f.break_at],
            }
            for f in b.strategy
        ],
    }


def to_json(c: Comparison) -> dict[str, Any]:
    records = [{k: _num(v) for k, v in r.items()} for r in c.table.to_dict(orient="records")]
    grams = None
    if c.grams is not None:
        grams = {
            "n_traces": c.grams.n_traces,
            "clusters": [
                {
                    "grams": list(cl.grams),
                    "document_frequency": cl.document_frequency,
                    "selected": cl.selected,
                }
                for cl in c.grams.clusters
            ],
        }
    return {
        "checkpoints": [
            {"index": i, "label": ck.label, "step": ck.step, "model": ck.model, "run_id": r}
            for i, (ck, r) in enumerate(zip(c.checkpoints, c.run_ids, strict=True))
        ],
        "boundary": boundary_json(c),
        "metrics": records,
        "lexicon": {"size": len(c.lexicon), "categories": list(c.lexicon.categories())},
        "strategic_grams": grams,
        "notes": list(c.notes),
    }


def _plot(c: Comparison, axis: str, path: Path) -> bool:
    """One figure per axis, drawn on a bare `Figure` (Agg) inside an ``rc_context`` so that
    the caller's matplotlib state is left alone."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    part = c.table[c.table.axis == axis]
    if axis == "tokens":
        part = part[part.metric.isin(_TOKEN_PLOTTED)]
    metrics = [m for m in dict.fromkeys(part.metric) if part[part.metric == m].value.notna().any()]
    if not metrics:
        return False
    cols = min(3, len(metrics))
    rows = math.ceil(len(metrics) / cols)
    b = c.boundary
    with rc_context({"font.size": 8, "svg.hashsalt": "stratlens"}):
        # constrained layout leaves the suptitle its own room (tight_layout let it overlap)
        fig = Figure(figsize=(4.2 * cols, 3.0 * rows), layout="constrained")
        axes = fig.subplots(rows, cols, squeeze=False)
        for ax, name in zip(axes.flat, metrics, strict=False):
            d = part[part.metric == name].sort_values("step")
            y = d.value.to_numpy(dtype=float)
            lo = np.nan_to_num((y - d.low.to_numpy(dtype=float)).clip(min=0))
            hi = np.nan_to_num((d.high.to_numpy(dtype=float) - y).clip(min=0))
            err = None if d.low.isna().all() else np.vstack([lo, hi])
            ax.errorbar(d.step, y, yerr=err, marker="o", capsize=3, lw=1.5)
            if b.interval is not None:
                ax.axvspan(b.interval[0], b.interval[1], color="tab:orange", alpha=0.12, lw=0)
            if b.step is not None:
                ax.axvline(b.step, color="tab:orange", ls="--", lw=1.2)
            ax.set_title(name, fontsize=10)
            ax.set_xlabel("step")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps are whole numbers
            ax.grid(alpha=0.3)
        for ax in list(axes.flat)[len(metrics) :]:
            ax.axis("off")
        title = f"{axis} across checkpoints"
        if b.step is not None:
            title += f" · boundary at step {b.step}"
        fig.suptitle(title, fontsize=11)
        fig.savefig(path, dpi=110, metadata={"Software": None})
    return True


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _md_cell(text: str) -> str:
    return html.escape(text.replace("|", "\\|").replace("\n", " "), quote=False)


def _wide(c: Comparison) -> tuple[list[str], list[list[str]]]:
    labels = [f"{ck.label} ({ck.step})" for ck in c.checkpoints]
    rows = []
    for (axis, metric), d in c.table.groupby(["axis", "metric"], sort=False):
        cells = []
        for i in range(len(c.checkpoints)):
            r = d[d.checkpoint == i]
            if r.empty:
                cells.append("–")
                continue
            v, lo, hi = (float(r[k].iloc[0]) for k in ("value", "low", "high"))
            cell = _fmt(v)
            if math.isfinite(lo) and math.isfinite(hi):
                cell += f" [{_fmt(lo)}, {_fmt(hi)}]"
            cells.append(cell)
        rows.append([str(axis), str(metric), *cells])
    return ["axis", "metric", *labels], rows


def _boundary_text(c: Comparison) -> str:
    b = c.boundary
    if b.step is None:
        return f"No phase boundary found: {b.reason}."
    iv = (
        "" if b.interval is None else f", {b.level:.0%} interval [{b.interval[0]}, {b.interval[1]}]"
    )
    return (
        f"Phase boundary at step {b.step}{iv} (found in {b.found_share:.0%} of {b.n_boot} "
        f"bootstrap resamples): {b.reason}."
    )


def to_markdown(c: Comparison, images: list[str]) -> str:
    header, rows = _wide(c)
    out = ["# Checkpoint comparison", "", _md_cell(_boundary_text(c)), ""]
    out += [
        "## Checkpoints",
        "",
        "| # | checkpoint | step | run | model |",
        "|---|---|---|---|---|",
    ]
    for i, (ck, r) in enumerate(zip(c.checkpoints, c.run_ids, strict=True)):
        out.append(f"| {i} | {_md_cell(ck.label)} | {ck.step} | `{r}` | {_md_cell(ck.model)} |")
    out += ["", "## Curves", ""] + [f"![{Path(p).stem}]({p})" for p in images]
    out += ["", "## Every number", "", "| " + " | ".join(map(_md_cell, header)) + " |"]
    out.append("|" + "---|" * len(header))
    out += ["| " + " | ".join(_md_cell(x) for x in row) + " |" for row in rows]
    if c.notes:
        out += ["", "## Notes", ""] + [f"- {_md_cell(n)}" for n in c.notes]
    return "\n".join(out) + "\n"


def to_html(c: Comparison, images: list[str]) -> str:
    e = html.escape
    header, rows = _wide(c)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        "<title>stratlens · checkpoint comparison</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:80em}table{border-collapse:"
        "collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:90%}"
        "img{max-width:100%}</style></head><body>",
        "<h1>Checkpoint comparison</h1>",
        f"<p>{e(_boundary_text(c))}</p>",
        "<h2>Checkpoints</h2><table><tr><th>#</th><th>checkpoint</th><th>step</th>"
        "<th>run</th><th>model</th></tr>",
    ]
    for i, (ck, r) in enumerate(zip(c.checkpoints, c.run_ids, strict=True)):
        parts.append(
            f"<tr><td>{i}</td><td>{e(ck.label)}</td><td>{ck.step}</td><td><code>{e(r)}</code>"
            f"</td><td>{e(ck.model)}</td></tr>"
        )
    parts.append("</table><h2>Curves</h2>")
    parts += [f"<p><img src='{e(p)}' alt='{e(Path(p).stem)}'></p>" for p in images]
    parts.append("<h2>Every number</h2><table><tr>")
    parts += [f"<th>{e(h)}</th>" for h in header]
    parts.append("</tr>")
    for row in rows:
        parts.append("<tr>" + "".join(f"<td>{e(x)}</td>" for x in row) + "</tr>")
    parts.append("</table>")
    if c.grams is not None and c.grams.clusters:
        parts.append("<h2>Strategic grams from the successful traces</h2><ul>")
        for cl in c.grams.clusters:
            if cl.selected:
                parts.append(f"<li>{e(' · '.join(cl.grams))} (in {cl.document_frequency})</li>")
        parts.append("</ul>")
    if c.notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in c.notes))
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(c: Comparison, out: str | Path) -> list[Path]:
    """Write the report files into ``out`` (created if needed); return their paths."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    images: list[str] = []
    for axis in PLOTS:
        path = folder / f"curves_{axis}.png"
        if _plot(c, axis, path):
            images.append(path.name)
            written.append(path)
    c.table.to_csv(folder / "metrics.csv", index=False)
    (folder / "metrics.json").write_text(
        json.dumps(to_json(c), indent=2, allow_nan=False, default=str), encoding="utf-8"
    )
    (folder / "report.md").write_text(to_markdown(c, images), encoding="utf-8")
    (folder / "report.html").write_text(to_html(c, images), encoding="utf-8")
    written += [folder / n for n in ("metrics.csv", "metrics.json", "report.md", "report.html")]
    return written
