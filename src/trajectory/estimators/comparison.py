"""Comparing groups: weighted log-rank (Fleming-Harrington) and Gray's test.

Both are computed from counts at unique times (``bincount`` into a time x group
table, then cumulative products and sums), with no Python loop over rows or times.

Examples
--------
>>> import pandas as pd
>>> from trajectory.estimators import logrank
>>> df = pd.DataFrame({"time": [1, 2, 3, 4, 5, 6], "outcome": [1, 1, 1, 1, 0, 1],
...                    "arm": ["a", "b", "a", "b", "a", "b"]})
>>> r = logrank(df, by="arm")
>>> round(r.statistic, 4), r.df
(0.0739, 1)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.stats import chi2

from ..errors import EstimationError
from ..results import TidyResult
from ._counts import _column, prepare, unique_times
from .count_table import CountTable, unwrap_counts

__all__ = ["ComparisonResult", "LogrankResult", "logrank", "gray_test"]


@dataclass(frozen=True, repr=False)
class ComparisonResult(TidyResult):
    """A chi-square test comparing groups.

    Attributes
    ----------
    statistic, df, p : float, int, float
        The chi-square statistic, its degrees of freedom and the p-value.
    table : pandas.DataFrame
        Log-rank: one row a group (``group, n, observed, expected``, weighted
        when ``rho``/``gamma`` are not 0, as R ``survdiff``). Gray: one row a
        competing outcome (``state, statistic, df, p``).
    """

    #: test statistics only (no counts): the disclosure gate passes them unchanged
    disclosure: ClassVar[Mapping[str, Any]] = {"no_counts": True}
    #: a test is written in a figure's caption (``plot_curves(test=...)``), not drawn
    figure: ClassVar[Mapping[str, Any]] = {"kind": "none"}


    statistic: float = float("nan")
    df: int = 0
    p: float = float("nan")

    def _header(self) -> str:
        return (
            super()._header() + f"; chi2 = {self.statistic:.4g}, df = {self.df}, p = {self.p:.4g}"
        )


@dataclass(frozen=True, repr=False)
class LogrankResult(ComparisonResult):
    """A log-rank (or Fleming-Harrington) test with its table by group.

    The chi-square and, one row a group, ``group, n, observed, expected`` (as R
    ``survdiff`` prints them).

    Unlike Gray's table, this one holds counts: the disclosure gate protects ``n`` and
    ``observed`` as a count table by group, and blanks ``expected`` with them.
    """

    disclosure: ClassVar[Mapping[str, Any]] = {
        "counts": ["n", "observed"], "dims": ["group"],
        "derived": {"expected": ["n", "observed"]}}

    #: Identities its table shares with other published tables, read by the release
    #: audit (trajectory.privacy.identities), for a test of the study's cohort: a
    #: group's ``n`` is at most its cases in the cohort's counts by offence group (as
    #: many when no case was excluded: the audit adopts the equality only where the
    #: shown cells confirm it); the groups' ``n`` add up to the cohort's outcome counts
    #: and their events (unweighted ``observed``) to its decided cases.
    identities: ClassVar[tuple[Mapping[str, Any], ...]] = (
        *({"parts": {"source": "cohort.cases", "column": "n", "per": "offence_group"},
           "whole": {"source": "comparison.logrank", "column": "n", "per": "group"},
           "relation": relation} for relation in ("=", ">=")),
        {"parts": {"source": "cohort.outcomes", "column": "n"},
         "whole": {"source": "comparison.logrank", "column": "n", "every": True}},
        {"parts": {"source": "cohort.outcomes", "column": "n",
                   "exclude": {"outcome": ["censored"]}},
         "whole": {"source": "comparison.logrank", "column": "observed", "every": True}},
    )

    def __post_init__(self) -> None:
        """Name the table's source, as :attr:`identities` refers to it."""
        self.table.attrs["source"] = "comparison.logrank"


def _chisq(score: np.ndarray, var: np.ndarray, keep: np.ndarray) -> tuple[float, int]:
    """R ``survdiff``: drop groups with nothing expected, then the first; solve."""
    idx = np.flatnonzero(keep)
    if idx.size < 2:
        return 0.0, 0
    idx = idx[1:]
    u = score[idx]
    v = var[np.ix_(idx, idx)]
    try:
        stat = float(u @ np.linalg.solve(v, u))
    except np.linalg.LinAlgError:
        stat = float(u @ np.linalg.pinv(v) @ u)
    return stat, int(idx.size)


