"""A model's page: summary, style profile, per-game results, structure analysis, traces.

All text from the store goes through `esc` (see `stratlens.results.leaderboard.html`).
"""

from __future__ import annotations

import math
from typing import Any

from stratlens.results.leaderboard.build import EntryResult, GroupResult, Leaderboard
from stratlens.results.leaderboard.html import (
    NONE,
    esc,
    est_cell,
    fmt,
    num_cell,
    page,
    structure_tables,
    style_text,
    table,
    text_cell,
    top_style,
    values_text,
)
from stratlens.results.leaderboard.human_html import model_section

REASONING_CHARS = 4000
#: How the summary metrics are named on the page.
SUMMARY_NAMES = {
    "score": "score (mean over games and roles)",
    "norm_ref": "payoff vs reference agents (normalised)",
    "norm_pop": "payoff vs population (normalised)",
    "regret_norm": "regret vs best response to population (normalised)",
    "eq_distance": "distance to nearest Nash equilibrium",
    "cooperation": "cooperation rate",
    "trust": "trust rate",
    "failure_rate": "execution-failure rate",
}
OUTPUT_CHARS = 2000


# --- a model's page --------------------------------------------------------------------------

GAME_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("game", "game", "text"),
    ("family", "family", "text"),
    ("role", "role", "text"),
    ("episodes", "episodes", "num"),
    ("choices", "choices", "text"),
    ("payoff_ref", "payoff vs reference", "num"),
    ("score", "score", "num"),
    ("payoff_pop", "payoff vs population", "num"),
    ("regret", "regret", "num"),
    ("eq_distance", "Nash distance", "num"),
    ("cooperation", "cooperation", "num"),
    ("trust", "trust", "num"),
    ("failure_rate", "execution failures", "num"),
    ("completion_tokens", "tokens", "num"),
    ("reasoning_tokens", "reasoning tokens", "num"),
    ("latency_s", "latency (s)", "num"),
    ("text_style", "text style", "text"),
)


def _choices(g: GroupResult) -> str:
    shares = [(k[6:], v.value) for k, v in g.metrics.items() if k.startswith("share:")]
    shown = [f"{label} {v:.0%}" for label, v in shares if math.isfinite(v) and v > 0]
    return " · ".join(shown)


def game_row(g: GroupResult) -> str:
    m = g.metrics
    fails = ", ".join(
        f"{k[8:]} {m[k].value:.0%}" for k in m if k.startswith("failure:") and m[k].value > 0
    )
    failure = est_cell(m["failure_rate"])
    if fails:
        failure = failure.replace("<td ", f'<td title="{esc(fails)}" ', 1)
    return "".join(
        [
            text_cell(g.game_id),
            text_cell(g.facts.family),
            text_cell(f"P{g.role + 1}"),
            num_cell(float(g.episodes), 0),
            text_cell(_choices(g)).replace('<td class="text"', '<td class="text choices"', 1),
            *(est_cell(m[k]) for k in ("payoff_ref", "score", "payoff_pop", "regret")),
            *(est_cell(m[k]) for k in ("eq_distance", "cooperation", "trust")),
            failure,
            est_cell(g.usage.get("completion_tokens"), 1),
            est_cell(g.usage.get("reasoning_tokens"), 1),
            est_cell(g.usage.get("latency_s"), 2),
            text_cell(style_text(top_style(g.styles))),
        ]
    )


def _style_section(lb: Leaderboard, en: EntryResult) -> str:
    parts = ["<h2>Style profile</h2>"]
    if en.styles:
        rows = [text_cell(k) + est_cell(v) for k, v in en.styles.items()]
        styles = (("label", "label", "text"), ("share", "share of traces", "num"))
        parts += [
            f'<p class="note">From the reasoning traces (classifier {esc(lb.classifier)}):</p>',
            table(styles, rows),
        ]
    else:
        parts.append(f'<p class="note">Text styles: {NONE} (no traces labelled yet)</p>')
    if en.behaviour:
        rows = [
            text_cell(r["source"]) + text_cell(r["method"]) + text_cell(r["game_id"] or "all games")
            + text_cell(r["label"]) + text_cell(_values(r))
            + num_cell(float(r["n"]) if r["n"] is not None else math.nan, 0)
            for r in en.behaviour
        ]  # fmt: skip
        cols = (
            ("source", "source", "text"),
            ("method", "method", "text"),
            ("game", "game", "text"),
            ("label", "label", "text"),
            ("values", "weights / parameters", "text"),
            ("n", "n", "num"),
        )
        parts += [
            '<p class="note">From the choices (the profiler\'s fits):</p>',
            table(cols, rows),
        ]
    else:
        parts.append(f'<p class="note">Behavioural styles: {NONE} (no fits stored yet)</p>')
    return "\n".join(parts)


