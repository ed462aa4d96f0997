"""Non-parametric survival and competing-risks curves, on counts at unique times.

Kaplan-Meier, Nelson-Aalen, Aalen-Johansen cumulative incidence for competing
outcomes, and multi-state state occupation probabilities. Each is computed from
weighted counts at the unique times (sort + ``bincount`` + cumulative sums), so it is
exact on ties, deterministic and fast; conventions and variances are R ``survival``'s
(see ``docs/estimators.md`` for the R call each one matches).

Examples
--------
>>> import pandas as pd
>>> from trajectory.estimators import kaplan_meier
>>> df = pd.DataFrame({"time": [2, 3, 3, 5, 8], "outcome": [1, 1, 0, 1, 0]})
>>> kaplan_meier(df).table[["time", "estimate", "n_risk", "n_event"]]
   time  estimate  n_risk  n_event
0   2.0       0.8     5.0      1.0
1   3.0       0.6     4.0      1.0
2   5.0       0.3     2.0      1.0
3   8.0       0.3     1.0      0.0
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
from ._counts import (
    CONF_TYPES,
    aalen_johansen,
    confint,
    group_arrays,
    ij_variance_cumsum,
    multistate_aj,
    prepare,
    risk_counts,
)
from .count_table import unwrap_counts

__all__ = [
    "KaplanMeierResult",
    "NelsonAalenResult",
    "CumulativeIncidenceResult",
    "StateOccupationResult",
    "kaplan_meier",
    "nelson_aalen",
    "cumulative_incidence",
    "state_occupation",
]

_TOL = float(np.sqrt(np.finfo(float).eps))  # R: sqrt(.Machine$double.eps)


def _check_options(conf_type: str, alpha: float) -> None:
    if conf_type not in CONF_TYPES:
        raise EstimationError(
            f"conf_type={conf_type!r} is not supported; use one of {', '.join(CONF_TYPES)}"
        )
    if not 0.0 < alpha < 1.0:
        raise EstimationError(f"alpha must be in (0, 1), got {alpha!r}")


def _integer_weights(w: np.ndarray | None) -> bool:
    return w is None or bool(np.all(w == np.floor(w)))


def _curve_frame(group: Any, rc: Any, **cols: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "group": group,
            "time": rc.times,
            "estimate": cols.pop("estimate"),
            "lower": cols.pop("lower"),
            "upper": cols.pop("upper"),
            "n_risk": rc.n_risk,
            "n_event": cols.pop("n_event", rc.d),
            "n_censor": rc.n_censor,
        }
    )
    for name, values in cols.items():
        frame[name] = values
    return frame


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
            est = _findq(x, np.concatenate(([0.0], 1.0 - tab["estimate"].to_numpy())), p)
            low = _findq(x, np.concatenate(([0.0], 1.0 - tab["lower"].to_numpy())), p)
            upp = _findq(x, np.concatenate(([0.0], 1.0 - tab["upper"].to_numpy())), p)
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


def _findq(x: np.ndarray, y: np.ndarray, p: np.ndarray, tol: float = _TOL) -> np.ndarray:
    """R ``survival:::findq``: first x where y (non-decreasing) reaches p, midpoint on flats."""
    out = np.full(p.shape, np.nan)
    if np.all(np.isnan(y)) or np.nanmax(y) < p.min():
        return out
    xmax = x[-1]
    keep = ~pd.Series(y).duplicated().to_numpy()
    x, y = x[keep], y[keep]
    idx = np.arange(y.shape[0])
    valid = ~np.isnan(y)

    def first_reaching(shift: float) -> np.ndarray:
        yy, ii = y[valid] + shift, idx[valid]
        order = np.argsort(yy, kind="stable")
        yy, ii = yy[order], ii[order]
        pos = np.searchsorted(yy, p, side="left")
        inside = (p >= yy[0]) & (p <= yy[-1])
        res = np.full(p.shape, -1)
        res[inside] = ii[pos[inside]]
        return res

    i1, i2 = first_reaching(tol), first_reaching(-tol)
    ok = (i1 >= 0) & (i2 >= 0)
    out[ok] = (x[i1[ok]] + x[i2[ok]]) / 2.0
    out[p == 0] = x[0]
    if not np.isnan(y[-1]):
        last = (np.abs(p - y[-1]) < tol) & (i1 >= 0)
        out[last] = (x[i1[last]] + xmax) / 2.0
    return out


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
    _check_options(conf_type, alpha)
    data, weights, entry, w2 = unwrap_counts(data, weights=weights, entry=entry,
                                             role="kaplan_meier")
    prep = prepare(data, time=time, event=event, by=by, entry=entry, weights=weights,
                   censored=censored, competing=False, w2=w2)
    ij = not _integer_weights(prep.weight)
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
        frames.append(_curve_frame(group, rc, estimate=surv, lower=lower, upper=upper,
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
        """One row a group: ``n``, events, last time and cumulative hazard there."""
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
    _check_options(conf_type, alpha)
    data, weights, entry, w2 = unwrap_counts(data, weights=weights, entry=entry,
                                             role="nelson_aalen")
    prep = prepare(data, time=time, event=event, by=by, entry=entry, weights=weights,
                   censored=censored, competing=False, w2=w2)
    ij = not _integer_weights(prep.weight)
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
            frames.append(_curve_frame(group, rc, estimate=chaz, lower=-np.log(up_s),
                                       upper=-np.log(lo_s), std_err=se))
    return NelsonAalenResult(
        table=pd.concat(frames, ignore_index=True), alpha=alpha,
        method="Nelson-Aalen cumulative hazard", n=prep.n,
        notes={"conf_type": conf_type, "reference": "R survival::survfit(...)$cumhaz"},
    )


# ------------------------------------------------------------- Aalen-Johansen


@dataclass(frozen=True, repr=False)
class CumulativeIncidenceResult(TidyResult):
    """Cumulative incidence of each competing outcome.

    ``table``: CURVE_COLUMNS plus ``state`` (the outcome) and ``std_err``; ``n_risk``
    is the number still in the initial state, ``n_event`` the events of that outcome.
    """

    figure: ClassVar[Mapping[str, Any]] = {"kind": "incidence"}

    def summary(self) -> pd.DataFrame:
        """One row a group and outcome: cases, events, the incidence at the last time.

        Columns ``group, state, n, n_event, time, estimate, lower, upper`` (``n`` the
        group's cases; ``n_event`` the cases ending with that outcome). The whole curve
        is :meth:`to_frame`; values at chosen times, :meth:`at`.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"time": [1, 2, 2, 3, 4],
        ...                    "outcome": ["a", "b", "censored", "a", "censored"]})
        >>> cumulative_incidence(df).summary()[["state", "n", "n_event", "estimate"]]
          state  n  n_event  estimate
        0     a  5        2       0.5
        1     b  5        1       0.2
        """
        return curve_summary(self.table, keys=("group", "state"))

    def at(self, times: Sequence[float]) -> pd.DataFrame:
        """Each outcome's incidence read at ``times`` (R ``summary(fit, times=)``)."""
        return curve_at(self.table, times, keys=("group", "state"), start=0.0)


