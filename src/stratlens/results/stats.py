"""Statistics the structure analysis uses: Spearman correlations with bootstrap intervals and
permutation p-values, Benjamini-Hochberg q-values (scipy's ``false_discovery_control``), and
OLS with cluster-robust errors (statsmodels, ``cov_type="cluster"``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

Array = npt.NDArray[np.float64]


# --- rank correlation ------------------------------------------------------------------------


def _rowwise_corr(a: Array, b: Array) -> Array:
    """Pearson correlation of each row of a with the same row of b (NaN if a row is flat)."""
    da = a - a.mean(axis=-1, keepdims=True)
    db = b - b.mean(axis=-1, keepdims=True)
    den = np.sqrt((da * da).sum(axis=-1) * (db * db).sum(axis=-1))
    num = (da * db).sum(axis=-1)
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 1e-12)
    return out


def spearman(x: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Spearman's rho (Pearson correlation of average ranks); NaN when either is constant."""
    rx = stats.rankdata(np.asarray(x, dtype=float))
    ry = stats.rankdata(np.asarray(y, dtype=float))
    return float(_rowwise_corr(rx[None, :], ry[None, :])[0])


def _ranks(values: Array) -> Array:
    """Average ranks along the last axis; a 0/1 column is returned as it is (its ranks are an
    affine image of it, and correlations are unchanged by that)."""
    if np.isin(values, (0.0, 1.0)).all():
        return values
    return np.asarray(stats.rankdata(values, axis=-1), dtype=float)


def permutation_p(x: Array, y: Array, n_perm: int, rng: np.random.Generator) -> float:
    """Two-sided permutation p-value of Spearman's rho: (1 + #|ρ*| ≥ |ρ|) / (1 + n_perm)."""
    rx, ry = _ranks(np.asarray(x, float)), _ranks(np.asarray(y, float))
    rho = float(_rowwise_corr(rx[None, :], ry[None, :])[0])
    if not math.isfinite(rho):
        return math.nan
    perms = rng.permuted(np.tile(ry, (n_perm, 1)), axis=1)
    null = _rowwise_corr(np.broadcast_to(rx, perms.shape), perms)
    return float((1 + np.sum(np.abs(null) >= abs(rho) - 1e-12)) / (1 + n_perm))


def bh_adjust(p: npt.ArrayLike) -> Array:
    """Benjamini-Hochberg q-values; NaN p-values stay NaN and do not count as tests."""
    arr = np.asarray(p, dtype=float)
    out = np.full(arr.shape, np.nan)
    ok = np.isfinite(arr)
    if ok.any():
        out[ok] = stats.false_discovery_control(arr[ok], method="bh")
    return out


def _standardised(a: Array, axis: int) -> Array:
    """Centred along ``axis`` and scaled to unit norm; NaN where the values are constant."""
    centred = a - a.mean(axis=axis, keepdims=True)
    norm = np.sqrt((centred * centred).sum(axis=axis, keepdims=True))
    out = np.full(a.shape, np.nan)
    np.divide(centred, norm, out=out, where=norm > 1e-12)
    return out


def _column_ranks(x: Array, binary: npt.NDArray[np.bool_]) -> Array:
    """Ranks of each predictor (last axis) along the rows (the axis before it); 0/1 columns
    are kept as they are (their ranks are an affine image of them)."""
    out = np.array(x, dtype=float)
    for j in np.flatnonzero(~binary):
        out[..., j] = stats.rankdata(x[..., j], axis=-1)
    return out


def _resampled_ranks(values: Array, idx: npt.NDArray[np.int64]) -> Array:
    """``stats.rankdata(values[idx], axis=-1)`` (average ranks of each resample), by counting:
    a value's average rank is the number of smaller values plus (its count + 1) / 2, exact in
    floating point (integers and halves) and without a sort per resample."""
    uniq, code = np.unique(values, return_inverse=True)
    picked = code.ravel()[idx]  # (B, n): each drawn unit's value code
    b, u = idx.shape[0], len(uniq)
    counts = np.bincount((picked + u * np.arange(b)[:, None]).ravel(), minlength=b * u)
    counts = counts.reshape(b, u).astype(float)
    below = np.cumsum(counts, axis=1) - counts
    rank_of = below + (counts + 1.0) / 2.0
    return np.asarray(np.take_along_axis(rank_of, picked, axis=1))


