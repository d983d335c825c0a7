"""The leaderboard as data: ``leaderboard.json``, ``leaderboard.csv``, ``per_game.csv`` and
``leaderboard.md``. Numbers are rounded to 6 decimals; a missing value is ``null`` in JSON,
empty in CSV and ``—`` in Markdown."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import pandas as pd

from stratlens.results.leaderboard import framing_html, human
from stratlens.results.leaderboard.build import (
    SUMMARY_METRICS,
    EntryResult,
    GroupResult,
    Leaderboard,
)
from stratlens.results.leaderboard.html import common_note, headline_text, style_text, top_style
from stratlens.results.leaderboard.sources import behaviour_headline
from stratlens.results.leaderboard.summaries import CODE_VERSION
from stratlens.results.metrics import Estimate
from stratlens.results.structure_analysis import StructureResult

DIGITS = 6
USAGE = ("completion_tokens", "reasoning_tokens", "prompt_tokens", "latency_s", "cost_usd")
GROUP_METRICS = (
    "score",
    "norm_ref",
    "payoff_ref",
    "payoff_pop",
    "norm_pop",
    "regret",
    "regret_norm",
    "eq_distance",
    "cooperation",
    "trust",
    "failure_rate",
    "failure:unparseable",
    "failure:illegal",
    "failure:refused",
    "failure:error",
)


def number(v: Any) -> float | int | None:
    if v is None:
        return None
    if isinstance(v, bool | int):
        return int(v)
    f = float(v)
    return round(f, DIGITS) + 0.0 if math.isfinite(f) else None


def clean(obj: Any) -> Any:
    """JSON-ready copy of stored data: non-finite floats become None, keys strings."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean(v) for v in obj]
    if isinstance(obj, float):
        return number(obj)
    return obj


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in frame.to_dict(orient="records"):
        out.append({str(k): v if isinstance(v, str) else number(v) for k, v in rec.items()})
    return out


def _structure(result: StructureResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "rows": result.rows,
        "verdict": result.reasoning_verdict(),
        "correlations": _records(result.correlations),
        "regressions": _records(result.regressions),
    }


def _ests(d: dict[str, Estimate]) -> dict[str, Any]:
    return {k: v.to_json(DIGITS) for k, v in d.items()}


def _group(g: GroupResult) -> dict[str, Any]:
    return {
        "game_id": g.game_id,
        "family": g.facts.family,
        "role": g.role,
        "episodes": g.episodes,
        "decisions": g.decisions,
        "metrics": _ests(g.metrics),
        "usage": _ests(g.usage),
        "text_styles": _ests(g.styles),
    }


def _entry(rank: int, en: EntryResult) -> dict[str, Any]:
    return {
        "rank": rank,
        "key": en.key,
        "model": en.model,
        "protocol": en.protocol,
        "page": f"models/{en.slug}.html",
        "runs": en.runs,
        "episodes": en.episodes,
        "decisions": en.decisions,
        "headline": en.headline.to_json(DIGITS),
        "summary": _ests(en.summary),
        "usage": _ests(en.usage),
        "total_cost_usd": number(en.total_cost),
        "text_styles": _ests(en.styles),
        "behaviour": clean(en.behaviour),
        "reasoning_unit": en.reasoning_unit,
        "groups": [_group(g) for g in en.groups],
        "structure": _structure(en.structure),
    }


def to_json(lb: Leaderboard) -> str:
    doc = {
        "generated_from": lb.generated_from,
        "code_version": CODE_VERSION,
        "bootstrap": {"resamples": lb.n_boot, "level": lb.level, "seed": lb.seed},
        "text_classifier": lb.classifier,
        "unknown_games": lb.unknown_games,
        "entries": [_entry(i + 1, en) for i, en in enumerate(lb.entries)],
        "pooled_structure": _structure(lb.pooled),
    }
    if lb.human:  # people beside the models: their rows, and each model's distance and shift
        doc["human"] = {
            "rows": human.human_json(),
            "entries": {k: human.to_json(h) for k, h in sorted(lb.human.items())},
        }
    if lb.framings:  # each framed row beside its neutral twin
        doc["framings"] = framing_html.to_json(lb)
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def _cell(v: Any) -> str:
    n = number(v) if not isinstance(v, str) else v
    return "" if n is None else str(n)


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([_cell(v) for v in r])
    return buf.getvalue()


def _triple(name: str, est: Estimate | None) -> tuple[list[str], list[float]]:
    nan = math.nan
    e = est or Estimate(nan, nan, nan)
    return [name, f"{name}_low", f"{name}_high"], [e.value, e.low, e.high]


