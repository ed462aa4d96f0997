"""Private helpers shared by the attrition table and the bottleneck lenses.

Per-case event days read straight from an :class:`~trajectory.schema.EventLog`,
Wilson intervals, and the one-vs-rest comparisons the flags are built on.
Days are floats (days since 1970-01-01, ``NaN`` when the case has no such event);
events dated after the case's extraction date are ignored, as in the cohort rules.

Examples
--------
>>> wilson_interval([3], [10], alpha=0.05)[0].round(3)
array([0.108])
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from ..errors import SchemaError
from ..schema import EventLog

__all__ = [
    "DECISION_CODES",
    "NON_COURT_CLOSURES",
    "case_extraction_days",
    "event_days",
    "event_detail",
    "wilson_interval",
    "two_proportion_test",
]

#: Events that record a parquet decision (closing the parquet phase).
DECISION_CODES: tuple[str, ...] = (
    "E33", "E34", "E35", "E40", "E41", "E42", "E43", "E44", "E45", "E46", "E47",
)
#: Decisions that end a case without a court: the case leaves the funnel.
NON_COURT_CLOSURES: tuple[str, ...] = ("E33", "E34", "E35", "E40", "E41", "E42", "E43", "E44")

_EPOCH = np.datetime64("1970-01-01", "D")


def _days(values: pd.Series) -> np.ndarray:
    arr = np.asarray(values, dtype="datetime64[ns]").astype("datetime64[D]")
    out = (arr - _EPOCH).astype("timedelta64[D]").astype(float)
    out[np.isnat(arr)] = np.nan
    return out


def _check(log: EventLog) -> None:
    for table, frame, cols in (
        ("cases", log.cases, ("case_id",)),
        ("events", log.events, ("case_id", "event", "date")),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise SchemaError(f"{table}: required column(s) {missing} missing")


def case_extraction_days(log: EventLog) -> pd.Series:
    """Extraction day of each case (its own ``extraction_date``, else the log's), by case_id."""
    _check(log)
    default = _days(pd.Series([pd.Timestamp(log.extraction_date)]))[0]
    if "extraction_date" in log.cases.columns:
        ext = _days(log.cases["extraction_date"])
        ext = np.where(np.isnan(ext), default, ext)
    else:
        ext = np.full(len(log.cases), default)
    return pd.Series(ext, index=pd.Index(log.cases["case_id"].astype(object), name="case_id"))


def _dated_events(log: EventLog, codes: Sequence[str]) -> pd.DataFrame:
    ev = log.events
    ev = ev.loc[ev["event"].isin(list(codes))]
    frame = pd.DataFrame(
        {
            "case_id": ev["case_id"].astype(object).to_numpy(),
            "event": ev["event"].astype(object).to_numpy(),
            "day": _days(ev["date"]),
            "code": (
                ev["code"].astype(object).to_numpy()
                if "code" in ev.columns
                else np.full(len(ev), None, dtype=object)
            ),
        }
    )
    ext = case_extraction_days(log)
    limit = ext.reindex(frame["case_id"]).to_numpy()
    return frame.loc[frame["day"].notna() & ~(frame["day"] > limit)]


_CACHE: dict[int, tuple[Any, Any, pd.DataFrame]] = {}


def _first_days_all(log: EventLog) -> pd.DataFrame:
    """First day of every event code per case (cached per events/cases tables)."""
    key = id(log.events)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is log.events and hit[1]() is log.cases:
        return hit[2]
    codes = sorted(pd.unique(log.events["event"].astype(object)))
    frame = _dated_events(log, codes)
    agg = frame.groupby(["case_id", "event"], sort=False)["day"].min()
    wide = agg.unstack("event") if len(agg) else pd.DataFrame()
    index = pd.Index(log.cases["case_id"].astype(object), name="case_id")
    wide = wide.reindex(index=index).astype(float)
    wide.columns.name = None
    if len(_CACHE) >= 8:
        _CACHE.clear()
    _CACHE[key] = (weakref.ref(log.events), weakref.ref(log.cases), wide)
    return wide


def event_days(
    log: EventLog, codes: Sequence[str], *, how: str = "first"
) -> pd.DataFrame:
    """First (or last) day of each event code per case: case_id x code, NaN when absent.

    Events dated after the case's extraction date, and undated events, are ignored.

    Examples
    --------
    >>> cases = pd.DataFrame({"case_id": ["a", "b"], "offence_group": ["hate"] * 2})
    >>> events = pd.DataFrame({"case_id": ["a", "a", "b"], "event": ["E11", "E11", "E12"],
    ...     "date": pd.to_datetime(["1970-01-05", "1970-01-03", "1970-01-02"])})
    >>> event_days(EventLog(cases, events, pd.Timestamp("1970-12-31")), ["E11", "E12"]).to_numpy()
    array([[ 2., nan],
           [nan,  1.]])
    """
    if how == "first":
        return _first_days_all(log).reindex(columns=list(codes))
    frame = _dated_events(log, codes)
    agg = frame.groupby(["case_id", "event"], sort=False)["day"].max()
    wide = agg.unstack("event") if len(agg) else pd.DataFrame()
    index = pd.Index(log.cases["case_id"].astype(object), name="case_id")
    out = wide.reindex(index=index, columns=list(codes)).astype(float)
    out.columns.name = None
    return out


def event_detail(log: EventLog, codes: Sequence[str]) -> pd.DataFrame:
    """Day and ``code`` detail of each case's first event among ``codes`` (case_id index).

    Columns ``event``, ``day``, ``code``; cases without such an event have NaN/None.
    Ties on the first day are broken by the order of ``codes``.
    """
    frame = _dated_events(log, codes)
    rank = {c: i for i, c in enumerate(codes)}
    frame = frame.assign(_rank=frame["event"].map(rank))
    frame = frame.sort_values(["case_id", "day", "_rank"], kind="stable")
    first = frame.drop_duplicates("case_id").set_index("case_id")
    index = pd.Index(log.cases["case_id"].astype(object), name="case_id")
    return first.reindex(index)[["event", "day", "code"]]


def wilson_interval(count: Any, nobs: Any, *, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``count / nobs`` (NaN where ``nobs`` is 0)."""
    count = np.asarray(count, dtype=float)
    nobs = np.asarray(nobs, dtype=float)
    ok = nobs > 0
    lower = np.full(count.shape, np.nan)
    upper = np.full(count.shape, np.nan)
    if ok.any():
        lo, hi = proportion_confint(count[ok], nobs[ok], alpha=alpha, method="wilson")
        lower[ok] = lo
        upper[ok] = hi
    return lower, upper


def two_proportion_test(
    x1: float, n1: float, x2: float, n2: float, *, alpha: float
) -> tuple[float, float, float, float]:
    """Difference p1 - p2 with a Newcombe (Wilson-score) interval and a pooled z-test p.

    Returns ``(difference, lower, upper, p)``; all NaN when a group is empty.

    Examples
    --------
    >>> d, lo, hi, p = two_proportion_test(30, 100, 10, 100, alpha=0.05)
    >>> round(d, 2), p < 0.001
    (0.2, True)
    """
    from scipy.stats import norm

    if n1 <= 0 or n2 <= 0:
        return (np.nan,) * 4
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval([x1], [n1], alpha=alpha)
    l2, u2 = wilson_interval([x2], [n2], alpha=alpha)
    diff = p1 - p2
    lower = diff - np.sqrt((p1 - l1[0]) ** 2 + (u2[0] - p2) ** 2)
    upper = diff + np.sqrt((u1[0] - p1) ** 2 + (p2 - l2[0]) ** 2)
    pooled = (x1 + x2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    p = 1.0 if se == 0 else float(2 * norm.sf(abs(diff) / se))
    return float(diff), float(lower), float(upper), p


# ---------------------------------------------------------------- log-rank on counts


def _risk_table(
    time: np.ndarray, event: np.ndarray, in_group: np.ndarray, strata: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Events (all, in group) and numbers at risk (all, in group) at each unique time
    of each stratum, concatenated over strata: ``(d, d1, n, n1)``."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    g = np.asarray(in_group, dtype=float)
    if strata is None:
        codes = np.zeros(time.shape[0], dtype=np.int64)
    else:
        strata = np.asarray(strata)
        codes = strata if strata.dtype.kind in "iu" else pd.factorize(strata.astype(object))[0]
    parts: list[list[np.ndarray]] = [[], [], [], []]
    for s in np.unique(codes):
        m = codes == s
        uniq, inv = np.unique(time[m], return_inverse=True)
        k = uniq.shape[0]
        parts[0].append(np.bincount(inv, weights=event[m], minlength=k))
        parts[1].append(np.bincount(inv, weights=event[m] * g[m], minlength=k))
        parts[2].append(np.cumsum(np.bincount(inv, minlength=k)[::-1])[::-1].astype(float))
        parts[3].append(np.cumsum(np.bincount(inv, weights=g[m], minlength=k)[::-1])[::-1])
    if not parts[0]:
        return tuple(np.zeros(0) for _ in range(4))  # type: ignore[return-value]
    d, d1, n, n1 = (np.concatenate(p) for p in parts)
    keep = d > 0
    return d[keep], d1[keep], n[keep], n1[keep]


def logrank_one_vs_rest(
    time: np.ndarray, event: np.ndarray, in_group: np.ndarray, strata: np.ndarray | None = None
) -> tuple[float, float, float, float]:
    """Stratified two-sample log-rank test of ``in_group`` against the rest.

    Conventions of R ``survival::survdiff(Surv(time, event) ~ g + strata(s))``: at a
    tied time all events happen together and those censored then are still at risk.

    Returns
    -------
    (observed, expected, variance, p)
        Events observed and expected in the group (summed over strata), the
        hypergeometric variance, and the chi-square (1 df) p-value.

    Examples
    --------
    >>> t = np.array([1, 2, 3, 4, 5, 6]); e = np.array([1, 1, 1, 1, 1, 0])
    >>> g = np.array([True, True, True, False, False, False])
    >>> o, ex, v, p = logrank_one_vs_rest(t, e, g)
    >>> round(o - ex, 4), round(v, 4)
    (1.85, 0.6775)
    """
    from scipy.stats import chi2

    d, d1, n, n1 = _risk_table(time, event, in_group, strata)
    frac = n1 / n
    obs = float(d1.sum())
    exp = float((d * frac).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(n > 1, d * frac * (1 - frac) * (n - d) / (n - 1), 0.0)
    var = float(v.sum())
    p = float(chi2.sf((obs - exp) ** 2 / var, 1)) if var > 0 else np.nan
    return obs, exp, var, p


def cox_one_vs_rest(
    time: np.ndarray, event: np.ndarray, in_group: np.ndarray, strata: np.ndarray | None = None,
    *, alpha: float = 0.05,
) -> tuple[float, float, float, float]:
    """Stratified Cox hazard ratio of ``in_group`` vs the rest (Breslow ties), on counts.

    Newton-Raphson on the partial likelihood of one binary covariate, computed from
    the events and numbers at risk at each unique time (R ``coxph(Surv(time, event) ~
    g + strata(s), ties="breslow")``). Returns ``(hr, lower, upper, p)`` with Wald
    interval and p-value; NaN when the group or the rest has no event.

    Examples
    --------
    >>> t = np.array([1, 2, 3, 4, 5, 6, 7, 8]); e = np.array([1, 1, 1, 0, 1, 1, 1, 0])
    >>> g = np.array([1, 0, 1, 1, 0, 0, 1, 0], dtype=bool)
    >>> round(cox_one_vs_rest(t, e, g)[0], 4)  # R: exp(coef(coxph(..., ties="breslow")))
    1.4077
    """
    from scipy.stats import norm

    d, d1, n, n1 = _risk_table(time, event, in_group, strata)
    n0 = n - n1
    if d1.sum() == 0 or d1.sum() == d.sum():
        return (np.nan,) * 4
    beta = 0.0
    info = np.nan
    for _ in range(50):
        r = np.exp(beta)
        denom = n1 * r + n0
        score = float((d1 - d * n1 * r / denom).sum())
        info = float((d * n1 * r * n0 / denom**2).sum())
        if info <= 0:
            return (np.nan,) * 4
        step = score / info
        beta += float(np.clip(step, -5, 5))
        if abs(step) < 1e-10:
            break
    r = np.exp(beta)
    denom = n1 * r + n0
    info = float((d * n1 * r * n0 / denom**2).sum())
    se = 1 / np.sqrt(info)
    z = norm.ppf(1 - alpha / 2)
    p = float(2 * norm.sf(abs(beta) / se))
    return float(np.exp(beta)), float(np.exp(beta - z * se)), float(np.exp(beta + z * se)), p


def pooled_log_ratio(
    est1: Any, lo1: Any, hi1: Any, est0: Any, lo0: Any, hi0: Any, *, alpha: float,
) -> tuple[float, float, float]:
    """Inverse-variance pooled ratio est1/est0 over strata, with its interval.

    Each stratum's standard error of ``log(est)`` is read from its confidence limits
    (half the log-width over z; one-sided when the upper limit is not reached).
    Strata with a zero or missing estimate are skipped. Returns (ratio, lower, upper),
    NaN when no stratum is usable.
    """
    from scipy.stats import norm

    z = norm.ppf(1 - alpha / 2)

    def se(est, lo, hi):
        with np.errstate(divide="ignore", invalid="ignore"):
            two = (np.log(hi) - np.log(lo)) / (2 * z)
            one = (np.log(est) - np.log(lo)) / z
        return np.where(np.isfinite(two), two, one)

    est1, lo1, hi1, est0, lo0, hi0 = (np.asarray(a, dtype=float)
                                      for a in (est1, lo1, hi1, est0, lo0, hi0))
    s1, s0 = se(est1, lo1, hi1), se(est0, lo0, hi0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.log(est1) - np.log(est0)
        v = s1**2 + s0**2
    ok = np.isfinite(r) & np.isfinite(v) & (v > 0)
    if not ok.any():
        return np.nan, np.nan, np.nan
    w = 1 / v[ok]
    mean = float((w * r[ok]).sum() / w.sum())
    half = z / np.sqrt(w.sum())
    return float(np.exp(mean)), float(np.exp(mean - half)), float(np.exp(mean + half))


# ------------------------------------------------------------ durations and comparisons

#: Columns of a lens's ``tests`` table, the input of :func:`trajectory.bottlenecks.flags`.
TEST_COLUMNS: tuple[str, ...] = (
    "lens", "stage", "events", "by", "group", "metric", "value", "reference", "effect",
    "effect_lower", "effect_upper", "p", "n_group", "n_rest", "test", "adjusted_for",
)


def duration_frame(log: EventLog, start: str | Sequence[str], end: str | Sequence[str]):
    """Time from the first ``start`` event to the first ``end`` event after it, per case.

    Cases without a ``start`` event are left out; cases without an ``end`` event (by
    their extraction date) are censored at the extraction date, never dropped. An end
    dated before the start is counted in ``negative`` and left out.

    Returns
    -------
    (frame, negative)
        ``frame`` indexed by case_id with float ``time`` and bool ``event``; and the
        number of cases whose end precedes their start.
    """
    starts = [start] if isinstance(start, str) else list(start)
    ends = [end] if isinstance(end, str) else list(end)
    days = event_days(log, sorted(set(starts) | set(ends)))
    s = days[starts].min(axis=1)
    e = days[ends].min(axis=1)
    ext = case_extraction_days(log)
    has = s.notna()
    neg = has & e.notna() & (e < s)
    keep = has & ~neg
    event = e.notna() & keep
    time = np.where(event, e - s, ext - s)
    frame = pd.DataFrame({"time": time, "event": event.to_numpy()}, index=days.index)
    frame = frame.loc[keep.to_numpy() & (frame["time"] >= 0).to_numpy()]
    return frame, int(neg.sum())


def case_column(log: EventLog, column: str, *, function: str) -> pd.Series:
    """A column of ``cases`` indexed by case_id, missing values as ``"missing"``."""
    if column not in log.cases.columns:
        raise SchemaError(
            f"{function}: {column!r} is not a column of cases; "
            f"available: {list(log.cases.columns)}"
        )
    col = log.cases[column].astype(object)
    col = col.where(col.notna(), "missing")
    return pd.Series(col.to_numpy(), index=pd.Index(log.cases["case_id"].astype(object)),
                     name=column)


def km_quantiles(frame: pd.DataFrame, cell: pd.Series, q: float, alpha: float) -> pd.DataFrame:
    """KM quantile ``q`` (estimate, lower, upper) and counts per value of ``cell``."""
    return km_quantile_cells(frame["time"].to_numpy(), frame["event"].to_numpy(),
                             np.asarray(cell, dtype=object), q, alpha)


def choose_quantile(frame: pd.DataFrame, alpha: float) -> float:
    """0.5, or 0.75 / 0.9 when more than half (three quarters) finish on day 0."""
    for q in (0.5, 0.75, 0.9):
        est = km_quantiles(frame, pd.Series("all", index=frame.index), q, alpha)
        if float(est["estimate"].iloc[0]) > 0:
            return q
    return 0.9


def compare_durations(
    frame: pd.DataFrame,
    key: pd.Series,
    *,
    strata: pd.Series | None,
    q: float,
    alpha: float,
    min_n: int = 20,
) -> list[dict]:
    """One-vs-rest comparison of a duration for each value of ``key``.

    ``effect`` is the ratio of the ``q`` quantile (Kaplan-Meier) in the group to that
    in the rest, pooled over ``strata`` by inverse variance; ``p`` is the stratified
    log-rank test. ``value`` and ``reference`` are the unstratified quantiles.
    """
    key = key.reindex(frame.index)
    if strata is None:
        st = np.zeros(len(frame), dtype=np.int64)
        n_st = 1
    else:
        st, uniq = pd.factorize(strata.reindex(frame.index).astype(str))
        n_st = len(uniq)
    time = frame["time"].to_numpy(dtype=float)
    event = frame["event"].to_numpy(dtype=float)
    time2 = np.concatenate([time, time])
    event2 = np.concatenate([event, event])
    overall = 2 * n_st
    rows = []
    for v in sorted(key.unique(), key=str):
        inside = (key == v).to_numpy()
        if inside.sum() < min_n or (~inside).sum() < min_n:
            continue
        side = inside.astype(np.int64)  # 1 group, 0 rest
        cell = np.concatenate([2 * st + side, overall + side])
        qs = km_quantile_cells(time2, event2, cell, q, alpha)
        g_rows = qs.reindex(2 * np.arange(n_st) + 1)
        r_rows = qs.reindex(2 * np.arange(n_st))
        ratio = pooled_log_ratio(
            g_rows["estimate"], g_rows["lower"], g_rows["upper"],
            r_rows["estimate"], r_rows["lower"], r_rows["upper"], alpha=alpha,
        )
        o, e, var, p = logrank_one_vs_rest(time, event, inside,
                                           None if strata is None else st)
        rows.append({
            "group": v, "value": float(qs["estimate"].get(overall + 1, np.nan)),
            "reference": float(qs["estimate"].get(overall, np.nan)),
            "effect": ratio[0], "effect_lower": ratio[1], "effect_upper": ratio[2],
            "p": p, "n_group": int(inside.sum()), "n_rest": int((~inside).sum()),
            "test": "log-rank" + (" stratified" if strata is not None else ""),
        })
    return rows


def compare_proportions(
    success: pd.Series, key: pd.Series, *, alpha: float, min_n: int = 20
) -> list[dict]:
    """One-vs-rest difference in a proportion (Newcombe interval, pooled z-test)."""
    key = key.reindex(success.index)
    s = success.astype(float)
    rows = []
    for v in sorted(key.unique(), key=str):
        inside = (key == v).to_numpy()
        n1, n0 = int(inside.sum()), int((~inside).sum())
        if n1 < min_n or n0 < min_n:
            continue
        x1, x0 = float(s[inside].sum()), float(s[~inside].sum())
        d, lo, hi, p = two_proportion_test(x1, n1, x0, n0, alpha=alpha)
        rows.append({
            "group": v, "value": x1 / n1, "reference": x0 / n0, "effect": d,
            "effect_lower": lo, "effect_upper": hi, "p": p, "n_group": n1, "n_rest": n0,
            "test": "two-proportion z-test",
        })
    return rows


# ------------------------------------------------- fast Kaplan-Meier quantiles by cell

_TOL = float(np.sqrt(np.finfo(float).eps))


def _findq_one(x: np.ndarray, y: np.ndarray, p: float, xmax: float) -> float:
    """R ``survival:::findq`` on one curve (y = 1 - S, or 1 - a confidence limit).

    As R: duplicated y values are dropped (first kept), the (x, y) pairs are read as
    a step function sorted by y (a confidence limit need not be monotone), and where
    y equals p over an interval the midpoint is returned.
    """
    ok = ~np.isnan(y)
    if not ok.any():
        return np.nan
    idx = np.flatnonzero(ok)
    vals, first_pos = np.unique(y[ok], return_index=True)
    ii = idx[first_pos]

    def first(shift: float) -> int:
        ys = vals + shift
        if p < ys[0] or p > ys[-1]:
            return -1
        return int(ii[np.searchsorted(ys, p, side="left")])

    i1, i2 = first(_TOL), first(-_TOL)
    if i1 >= 0 and i2 >= 0:
        return float((x[i1] + x[i2]) / 2)
    if i1 >= 0 and not np.isnan(y[-1]) and abs(p - y[-1]) < _TOL:
        return float((x[i1] + xmax) / 2)
    return np.nan


def km_quantile_cells(
    time: np.ndarray, event: np.ndarray, cell: np.ndarray, q: float, alpha: float
) -> pd.DataFrame:
    """Kaplan-Meier quantile ``q`` with log-type Brookmeyer-Crowley limits, per cell.

    Same numbers as ``trajectory.estimators.kaplan_meier(...).quantiles([q])`` (R
    ``quantile(survfit(...))``, Greenwood variance, ``conf.type="log"``), computed on
    counts for many cells at once. Returns a frame indexed by cell with
    ``estimate, lower, upper, n, n_event``.
    """
    from scipy.stats import norm

    z = norm.ppf(1 - alpha / 2)
    cell = np.asarray(cell)
    names: Any
    if cell.dtype.kind in "iu":
        names, codes = np.unique(cell, return_inverse=True)
    else:
        codes, names = pd.factorize(pd.Series(cell, dtype=object), sort=True)
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float)
    rows = []
    order = np.lexsort((t, codes))
    codes_s, t_s, e_s = codes[order], t[order], e[order]
    bounds = np.searchsorted(codes_s, np.arange(len(names) + 1))
    for k, name in enumerate(names):
        tt, ee = t_s[bounds[k]:bounds[k + 1]], e_s[bounds[k]:bounds[k + 1]]
        uniq, inv = np.unique(tt, return_inverse=True)
        d = np.bincount(inv, weights=ee, minlength=uniq.size)
        n = np.cumsum(np.bincount(inv, minlength=uniq.size)[::-1])[::-1].astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            surv = np.cumprod(1 - d / n)
            gw = np.sqrt(np.cumsum(np.where(d > 0, d / (n * (n - d)), 0.0)))
            lo = np.where(surv > 0, np.exp(np.log(surv) - z * gw), np.nan)
            hi = np.where(surv > 0, np.minimum(np.exp(np.log(surv) + z * gw), 1.0), np.nan)
        xmax = float(uniq[-1])
        x = np.concatenate(([min(0.0, float(uniq[0]))], uniq))  # R: c(firstx, time)

        def fq(curve: np.ndarray, x: np.ndarray = x, xmax: float = xmax) -> float:
            return _findq_one(x, np.concatenate(([0.0], 1 - curve)), q, xmax)

        rows.append({
            "cell": name, "estimate": fq(surv), "lower": fq(lo), "upper": fq(hi),
            "n": int(tt.size), "n_event": int(ee.sum()),
        })
    return pd.DataFrame(rows).set_index("cell")


def mh_risk_difference(
    x1: Any, n1: Any, x0: Any, n0: Any, *, alpha: float
) -> tuple[float, float, float, float]:
    """Mantel-Haenszel risk difference over strata, Sato's variance, and the CMH test.

    ``x1/n1`` are successes/trials of the group in each stratum, ``x0/n0`` of the
    rest. Strata where either side is empty carry no information and are skipped.
    Returns ``(difference, lower, upper, p)``; ``p`` is the Cochran-Mantel-Haenszel
    chi-square (1 df, no continuity correction: R ``mantelhaen.test(correct=FALSE)``).

    Examples
    --------
    >>> d, lo, hi, p = mh_risk_difference(np.array([30]), np.array([100]),
    ...                                   np.array([10]), np.array([100]), alpha=0.05)
    >>> round(d, 2)
    0.2
    """
    from scipy.stats import chi2, norm

    x1, n1, x0, n0 = (np.asarray(a, dtype=float) for a in (x1, n1, x0, n0))
    ok = (n1 > 0) & (n0 > 0)
    x1, n1, x0, n0 = x1[ok], n1[ok], x0[ok], n0[ok]
    if not ok.any():
        return (np.nan,) * 4
    big_n = n1 + n0
    w = n1 * n0 / big_n
    rd = float((w * (x1 / n1 - x0 / n0)).sum() / w.sum())
    p_k = (n1**2 * x0 - n0**2 * x1 + n1 * n0 * (n0 - n1) / 2) / big_n**2
    q_k = (x1 * (n0 - x0) + x0 * (n1 - x1)) / (2 * big_n)
    var = (rd * p_k.sum() + q_k.sum()) / w.sum() ** 2
    half = norm.ppf(1 - alpha / 2) * np.sqrt(max(var, 0.0))
    m1 = x1 + x0
    expected = n1 * m1 / big_n
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(big_n > 1, n1 * n0 * m1 * (big_n - m1) / (big_n**2 * (big_n - 1)), 0.0)
    stat = (x1.sum() - expected.sum()) ** 2 / v.sum() if v.sum() > 0 else np.nan
    p = float(chi2.sf(stat, 1)) if np.isfinite(stat) else np.nan
    return rd, rd - half, rd + half, p


def compare_proportions_stratified(
    success: pd.Series, key: pd.Series, strata: pd.Series | None, *, alpha: float,
    min_n: int = 20,
) -> list[dict]:
    """One-vs-rest difference in a proportion, Mantel-Haenszel over ``strata``.

    Without strata this is the plain difference (Newcombe interval when unstratified
    would differ only in the interval; the MH machinery with one stratum gives the
    Wald interval and the Pearson chi-square test).
    """
    if strata is None:
        return compare_proportions(success, key, alpha=alpha, min_n=min_n)
    key = key.reindex(success.index)
    st = strata.reindex(success.index).astype(str).to_numpy()
    s = success.astype(float).to_numpy()
    rows = []
    for v in sorted(key.unique(), key=str):
        inside = (key == v).to_numpy()
        n1_all, n0_all = int(inside.sum()), int((~inside).sum())
        if n1_all < min_n or n0_all < min_n:
            continue
        frame = pd.DataFrame({"st": st, "g": inside, "s": s})
        sums = frame.groupby(["st", "g"])["s"].agg(["sum", "size"])
        agg = pd.DataFrame(sums.unstack("g", fill_value=0))

        cols = [agg[k].to_numpy(float) if k in agg.columns else np.zeros(len(agg))
                for k in (("sum", True), ("size", True), ("sum", False), ("size", False))]
        d, lo, hi, p = mh_risk_difference(*cols, alpha=alpha)
        rows.append({
            "group": v, "value": float(s[inside].mean()), "reference": float(s[~inside].mean()),
            "effect": d, "effect_lower": lo, "effect_upper": hi, "p": p,
            "n_group": n1_all, "n_rest": n0_all, "test": "Cochran-Mantel-Haenszel",
        })
    return rows