def _stratum_masks(
    data: pd.DataFrame, strata: str | None, order: np.ndarray | None
) -> list[slice | np.ndarray]:
    """Row selections (in the prepared row order) of each stratum."""
    if strata is None:
        return [slice(None)]
    codes, uniques = pd.factorize(_column(data, strata, "strata"), sort=True)
    if order is not None:
        codes = codes[order]
    return [codes == k for k in range(len(uniques))]


def logrank(
    data: pd.DataFrame,
    *,
    time: str = "time",
    event: str = "outcome",
    by: str,
    strata: str | None = None,
    entry: str | None = None,
    weights: str | None = None,
    rho: float = 0.0,
    gamma: float = 0.0,
    censored: Any = "censored",
) -> ComparisonResult:
    """K-sample log-rank test, optionally stratified and Fleming-Harrington weighted.

    Parameters
    ----------
    data : pandas.DataFrame or CountTable
        One row a case, or a :class:`~trajectory.estimators.CountTable` (same result).
    time, event, entry, weights, censored : see :func:`~trajectory.estimators.kaplan_meier`.
    by : str
        The column whose levels are compared.
    strata : str, optional
        Sum the per-stratum scores and variances (R ``+ strata(x)``).
    rho, gamma : float
        Fleming-Harrington weight ``S(t-)^rho * (1 - S(t-))^gamma``, with ``S`` the
        pooled (within-stratum) Kaplan-Meier just before ``t``. ``rho=0, gamma=0`` is
        the log-rank test, ``rho=1, gamma=0`` the Peto-Peto / Prentice-Wilcoxon form of
        R ``survdiff(rho=1)``.

    Returns
    -------
    ComparisonResult
        ``statistic``, ``df`` and ``p`` as R ``survdiff(Surv(time, event) ~ by +
        strata(strata), rho=rho)``; the hypergeometric variance is used.

    References
    ----------
    .. [1] Mantel N (1966). Evaluation of survival data and two new rank order statistics
       arising in its consideration. Cancer Chemother Rep 50(3):163-170.
    .. [2] Mantel N, Haenszel W (1959). Statistical aspects of the analysis of data from
       retrospective studies of disease. J Natl Cancer Inst 22(4):719-748.
    .. [3] Harrington DP, Fleming TR (1982). A class of rank test procedures for censored
       survival data. Biometrika 69(3):553-566.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"time": [1, 2, 3, 4, 5, 6], "outcome": [1, 1, 1, 1, 0, 1],
    ...                    "arm": ["a", "b", "a", "b", "a", "b"]})
    >>> logrank(df, by="arm", rho=1).table[["group", "observed"]]
      group  observed
    0     a  1.666667
    1     b  1.666667
    """
    data, weights, entry, _ = unwrap_counts(data, weights=weights, entry=entry, role="logrank")
    prep = prepare(data, time=time, event=event, by=by, entry=entry, weights=weights,
                   censored=censored, competing=False, sort_groups=False)
    n_g = len(prep.groups)
    if n_g < 2:
        raise EstimationError(f"by column {by!r} has a single level; nothing to compare")
    assert prep.codes is not None
    group = prep.codes
    observed = np.zeros(n_g)
    expected = np.zeros(n_g)
    var = np.zeros((n_g, n_g))
    for m in _stratum_masks(data, strata, None):  # loop over strata only
        o, e, v = _weighted_scores(
            prep.time[m], prep.cause[m] > 0, group[m], n_g,
            None if prep.entry is None else prep.entry[m],
            None if prep.weight is None else prep.weight[m], rho, gamma,
        )
        observed += o
        expected += e
        var += v
    stat, df = _chisq(observed - expected, var, expected > 0)
    n_by = np.bincount(group, weights=prep.weight, minlength=n_g).astype(float)
    tab = pd.DataFrame({"group": list(prep.groups), "n": n_by,
                        "observed": observed, "expected": expected})
    method = "log-rank" if rho == 0 and gamma == 0 else f"Fleming-Harrington({rho:g}, {gamma:g})"
    return LogrankResult(
        table=tab, method=method + (" stratified" if strata else "") + " test", n=prep.n,
        statistic=stat, df=df, p=float(chi2.sf(stat, df)) if df > 0 else float("nan"),
        alpha=0.0,
        notes={"rho": rho, "gamma": gamma, "variance": var,
               "reference": "R survival::survdiff(Surv(time, event) ~ by + strata(s), rho=)"},
    )