def to_csv(lb: Leaderboard) -> str:
    header: list[str] = ["rank", "model", "protocol"]
    rows: list[list[Any]] = []
    for i, en in enumerate(lb.entries):
        row: list[Any] = [i + 1, en.model, en.protocol]
        names, vals = _triple("headline", en.headline)
        cols, row = list(names), row + vals
        for k in SUMMARY_METRICS:
            names, vals = _triple(k, en.summary[k])
            cols, row = cols + names, row + vals
        for k in USAGE:
            names, vals = _triple(k, en.usage.get(k))
            cols, row = cols + names, row + vals
        style = top_style(en.styles)
        behaviour = behaviour_headline(en.behaviour)
        cols += ["total_cost_usd", "text_style", "text_style_share", "behaviour_style"]
        cols += ["behaviour_style_weight", "behaviour_style_low", "behaviour_style_high"]
        row += [en.total_cost, style[0] if style else "", style[1] if style else None]
        bounds = behaviour[2] if behaviour and behaviour[2] else (None, None)
        row += [behaviour[0] if behaviour else "", behaviour[1] if behaviour else None, *bounds]
        cols += ["games_roles", "runs", "episodes", "decisions"]
        row += [len(en.groups), len(en.runs), en.episodes, en.decisions]
        if i == 0:
            header += cols
        rows.append(row)
    if not rows:
        header += ["headline"]
    return _csv(header, rows)


def per_game_csv(lb: Leaderboard) -> str:
    header = ["model", "protocol", "game_id", "family", "role", "episodes", "decisions"]
    for k in (*GROUP_METRICS, *USAGE):
        header += _triple(k, None)[0]
    rows = []
    for en in lb.entries:
        for g in en.groups:
            row: list[Any] = [en.model, en.protocol, g.game_id, g.facts.family, g.role + 1]
            row += [g.episodes, g.decisions]
            for k in GROUP_METRICS:
                row += _triple(k, g.metrics.get(k))[1]
            for k in USAGE:
                row += _triple(k, g.usage.get(k))[1]
            rows.append(row)
    return _csv(header, rows)


def _md_text(text: str) -> str:
    """Text for a Markdown table cell: HTML-escaped, pipes and backslashes escaped."""
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    for raw, safe in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("`", "&#96;")):
        text = text.replace(raw, safe)
    for ch in "*_[]":
        text = text.replace(ch, "\\" + ch)
    return text


def _md_est(e: Estimate, digits: int = 3) -> str:
    if not math.isfinite(e.value):
        return "—"
    if not math.isfinite(e.low):
        return f"{e.value:.{digits}f}"
    return f"{e.value:.{digits}f} [{e.low:.{digits}f}, {e.high:.{digits}f}]"


def to_markdown(lb: Leaderboard) -> str:
    head = [
        "# stratlens leaderboard",
        "",
        f"Store state as of its newest run: {_md_text(lb.generated_from or '—')}. "
        f"{lb.n_boot} bootstrap resamples, {lb.level:.0%} intervals. "
        "Headline score: 100 × mean normalised payoff (see the README).",
        "",
    ]
    head += [_md_text(common_note(lb)), ""]
    return "\n".join(head) + "\n" + ranking_markdown(lb) + _human_markdown(lb)


def _human_markdown(lb: Leaderboard) -> str:
    """Each model's distance to human/goeree_holt_2001 and its shifts (empty without any)."""
    if not lb.human:
        return ""
    lines = [
        "",
        "## Against people: human/goeree_holt_2001",
        "",
        "| model | games × roles | distance (TV) | log-likelihood / choice | shifts with people "
        "| against | no clear shift |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for en in lb.entries:
        h = lb.human.get(en.key)
        if h is None:
            continue
        count = {d: sum(1 for s in h.shifts if s.shift.direction == d) for d in
                 ("with people", "against people", "no clear shift")}  # fmt: skip
        lines.append(
            f"| {_md_text(en.key)} | {len(h.cells)} | {_md_est(h.total_variation)} | "
            f"{_md_est(h.log_likelihood)} | {count['with people']} | "
            f"{count['against people']} | {count['no clear shift']} |"
        )
    return "\n".join(lines) + "\n"


def ranking_markdown(lb: Leaderboard) -> str:
    """The ranking table of ``leaderboard.md`` (what `stratlens leaderboard` prints)."""
    lines = [
        "| # | model | prompt | headline score | games × roles | vs reference | vs population "
        "| regret | Nash distance | failures | text style | behavioural style |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for i, en in enumerate(lb.entries):
        s = en.summary
        cells = [
            str(i + 1),
            _md_text(en.model),
            _md_text(en.protocol),
            _md_est(en.headline, 1),
            str(en.cells),
            *(_md_est(s[k]) for k in ("norm_ref", "norm_pop", "regret_norm", "eq_distance")),
            _md_est(s["failure_rate"]),
            _md_text(style_text(top_style(en.styles)) or "—"),
            _md_text(headline_text(behaviour_headline(en.behaviour)) or "—"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
