"""Kaplan-Meier quantiles of each group and of its rest, and their pooled ratio.

:func:`km_quantiles` reads the quantiles (with Brookmeyer-Crowley limits) of every
group and of its rest in each stratum of one
:class:`~trajectory.estimators.grouped_table.GroupedCounts`, as R
``quantile(survfit(...))``; :func:`quantile_ratio_vs_rest` pools their log ratio
over strata, with a Wald test of that same estimand. Importable from
:mod:`trajectory.estimators` and :mod:`trajectory.estimators.grouped`.

Examples
--------
>>> import numpy as np
>>> from trajectory.estimators import grouped_counts, km_quantiles
>>> c = grouped_counts(np.arange(1.0, 7.0), np.ones(6), np.repeat(["a", "b"], 3))
>>> km_quantiles(c, 0.5).query("side == 'group'")[["group", "estimate"]]
  group  estimate
0     a       2.0
2     b       5.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..errors import EstimationError
from ._counts import confint
from ._curves import check_options, findq
from ._vs_rest import group_index, z_value
from .grouped_table import GroupedCounts

__all__ = ["km_quantiles", "quantile_ratio_vs_rest"]


def _as_probs(q: float | Sequence[float]) -> np.ndarray:
    p = np.atleast_1d(np.asarray(q, dtype=float))
    if p.ndim != 1 or p.size == 0 or np.isnan(p).any() or ((p < 0) | (p > 1)).any():
        raise EstimationError(f"quantile probabilities must be in [0, 1], got {q!r}")
    return p


def _quantile_array(
    counts: GroupedCounts, p: np.ndarray, alpha: float, conf_type: str
) -> np.ndarray:
    """Quantiles, shape (S, G, 2 sides [group, rest], 3 [estimate, lower, upper], P)."""
    check_options(conf_type, alpha)
    exits_g = counts.n_event + counts.n_censor
    out = np.full((len(counts.strata), len(counts.groups), 2, 3, p.size), np.nan)
    times = counts.times
    for s in range(len(counts.strata)):  # loop over strata and cells, arrays over time
        risk_s, event_s, exit_s = (
            counts.total_risk[s], counts.total_event[s], exits_g[s].sum(axis=0)
        )
        for side in range(2):
            if side == 0:
                nr, ne, nx = counts.n_risk[s], counts.n_event[s], exits_g[s]
            else:
                nr = risk_s - counts.n_risk[s]
                ne = event_s - counts.n_event[s]
                nx = exit_s - exits_g[s]
            with np.errstate(divide="ignore", invalid="ignore"):
                surv = np.cumprod(1.0 - np.where(nr > 0, ne / nr, 0.0), axis=1)
                gw = np.sqrt(np.cumsum(np.where(ne > 0, ne / (nr * (nr - ne)), 0.0), axis=1))
            lower, upper = confint(surv, gw, conf_type=conf_type, alpha=alpha, logse=True)
            for g in range(len(counts.groups)):
                keep = nx[g] > 0  # the cell's own unique times, censor-only ones included
                if not keep.any():
                    continue
                tt = times[keep]
                x = np.concatenate(([min(0.0, float(tt[0]))], tt))
                for k, curve in enumerate((surv[g], lower[g], upper[g])):
                    out[s, g, side, k] = findq(x, np.concatenate(([0.0], 1.0 - curve[keep])), p)
    return out


def km_quantiles(
    counts: GroupedCounts,
    q: float | Sequence[float],
    *,
    alpha: float = 0.05,
    conf_type: str = "log",
) -> pd.DataFrame:
    """Kaplan-Meier quantiles of each group and of its rest, in each stratum.

    Parameters
    ----------
    counts : GroupedCounts
        Use ``counts.collapse()`` for the curves unstratified (summed over strata).
    q : float or sequence of float
        Probabilities in [0, 1]: the time by which a fraction ``q`` had the event.
    alpha : float
        Pointwise limits of the curve at ``1 - alpha``.
    conf_type : {"log", "log-log", "plain"}
        Transformation of the pointwise limits (R ``conf.type``).

    Returns
    -------
    pandas.DataFrame
        One row per (stratum, group, side, q), side in {"group", "rest"}: columns
        ``stratum, group, side, q, estimate, lower, upper, n, n_event``. As
        ``trajectory.estimators.kaplan_meier(...).quantiles(q)`` and R
        ``quantile(survfit(...), probs=q)``: the first time the curve reaches
        ``1 - q``, the midpoint where it equals ``1 - q`` over an interval (R
        ``survival:::findq`` on the curve at the cell's own unique times, censor-only
        ones included), with Greenwood variance and Brookmeyer-Crowley limits (the
        same rule applied to the pointwise limits). NaN where not reached.

    Examples
    --------
    >>> import numpy as np
    >>> from trajectory.estimators import grouped_counts
    >>> c = grouped_counts(np.array([1, 2, 3, 4, 5, 6, 7, 8]), np.ones(8),
    ...                    np.array(["a", "a", "a", "a", "b", "b", "b", "b"]))
    >>> km_quantiles(c, 0.5)[["group", "side", "estimate", "n"]]
      group   side  estimate  n
    0     a  group       2.5  4
    1     a   rest       6.5  4
    2     b  group       6.5  4
    3     b   rest       2.5  4

    References
    ----------
    .. [1] Brookmeyer R., Crowley J. (1982). A confidence interval for the median
       survival time. *Biometrics* 38, 29-41.
    .. [2] R package ``survival``, function ``quantile.survfit``.
    """
    p = _as_probs(q)
    arr = _quantile_array(counts, p, alpha, conf_type)
    n_s, n_g = len(counts.strata), len(counts.groups)
    n_grp = counts.n
    n_rest = n_grp.sum(axis=1, keepdims=True) - n_grp
    e_grp = counts.n_event.sum(axis=2)
    e_rest = e_grp.sum(axis=1, keepdims=True) - e_grp
    shape = (n_s, n_g, 2, p.size)
    s_idx, g_idx, side_idx, q_idx = (a.ravel() for a in np.indices(shape))
    n_all = np.stack([n_grp, n_rest], axis=2)[s_idx, g_idx, side_idx]
    e_all = np.stack([e_grp, e_rest], axis=2)[s_idx, g_idx, side_idx]
    strata = np.empty(len(counts.strata), dtype=object)
    strata[:] = list(counts.strata)
    groups = np.empty(n_g, dtype=object)
    groups[:] = list(counts.groups)
    return pd.DataFrame({
        "stratum": strata[s_idx],
        "group": groups[g_idx],
        "side": np.array(["group", "rest"], dtype=object)[side_idx],
        "q": p[q_idx],
        "estimate": arr[:, :, :, 0, :].ravel(),
        "lower": arr[:, :, :, 1, :].ravel(),
        "upper": arr[:, :, :, 2, :].ravel(),
        "n": n_all.astype(np.int64),
        "n_event": e_all.astype(np.int64),
    })


def _log_se(est: np.ndarray, lo: np.ndarray, hi: np.ndarray, z: float) -> np.ndarray:
    """Standard error of log(quantile) read from its limits (one-sided without upper)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        two = (np.log(hi) - np.log(lo)) / (2.0 * z)
        one = (np.log(est) - np.log(lo)) / z
    return np.where(np.isfinite(two), two, one)


