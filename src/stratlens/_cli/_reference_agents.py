"""Does a classifier label the reference agents' traces with their styles?

This plays games, so it lives in the CLI layer (`stratlens profile evaluate --agents`), not
in the profiler, which only reads the store.

The reference agents ``baseline/minimax``, ``baseline/trust`` and ``baseline/belief`` reason
in one style each and write varied traces of it (none of them is in the training corpus).
`reference_check` plays each of them on a suite with the ``cot`` protocol into a temporary
store, labels every stored trace and counts the labels per agent. `REFERENCE_SUITES` are the
suites ``stratlens profile evaluate --agents`` checks.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stratlens.profiler.text._base import LABELS, TextClassifier, make_classifier

#: Each reference agent and the style it reasons in.
REFERENCE_AGENTS = {
    "baseline/minimax": "minimax",
    "baseline/trust": "trust_based",
    "baseline/belief": "belief_anticipation",
}
#: The suites the reference agents are checked on: one-shot, repeated and sequential games.
REFERENCE_SUITES = ("classic", "repeated", "sequential")


@dataclass
class AgentCheck:
    agent: str
    style: str
    n: int
    counts: dict[str, int]
    suite: str = "classic"

    @property
    def majority(self) -> str:
        return max(LABELS, key=lambda k: (self.counts.get(k, 0), -LABELS.index(k)))

    @property
    def share(self) -> float:
        """The share of the agent's traces labelled with its own style."""
        return self.counts.get(self.style, 0) / self.n if self.n else float("nan")

    def to_json(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "agent": self.agent,
            "style": self.style,
            "n": self.n,
            "counts": self.counts,
            "majority": self.majority,
            "share": self.share,
        }


def reference_check(
    spec: str | TextClassifier = "offline",
    *,
    suite: str = "classic",
    episodes: int = 5,
    seed: int = 0,
    options: dict[str, str] | None = None,
) -> list[AgentCheck]:
    """Label counts of each reference agent's traces (see the module docstring)."""
    from stratlens.results import load_decisions
    from stratlens.runner import evaluate

    clf = make_classifier(spec, **(options or {})) if isinstance(spec, str) else spec
    out = []
    with tempfile.TemporaryDirectory(prefix="stratlens-ref-") as tmp:
        store = str(Path(tmp) / "reference.db")
        for agent in REFERENCE_AGENTS:
            evaluate(agent, suite=suite, episodes=episodes, seed=seed, protocol="cot", store=store)
        frame = load_decisions(store)
        for agent, style in REFERENCE_AGENTS.items():
            texts = [t for t in frame.loc[frame["model"] == agent, "reasoning"] if t.strip()]
            labels = clf.classify(texts)
            counts = Counter(lab.label or "none" for lab in labels)
            out.append(AgentCheck(agent, style, len(texts), dict(counts), suite))
    return out
