"""Cue phrases of each style, counted with negation and position.

The cues go beyond each style's usual words (`keywords.LEXICON`): a minimax trace may say
"never drops below 5" or "row 1 can leave me with 0" without saying "worst"; a belief trace may
say "their natural pick is column 2" without saying "predict"; a trust trace may say "my half
of the 8/8 cell" without saying "trust". Each cue is counted in three places (the whole trace,
its last sentences, what follows its last turn) and, separately, when a negation precedes it
("I can't lean on a forecast", "I don't need the prediction"), since a negated cue of one style
is evidence for another. `cue_matrix` turns texts into these counts, log-scaled.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from stratlens.profiler.text._sentences import views

CUE_VERSION = "1"

_CUES: dict[str, tuple[str, ...]] = {
    "minimax": (
        r"worst|guarantee|\bsafe|safety|minimax|maximin|\bfloor|secur|\brisk|downside|cautio",
        r"lowest|minimum|at least|protect|defen[cs]|exposed|exposure|expose",
        r"(?:can'?t|cannot|never|won'?t) (?:go|drop|fall|get|end up)? ?(?:below|under|less|lower)",
        r"never (?:goes|drops|falls|pays|gives)|no (?:less|lower) than|bottom|as little as",
        r"(?:can|could) (?:leave|cost|drop|end)|left with (?:no"
        r"thing|0|zero)|end(?:s)? (?:at|with) (?:0|zero|nothing)",
        r"no matter|whatever (?:they|happens|column|row|comes|the)|regardless|either way",
        r"for (?:sure|certain)|\bsure\b|certain|lock (?:in|it)|locks in|can'?t lose|never lose",
        r"the bad (?:case|outcome)|bad outcome|things go wrong|damage|get hit|hit for",
        r"exploit|undercut|punish|gambl|stake|bet (?:on|against)|hang my|at the mercy",
        r"covered|holds? up|live with|can'?t control|in (?:their|player \d's) hands",
    ),
    "trust_based": (
        r"trust|cooperat|mutual|together|both of us|\bjoint|\bfair|reciproc|\bteam|\bshared",
        r"we both|we each|each of us|us both|the pair|the two of us|for both|for each of us",
        r"best (?:cell|outcome|result|place) for|good for (?:both|each|us)|best for (?:both|each)",
        r"in total|\btotal|combined|\bsum\b|adds? up|\bpie\b|most to go around",
        r"partner|meet (?:them|me|player|you)|meeting point|land (?:on|there|in)|aim (?:for|there)",
        r"my (?:part|half|side|end|share)|do my part|play my (?:part|half|side)|hold up my",
        r"count(?:ing)? on|rely(?:ing)? on|honou?r|keep faith|good spirit|generous|forgive|reward",
        r"same (?:position|table|numbers|situation|thing|way)|mirror|sees? (?:it|that|the same)",
        r"sensible|reasonable|even split|half each|evenly|equal|split",
        r"set (?:that|the|this) (?:worry|fear)|\bfear|signal|tone|keep (?:it|going)",
    ),
    "belief_anticipation": (
        r"predict|expect|anticipat|likely|likelihood|probabl|best respon|best repl|incentive",
        r"rational|shoes|level-?\s?\d|forecast|first-level|one step further|\blevels?\b",
        r"they'?(?:ll| will) (?:go|play|pick|take|head|ans"
        r"wer|do|be|chase|stop|continue|swerve|see|realise)",
        r"their (?:move|pick|choice|natural|best|reply|"
        r"payoffs?|side|view|incentive|numbers|options)",
        r"for them|from (?:their|player \d's) (?:side|view|perspective|position)",
        r"(?:what|which) (?:will|would|does|do) (?:they|play"
        r"er \d)|player \d(?:'s)? (?:move|view|options|side)",
        r"answer(?:s|ing)? (?:it|that|their|row|column)|"
        r"\breply|respond|against (?:that|it|row|column)",
        r"average|weigh|self-interested|payoff-maximis|points-(?:focused|maximis)|selfish",
        r"better for them|best for them|dominant for them|their best|is their move|where they",
        r"pattern|history|so far|in a row|running|sett"
        r"led|react|retaliat|hit back|copying|mirror my",
        r"tend to|usually|people|most players|players (?:often|tend)|bet on|my read|read on",
        r"(?:they|player \d) (?:see|sees|read|reads|know|knows|think|thinks|wants?)|put myself",
    ),
    "other": (
        r"random|\bcoin\b|flip|arbitrar|just (?:pick|go)|pic"
        r"k(?:ing)? the first|first (?:option|one|row|column)",
        r"biggest|highest|largest|top payoff|my best payoff|my (?:top|best) (?:cell|number)",
        r"\bsum of|row (?:sums|totals)|column (?:sums|totals)|adding up|averag\w* each",
        r"no (?:basis|way to|reason to prefer|information|i"
        r"dea)|can'?t (?:know|tell|decide|compute|determine)",
        r"not enough information|nothing to reason|don'?t have (?:enough|a reliable)",
        r"doesn'?t matter|either (?:choice|one|is) (?:is "
        r")?fine|same to me|identical|no column is better",
        r"alternate|mix(?:ing)? it up|variety|keep doi"
        r"ng|interesting|overthink|go with .* this time",
        r"i'?m (?:choosing|picking) a column|my payoff "
        r"is the first|second number|treat it as certain",
        r"dominat|better in (?:both|every|each)|beats? .* in both",
    ),
}
_NEGATION = re.compile(
    r"(?:\bnot\b|n't\b|\bno\b|\bnever\b|\bwithout\b|instead of|rather than|\bnor\b)[^.;:!?]{0,30}$"
)
_PATTERNS = {k: [re.compile(p) for p in v] for k, v in _CUES.items()}
STYLES = tuple(_CUES)
N_FEATURES = len(STYLES) * 6 + 3


def _count(text: str) -> tuple[dict[str, int], dict[str, int]]:
    """(plain, negated) cue counts per style in ``text``."""
    low = text.lower()
    plain = dict.fromkeys(STYLES, 0)
    negated = dict.fromkeys(STYLES, 0)
    for style, patterns in _PATTERNS.items():
        for p in patterns:
            for m in p.finditer(low):
                if _NEGATION.search(low, max(0, m.start() - 40), m.start()):
                    negated[style] += 1
                else:
                    plain[style] += 1
    return plain, negated


def cue_vector(text: str) -> list[float]:
    """The cue features of one trace (see the module docstring), log-scaled."""
    whole, last, turn = views(text)
    feats: list[float] = []
    for part in (whole, last, turn):
        plain, negated = _count(part)
        feats.extend(math.log1p(plain[s]) for s in STYLES)
        feats.extend(math.log1p(negated[s]) for s in STYLES)
    words = len(whole.split())
    feats.append(math.log1p(words) / 6.0)
    feats.append(1.0 if re.search(r"^\s*(?:#|\*\*|- |\d\. )", text, re.MULTILINE) else 0.0)
    feats.append(
        min(1.0, len(re.findall(r"\b(?:wait|hmm+|hold on|actually)\b", whole.lower())) / 3.0)
    )
    return feats


def cue_matrix(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """`cue_vector` of each text, as rows of a matrix."""
    if not len(texts):
        return np.zeros((0, N_FEATURES))
    return np.asarray([cue_vector(t) for t in texts], dtype=float)