def cumulative_incidence(
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
) -> CumulativeIncidenceResult:
    """Aalen-Johansen cumulative incidence of every competing outcome at once.

    Parameters
    ----------
    data : pandas.DataFrame or CountTable
        One row a case, or a :class:`~trajectory.estimators.CountTable` (same estimates
        and infinitesimal-jackknife variance, from the counts and their ``n2``).
    time : str
        Time to the first outcome or censoring.
    event : str
        Outcome labels (string or categorical); ``censored`` marks censoring. A
        bool / 0-1 column gives one outcome, ``"event"``.
    by, entry, weights, alpha : see :func:`kaplan_meier`.
    conf_type : {"log", "log-log", "plain"}
        As R ``survfit`` for multi-state curves (standard error on the
        probability scale, ``logse = FALSE``).
    censored : scalar
        The censoring level of ``event``.

    Returns
    -------
    CumulativeIncidenceResult
        One row a group, outcome and unique time. ``std_err`` is R's default for
        ``survfit(Surv(time, factor))``: the infinitesimal jackknife (robust)
        standard error, computed exactly from counts at unique times (ties are
        never broken). Limits are NaN where the incidence is 0 (as R's NA).

    References
    ----------
    .. [1] Aalen OO, Johansen S (1978). An empirical transition matrix for non-homogeneous
       Markov chains based on censored observations. Scand J Stat 5(3):141-150.
    .. [2] Kalbfleisch JD, Prentice RL (2002). The Statistical Analysis of Failure Time
       Data, 2nd ed., ch. 8 (competing risks). Wiley.
    .. [3] Therneau TM, Grambsch PM (2000). Modeling Survival Data: Extending the Cox Model.
       Springer (R package ``survival``: ``survfit``, ``coxph``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"time": [1, 2, 2, 3, 4],
    ...                    "outcome": ["a", "b", "censored", "a", "censored"]})
    >>> r = cumulative_incidence(df)
    >>> a = r.table[r.table["state"] == "a"]
    >>> a["estimate"].round(3).tolist(), a["n_risk"].tolist()
    ([0.2, 0.2, 0.5, 0.5], [5.0, 4.0, 2.0, 1.0])
    """
    _check_options(conf_type, alpha)
    data, weights, entry, w2 = unwrap_counts(data, weights=weights, entry=entry,
                                             role="cumulative_incidence")
    prep = prepare(data, time=time, event=event, by=by, entry=entry, weights=weights,
                   censored=censored, competing=True, w2=w2)
    frames = []
    for k, group in enumerate(prep.groups):
        t, c, ent, w = group_arrays(prep, k)
        rc = risk_counts(t, c, len(prep.causes), ent, w, prep.group_w2(k))
        _, cif, se = aalen_johansen(rc)
        for j, state in enumerate(prep.causes):
            lower, upper = confint(cif[j], se[j], conf_type=conf_type, alpha=alpha, logse=False)
            frame = _curve_frame(group, rc, estimate=cif[j], lower=lower, upper=upper,
                                 n_event=rc.n_event[j], std_err=se[j])
            frame.insert(1, "state", state)
            frames.append(frame)
    return CumulativeIncidenceResult(
        table=pd.concat(frames, ignore_index=True), alpha=alpha,
        method="Aalen-Johansen cumulative incidence, infinitesimal jackknife variance",
        n=prep.n,
        notes={"conf_type": conf_type, "states": prep.causes,
               "reference": "R survival::survfit(Surv(time, factor(outcome)) ~ by)"},
    )