def _resampled_column_ranks(
    x: Array, idx: npt.NDArray[np.int64], binary: npt.NDArray[np.bool_]
) -> Array:
    """``_column_ranks(x[idx], binary)`` without ranking each resample by sorting."""
    out = np.asarray(x, dtype=float)[idx]  # a fresh (B, n, k) array
    for j in np.flatnonzero(~binary):
        out[..., j] = _resampled_ranks(x[:, j], idx)
    return out


def _resampled_rho(ry: Array, rx: Array) -> Array:
    """Correlation of ``ry`` (B, n) with each column of ``rx`` (B, n, k), per resample b;
    NaN where either side is constant."""
    n = ry.shape[1]
    yc = ry - ry.mean(axis=1, keepdims=True)
    syy = (yc * yc).sum(axis=1)[:, None]
    sxy = np.einsum("bn,bnk->bk", yc, rx)  # Σ (y - ȳ)·x = Σ (y - ȳ)(x - x̄)
    sx = rx.sum(axis=1)
    vx = np.einsum("bnk,bnk->bk", rx, rx) - sx * sx / n
    den = np.sqrt(np.clip(syy * vx, 0.0, None))
    out = np.full(sxy.shape, np.nan)
    np.divide(sxy, den, out=out, where=(syy > 1e-12) & (vx > 1e-12))
    return out


#: ``cached(parts, compute)``: compute's value, or the one kept under the inputs ``parts``.
Cached = Callable[[list[Any], Callable[[], Any]], Any]


def spearman_tests(
    frame: pd.DataFrame,
    outcomes: Sequence[str],
    predictors: Sequence[str],
    *,
    n_boot: int = 1000,
    n_perm: int = 2000,
    level: float = 0.95,
    seed: int = 0,
    cached: Cached | None = None,
) -> pd.DataFrame:
    """One row per (outcome, predictor): n, rho, its bootstrap interval, p and BH q.

    Rows missing the outcome or any predictor are left out. For each outcome the same
    resamples (rows drawn with replacement) and the same permutations of the outcome serve
    every predictor; a p-value is (1 + #|ρ*| ≥ |ρ|) / (1 + n_perm). With ``cached``, each
    outcome's rows are looked up under its data and the generator's state, which is then set
    to what computing them would have left (so the outcomes after it draw the same).
    """
    rng = np.random.default_rng(seed)
    rows: list[tuple[Any, ...]] = []
    for outcome in outcomes:
        data = frame[[outcome, *predictors]].astype(float).dropna()

        def compute(data: pd.DataFrame = data, outcome: str = outcome) -> Any:
            found = _outcome_tests(data, outcome, predictors, n_boot, n_perm, level, rng)
            return [list(r) for r in found], rng.bit_generator.state

        if cached is None:
            found, _ = compute()
        else:
            parts = [outcome, list(predictors), data.to_numpy(), n_boot, n_perm, level,
                     rng.bit_generator.state]  # fmt: skip
            found, state = cached(parts, compute)
            rng.bit_generator.state = state
        rows += [tuple(r) for r in found]
    table = pd.DataFrame(rows, columns=["outcome", "predictor", "n", "rho", "low", "high", "p"])
    table["q"] = bh_adjust(table.p.to_numpy())
    return table


