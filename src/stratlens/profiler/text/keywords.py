"""The keyword-counting baseline: each style's usual words, counted over the whole trace.

The label is the style whose words occur most often (``other`` when none occurs; ties go to
the first label in `LABELS`). Scores are the add-one smoothed shares of the counts, not
calibrated probabilities; evidence is the sentence with the most words of the winning style.
This is the baseline the classifiers are compared with, and its lexicon defines the corpus's
``no_keywords`` and ``cross_vocabulary`` tags.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from stratlens.errors import UsageError
from stratlens.profiler.text._base import LABELS, TextLabel, classifier, top_label
from stratlens.profiler.text._sentences import split_sentences

LEXICON_VERSION = "1"

#: Each style's usual words (lower-case regular expressions).
LEXICON: dict[str, str] = {
    "minimax": (
        r"worst|guarantee|\bsafe|safety|minimax|maximin|\bfloor|secur|\brisk|downside|cautio|"
        r"lowest|minimum|at least|protect"
    ),
    "trust_based": (
        r"trust|cooperat|mutual|together|both of us|\bjoint|\bfair|reciproc|\bteam|\bshared|"
        r"collective|good faith|win-win|goodwill|common good"
    ),
    "belief_anticipation": (
        r"predict|expect|anticipat|likely|likelihood|probabl|best respon|best repl|incentive|"
        r"rational|in (?:their|his|her|player \d's) shoes|level-k|forecast"
    ),
    "other": (
        r"random|\bcoin\b|just pick|highest number|biggest number|arbitrar|no idea|"
        r"gut feeling|\bluck"
    ),
}
_PATTERNS = {k: re.compile(v) for k, v in LEXICON.items()}


def keyword_counts(text: str) -> dict[str, int]:
    """How many of each style's usual words ``text`` contains."""
    low = text.lower()
    return {k: len(p.findall(low)) for k, p in _PATTERNS.items()}


class KeywordClassifier:
    """Counts each style's usual words; the most frequent style wins."""

    name = "keywords"
    key = f"keywords@{LEXICON_VERSION}"

    def classify(self, texts: Sequence[str]) -> list[TextLabel]:
        return [self._one(t) for t in texts]

    def _one(self, text: str) -> TextLabel:
        counts = keyword_counts(text)
        styles = {k: v for k, v in counts.items() if k != "other"}
        if max(styles.values()) == 0 and counts["other"] == 0:
            label = "other"
        else:
            label = top_label({k: float(v) for k, v in counts.items()})
        total = sum(counts.values()) + len(LABELS)
        scores = {k: (counts[k] + 1) / total for k in LABELS}
        best = ""
        best_n = 0
        for s in split_sentences(text):
            n = len(_PATTERNS[label].findall(s.text.lower()))
            if n >= best_n and n > 0:
                best, best_n = s.text, n
        if not best:
            sents = split_sentences(text)
            best = sents[-1].text if sents else ""
        return TextLabel(label, scores, best)


@classifier("keywords")
def _make(arg: str | None, **options: str) -> KeywordClassifier:
    if options:
        raise UsageError(f"the keyword classifier takes no options, got {sorted(options)}")
    return KeywordClassifier()
