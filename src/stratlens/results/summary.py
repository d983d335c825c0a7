"""The per-game, per-role summary that `stratlens eval` prints after a run."""

from __future__ import annotations

import json

import pandas as pd

from stratlens.results.store import Store, load_decisions, load_episodes

#: Answers that were read and found unusable: execution errors (``error`` is an outage).
UNUSABLE = frozenset({"unparseable", "illegal", "refused"})


def failed_attempts(decisions: pd.DataFrame) -> pd.Series:
    """Per decision, how many of its attempts gave an unusable answer (execution errors).

    A decision asked once counts 1 when its answer was unusable. With ``max_attempts > 1`` the
    attempts are the JSON list in ``raw_output``; each unusable one counts, also when a later
    attempt was answered well.
    """

    def count(status: str, attempts: int, raw: str) -> int:
        if attempts <= 1:
            return int(status in UNUSABLE)
        try:
            listed = json.loads(raw)
        except (TypeError, ValueError):
            return int(status in UNUSABLE)
        if not isinstance(listed, list):
            return int(status in UNUSABLE)
        return sum(1 for a in listed if isinstance(a, dict) and a.get("parse_status") in UNUSABLE)

    counts = [
        count(str(st), int(n), str(raw))
        for st, n, raw in zip(
            decisions.parse_status, decisions.attempts, decisions.raw_output, strict=True
        )
    ]
    return pd.Series(counts, index=decisions.index, dtype="int64")


def summarize(store: Store, run_id: str) -> pd.DataFrame:
    """One row per game and role of the subject.

    Columns: ``game_id``, ``role`` (1-based player), ``episodes`` (finished), ``choices``
    (share of each action label over the subject's valid decisions, as "label share" text),
    ``mean_payoff`` (over episodes that reached an outcome), ``failures`` (the subject's
    decisions whose answer was not a legal action), ``failed_attempts`` (every unusable answer
    of the subject, including those asked again and then answered: see `failed_attempts`) and
    ``failed_episodes`` (episodes that ended on an error and will be retried on the next run).
    """
    decisions = load_decisions(store, run=run_id)
    episodes = load_episodes(store, run=run_id)
    rows = []
    for key, eps in episodes.groupby(["game_id", "role"], sort=False):
        game_id, role = str(key[0]), int(str(key[1]))
        dec = decisions[(decisions.game_id == game_id) & (decisions.role == role)]
        ok = dec[dec.parse_status == "ok"]
        shares = ok.action_label.value_counts(normalize=True).sort_index()
        finished = eps[eps.status.isin(["done", "failed"])]
        payoff = finished.subject_payoff.dropna()
        rows.append(
            {
                "game_id": game_id,
                "role": role + 1,
                "episodes": int((finished.status == "done").sum()),
                "choices": ", ".join(f"{k} {v:.0%}" for k, v in shares.items()),
                "mean_payoff": float(payoff.mean()) if len(payoff) else float("nan"),
                "failures": int((dec.parse_status != "ok").sum()),
                "failed_attempts": int(failed_attempts(dec).sum()),
                "failed_episodes": int((finished.status == "failed").sum()),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "game_id",
            "role",
            "episodes",
            "choices",
            "mean_payoff",
            "failures",
            "failed_attempts",
            "failed_episodes",
        ],
    )