def _outcome_tests(
    data: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    n_boot: int,
    n_perm: int,
    level: float,
    rng: np.random.Generator,
) -> list[tuple[Any, ...]]:
    alpha = (1 - level) / 2
    n, k = len(data), len(predictors)
    nan = np.full(k, np.nan)
    rho, p, low, high = nan, nan.copy(), nan.copy(), nan.copy()
    if n >= 4:
        y = data[outcome].to_numpy()
        x = data[list(predictors)].to_numpy()
        binary = np.asarray(np.isin(x, (0.0, 1.0)).all(axis=0))
        zx = _standardised(_column_ranks(x, binary), 0)  # (n, k)
        zy = _standardised(_ranks(y), 0)
        rho = zy @ zx
        perms = rng.permuted(np.tile(zy, (n_perm, 1)), axis=1)
        null = perms @ np.nan_to_num(zx)
        p = (1 + (np.abs(null) >= np.abs(rho) - 1e-12).sum(axis=0)) / (1 + n_perm)
        idx = rng.integers(0, n, size=(n_boot, n))
        drawn = y[idx]
        ry = drawn if np.isin(drawn, (0.0, 1.0)).all() else _resampled_ranks(y, idx)
        reps = _resampled_rho(ry, _resampled_column_ranks(x, idx, binary))
        finite = np.isfinite(reps)
        for j in range(k):
            r = reps[finite[:, j], j]
            if math.isfinite(rho[j]) and 2 * len(r) >= n_boot:
                low[j], high[j] = np.quantile(r, [alpha, 1 - alpha])
        p = np.where(np.isfinite(rho), p, np.nan)
    return [
        (outcome, predictor, n, float(rho[j]), float(low[j]), float(high[j]), float(p[j]))
        for j, predictor in enumerate(predictors)
    ]


# --- regression with errors clustered by family ----------------------------------------------


@dataclass(frozen=True)
class ClusterOLS:
    """OLS coefficients with cluster-robust (CR1) standard errors, from statsmodels.

    ``k`` counts the parameters, fixed effects included; ``df`` is G − 1, the degrees of
    freedom of the t tests (statsmodels' ``df_correction``).
    """

    names: tuple[str, ...]
    coef: Array
    se: Array
    p: Array
    low: Array
    high: Array
    n: int
    clusters: int
    k: int
    df: int
    level: float = 0.95

    @property
    def t(self) -> Array:
        out = np.full(self.coef.shape, np.nan)
        np.divide(self.coef, self.se, out=out, where=self.se > 0)
        return out

    def interval(self) -> tuple[Array, Array]:
        return self.low, self.high


def cluster_ols(
    y: npt.ArrayLike,
    x: npt.ArrayLike,
    clusters: Sequence[object],
    names: Sequence[str],
    *,
    fixed_effects: Sequence[object] | None = None,
    level: float = 0.95,
) -> ClusterOLS:
    """OLS of y on the columns of x (plus one dummy per level of ``fixed_effects``, which
    are estimated and not reported), with the CR1 cluster-robust sandwich.

    statsmodels' ``OLS(...).fit(cov_type="cluster")``: V = c·(X'X)⁻¹·(Σ_g X_g'e_g e_g'X_g)·
    (X'X)⁻¹ with c = G/(G−1)·(N−1)/(N−K), K counting every column, dummies included; t tests
    and intervals on G − 1 degrees of freedom.
    """
    import statsmodels.api as sm

    yv = np.asarray(y, dtype=float)
    xm = np.asarray(x, dtype=float).reshape(len(yv), -1)
    k = xm.shape[1]
    design = xm
    if fixed_effects is not None:
        codes = pd.factorize(pd.Series(list(fixed_effects), dtype=object), sort=True)[0]
        design = np.column_stack([xm, np.eye(int(codes.max()) + 1)[codes]])
    groups = pd.factorize(pd.Series(list(clusters), dtype=object), sort=True)[0]
    # A variance that rounds below zero (a perfect fit) comes back as a NaN standard error:
    # that coefficient has no test.
    with np.errstate(invalid="ignore"):
        fit = sm.OLS(yv, design).fit(
            cov_type="cluster",
            cov_kwds={"groups": groups, "use_correction": True, "df_correction": True},
            use_t=True,
        )
        bounds = np.asarray(fit.conf_int(alpha=1 - level), dtype=float)
    return ClusterOLS(
        names=tuple(names),
        coef=np.asarray(fit.params[:k], dtype=float),
        se=np.asarray(fit.bse[:k], dtype=float),
        p=np.asarray(fit.pvalues[:k], dtype=float),
        low=bounds[:k, 0],
        high=bounds[:k, 1],
        n=len(yv),
        clusters=int(groups.max()) + 1,
        k=int(design.shape[1]),
        df=int(fit.df_resid_inference),
        level=level,
    )