# ------------------------------------------------------------- multi-state


@dataclass(frozen=True, repr=False)
class StateOccupationResult(TidyResult):
    """Probability of being in each state over time (multi-state Aalen-Johansen).

    ``table``: CURVE_COLUMNS plus ``state`` and ``std_err``; ``n_risk`` is the number
    at risk in that state, ``n_event`` the transitions into it at that time.
    """

    figure: ClassVar[Mapping[str, Any]] = {"kind": "state_occupation"}

    def summary(self) -> pd.DataFrame:
        """One row a group and state: the probability of the state at the last time.

        Columns ``group, state, time, estimate, lower, upper``.
        """
        t = self.table.sort_values(["group", "state", "time"], kind="stable")
        last = t.groupby(["group", "state"], sort=False).tail(1)
        return last[["group", "state", "time", "estimate", "lower", "upper"]].reset_index(
            drop=True)


def _transition_arrays(
    data: pd.DataFrame, names: dict[str, str], weights: str | None
) -> tuple[np.ndarray, ...]:
    for role, col in names.items():
        if col not in data.columns:
            raise EstimationError(
                f"{role} column {col!r} is not in the transitions data (columns: "
                f"{list(data.columns)}); pass {role}=<column name>"
            )
    ent = data[names["entry"]].to_numpy(dtype=float)
    ext = data[names["exit"]].to_numpy(dtype=float)
    st = data[names["status"]].to_numpy()
    if np.isnan(ent).any() or np.isnan(ext).any() or data[names["from_state"]].isna().any():
        raise EstimationError("entry, exit and from_state must not be missing in transitions")
    if not np.isin(st, (0, 1)).all():
        raise EstimationError(f"status column {names['status']!r} must be 0 or 1")
    if (ent >= ext).any():
        bad = data.index[np.flatnonzero(ent >= ext)[0]]
        raise EstimationError(f"row {bad!r}: entry must be < exit in transitions")
    moved = st == 1
    to = data[names["to_state"]]
    if to[moved].isna().any() or (to[moved] == data[names["from_state"]][moved]).any():
        raise EstimationError(
            "rows with status 1 need a to_state different from from_state "
            f"(column {names['to_state']!r})"
        )
    w = np.ones(len(data)) if weights is None else data[weights].to_numpy(dtype=float)
    if (w < 0).any() or np.isnan(w).any():
        raise EstimationError(f"weights column {weights!r} must be >= 0 and not missing")
    return ent, ext, moved, w


