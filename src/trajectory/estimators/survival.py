"""Kaplan-Meier survival and Nelson-Aalen cumulative hazard: curves of one outcome.

Computed from weighted counts at the unique times (sort + ``bincount`` + cumulative
sums): exact on ties, deterministic and fast; conventions and variances are R
``survival``'s (``survfit``). Both are importable from :mod:`trajectory.estimators`.

Examples
--------
>>> import pandas as pd
>>> from trajectory.estimators import nelson_aalen
>>> df = pd.DataFrame({"time": [2, 3, 3, 5], "outcome": [1, 1, 0, 1]})
>>> nelson_aalen(df).table[["time", "estimate", "n_risk"]]
   time  estimate  n_risk
0   2.0  0.250000     4.0
1   3.0  0.583333     3.0
2   5.0  1.583333     1.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..errors import EstimationError
from ..results import TidyResult, curve_at, curve_summary
from ._counts import confint, group_arrays, ij_variance_cumsum, prepare, risk_counts
from ._curves import check_options, curve_frame, findq, integer_weights
from .count_table import unwrap_counts

__all__ = ["KaplanMeierResult", "NelsonAalenResult", "kaplan_meier", "nelson_aalen"]


# ------------------------------------------------------------------ Kaplan-Meier


@dataclass(frozen=True, repr=False)
class KaplanMeierResult(TidyResult):
    """Kaplan-Meier curves: ``table`` has CURVE_COLUMNS plus ``std_err`` (of S(t)).

    Methods :meth:`quantiles` and :meth:`rmst` give survival quantiles and the
    restricted mean survival time with R's formulas.
    """

    figure: ClassVar[Mapping[str, Any]] = {"kind": "survival"}

    def summary(self) -> pd.DataFrame:
        """One row a group: ``n``, events, median with its CI (R ``print(survfit)``).

        Columns ``group, n, n_event, median, lower, upper``; the median and its limits
        follow :meth:`quantiles` (NaN where not reached, as R's ``NA``).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"time": [1, 2, 3, 4], "outcome": [1, 1, 1, 0]})
        >>> kaplan_meier(df).summary()[["group", "n", "n_event", "median"]]
          group  n  n_event  median
        0   all  4        3     2.5
        """
        counts = curve_summary(self.table)[["group", "n", "n_event"]]
        med = self.quantiles([0.5])[["group", "estimate", "lower", "upper"]]
        med = med.rename(columns={"estimate": "median"})
        return counts.merge(med, on="group", how="left")

    def at(self, times: Sequence[float]) -> pd.DataFrame:
        """The curves read at ``times`` (R ``summary(fit, times=)``; see :func:`curve_at`).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"time": [1, 2, 3, 4], "outcome": [1, 1, 1, 1]})
        >>> kaplan_meier(df).at([2.5])[["time", "estimate", "n_risk", "n_event"]]
           time  estimate  n_risk  n_event
        0   2.5       0.5       2        2
        """
        return curve_at(self.table, times, keys=("group",), start=1.0)

    def quantiles(self, q: Sequence[float] = (0.25, 0.5, 0.75)) -> pd.DataFrame:
        """Time by which a fraction ``q`` has had the event, with its confidence limits.

        As R ``quantile(survfit(...), probs=q)``: the first time the curve reaches
        ``1 - q``; where it equals ``1 - q`` over an interval, the midpoint of that
        interval. The limits are the same rule applied to the pointwise ``upper`` and
        ``lower`` curves (Brookmeyer-Crowley). NaN where not reached.

        References
        ----------
        .. [1] Brookmeyer R, Crowley J (1982). A confidence interval for the median survival
           time. Biometrics 38(1):29-41.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"time": [1, 2, 3, 4], "outcome": [1, 1, 1, 1]})
        >>> kaplan_meier(df).quantiles(q=[0.5])[["q", "estimate"]]
             q  estimate
        0  0.5       2.5
        """
        p = np.asarray(q, dtype=float)
        if ((p < 0) | (p > 1)).any():
            raise EstimationError(f"quantile probabilities must be in [0, 1], got {list(q)}")
        rows = []
        for group, tab in self.table.groupby("group", sort=False):
            x = np.concatenate(([0.0], tab["time"].to_numpy()))
            est = findq(x, np.concatenate(([0.0], 1.0 - tab["estimate"].to_numpy())), p)
            low = findq(x, np.concatenate(([0.0], 1.0 - tab["lower"].to_numpy())), p)
            upp = findq(x, np.concatenate(([0.0], 1.0 - tab["upper"].to_numpy())), p)
            rows.append(pd.DataFrame({"group": group, "q": p, "estimate": est,
                                      "lower": low, "upper": upp}))
        return pd.concat(rows, ignore_index=True)

    def rmst(self, horizon: float) -> pd.DataFrame:
        """Restricted mean survival time up to ``horizon`` and its standard error.

        As R ``print(survfit(...), rmean=horizon)``: the area under the curve from
        ``min(0, first time)`` to ``horizon``; the standard error is
        ``sqrt(sum_j A_j^2 d_j / (n_j (n_j - d_j)))`` with ``A_j`` the area after
        ``t_j``. ``lower``/``upper`` are the normal (Wald) limits at ``alpha``.

        References
        ----------
        .. [1] Royston P, Parmar MKB (2013). Restricted mean survival time: an alternative
           to the hazard ratio for the design and analysis of randomized trials with a
           time-to-event outcome. BMC Med Res Methodol 13:152.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"time": [1, 2, 3, 4], "outcome": [1, 1, 1, 1]})
        >>> float(kaplan_meier(df).rmst(3.0)["estimate"].iloc[0])
        2.25
        """
        z = norm.ppf(1.0 - self.alpha / 2.0)
        start = min(0.0, float(self.table["time"].min()))
        rows = []
        for group, tab in self.table.groupby("group", sort=False):
            est, se = _rmst(tab, float(horizon), start)
            rows.append({"group": group, "horizon": float(horizon), "estimate": est,
                         "std_err": se, "lower": est - z * se, "upper": est + z * se})
        return pd.DataFrame(rows)


def _rmst(tab: pd.DataFrame, horizon: float, start: float) -> tuple[float, float]:
    """R ``survival:::survmean`` for one curve."""
    time = tab["time"].to_numpy()
    surv = tab["estimate"].to_numpy()
    n = tab["n_risk"].to_numpy()
    d = tab["n_event"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        hh = np.where(n - d == 0, 0.0, d / (n * (n - d)))
    keep = time <= horizon
    if not keep.any():
        return horizon - start, 0.0
    ttime = np.concatenate((time[keep], [horizon]))
    tsurv = np.concatenate((surv[keep], [surv[keep][-1]]))
    hh = np.concatenate((hh[keep], [0.0]))
    rect = np.diff(np.concatenate(([start], ttime))) * np.concatenate(([1.0], tsurv[:-1]))
    var = np.sum(np.cumsum(rect[1:][::-1]) ** 2 * hh[::-1][1:])
    return float(rect.sum() + start), float(np.sqrt(var))


def kaplan_meier(
    data: pd.DataFrame,
    *,
    time: str = "time",
    event: str = "outcome",
    by: str | None = None,
    entry: str | None = None,
    weights: str | None = None,
    alpha: float = 0.05,
    conf_type: str = "log",
    censored: Any = "censored",
) -> KaplanMeierResult:
    """Kaplan-Meier survival curves with Greenwood standard errors.

    Parameters
    ----------
    data : pandas.DataFrame or CountTable
        One row a case, or a :class:`~trajectory.estimators.CountTable` (same result;
        its counts are the weights and its entry column is used).
    time, event : str
        Follow-up time column, and the event column: bool or 0/1, or labels where
        every value other than ``censored`` counts as the event.
    by : str, optional
        Column whose levels get one curve each.
    entry : str, optional
        Delayed-entry (left truncation) time column: a case is at risk at ``t`` when
        ``entry < t <= time`` (R ``Surv(entry, time, event)``).
    weights : str, optional
        Case weights (R ``survfit(weights=)``). Non-integer weights switch the
        variance to R's infinitesimal jackknife, as R does.
    alpha : float
        Pointwise confidence level is ``1 - alpha``.
    conf_type : {"log", "log-log", "plain"}
        Transformation for the pointwise limits (R ``conf.type``).
    censored : scalar
        The censoring level of a label-valued ``event`` column.

    Returns
    -------
    KaplanMeierResult
        ``table``: one row a group and unique time (events and censorings), with
        CURVE_COLUMNS and ``std_err`` (standard error of S(t), as R ``summary``).

    References
    ----------
    .. [1] Kaplan EL, Meier P (1958). Nonparametric estimation from incomplete observations.
       J Am Stat Assoc 53(282):457-481.
    .. [2] Greenwood M (1926). The natural duration of cancer. Reports on Public Health and
       Medical Subjects 33:1-26. HMSO, London.
    .. [3] Therneau TM, Grambsch PM (2000). Modeling Survival Data: Extending the Cox Model.
       Springer (R package ``survival``: ``survfit``, ``coxph``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"time": [1, 2, 2, 3], "outcome": [1, 1, 0, 1]})
    >>> kaplan_meier(df).table["estimate"].round(3).tolist()
    [0.75, 0.5, 0.0]
    """
    check_options(conf_type, alpha)
    data, weights, entry, w2 = unwrap_counts(data, weights=weights, entry=entry,
                                             role="kaplan_meier")
    prep = prepare(data, time=time, event=event, by=by, entry=entry, weights=weights,
                   censored=censored, competing=False, w2=w2)
    ij = not integer_weights(prep.weight)
    frames = []
    for k, group in enumerate(prep.groups):
        t, c, ent, w = group_arrays(prep, k)
        rc = risk_counts(t, c, 1, ent, w, prep.group_w2(k))
        n, d = rc.n_risk, rc.d
        with np.errstate(divide="ignore", invalid="ignore"):
            surv = np.cumprod(1.0 - np.where(n > 0, d / n, 0.0))
            if ij:  # R: robust variance for non-integer weights, on the survival scale
                alive = n - d > 0
                g = np.where(alive, d / (n * (n - d)), 0.0)
                q = np.where(alive, 1.0 / (n - d), 0.0)
                se = surv * np.sqrt(ij_variance_cumsum(rc, g, q, (rc.cause > 0) * 1.0))
                se_log = se
            else:
                se_log = np.sqrt(np.cumsum(np.where(d > 0, d / (n * (n - d)), 0.0)))
                se = se_log * surv
        lower, upper = confint(surv, se_log, conf_type=conf_type, alpha=alpha, logse=not ij)
        frames.append(curve_frame(group, rc, estimate=surv, lower=lower, upper=upper,
                                   std_err=se))
    method = "Kaplan-Meier, " + ("infinitesimal jackknife" if ij else "Greenwood") + " variance"
    return KaplanMeierResult(
        table=pd.concat(frames, ignore_index=True), alpha=alpha, method=method, n=prep.n,
        notes={"conf_type": conf_type, "reference": "R survival::survfit(Surv(...) ~ by)"},
    )


# ------------------------------------------------------------------ Nelson-Aalen


@dataclass(frozen=True, repr=False)
class NelsonAalenResult(TidyResult):
    """Nelson-Aalen cumulative hazards: CURVE_COLUMNS plus ``std_err``."""

    figure: ClassVar[Mapping[str, Any]] = {"kind": "cumulative_hazard"}

    def summary(self) -> pd.DataFrame:
        """One row a group: ``n``, events, last time and cumulative hazard there.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"time": [1, 2, 2, 3], "outcome": [1, 1, 0, 1]})
        >>> nelson_aalen(df).summary()[["group", "n", "n_event", "time", "estimate"]].round(4)
          group  n  n_event  time  estimate
        0   all  4        3   3.0    1.5833
        """
        return curve_summary(self.table)


def nelson_aalen(
    data: pd.DataFrame,
    *,
    time: str = "time",
    event: str = "outcome",
    by: str | None = None,
    entry: str | None = None,
    weights: str | None = None,
    alpha: float = 0.05,
    conf_type: str = "log",
    censored: Any = "censored",
) -> NelsonAalenResult:
    """Nelson-Aalen cumulative hazard with Aalen's variance ``sum d / n^2``.

    Same arguments as :func:`kaplan_meier`. ``estimate`` and ``std_err`` are R
    ``survfit()``'s ``cumhaz`` and ``std.chaz`` (infinitesimal jackknife with
    non-integer weights, as R). ``lower``/``upper`` are ``-log`` of the limits R gives
    for ``exp(-H)`` (``survfit(stype=2, ctype=1, conf.type=conf_type)``).

    References
    ----------
    .. [1] Nelson W (1972). Theory and applications of hazard plotting for censored failure
       data. Technometrics 14(4):945-966.
    .. [2] Aalen O (1978). Nonparametric inference for a family of counting processes. Ann
       Stat 6(4):701-726.
    .. [3] Fleming TR, Harrington DP (1984). Nonparametric estimation of the survival
       distribution in censored data. Commun Stat Theory Methods 13(20):2469-2486 (the
       Fleming-Harrington variance of the cumulative hazard).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"time": [1, 2, 2, 3], "outcome": [1, 1, 0, 1]})
    >>> nelson_aalen(df).table["estimate"].round(4).tolist()
    [0.25, 0.5833, 1.5833]
    """
    check_options(conf_type, alpha)
    data, weights, entry, w2 = unwrap_counts(data, weights=weights, entry=entry,
                                             role="nelson_aalen")
    prep = prepare(data, time=time, event=event, by=by, entry=entry, weights=weights,
                   censored=censored, competing=False, w2=w2)
    ij = not integer_weights(prep.weight)
    frames = []
    for k, group in enumerate(prep.groups):
        t, c, ent, w = group_arrays(prep, k)
        rc = risk_counts(t, c, 1, ent, w, prep.group_w2(k))
        n, d = rc.n_risk, rc.d
        with np.errstate(divide="ignore", invalid="ignore"):
            inv_n = np.where(n > 0, 1.0 / n, 0.0)
        chaz = np.cumsum(d * inv_n)
        if ij:
            se = np.sqrt(ij_variance_cumsum(rc, d * inv_n**2, inv_n, (rc.cause > 0) * 1.0))
        else:
            se = np.sqrt(np.cumsum(d * inv_n**2))
        lo_s, up_s = confint(np.exp(-chaz), se, conf_type=conf_type, alpha=alpha, logse=True)
        with np.errstate(divide="ignore"):
            frames.append(curve_frame(group, rc, estimate=chaz, lower=-np.log(up_s),
                                       upper=-np.log(lo_s), std_err=se))
    return NelsonAalenResult(
        table=pd.concat(frames, ignore_index=True), alpha=alpha,
        method="Nelson-Aalen cumulative hazard", n=prep.n,
        notes={"conf_type": conf_type, "reference": "R survival::survfit(...)$cumhaz"},
    )
