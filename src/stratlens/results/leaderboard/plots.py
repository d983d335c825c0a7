"""The leaderboard's figures, PNG and SVG, drawn with matplotlib's Agg backend.

Bytes are reproducible: SVG ids come from a fixed ``svg.hashsalt``, neither format carries a
date or the software version, and SVG text stays text (XML-escaped by matplotlib). Every
figure is drawn inside an ``rc_context``, so the caller's matplotlib settings are left alone.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from stratlens.results.metrics import Estimate

RC: Any = {
    "svg.hashsalt": "stratlens-leaderboard",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 100,
}


def _render(fig: Any) -> tuple[bytes, bytes]:
    png, svg = io.BytesIO(), io.BytesIO()
    fig.savefig(png, format="png", metadata={"Software": None})
    fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    return png.getvalue(), svg.getvalue()


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def headline_plot(labels: Sequence[str], scores: Sequence[Estimate]) -> tuple[bytes, bytes]:
    """Headline score of each entry with its 95% interval, best at the top."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(RC):
        height = 1.2 + 0.32 * max(len(labels), 1)
        fig = Figure(figsize=(8.0, height))
        ax = fig.add_axes((0.36, 0.8 / height, 0.60, 1 - 1.1 / height))
        ys = np.arange(len(labels))[::-1]
        vals = np.array([s.value for s in scores], dtype=float)
        lo = np.array([s.value - s.low if math.isfinite(s.low) else 0 for s in scores])
        hi = np.array([s.high - s.value if math.isfinite(s.high) else 0 for s in scores])
        has = np.isfinite(vals)  # a row without a score is written as such, never drawn at 0
        ax.errorbar(vals[has], ys[has], xerr=[lo[has], hi[has]], fmt="o", color="#1f4e79",
                    capsize=3)  # fmt: skip
        for y in ys[~has]:
            ax.text(1, y, "no score", va="center", fontsize=8, color="#777")
        ax.set_yticks(ys, [_short(x) for x in labels])
        ax.set_xlim(0, 100)
        ax.set_xlabel("headline score (0-100) with 95% bootstrap interval")
        ax.grid(axis="x", alpha=0.3)
        return _render(fig)


def structure_plot(
    title: str, correlations: pd.DataFrame, regressions: pd.DataFrame, outcome: str = "score"
) -> tuple[bytes, bytes]:
    """Left: Spearman rho of each outcome with each predictor (● where q < 0.05). Right: the
    standardised regression coefficients for ``outcome`` with their 95% intervals."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(RC):
        # Fixed margins (in figure fractions of a 13 × 5 inch figure): room for the long
        # outcome and predictor names, without the cost of a layout engine.
        fig = Figure(figsize=(13.0, 5.0))
        left = fig.add_axes((0.14, 0.30, 0.36, 0.58))
        bar = fig.add_axes((0.51, 0.30, 0.012, 0.58))
        right = fig.add_axes((0.70, 0.12, 0.28, 0.76))
        outcomes = list(dict.fromkeys(correlations.outcome)) if len(correlations) else []
        preds = list(dict.fromkeys(correlations.predictor)) if len(correlations) else []
        grid = np.full((len(outcomes), len(preds)), np.nan)
        sig = np.zeros_like(grid, dtype=bool)
        for r in correlations.to_dict(orient="records"):
            i, j = outcomes.index(r["outcome"]), preds.index(r["predictor"])
            grid[i, j] = float(r["rho"])
            q = float(r["q"])
            sig[i, j] = math.isfinite(q) and q < 0.05
        if grid.size:
            image = left.imshow(np.ma.masked_invalid(grid), cmap="RdBu_r", vmin=-1, vmax=1)
            left.set_xticks(range(len(preds)), preds, rotation=60, ha="right")
            left.set_yticks(range(len(outcomes)), [_short(o, 28) for o in outcomes])
            for i, j in zip(*np.nonzero(sig), strict=True):
                left.plot(j, i, "o", color="black", markersize=4)
            fig.colorbar(image, cax=bar, label="Spearman rho")
        else:
            left.text(0.5, 0.5, "no data", ha="center", va="center")
            bar.set_axis_off()
        left.set_title("rank correlation (● q < 0.05, Benjamini-Hochberg)")
        reg = regressions[(regressions.outcome == outcome) & (regressions.term != "intercept")]
        if len(reg):
            ys = np.arange(len(reg))[::-1]
            right.errorbar(
                reg.coef,
                ys,
                xerr=[reg.coef - reg.low, reg.high - reg.coef],
                fmt="o",
                color="#1f4e79",
                capsize=3,
            )
            right.axvline(0, color="grey", lw=0.8)
            right.set_yticks(ys, list(reg.term))
        else:
            right.text(0.5, 0.5, "regression not estimable", ha="center", va="center")
            right.set_yticks([])
        right.set_title(f"{outcome}: coefficients (clustered by family)")
        right.set_xlabel("change per standard deviation (95% CI)")
        fig.suptitle(_short(title, 80), x=0.02, ha="left")
        return _render(fig)