def _values(row: dict[str, Any]) -> str:
    """A stored fit's values in words; a behavioural mixture (``style_mixture``) as its
    weights with their 95% intervals, its noise, its belief depth and its fit verdict."""
    values = row["values"]
    if row["method"] != "style_mixture" or not isinstance(values, dict):
        return values_text(values)
    weights = values.get("weights")
    if not isinstance(weights, dict):
        return values_text(values)
    stored = values.get("intervals")
    bounds: dict[str, Any] = stored if isinstance(stored, dict) else {}
    parts = []
    for style, w in weights.items():
        pair = bounds.get(style)
        ci = ""
        if isinstance(pair, list | tuple) and len(pair) == 2:
            ci = f" [{values_text(pair[0])}, {values_text(pair[1])}]"
        parts.append(f"{style} {values_text(w)}{ci}")
    noise = values.get("noise")
    if isinstance(noise, dict) and noise:
        parts.append(f"noise {values.get('noise_model', '')} ({values_text(noise)})")
    if values.get("depth") is not None:
        parts.append(f"belief depth {values['depth']}")
    fit = values.get("fit")
    if isinstance(fit, dict) and fit.get("verdict"):
        parts.append(f"fit: {fit['verdict']}")
    return " · ".join(parts)


def _trace(g: GroupResult, rec: dict[str, Any]) -> str:
    def clip(text: str | None, n: int) -> str:
        text = text or ""
        return text if len(text) <= n else text[:n] + f"\n… [{len(text) - n} more characters]"

    head = (
        f"{rec['game_id']} · P{int(rec['role']) + 1} · episode {rec['idx']} · step {rec['step']}"
        f" · {rec['action_label'] or 'no action'} · {rec['parse_status']}"
        + (f" · style: {rec['label']}" if rec["label"] else "")
    )
    body = [
        f"<p>Reasoning ({len(rec['reasoning'] or '')} characters, "
        f"{rec['reasoning_tokens']} reasoning tokens):</p>",
        f"<pre>{esc(clip(rec['reasoning'], REASONING_CHARS)) or NONE}</pre>",
        f"<p>Answer:</p><pre>{esc(clip(rec['raw_output'], OUTPUT_CHARS)) or NONE}</pre>",
    ]
    if rec["error"]:
        body.append(f"<p>Error: {esc(rec['error'])}</p>")
    if rec["evidence"]:
        body.append(f"<p>Evidence for the label: <q>{esc(rec['evidence'])}</q></p>")
    return (
        f'<details class="trace" data-game="{esc(g.game_id)}"><summary>{esc(head)}</summary>'
        + "".join(body)
        + "</details>"
    )


def _trace_section(lb: Leaderboard, en: EntryResult) -> str:
    games = sorted({g.game_id for g in en.groups if g.samples})
    options = "".join(f'<option value="{esc(gid)}">{esc(gid)}</option>' for gid in games)
    items = [_trace(g, lb.traces[s]) for g in en.groups for s in g.samples if s in lb.traces]
    return (
        "<h2>Trace viewer</h2>"
        f'<p class="note">A few decisions per game and role (the first episodes, then execution '
        f'failures). <label>Game: <select id="trace-filter"><option value="">all</option>'
        f"{options}</select></label></p>" + ("\n".join(items) or f"<p>{NONE}</p>")
    )


def render_model(lb: Leaderboard, en: EntryResult, plot: str | None) -> str:
    summary_rows = [
        text_cell(SUMMARY_NAMES.get(k, k)) + est_cell(v)
        for k, v in (("headline score", en.headline), *en.summary.items())
    ]
    parts = [
        '<p><a href="../index.html">← leaderboard</a></p>',
        f"<h1>{esc(en.model)}</h1>",
        f'<p class="meta">prompt protocol {esc(en.protocol)} · {len(en.runs)} runs · '
        f"{en.episodes} episodes · {en.decisions} decisions · total cost "
        f"{fmt(en.total_cost, 4)} USD · runs: {esc(', '.join(en.runs))}</p>",
        table((("metric", "metric", "text"), ("value", "value", "num")), summary_rows),
        _style_section(lb, en),
        "<h2>Per game and role</h2>",
        table(GAME_COLUMNS, [game_row(g) for g in en.groups], table_id="games"),
        model_section(lb, en),
    ]
    if en.structure is not None:
        parts += [
            "<h2>Structure or reasoning length?</h2>",
            f'<p class="note">{esc(en.structure.reasoning_verdict())} Reasoning length is the '
            f"mean reasoning {esc(en.reasoning_unit)} per decision.</p>",
        ]
        if plot:
            parts.append(f'<figure><img src="../plots/{esc(plot)}" alt="structure analysis">')
            parts[-1] += "</figure>"
        parts.append(structure_tables(en.structure))
    parts.append(_trace_section(lb, en))
    return page(f"{en.key} · stratlens", "\n".join(parts))