def quantile_ratio_vs_rest(
    counts: GroupedCounts, q: float, *, alpha: float = 0.05
) -> pd.DataFrame:
    """Within-stratum ratio of the ``q`` quantile of each group to that of the rest.

    In each stratum, the log ratio of the group's Kaplan-Meier quantile to the rest's
    (:func:`km_quantiles`); the standard error of each log quantile is read from its
    Brookmeyer-Crowley limits, ``(log upper - log lower) / (2 z)``, or one-sided
    ``(log estimate - log lower) / z`` when the upper limit is not reached. Strata
    where a quantile is zero or missing, or its standard error is not positive, are
    skipped. The log ratios are pooled by inverse variance; the interval and the
    Wald z-test ``p`` are of that pooled log ratio, so the decision, the effect and
    its interval are one estimand.

    Parameters
    ----------
    counts : GroupedCounts
    q : float
        Probability in (0, 1), e.g. 0.5 for the median.
    alpha : float
        Level of the quantile limits and of the pooled interval.

    Returns
    -------
    pandas.DataFrame
        Indexed by group: ``ratio``, ``lower``, ``upper``, ``p``; ``reference`` =
        exp of the weighted mean of the rest's log quantiles (same weights) and
        ``value = reference * ratio``, both in time units and "within strata";
        ``n_group``, ``n_rest`` (rows, all strata) and ``n_strata`` (strata used).

    Examples
    --------
    >>> import numpy as np
    >>> from trajectory.estimators import grouped_counts
    >>> t = np.tile(np.arange(1.0, 21.0), 2)
    >>> g = np.repeat(["slow", "fast"], 20)
    >>> t[g == "slow"] *= 2
    >>> res = quantile_ratio_vs_rest(grouped_counts(t, np.ones(40), g), 0.5)
    >>> res[["ratio", "value", "reference", "n_strata"]].round(3).reset_index()
      group  ratio  value  reference  n_strata
    0  fast    0.5   10.5       21.0         1
    1  slow    2.0   21.0       10.5         1

    References
    ----------
    .. [1] Brookmeyer R., Crowley J. (1982). A confidence interval for the median
       survival time. *Biometrics* 38, 29-41.
    .. [2] Su J. Q., Wei L. J. (1993). Nonparametric estimation for the difference or
       ratio of median failure times. *Biometrics* 49, 603-607.
    """
    p = _as_probs(q)
    if p.size != 1:
        raise EstimationError(f"quantile_ratio_vs_rest takes one probability, got {q!r}")
    z = z_value(alpha)
    arr = _quantile_array(counts, p, alpha, "log")[..., 0]  # (S, G, side, 3)
    se_g = _log_se(arr[:, :, 0, 0], arr[:, :, 0, 1], arr[:, :, 0, 2], z)
    se_r = _log_se(arr[:, :, 1, 0], arr[:, :, 1, 1], arr[:, :, 1, 2], z)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_g = np.log(arr[:, :, 0, 0])
        log_r = np.log(arr[:, :, 1, 0])
        var = se_g**2 + se_r**2
        ok = np.isfinite(log_g) & np.isfinite(log_r) & np.isfinite(var) & (var > 0)
        w = np.where(ok, 1.0 / np.where(ok, var, 1.0), 0.0)
        sw = w.sum(axis=0)
        mean = (w * np.where(ok, log_g - log_r, 0.0)).sum(axis=0) / sw
        ref = (w * np.where(ok, log_r, 0.0)).sum(axis=0) / sw
        se = 1.0 / np.sqrt(sw)
    n_grp = counts.n.sum(axis=0)
    return pd.DataFrame(
        {"ratio": np.exp(mean), "lower": np.exp(mean - z * se), "upper": np.exp(mean + z * se),
         "p": 2.0 * norm.sf(np.abs(mean) / se),
         "value": np.exp(ref + mean), "reference": np.exp(ref),
         "n_group": n_grp.astype(np.int64), "n_rest": (n_grp.sum() - n_grp).astype(np.int64),
         "n_strata": ok.sum(axis=0)},
        index=group_index(counts.groups),
    )
