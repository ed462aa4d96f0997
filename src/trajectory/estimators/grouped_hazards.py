"""Hazard comparisons of each group with the rest: stratified log-rank and Cox.

Both read one :class:`~trajectory.estimators.grouped_table.GroupedCounts` and compare
every group at once (the rest of a group is its stratum total minus the group):
:func:`logrank_vs_rest` is R ``survdiff(... ~ in_group + strata(s))``,
:func:`cox_vs_rest` R ``coxph(..., ties="breslow")`` fitted on counts by the
package's one Cox solver. Importable from :mod:`trajectory.estimators` and
:mod:`trajectory.estimators.grouped`.

Examples
--------
>>> import numpy as np
>>> from trajectory.estimators import cox_vs_rest, grouped_counts, logrank_vs_rest
>>> c = grouped_counts(np.arange(1, 9), np.array([1, 1, 1, 0, 1, 1, 1, 0]),
...                    np.array(["x", "y", "x", "x", "y", "y", "x", "y"]))
>>> logrank_vs_rest(c)[["observed", "expected"]].round(3).reset_index()  # R survdiff
  group  observed  expected
0     x       3.0     2.512
1     y       3.0     3.488
>>> cox_vs_rest(c)[["hr", "p"]].round(3).reset_index()  # R coxph(ties="breslow")
  group     hr      p
0     x  1.408  0.682
1     y  0.710  0.682
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm
from threadpoolctl import threadpool_limits

from . import _cox_engine as ce
from ._vs_rest import group_index, z_value
from .grouped_table import GroupedCounts

__all__ = ["cox_vs_rest", "logrank_vs_rest"]


def _event_cells(
    counts: GroupedCounts,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stratum-times with at least one event: totals ``D, N`` (K,) and group ``d1, n1`` (K, G)."""
    total_event = counts.total_event
    si, ti = np.nonzero(total_event > 0)
    d = total_event[si, ti]
    n = counts.total_risk[si, ti]
    d1 = counts.n_event[si, :, ti]
    n1 = counts.n_risk[si, :, ti]
    return d, n, d1, n1


# ----------------------------------------------------------------------------- log-rank


def logrank_vs_rest(counts: GroupedCounts) -> pd.DataFrame:
    """Stratified two-sample log-rank test of each group against the rest.

    Parameters
    ----------
    counts : GroupedCounts

    Returns
    -------
    pandas.DataFrame
        Indexed by group: ``observed`` and ``expected`` events in the group (summed
        over strata), the hypergeometric ``variance`` of ``observed - expected``,
        ``chisq = (observed - expected)^2 / variance`` and its 1-df ``p`` (NaN when
        the variance is 0). As R ``survdiff(Surv(time, event) ~ in_group +
        strata(s))``; with delayed entry, the score test of the Cox model.

    Examples
    --------
    >>> import numpy as np
    >>> from trajectory.estimators import grouped_counts
    >>> c = grouped_counts(np.array([1, 2, 3, 4, 5, 6]), np.array([1, 1, 1, 1, 1, 0]),
    ...                    np.array([1, 1, 1, 0, 0, 0]))
    >>> logrank_vs_rest(c).round(4).reset_index()
       group  observed  expected  variance   chisq       p
    0      0       2.0      3.85    0.6775  5.0517  0.0246
    1      1       3.0      1.15    0.6775  5.0517  0.0246

    References
    ----------
    .. [1] Mantel N. (1966). Evaluation of survival data and two new rank order
       statistics arising in its consideration. *Cancer Chemotherapy Reports* 50, 163-170.
    .. [2] R package ``survival``, function ``survdiff``.
    """
    d, n, d1, n1 = _event_cells(counts)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(n[:, None] > 0, n1 / n[:, None], 0.0)
        shrink = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    observed = d1.sum(axis=0)
    expected = (d[:, None] * frac).sum(axis=0)
    variance = (shrink[:, None] * frac * (1.0 - frac)).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(variance > 0, (observed - expected) ** 2 / variance, np.nan)
    return pd.DataFrame(
        {"observed": observed, "expected": expected, "variance": variance,
         "chisq": stat, "p": chi2.sf(stat, 1)},
        index=group_index(counts.groups),
    )


