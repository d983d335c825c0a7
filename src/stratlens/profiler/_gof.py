"""Goodness of fit of the behavioural mixture: a likelihood-ratio test against the saturated
model.

The mixture predicts one choice distribution per *cell*, a decision situation that recurs: a
(game, role) of a one-shot game, a decision node (or round with its history) of a tree or
repeated game. The saturated model gives every cell its own observed choice frequencies, so it
nests the mixture. The deviance

    G² = 2 · (ln L_saturated − ln L_mixture),   ln L_saturated = Σ_c Σ_a n_ca · ln(n_ca / n_c)

is referred to χ² with ``df = Σ_c (|A_c| − 1) − (parameters of the mixture)`` (Wilks). A small
p-value says that no mixture of the styles reproduces the choices, whatever its weights: the
profile then describes a player the styles do not explain, and its weights must not be read as
a style. The χ² reference is asymptotic: with many cells of few decisions (trees, repeated
games) it is approximate, and the verdict says so; weights or a noise parameter at their
bounds make it conservative. A parametric bootstrap of the fit (`_fit_bootstrap`) gives the
p-value at the observed cell sizes instead.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Any

#: Significance level of the verdict.
ALPHA = 0.05
#: A cell with fewer decisions than this is "small" (Cochran's rule of 5).
SMALL_CELL = 5
#: Above this share of decisions in small cells, the χ² p-value is called approximate.
SMALL_SHARE = 0.2
#: The headline of a profile whose test rejects every mixture of the styles.
NO_STYLE_FITS = "no style fits"


@dataclass(frozen=True)
class FitTest:
    """The likelihood-ratio test of a fitted mixture against the saturated model.

    ``p_chi2`` refers G² to χ²(df); ``p_boot``, when the fit was bootstrapped
    (`stratlens.profiler._fit_bootstrap`), to its parametric-bootstrap distribution at the
    observed cell sizes. The verdict reads ``p``: the bootstrap's where there is one.
    """

    statistic: float  # G²
    df: int
    p_chi2: float | None  # None when df <= 0 (nothing to test)
    cells: int
    small_share: float  # share of decisions in cells with fewer than SMALL_CELL decisions
    alpha: float = ALPHA
    p_boot: float | None = None
    draws: int = 0

    @property
    def p(self) -> float | None:
        if self.p_chi2 is None:
            return None
        return self.p_boot if self.p_boot is not None else self.p_chi2

    @property
    def rejected(self) -> bool:
        """The mixture is rejected at ``alpha``: p ≤ alpha (with B draws the bootstrap test
        has exact level alpha when alpha·(B + 1) is whole, as for 99 or 19 draws at 5%)."""
        return self.p is not None and self.p <= self.alpha + 1e-12

    @property
    def verdict(self) -> str:
        """The test in words."""
        if self.p is None:
            return (
                f"not testable: the mixture has as many free parameters as the {self.cells} "
                "choice cells"
            )
        if self.p_boot is None:
            stats = f"G² = {self.statistic:.1f}, df = {self.df}, p {_p_text(self.p)}, χ²"
        elif self.p_boot <= 1.0 / (self.draws + 1) + 1e-12:  # beyond every bootstrap draw
            assert self.p_chi2 is not None  # p is None when p_chi2 is
            chi2_p = _p_text(self.p_chi2)
            stats = (
                f"G² = {self.statistic:.1f}, df = {self.df}, p ≤ {self.p_boot:.3f}, bootstrap, "
                f"{self.draws} draws; χ² p {chi2_p}"
            )
        else:
            stats = (
                f"G² = {self.statistic:.1f}, df = {self.df}, p {_p_text(self.p)}, bootstrap, "
                f"{self.draws} draws"
            )
        if self.rejected:
            words = f"{NO_STYLE_FITS}: choices differ from every style mixture ({stats})"
        else:
            words = f"the style mixture fits: choices do not differ from it ({stats})"
        if self.p_boot is None and self.small_share > SMALL_SHARE:
            words += (
                f"; p approximate, {100 * self.small_share:.0f}% of decisions in cells with "
                f"fewer than {SMALL_CELL}"
            )
        return words

    def with_bootstrap(self, p_boot: float, draws: int) -> FitTest:
        return replace(self, p_boot=p_boot, draws=draws)

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": "likelihood ratio vs saturated (game, role, situation) model",
            "statistic": self.statistic,
            "df": self.df,
            "p": self.p,
            "p_chi2": self.p_chi2,
            "p_bootstrap": self.p_boot,
            "draws": self.draws,
            "alpha": self.alpha,
            "rejected": self.rejected,
            "cells": self.cells,
            "small_cell_share": self.small_share,
            "verdict": self.verdict,
        }


def _p_text(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def saturated_loglik(cells: Sequence[Hashable], chosen: Sequence[int]) -> float:
    """``Σ_c Σ_a n_ca ln(n_ca / n_c)``: the log-likelihood of per-cell frequencies."""
    counts: dict[Hashable, Counter[int]] = defaultdict(Counter)
    for cell, a in zip(cells, chosen, strict=True):
        counts[cell][int(a)] += 1
    total = 0.0
    for by_action in counts.values():
        n = sum(by_action.values())
        total += sum(k * math.log(k / n) for k in by_action.values())
    return total


def fit_test(
    cells: Sequence[Hashable],
    chosen: Sequence[int],
    n_actions: Sequence[int],
    loglik: float,
    n_params: int,
    *,
    alpha: float = ALPHA,
) -> FitTest:
    """Test the fit whose log-likelihood is ``loglik`` with ``n_params`` free parameters.

    ``cells[i]`` is decision i's cell, ``chosen[i]`` its action and ``n_actions[i]`` the
    number of legal actions there (the same for every decision of a cell).
    """
    from scipy.stats import chi2

    sizes: Counter[Hashable] = Counter(cells)
    width: dict[Hashable, int] = {}
    for cell, n in zip(cells, n_actions, strict=True):
        width[cell] = int(n)
    free = sum(w - 1 for w in width.values())
    df = free - n_params
    statistic = max(0.0, 2.0 * (saturated_loglik(cells, chosen) - loglik))
    small = sum(n for n in sizes.values() if n < SMALL_CELL)
    p = float(chi2.sf(statistic, df)) if df > 0 else None
    return FitTest(statistic, df, p, len(width), small / max(len(cells), 1), alpha)
