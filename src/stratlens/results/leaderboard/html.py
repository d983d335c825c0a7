"""The leaderboard's HTML: an index with a sortable table and a page per model.

Every piece of text that comes from the store (model names, labels, traces, profiler output)
goes through `esc` (``html.escape``); JSON inside a ``<script>`` element goes through
`json_for_script`, which also escapes ``<``, ``>`` and ``&``. The pages load nothing from the
network, and their Content-Security-Policy allows only their own inline script and style (by
hash), so even markup that slipped through could not run.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
from collections.abc import Sequence
from functools import cache
from importlib import resources
from string import Template
from typing import Any

from stratlens.results.leaderboard.build import EntryResult, Leaderboard
from stratlens.results.leaderboard.sources import Headline, behaviour_headline
from stratlens.results.metrics import Estimate
from stratlens.results.structure_analysis import REASONING, StructureResult

NONE = '<span class="none">—</span>'


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def json_for_script(obj: Any) -> str:
    """JSON that is safe inside ``<script>``: no ``</script>``, ``<!--`` or line separators."""
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, allow_nan=False)
    for raw, safe in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(raw, safe)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


@cache
def _template(name: str) -> str:
    return (resources.files(__package__) / "templates" / name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def page(title: str, body: str) -> str:
    css, script = _template("page.css"), _template("page.js")
    return Template(_template("page.html")).substitute(
        title=esc(title),
        css=css,
        script=script,
        style_hash=_csp_hash(css),
        script_hash=_csp_hash(script),
        body=body,
    )


# --- numbers ---------------------------------------------------------------------------------


def fmt(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if math.isfinite(value) else "—"


def raw(value: float) -> str:
    return repr(round(float(value), 9)) if math.isfinite(value) else ""


def est_cell(est: Estimate | None, digits: int = 3, scale: float = 1.0) -> str:
    if est is None or not math.isfinite(est.value):
        return f'<td data-v="">{NONE}</td>'
    v, lo, hi = est.value * scale, est.low * scale, est.high * scale
    ci = (
        f' <span class="ci">[{fmt(lo, digits)}, {fmt(hi, digits)}]</span>'
        if math.isfinite(lo)
        else ""
    )
    return f'<td data-v="{raw(v)}">{fmt(v, digits)}{ci}</td>'


def num_cell(value: float, digits: int = 3) -> str:
    if not math.isfinite(value):
        return f'<td data-v="">{NONE}</td>'
    return f'<td data-v="{raw(value)}">{fmt(value, digits)}</td>'


def values_text(values: Any, digits: int = 3) -> str:
    """Stored fit parameters or weights in words, numbers rounded: ``tau 1.54 · gamma 0.23``
    (nested mappings in parentheses, lists in brackets), never raw JSON."""
    if isinstance(values, bool) or values is None:
        return {True: "yes", False: "no", None: "—"}[values]
    if isinstance(values, int):
        return str(values)
    if isinstance(values, float):
        return f"{values:.{digits}g}" if math.isfinite(values) else ("∞" if values > 0 else "—")
    if isinstance(values, dict):
        parts = [
            f"{k} ({values_text(v, digits)})"
            if isinstance(v, dict)
            else f"{k} {values_text(v, digits)}"
            for k, v in sorted(values.items())
        ]
        return " · ".join(parts) or "—"
    if isinstance(values, list | tuple):
        return "[" + ", ".join(values_text(v, digits) for v in values) + "]"
    return str(values)


def text_cell(text: str | None, sort: str | None = None) -> str:
    if not text:
        return f'<td class="text" data-v="">{NONE}</td>'
    return f'<td class="text" data-v="{esc(sort if sort is not None else text)}">{esc(text)}</td>'


def top_style(styles: dict[str, Estimate]) -> tuple[str, float] | None:
    if not styles:
        return None
    best = sorted(styles, key=lambda k: (-styles[k].value, k))[0]
    return best, styles[best].value


def style_text(
    found: tuple[str, float | None] | None, interval: tuple[float, float] | None = None
) -> str | None:
    """``minimax 98%``, with its interval when there is one: ``minimax 98% [95%, 100%]``."""
    if found is None:
        return None
    label, share = found
    if share is None:
        return label
    bounds = "" if interval is None else f" [{interval[0]:.0%}, {interval[1]:.0%}]"
    return f"{label} {share:.0%}{bounds}"


def headline_text(found: Headline | None) -> str | None:
    """The behavioural headline (`sources.behaviour_headline`) in words, with its interval."""
    return None if found is None else style_text((found[0], found[1]), found[2])


def table(
    columns: Sequence[tuple[str, str, str]], rows: Sequence[str], *, table_id: str = ""
) -> str:
    """``columns`` are (key, header, type); ``rows`` are the ``<tr>`` contents."""
    ident = f' id="{table_id}"' if table_id else ""
    head = "".join(
        f'<th data-key="{esc(k)}" data-type="{t}" class="{"text" if t == "text" else "num"}">'
        f"{esc(h)}</th>"
        for k, h, t in columns
    )
    body = "\n".join(f"<tr>{r}</tr>" for r in rows)
    return (  # the wrapper scrolls a table wider than the page, never the page itself
        f'<div class="wide"><table class="sortable"{ident}><thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody></table></div>"
    )


# --- the index -------------------------------------------------------------------------------

INDEX_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("rank", "#", "num"),
    ("model", "model", "text"),
    ("protocol", "prompt", "text"),
    ("headline", "headline score", "num"),
    ("norm_ref", "payoff vs reference", "num"),
    ("norm_pop", "payoff vs population", "num"),
    ("regret_norm", "regret", "num"),
    ("eq_distance", "Nash distance", "num"),
    ("cooperation", "cooperation", "num"),
    ("trust", "trust", "num"),
    ("failure_rate", "execution failures", "num"),
    ("completion_tokens", "tokens / decision", "num"),
    ("reasoning_tokens", "reasoning tokens", "num"),
    ("latency_s", "latency (s)", "num"),
    ("cost", "cost (USD)", "num"),
    ("text_style", "text style", "text"),
    ("behaviour_style", "behavioural style", "text"),
    ("games", "games × roles", "num"),
)


def common_note(lb: Leaderboard) -> str:
    """Which games the headline ranks on: the game × role cells every row covers."""
    games = sorted({g for g, _ in lb.common})
    if not lb.common:
        return "No game and role is common to every row: no headline ranking (see each page)."
    return (
        f"One row per model configuration (model, every -M that changes what is asked, "
        f"prompt). Headline over the {len(lb.common)} game × role cells every row covers: "
        f"{', '.join(games)}."
    )


def index_row(rank: int, en: EntryResult) -> str:
    s = en.summary
    cells = [
        f'<td data-v="{rank}">{rank}</td>',
        f'<td class="text" data-v="{esc(en.model)}">'
        f'<a href="models/{esc(en.slug)}.html">{esc(en.model)}</a></td>',
        text_cell(en.protocol),
        est_cell(en.headline, 1),
        *(est_cell(s[k]) for k in ("norm_ref", "norm_pop", "regret_norm", "eq_distance")),
        *(est_cell(s[k]) for k in ("cooperation", "trust", "failure_rate")),
        est_cell(en.usage.get("completion_tokens"), 1),
        est_cell(en.usage.get("reasoning_tokens"), 1),
        est_cell(en.usage.get("latency_s"), 2),
        num_cell(en.total_cost, 4),
        text_cell(style_text(top_style(en.styles))),
        text_cell(headline_text(behaviour_headline(en.behaviour))),
        f'<td data-v="{len(en.groups)}">{len(en.groups)}</td>',
    ]
    return "".join(cells)


def _definitions() -> str:
    return (
        '<p class="note"><b>Headline score</b> = 100 × the mean, over the games and roles every '
        "row played (so that all rows are ranked on the same games), of its normalised "
        "payoff: against the reference agents (mean payoff scaled to [0, 1] by the role's "
        "payoff range, an execution failure scored 0) and, in one-shot "
        "games, against the population of evaluated models (expected payoff of its choices "
        "against their mixed choices, scaled the same way, times its share of valid answers), "
        "averaged where both exist. Intervals are 95% percentile bootstrap intervals "
        "(episodes resampled within each game and role). <b>Regret</b>: the normalised loss "
        "against the best response to the population. <b>Nash distance</b>: total-variation "
        "distance from the model's choices to the nearest Nash equilibrium strategy (sequential "
        "games: share of moves off the subgame-perfect action). <b>Cooperation</b> and "
        "<b>trust</b>: see the README for the per-family definitions.</p>"
    )


def render_index(lb: Leaderboard) -> str:
    rows = [index_row(i + 1, en) for i, en in enumerate(lb.entries)]
    data = [
        {
            "rank": i + 1,
            "model": en.model,
            "protocol": en.protocol,
            "page": f"models/{en.slug}.html",
        }
        for i, en in enumerate(lb.entries)
    ]
    runs = sum(len(en.runs) for en in lb.entries)
    parts = [
        "<h1>stratlens leaderboard</h1>",
        f'<p class="meta">Store state as of its newest run: {esc(lb.generated_from or "—")} · '
        f"{len(lb.entries)} models · {runs} runs · {lb.n_boot} bootstrap resamples, "
        f"{lb.level:.0%} intervals.</p>",
        f'<p class="note">{esc(common_note(lb))}</p>',
        table(INDEX_COLUMNS, rows, table_id="board"),
        _definitions(),
        '<figure><img src="plots/headline.svg" alt="headline scores with intervals"></figure>',
    ]
    # Imported here: the human and framing sections are written with this module's helpers.
    from stratlens.results.leaderboard import framing_html, human_html

    if lb.human:
        parts.append(human_html.index_section(lb))
    if lb.framings:
        parts.append(framing_html.index_section(lb))
    if lb.pooled is not None:
        parts += [
            "<h2>Structure or reasoning length? All models pooled</h2>",
            f'<p class="note">{esc(lb.pooled.reasoning_verdict())}</p>',
            '<figure><img src="plots/structure-all.svg" alt="structure analysis, pooled"></figure>',
            structure_tables(lb.pooled),
        ]
    if lb.unknown_games:
        parts.append(
            f'<p class="note">Games in the store but not in the catalog (left out): '
            f"{esc(', '.join(lb.unknown_games))}</p>"
        )
    parts += [
        '<p class="note">Downloads: <a href="leaderboard.csv">leaderboard.csv</a> · '
        '<a href="per_game.csv">per_game.csv</a> · <a href="leaderboard.json">leaderboard.json'
        '</a> · <a href="leaderboard.md">leaderboard.md</a></p>',
        f'<script type="application/json" id="leaderboard-data">{json_for_script(data)}</script>',
    ]
    return page("stratlens leaderboard", "\n".join(parts))


# --- structure tables ------------------------------------------------------------------------


def structure_tables(result: StructureResult, max_rows: int = 40) -> str:
    corr = result.correlations
    shown = corr[(corr.q < 0.05) | (corr.predictor == REASONING)].head(max_rows)
    crow = [
        text_cell(str(r["outcome"])) + text_cell(str(r["predictor"]))
        + num_cell(float(r["n"]), 0)
        + est_cell(Estimate(float(r["rho"]), float(r["low"]), float(r["high"])))
        + num_cell(float(r["p"]), 4) + num_cell(float(r["q"]), 4)
        for r in shown.to_dict(orient="records")
    ]  # fmt: skip
    ccols = (
        ("outcome", "outcome", "text"),
        ("predictor", "predictor", "text"),
        ("n", "n", "num"),
        ("rho", "Spearman rho", "num"),
        ("p", "permutation p", "num"),
        ("q", "BH q", "num"),
    )
    reg = result.regressions
    rrow = [
        text_cell(str(r["outcome"])) + text_cell(str(r["term"]))
        + est_cell(Estimate(float(r["coef"]), float(r["low"]), float(r["high"])))
        + num_cell(float(r["se"])) + num_cell(float(r["p"]), 4)
        + num_cell(float(r["clusters"]), 0)
        for r in reg.to_dict(orient="records")
    ]  # fmt: skip
    rcols = (
        ("outcome", "outcome", "text"),
        ("term", "term", "text"),
        ("coef", "coefficient (per SD)", "num"),
        ("se", "clustered SE", "num"),
        ("p", "p", "num"),
        ("clusters", "families", "num"),
    )
    constant = ""
    if result.constant:
        said = ", ".join(f"{k} = {v:.3g}" for k, v in sorted(result.constant.items()))
        constant = f'<p class="note">Constant in every game, so not analysed: {esc(said)}.</p>'
    return (
        constant
        + '<p class="note">Correlations with q &lt; 0.05, and every one with reasoning length:</p>'
        + table(ccols, crow)
        + '<p class="note">Regressions (standardised predictors; errors clustered by family):</p>'
        + table(rcols, rrow)
    )