# ---------------------------------------------------------------------------------- Cox


def cox_vs_rest(
    counts: GroupedCounts, *, alpha: float = 0.05, max_iter: int = 100
) -> pd.DataFrame:
    """Stratified Cox hazard ratio of each group against the rest (Breslow ties).

    The model has one binary covariate, "in the group", and a baseline hazard per
    stratum (R ``coxph(Surv([entry, ]time, event) ~ in_group + strata(s),
    ties="breslow")``). Its partial likelihood depends on the data only through the
    events and numbers at risk of the group and of the stratum at each time, so all
    groups are fitted from those counts by the package's one Cox solver
    (:func:`trajectory.estimators._cox_engine.fit_cox` on
    :func:`~trajectory.estimators._cox_engine.counts_data`), which converges on the
    score and step, never on a change of log-likelihood.

    Parameters
    ----------
    counts : GroupedCounts
    alpha : float
        The interval is ``1 - alpha``.
    max_iter : int
        Newton iterations at most.

    Returns
    -------
    pandas.DataFrame
        Indexed by group: ``coef`` (log hazard ratio), ``std_err`` (inverse observed
        information), ``hr``, Wald ``lower``/``upper`` of the hazard ratio and Wald
        ``p`` (one model: effect, interval and p agree), ``n_event_group``,
        ``n_event_rest`` and ``converged``. All NaN when the group or the rest has
        no event. A coefficient that runs off to infinity (monotone likelihood, e.g.
        every group event before any rest event) stops at a large value with a huge
        ``std_err``, as R does.

    Examples
    --------
    >>> import numpy as np
    >>> from trajectory.estimators import grouped_counts
    >>> c = grouped_counts(np.array([1, 2, 3, 4, 5, 6, 7, 8]), np.array([1, 1, 1, 0, 1, 1, 1, 0]),
    ...                    np.array([1, 0, 1, 1, 0, 0, 1, 0]))
    >>> round(float(cox_vs_rest(c).loc[1, "hr"]), 4)  # R exp(coef(coxph(ties="breslow")))
    1.4077

    References
    ----------
    .. [1] Cox D. R. (1972). Regression models and life-tables. *JRSS B* 34, 187-220.
    .. [2] Breslow N. (1974). Covariance analysis of censored survival data.
       *Biometrics* 30, 89-99.
    .. [3] R package ``survival``, function ``coxph``.
    """
    z = z_value(alpha)
    d, n, d1, n1 = _event_cells(counts)
    ev_g = d1.sum(axis=0)
    ev_r = d.sum() - ev_g
    n_g = len(counts.groups)
    coef = np.full(n_g, np.nan)
    std_err = np.full(n_g, np.nan)
    converged = np.zeros(n_g, dtype=bool)
    X = np.array([[1.0], [0.0]])  # pattern 0: in the group; pattern 1: the rest
    with threadpool_limits(1):
        for g in np.flatnonzero((ev_g > 0) & (ev_r > 0)):
            data = ce.counts_data(X, np.stack([n1[:, g], n - n1[:, g]]),
                                  np.stack([d1[:, g], d - d1[:, g]]))
            fit = ce.fit_cox(data, ties="breslow", max_iter=max_iter, on_fail="return")
            coef[g] = fit.beta[0]
            std_err[g] = np.sqrt(fit.var[0, 0])
            converged[g] = fit.converged
    with np.errstate(invalid="ignore", over="ignore"):
        return pd.DataFrame(
            {"coef": coef, "std_err": std_err, "hr": np.exp(coef),
             "lower": np.exp(coef - z * std_err), "upper": np.exp(coef + z * std_err),
             "p": 2.0 * norm.sf(np.abs(coef) / std_err),
             "n_event_group": ev_g, "n_event_rest": ev_r, "converged": converged},
            index=group_index(counts.groups),
        )