def state_occupation(
    transitions: pd.DataFrame,
    *,
    case_id: str = "case_id",
    from_state: str = "from_state",
    to_state: str = "to_state",
    entry: str = "entry",
    exit: str = "exit",
    status: str = "status",
    by: str | None = None,
    weights: str | None = None,
    alpha: float = 0.05,
    conf_type: str = "log",
) -> StateOccupationResult:
    """Probability of being in each state over time, from counting-process data.

    Parameters
    ----------
    transitions : pandas.DataFrame
        One row an interval ``(entry, exit]`` a case spends in ``from_state``;
        ``status`` 1 means it moved to ``to_state`` at ``exit``, 0 that it was
        censored then (or that the next row of the same case continues it).
        Delayed entry (left truncation) is allowed.
    case_id, from_state, to_state, entry, exit, status : str
        Column names.
    by : str, optional
        Column (constant within a case) whose levels get one set of curves each.
    weights : str, optional
        Case weights (constant within a case).
    alpha, conf_type : see :func:`cumulative_incidence`.

    Returns
    -------
    StateOccupationResult
        One row a group, state and unique exit time. As R
        ``survfit(Surv(entry, exit, event) ~ by, id=case_id, istate=from_state)``:
        ``estimate`` is ``pstate``, ``std_err`` its infinitesimal-jackknife
        standard error; the initial distribution is that of the cases at risk at
        the first transition time (its own uncertainty ignored, as R's default).

    References
    ----------
    .. [1] Aalen OO, Johansen S (1978). An empirical transition matrix for non-homogeneous
       Markov chains based on censored observations. Scand J Stat 5(3):141-150.
    .. [2] de Wreede LC, Fiocco M, Putter H (2011). mstate: an R package for the analysis of
       competing risks and multi-state models. J Stat Softw 38(7):1-30.
    .. [3] Therneau TM, Grambsch PM (2000). Modeling Survival Data: Extending the Cox Model.
       Springer (R package ``survival``: ``survfit``, ``coxph``).

    Examples
    --------
    >>> import pandas as pd
    >>> tr = pd.DataFrame({
    ...     "case_id":    [1, 1, 2, 3, 3, 4],
    ...     "from_state": ["open", "summons", "open", "open", "summons", "open"],
    ...     "to_state":   ["summons", "judgment", "dismissal", "summons", None, None],
    ...     "entry":      [0, 2, 0, 0, 3, 0],
    ...     "exit":       [2, 5, 4, 3, 6, 6],
    ...     "status":     [1, 1, 1, 1, 0, 0]})
    >>> r = state_occupation(tr)
    >>> at5 = r.table[r.table["time"] == 5]
    >>> dict(zip(at5["state"], at5["estimate"].round(3)))
    {'dismissal': 0.25, 'judgment': 0.25, 'open': 0.25, 'summons': 0.25}
    """
    _check_options(conf_type, alpha)
    names = {"case_id": case_id, "from_state": from_state, "to_state": to_state,
             "entry": entry, "exit": exit, "status": status}
    if by is not None:
        names["by"] = by
    ent, ext, moved, w = _transition_arrays(transitions, names, weights)
    cases, _ = pd.factorize(transitions[case_id])
    if w.size and (pd.Series(w).groupby(cases).nunique() > 1).any():
        raise EstimationError(f"weights column {weights!r} must be constant within a case")
    src_lab = transitions[from_state].astype(object)
    dst_lab = transitions[to_state].astype(object).where(moved, None)
    states = sorted(set(src_lab) | set(dst_lab[moved]), key=str)
    code = {s: i for i, s in enumerate(states)}
    src = src_lab.map(code).to_numpy(dtype=np.intp)
    dst = np.where(moved, dst_lab.map(code).fillna(0).to_numpy(), 0).astype(np.intp)
    # a censored row continued by another row of the same case is a split, not censoring
    starts = pd.MultiIndex.from_arrays([cases, ent])
    censor = ~moved & ~pd.MultiIndex.from_arrays([cases, ext]).isin(starts)
    groups: list[Any] = ["all"]
    masks = [np.ones(len(transitions), dtype=bool)]
    if by is not None:
        if (transitions.groupby(cases)[by].nunique() > 1).any():
            raise EstimationError(f"by column {by!r} must be constant within a case")
        codes, uniques = pd.factorize(transitions[by], sort=True)
        groups = list(uniques)
        masks = [codes == i for i in range(len(uniques))]
    frames = []
    for group, m in zip(groups, masks, strict=True):
        cid, _ = pd.factorize(cases[m])
        fit = multistate_aj(cid, src[m], dst[m], ent[m], ext[m], moved[m], censor[m], w[m],
                            len(states))
        for j, state in enumerate(states):
            lower, upper = confint(fit.p[j], fit.se[j], conf_type=conf_type, alpha=alpha,
                                   logse=False)
            frames.append(pd.DataFrame({
                "group": group, "state": state, "time": fit.times, "estimate": fit.p[j],
                "lower": lower, "upper": upper, "n_risk": fit.n_risk[j],
                "n_event": fit.n_enter[j], "n_censor": fit.n_censor, "std_err": fit.se[j]}))
    return StateOccupationResult(
        table=pd.concat(frames, ignore_index=True), alpha=alpha,
        method="multi-state Aalen-Johansen, infinitesimal jackknife variance",
        n=int(len(np.unique(cases))),
        notes={"conf_type": conf_type, "states": tuple(states),
               "reference": "R survival::survfit(Surv(entry, exit, event) ~ by, id=, istate=)"},
    )
