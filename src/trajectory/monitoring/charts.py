"""Risk-adjusted CUSUM for a time-to-event indicator, with a simulated alarm threshold.

The chart follows Biswas and Kalbfleisch (2008) in calendar time, on daily counts. In
each unit, day ``c`` adds ``theta dN(c) - (exp(theta) - 1) dL(c)`` to the chart (never
below 0): ``dN`` is the number of cases reaching the indicator's endpoint that day,
``dL`` the expected number under the in-control hazard, summed over the cases at risk
that day (within the horizon), each with the daily Nelson-Aalen hazard of its offence
group at its duration (risk adjustment). The in-control hazard is estimated on the
reference period (default: the first year of complaints): its shape by offence group
from all units, its level from the unit's own cases (observed / expected events), so
the chart asks "has this unit changed?" without the noise of one small hazard
estimate per unit and offence group (which raised false alarms). ``hazard_ratio`` is
the change to detect: below 1 the endpoint comes more slowly (worse for transmission),
above 1 faster.

The threshold is set by simulating the in-control run length: in-control paths are
drawn with the unit's arrival rate, offence mix and reference hazards, and the
threshold is the smallest whose in-control alarm rate is at most one per ``target_arl``
days (the "average run length" ``total time / alarms`` over simulated paths as long as
the window monitored, run lengths censored at its end). Each simulated path
re-estimates the unit's in-control level on a simulated reference period, so the
threshold allows for that estimate (see ``docs/monitoring.md`` for the false-alarm
rate and detection delay measured: 0.19 false alarms per unit-year over 80 null
studies against the nominal 0.20). The run length is per unit: with 6 units and an
in-control mean of 5 years, about 1.2 false alarms a year are expected in the whole
study.

Examples
--------
>>> from trajectory.synth import make_study, Effect, Scenario
>>> sc = Scenario("worse", effects=(Effect("transmission_delay", "zone", "5340", 3.0,
...                                        start="2023-01-01"),))
>>> log, _ = make_study(20_000, seed=34, scenario=sc)
>>> res = cusum(log, "transmitted_30d", by="zone", n_sim=30, seed=2)
>>> res.alarms.set_index("group").loc["5340", "sentence"][:47]
'In zone 5340, transmitted to the parquet within'
>>> str(res.table.set_index("group").loc["5340", "alarm_date"]) > "2023-01-01"
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..config_monitoring import DEFAULT_INDICATORS, IndicatorSpec
from ..errors import ConfigError
from ..results import TidyResult
from ..schema import EventLog
from .cohorts import cohort_cells

__all__ = ["CusumResult", "cusum", "cusum_path", "simulate_run_lengths"]


@dataclass(frozen=True, repr=False)
class CusumResult(TidyResult):
    """A CUSUM chart per unit, its threshold and its alarms.

    ``table``: one row a unit (``group, threshold, arl0, arl0_censored_share,
    alarm_date, run_start, n``); ``path``: the chart by day; ``alarms``: one row an
    alarm with its sentence.
    """

    path: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    alarms: pd.DataFrame = field(default_factory=pd.DataFrame)
    threshold: float = float("nan")
    disclosure: ClassVar[Mapping[str, Any]] = {"withhold_by": "n"}

    #: Identities its table shares with other published tables, read by the release
    #: audit (trajectory.privacy.identities): a unit's ``n`` counts every case of the
    #: indicator's cohort in the unit (reference and monitored periods), so it is at
    #: most the unit's cases in the reception table (the size of each zone or division
    #: there) and at least the funnel's ``n`` (the periods it pools); as many when no
    #: case lacks the case-mix column and every period is pooled (the audit adopts the
    #: equalities only where the shown cells confirm them). Alarms, thresholds and run
    #: lengths are not counts of cases.
    identities: ClassVar[tuple[Mapping[str, Any], ...]] = (
        *({"parts": {"source": "reception.table", "column": "n",
                     "where": {"stage": ["reporting"], "q": ["0.5"]}, "per": "group"},
           "whole": {"source": "monitoring.cusum", "column": "n", "per": "group"},
           "relation": relation} for relation in ("=", ">=")),
        *({"parts": {"source": "monitoring.cusum", "column": "n", "per": "group"},
           "whole": {"source": "monitoring.funnel", "column": "n", "per": "group"},
           "relation": relation} for relation in ("=", ">=")),
    )

    def __post_init__(self) -> None:
        """Name the table's source, as :attr:`identities` refers to it."""
        self.table.attrs["source"] = "monitoring.cusum"

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The chart (:func:`trajectory.plotting.monitoring.plot_cusum`)."""
        from ..plotting.monitoring import plot_cusum

        return plot_cusum(self, ax=ax, **kwargs)


def _daily_hazard(d_exit: np.ndarray, event: np.ndarray, stratum: np.ndarray, n_strata: int,
                  H: int) -> np.ndarray:
    """Nelson-Aalen increments by stratum and duration 0..H (R's tie convention)."""
    dH = np.zeros((n_strata, H + 1))
    for s in range(n_strata):
        m = stratum == s
        if not m.any():
            continue
        exits = np.bincount(d_exit[m], minlength=H + 1)[: H + 1]
        events = np.bincount(d_exit[m & event], minlength=H + 1)[: H + 1]
        at_risk = np.cumsum(exits[::-1])[::-1]
        dH[s] = np.where(at_risk > 0, events / np.maximum(at_risk, 1), 0.0)
    return dH


def _increments(origin: np.ndarray, d_exit: np.ndarray, event: np.ndarray,
                stratum: np.ndarray, dH: np.ndarray, n_days: int, theta: float) -> np.ndarray:
    """Daily chart increments ``theta dN - (e^theta - 1) dL`` over ``n_days`` days."""
    L = d_exit + 1
    rep = np.repeat(np.arange(origin.size), L)
    d = np.arange(int(L.sum())) - np.repeat(np.cumsum(L) - L, L)
    day = origin[rep] + d
    keep = (day >= 0) & (day < n_days)
    lam = np.bincount(day[keep], weights=dH[stratum[rep[keep]], d[keep]], minlength=n_days)
    ev_day = (origin + d_exit)[event]
    ev_day = ev_day[(ev_day >= 0) & (ev_day < n_days)]
    dn = np.bincount(ev_day, minlength=n_days)
    return theta * dn[:n_days] - np.expm1(theta) * lam[:n_days]


def _counts(origin: np.ndarray, d_exit: np.ndarray, event: np.ndarray, stratum: np.ndarray,
            dH: np.ndarray, n_days: int) -> tuple[int, float]:
    """Observed and expected events (under ``dH``) of these cases over their follow-up.

    ``origin`` and ``n_days`` are unused: kept for a uniform signature.
    """
    L = d_exit + 1
    rep = np.repeat(np.arange(origin.size), L)
    d = np.arange(int(L.sum())) - np.repeat(np.cumsum(L) - L, L)
    return int(event.sum()), float(dH[stratum[rep], d].sum())


def cusum_path(increments: np.ndarray) -> np.ndarray:
    """``S_t = max(0, S_{t-1} + x_t)`` along the last axis."""
    x = np.atleast_2d(increments)
    out = np.empty_like(x, dtype=float)
    s = np.zeros(x.shape[0])
    for t in range(x.shape[1]):
        s = np.maximum(0.0, s + x[:, t])
        out[:, t] = s
    return out if increments.ndim > 1 else out[0]


def simulate_run_lengths(
    rate: float, mix: np.ndarray, dH: np.ndarray, theta: float, thresholds: np.ndarray,
    *, n_sim: int, n_days: int, rng: np.random.Generator, reference_days: int | None = None,
) -> np.ndarray:
    """In-control run lengths (days; ``n_days`` when no alarm), shape (thresholds, n_sim).

    Arrivals are Poisson with ``rate`` a day, strata drawn from ``mix``, durations from
    the discrete in-control hazards ``dH`` (no event by the horizon: at risk to it).
    With ``reference_days``, each path first draws a reference period of that length
    and scales the chart's hazard by its observed / expected events, as :func:`cusum`
    does: the threshold then allows for the estimated in-control level.
    """
    H = dH.shape[1] - 1
    surv = np.cumprod(1.0 - dH, axis=1)
    prob = np.concatenate([1.0 - surv[:, :1], surv[:, :-1] - surv[:, 1:]], axis=1)
    cdf = np.cumsum(prob, axis=1)
    paths = np.empty((n_sim, n_days))

    def draw(days: int) -> tuple[np.ndarray, ...]:
        n = rng.poisson(rate * days)
        stratum = rng.choice(len(mix), n, p=mix)
        d = _inverse_cdf(cdf, stratum, rng.random(n))
        return np.sort(rng.integers(0, days, n)), np.minimum(d, H), d <= H, stratum

    for k in range(n_sim):
        scale = 1.0
        if reference_days:
            _, r_exit, r_event, r_stratum = draw(reference_days)
            observed, expected = _counts(r_exit * 0, r_exit, r_event, r_stratum, dH, 1)
            scale = observed / max(expected, 1e-12)
        origin, d_exit, event, stratum = draw(n_days)
        paths[k] = _increments(origin, d_exit, event, stratum, dH * scale, n_days, theta)
    chart = cusum_path(paths)
    peak = np.maximum.accumulate(chart, axis=1)
    out = np.empty((len(thresholds), n_sim))
    for i, h in enumerate(thresholds):
        crossed = peak >= h
        out[i] = np.where(crossed.any(axis=1), crossed.argmax(axis=1) + 1, n_days)
    return out


def _inverse_cdf(cdf: np.ndarray, stratum: np.ndarray, u: np.ndarray) -> np.ndarray:
    d = np.empty(u.size, dtype=np.int64)
    for s in np.unique(stratum):
        m = stratum == s
        d[m] = np.searchsorted(cdf[s], u[m], side="right")
    return d


@dataclass(frozen=True)
class _Cases:
    """The monitored cases as arrays, days counted from the monitoring start."""

    group: np.ndarray  # unit label (str)
    origin: np.ndarray  # day of the origin event, from the monitoring start
    d_exit: np.ndarray  # last day at risk, from the origin (at most the horizon)
    event: np.ndarray  # reached the endpoint within the horizon
    stratum: np.ndarray  # case-mix level index
    in_ref: np.ndarray  # origin inside the reference period
    shape: np.ndarray  # reference hazard by case-mix level and day (all units)
    n_days: int  # days monitored
    reference_days: int
    mon_start: pd.Timestamp
    reference: tuple[pd.Timestamp, pd.Timestamp]


def _cases(log: EventLog, spec: IndicatorSpec, by: str, adjust: str,
           reference: tuple[str, str] | None) -> _Cases:
    """Cases of the indicator's cohort with their case-mix level and the reference shape."""
    H = int(spec.horizon or 0)
    tab = cohort_cells(log, replace(spec), by=by, columns=[adjust])
    origin_date = pd.to_datetime(tab["origin_date"])
    first = origin_date.min()
    ref_lo, ref_hi = ((first, first + pd.Timedelta(days=364)) if reference is None
                      else (pd.Timestamp(reference[0]), pd.Timestamp(reference[1])))
    mon_start = ref_hi + pd.Timedelta(days=1)
    # monitored until the extraction, or until the last complaint's horizon if earlier
    extraction = min(pd.Timestamp(log.extraction_date),
                     origin_date.max() + pd.Timedelta(days=H))
    n_days = int((extraction - mon_start).days) + 1
    if n_days <= 0:
        raise ConfigError("cusum: the reference period ends after the extraction date")
    levels = sorted(tab[adjust].dropna().astype(str).unique())
    level_of = tab[adjust].astype(str).map({v: i for i, v in enumerate(levels)})
    ok = level_of.notna().to_numpy()
    tab, origin_date = tab[ok], origin_date[ok]
    stratum = level_of[ok].astype(int).to_numpy()
    d_exit = np.minimum(tab["time"].to_numpy(np.int64), H)
    event = ((tab["outcome"] == spec.state) & (tab["time"] <= H)).to_numpy()
    in_ref = ((origin_date >= ref_lo) & (origin_date <= ref_hi)).to_numpy()
    shape = _daily_hazard(d_exit[in_ref], event[in_ref], stratum[in_ref], len(levels), H)
    return _Cases(group=tab["group"].astype(str).to_numpy(),
                  origin=(origin_date - mon_start).dt.days.to_numpy(np.int64), d_exit=d_exit,
                  event=event, stratum=stratum, in_ref=in_ref, shape=shape, n_days=n_days,
                  reference_days=int((ref_hi - ref_lo).days) + 1, mon_start=mon_start,
                  reference=(ref_lo, ref_hi))


def _threshold(rate: float, mix: np.ndarray, dH: np.ndarray, theta: float, c: _Cases,
               target_arl: int, n_sim: int,
               rng: np.random.Generator) -> tuple[float, float, float]:
    """Smallest threshold whose simulated in-control mean run length reaches the target.

    Returns the threshold, its estimated mean run length (days) and the share of
    simulated paths without an alarm in the window.
    """
    length = max(c.n_days, 365)  # the window monitored: the rate that matters there
    rl = simulate_run_lengths(rate, mix, dH, theta, _GRID, n_sim=n_sim, n_days=length,
                              rng=rng, reference_days=c.reference_days)
    # run lengths are close to exponential: censored-exponential estimate of the mean
    alarms_sim = (rl < length).sum(axis=1)
    arl = np.where(alarms_sim > 0, rl.sum(axis=1) / np.maximum(alarms_sim, 1), np.inf)
    idx = int(np.argmax(arl >= target_arl)) if (arl >= target_arl).any() else len(_GRID) - 1
    return float(_GRID[idx]), float(arl[idx]), float((rl[idx] >= length).mean())


def _alarm(chart: np.ndarray, h: float, dates: pd.DatetimeIndex, unit: str, by: str,
           spec: IndicatorSpec, theta: float) -> dict[str, Any] | None:
    """The first crossing of ``h``, dated from the last day the chart was at 0, in words."""
    crossed = np.flatnonzero(chart >= h)
    if not crossed.size:
        return None
    a = int(crossed[0])
    zeros = np.flatnonzero(chart[:a] == 0)
    s = int(zeros[-1]) + 1 if zeros.size else 0
    alarm_date, run_start = dates[a].date(), dates[s].date()
    word = "worsened" if (theta < 0) == (spec.better == "higher") else "improved"
    quarter = pd.Period(dates[s], freq="Q")
    return {"group": unit, "alarm_date": alarm_date, "run_start": run_start,
            "sentence": f"In {by} {unit}, {spec.label('en').lower()} {word} from "
                        f"{quarter.strftime('Q%q %Y')} (alarm on {alarm_date}; chart rising "
                        f"since {run_start})"}


_GRID = np.linspace(0.25, 12.0, 95)  # thresholds tried


def cusum(
    log: EventLog,
    indicator: str | IndicatorSpec = "transmitted_30d",
    *,
    by: str = "zone",
    adjust: str = "offence_group",
    hazard_ratio: float = 0.67,
    reference: tuple[str, str] | None = None,
    target_arl: int = 1826,
    n_sim: int = 100,
    seed: int = 0,
) -> CusumResult:
    """Risk-adjusted CUSUM per unit with an in-control-simulated threshold.

    Parameters
    ----------
    log : EventLog
    indicator : str or IndicatorSpec
        An incidence indicator: its endpoint is monitored up to its horizon.
    by : str
        Unit column.
    adjust : str
        Case-mix column: the in-control hazard is estimated per level.
    hazard_ratio : float
        Change to detect (``theta = log(hazard_ratio)``); below 1 alarms when the
        endpoint comes later than in control.
    reference : (start, end), optional
        Complaint dates of the in-control reference; default the first 365 days.
        Monitoring starts the day after ``end``.
    target_arl : int
        In-control mean run length wanted, in days.
    n_sim : int
        Simulated in-control paths per unit.
    seed : int

    Returns
    -------
    CusumResult

    References
    ----------
    Biswas, P. and Kalbfleisch, J. D. (2008). A risk-adjusted CUSUM in continuous time
    based on the Cox model. Statistics in Medicine 27, 3382-3406.
    """
    spec = DEFAULT_INDICATORS.get(indicator) if isinstance(indicator, str) else indicator
    if spec is None or spec.kind != "incidence":
        raise ConfigError(f"cusum: {indicator!r} is not an incidence indicator of the catalogue")
    if hazard_ratio <= 0 or hazard_ratio == 1:
        raise ConfigError(f"cusum: hazard_ratio = {hazard_ratio!r}: must be > 0 and not 1")
    H, theta = int(spec.horizon or 0), float(np.log(hazard_ratio))
    c = _cases(log, spec, by, adjust, reference)
    rng = np.random.default_rng(seed)
    dates = c.mon_start + pd.to_timedelta(np.arange(c.n_days), unit="D")
    rows, paths, alarms = [], [], []
    for unit in sorted(np.unique(c.group)):
        m = c.group == unit
        ref = m & c.in_ref
        if ref.sum() < 20:
            continue
        # in-control hazard: the shape by case-mix level from all units' reference cases,
        # scaled to the unit's own reference level (observed / expected events)
        _, expected = _counts(c.origin[ref] * 0, c.d_exit[ref], c.event[ref],
                              c.stratum[ref], c.shape, 1)
        dH = c.shape * (float(c.event[ref].sum()) / max(expected, 1e-12))
        mon = m & (c.origin + c.d_exit >= 0)
        chart = cusum_path(_increments(c.origin[mon], c.d_exit[mon], c.event[mon],
                                       c.stratum[mon], dH, c.n_days, theta))
        rate = float(ref.sum()) / c.reference_days
        mix = np.bincount(c.stratum[ref], minlength=c.shape.shape[0]) / ref.sum()
        h, arl, censored = _threshold(rate, mix, dH, theta, c, target_arl, n_sim, rng)
        paths.append(pd.DataFrame({"group": unit, "date": dates.date, "cusum": chart}))
        alarm = _alarm(chart, h, dates, unit, by, spec, theta)
        if alarm:
            alarms.append(alarm)
        rows.append({"group": unit, "threshold": h, "arl0": arl,
                     "arl0_censored_share": censored,
                     "alarm_date": alarm["alarm_date"] if alarm else None,
                     "run_start": alarm["run_start"] if alarm else None, "n": int(m.sum())})
    table = pd.DataFrame(rows, columns=["group", "threshold", "arl0", "arl0_censored_share",
                                        "alarm_date", "run_start", "n"])
    return CusumResult(
        table=table, path=(pd.concat(paths, ignore_index=True) if paths
                           else pd.DataFrame(columns=["group", "date", "cusum"])),
        alarms=pd.DataFrame(alarms, columns=["group", "alarm_date", "run_start", "sentence"]),
        threshold=float(table["threshold"].median()) if len(table) else float("nan"),
        method=(f"risk-adjusted Biswas-Kalbfleisch CUSUM (log HR {theta:.3f}) on daily "
                f"counts of {spec.state} within {H} days, in-control Nelson-Aalen by "
                f"{adjust} per {by} on the reference period; threshold for an in-control "
                f"mean run length of {target_arl} days ({n_sim} simulated paths)"),
        n=int(c.group.size), alpha=0.0,
        notes={"reference": (str(c.reference[0].date()), str(c.reference[1].date())),
               "monitoring_start": str(c.mon_start.date()), "theta": theta},
    )
