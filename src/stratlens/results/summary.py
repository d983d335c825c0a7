"""The per-game, per-role summary that `stratlens eval` prints after a run."""

from __future__ import annotations

import re

import pandas as pd

from stratlens.contracts import attempt_records
from stratlens.results.store import Store, load_decisions, load_episodes

#: Answers that were read and found unusable: execution errors (``error`` is an outage).
UNUSABLE = frozenset({"unparseable", "illegal", "refused"})
_PLAYER = re.compile(r"^player \d+: ")


def failed_attempts(decisions: pd.DataFrame) -> pd.Series:
    """Per decision, how many of its attempts gave an unusable answer (execution errors).

    Every attempt counts (`stratlens.contracts.attempt_records`), also one that a later
    attempt corrected when the model was asked again (``max_attempts > 1``).
    """
    counts = [
        sum(a.get("parse_status") in UNUSABLE for a in attempt_records(str(raw), int(n), str(st)))
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


def failure_reasons(store: Store, run_id: str) -> list[tuple[str, int]]:
    """The distinct reasons the run's ``failed`` episodes ended on, most frequent first.

    An episode's error reads ``player N: error (REASON)``; the player is dropped so that one
    outage in both roles is one reason. Only ``failed`` episodes count: an unusable answer is
    a result, not a failure of the run.
    """
    rows = store.conn.execute(
        "SELECT error FROM episodes WHERE run_id = ? AND status = 'failed'", (run_id,)
    ).fetchall()
    counts: dict[str, int] = {}
    for (error,) in rows:
        reason = _PLAYER.sub("", str(error or "unknown error"), count=1)
        if reason.startswith("error (") and reason.endswith(")"):
            reason = reason[len("error (") : -1]
        counts[reason] = counts.get(reason, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