def _weighted_scores(
    time: np.ndarray, dead: np.ndarray, group: np.ndarray, n_g: int,
    entry: np.ndarray | None, w: np.ndarray | None, rho: float, gamma: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted observed, expected and hypergeometric variance in one stratum."""
    times, e = unique_times(time)
    n_t = times.shape[0]

    def table(idx: np.ndarray, grp: np.ndarray, vals: np.ndarray | None) -> np.ndarray:
        flat = np.bincount(idx * n_g + grp, weights=vals, minlength=(n_t + 1) * n_g)
        return flat.reshape(n_t + 1, n_g)[:n_t].astype(float)

    d_g = table(e[dead], group[dead], None if w is None else w[dead])
    exits = table(e, group, w)
    if entry is None:
        n_gt = np.cumsum(exits[::-1], axis=0)[::-1]
    else:
        enters = table(np.searchsorted(times, entry, side="right"), group, w)
        n_gt = np.cumsum(enters - exits, axis=0) + exits
    n = n_gt.sum(axis=1)
    d = d_g.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        haz = np.where(n > 0, d / n, 0.0)
        s_left = np.concatenate(([1.0], np.cumprod(1.0 - haz)[:-1]))  # pooled KM at t-
        wt = s_left**rho * (1.0 - s_left) ** gamma
        frac = np.where(n[:, None] > 0, n_gt / n[:, None], 0.0)
        kk = np.where(n > 1, wt**2 * d * (n - d) / (n * (n - 1)), 0.0)
    observed = (wt[:, None] * d_g).sum(axis=0)
    expected = ((wt * d)[:, None] * frac).sum(axis=0)
    var = np.diag((kk[:, None] * n_gt).sum(axis=0)) - np.einsum("t,ti,tj->ij", kk, n_gt, frac)
    return observed, expected, var


def _gray_stratum(
    time: np.ndarray, m: np.ndarray, group: np.ndarray, n_g: int, rho: float,
    count: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Gray's (1988) score and variance for one stratum, vectorised over event times.

    ``m`` is 0 censored, 1 the cause of interest, 2 any other cause; ``count`` the
    number of cases each row stands for (a count table), 1 by default.
    """
    times, e = unique_times(time)
    n_t = times.shape[0]
    cnt = np.bincount((e * 3 + m) * n_g + group, weights=count,
                      minlength=n_t * 3 * n_g).reshape(n_t, 3, n_g)
    rs = np.cumsum(cnt.sum(axis=1)[::-1], axis=0)[::-1].astype(float)
    d1, d2 = cnt[:, 1].astype(float), cnt[:, 2].astype(float)
    keep = (d1 + d2).sum(axis=1) > 0
    rs, d1, d2 = rs[keep], d1[keep], d2[keep]
    has = rs > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(has, (rs - d1 - d2) / rs, 1.0)
        skm = np.cumprod(step, axis=0)
        skmm = np.vstack([np.ones((1, n_g)), skm[:-1]])
        f1_inc = np.where(has, skmm * d1 / rs, 0.0)
        f1m = np.cumsum(f1_inc, axis=0) - f1_inc
        t1 = np.where(has, rs / skmm, 0.0)
        tr = t1.sum(axis=1)
        tq = np.where(has, rs * (1.0 - f1m) / skmm, 0.0).sum(axis=1)
        nd1 = d1.sum(axis=1)
        f_inc = nd1 / tr
        f = np.cumsum(f_inc)
        fm = f - f_inc
        fb = (1.0 - fm) ** rho
        outer = t1[:, :, None] * t1[:, None, :] / tr[:, None, None]
        a = fb[:, None, None] * (np.einsum("ui,ik->uik", t1, np.eye(n_g)) - outer)
        c = np.cumsum(a * np.where(nd1 > 0, nd1 / (tr * (1.0 - fm)), 0.0)[:, None, None], axis=0)
        score = (fb[:, None] * np.where(has, d1 - nd1[:, None] * rs * (1.0 - f1m)
                                        / (skmm * tq[:, None]), 0.0)).sum(axis=0)
        # part 1: variability from events of the cause of interest
        t4 = np.where(skm > 0, 1.0 - (1.0 - f[:, None]) / skm, 1.0)
        t5 = np.where(nd1[:, None] > 1, 1.0 - (nd1[:, None] - 1) / (tr[:, None] * skmm - 1), 1.0)
        t3 = np.where(has & (nd1[:, None] > 0), t5 * skmm * nd1[:, None] / (tr[:, None] * rs), 0.0)
        x = a - t4[:, None, :] * c
        var = np.einsum("uik,ujk,uk->ij", x, x, t3)
        v2 = np.einsum("uik,uk->ik", x, t4 * t3)
        v3 = (t4**2 * t3).sum(axis=0)
        # part 2: variability from the other causes
        ok = (skm > 0) & (d2 > 0)
        t4b = np.where(ok, (1.0 - f[:, None]) / skm, 0.0)
        t5b = np.where(d2 > 1, 1.0 - (d2 - 1.0) / (rs - 1.0), 1.0)
        t3b = np.where(ok, t5b * skmm**2 * d2 / rs**2, 0.0)
        y = t4b[:, None, :] * c
        var += np.einsum("uik,ujk,uk->ij", y, y, t3b)
        v2 -= np.einsum("uik,uk->ik", y, t4b * t3b)
        v3 += (t4b**2 * t3b).sum(axis=0)
    c_end = c[-1]
    var += c_end @ np.diag(v3) @ c_end.T + c_end @ v2.T + v2 @ c_end.T
    return score, var


def gray_test(
    data: pd.DataFrame,
    *,
    time: str = "time",
    event: str = "outcome",
    by: str,
    strata: str | None = None,
    rho: float = 0.0,
    cause: Any = None,
    censored: Any = "censored",
) -> ComparisonResult:
    """Gray's K-sample test that the cumulative incidence of an outcome is equal across groups.

    Parameters
    ----------
    data : pandas.DataFrame or CountTable
        One row a case, or a :class:`~trajectory.estimators.CountTable` (same result).
    time, event, censored : see :func:`~trajectory.estimators.cumulative_incidence`.
    by : str
        The column whose levels are compared.
    strata : str, optional
        Stratify the test (cmprsk ``strata=``).
    rho : float
        Power of the weight ``(1 - F(t-))^rho`` (cmprsk ``rho``; 0 by default).
    cause : optional
        The outcome whose ``statistic``/``df``/``p`` fill the result's fields
        (default: the first outcome level). The ``table`` has every outcome.

    Returns
    -------
    ComparisonResult
        ``table``: one row an outcome with ``statistic, df, p``, as
        ``cmprsk::cuminc(time, event, group=by, strata=strata, rho=rho)$Tests``.
        Left truncation and case weights are not defined for this test and not
        accepted.

    References
    ----------
    .. [1] Gray RJ (1988). A class of K-sample tests for comparing the cumulative incidence
       of a competing risk. Ann Stat 16(3):1141-1154.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"time": [1, 2, 3, 4, 5, 6, 7, 8],
    ...                    "outcome": ["a", "b", "a", "censored", "a", "a", "b", "censored"],
    ...                    "arm": ["x", "y", "x", "y", "y", "x", "y", "x"]})
    >>> gray_test(df, by="arm").table["state"].tolist()
    ['a', 'b']
    """
    if isinstance(data, CountTable) and data.has_entry:
        raise EstimationError("gray_test: left truncation is not defined for this test; "
                              "build the count table without entry=")
    if isinstance(data, CountTable) and data.weighted:
        raise EstimationError("gray_test: case weights are not defined for this test; "
                              "build the count table without weights=")
    data, counts, _, _ = unwrap_counts(data, weights=None, entry=None, role="gray_test")
    prep = prepare(data, time=time, event=event, by=by, entry=None, weights=counts,
                   censored=censored, competing=True)
    n_g = len(prep.groups)
    if n_g < 2:
        raise EstimationError(f"by column {by!r} has a single level; nothing to compare")
    group = np.repeat(np.arange(n_g), [s.stop - s.start for s in prep.slices])
    masks = _stratum_masks(data, strata, prep.order)
    rows = []
    for j, state in enumerate(prep.causes, start=1):
        m = np.where(prep.cause == j, 1, np.where(prep.cause > 0, 2, 0))
        score = np.zeros(n_g)
        var = np.zeros((n_g, n_g))
        for sel in masks:
            s_k, v_k = _gray_stratum(prep.time[sel], m[sel], group[sel], n_g, rho,
                                     None if prep.weight is None else prep.weight[sel])
            score += s_k
            var += v_k
        u, v = score[:-1], var[:-1, :-1]
        stat = float(u @ np.linalg.solve(v, u))
        rows.append({"state": state, "statistic": stat, "df": n_g - 1,
                     "p": float(chi2.sf(stat, n_g - 1))})
    tab = pd.DataFrame(rows)
    if cause is None:
        row = tab.iloc[0]
    else:
        hits = tab[tab["state"] == str(cause)]
        if hits.empty:
            raise EstimationError(f"cause {cause!r} is not an outcome level: {list(prep.causes)}")
        row = hits.iloc[0]
    return ComparisonResult(
        table=tab, method="Gray's test" + (" stratified" if strata else ""), n=prep.n,
        statistic=float(row["statistic"]), df=int(row["df"]), p=float(row["p"]), alpha=0.0,
        notes={"rho": rho, "cause": row["state"],
               "reference": "R cmprsk::cuminc(ftime, fstatus, group, strata, rho)$Tests"},
    )
