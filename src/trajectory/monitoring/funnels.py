"""Funnel plots for units (zones, divisions) on any incidence indicator, censoring-aware.

Each unit's *observed* value is its Aalen-Johansen cumulative incidence of the
indicator's outcome at the horizon (open cases censored). Its *expected* value is
indirectly standardised for case mix: the unit's own offence-group mix weighting
the incidence of each offence group over all units. The ratio observed / expected
is compared with control limits ``1 +- z sqrt(E (1 - E) / n_eff) / E`` at 95% and
99.8% (Spiegelhalter 2005), where ``n_eff = O (1 - O) / se^2`` is the unit's
effective number of cases: the variance comes from the estimator, so censoring
widens the funnel instead of being ignored. No overdispersion is added: a unit
outside the 99.8% limits differs beyond chance under the model of independent cases.

Examples
--------
>>> from trajectory.synth import make_study
>>> log, _ = make_study(20_000, seed=3, scenario="slow_zone")
>>> res = funnel(log, "transmitted_30d", by="zone")
>>> res.table.set_index("group").loc["5340", "signal"]
'below 99.8% limit'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from ..config_monitoring import DEFAULT_INDICATORS, IndicatorSpec
from ..errors import ConfigError
from ..results import TidyResult
from ..schema import EventLog
from .cohorts import _FREQ, cohort_cells, incidence_cells

__all__ = ["FunnelResult", "funnel"]

_Z95, _Z998 = stats.norm.ppf(0.975), stats.norm.ppf(0.999)


@dataclass(frozen=True, repr=False)
class FunnelResult(TidyResult):
    """A funnel plot's table and limits.

    One row a unit: ``group, n, n_eff, observed, expected, ratio, std_err, z,
    lower_95, upper_95, lower_998, upper_998, signal``; ``limits`` holds the funnel
    curves (``expected``: effective cases, limits of the ratio).
    """

    limits: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    indicator: str = ""
    disclosure: ClassVar[Mapping[str, Any]] = {"withhold_by": "n"}

    #: Identities its table shares with other published tables, read by the release
    #: audit (trajectory.privacy.identities): a unit's ``n`` counts its cases of the
    #: periods pooled, at most the unit's cases of the reception table (the size of each
    #: zone or division there), and as many when every period is pooled (the audit
    #: adopts the equality only where the shown cells confirm it).
    identities: ClassVar[tuple[Mapping[str, Any], ...]] = tuple(
        {"parts": {"source": "reception.table", "column": "n",
                   "where": {"stage": ["reporting"], "q": ["0.5"]}, "per": "group"},
         "whole": {"source": "monitoring.funnel", "column": "n", "per": "group"},
         "relation": relation} for relation in ("=", ">="))

    def __post_init__(self) -> None:
        """Name the table's source, as :attr:`identities` refers to it."""
        self.table.attrs["source"] = "monitoring.funnel"

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The funnel (:func:`trajectory.plotting.monitoring.plot_monitor_funnel`)."""
        from ..plotting.monitoring import plot_monitor_funnel

        return plot_monitor_funnel(self, ax=ax, **kwargs)

    def sentences(self) -> list[str]:
        """One sentence a unit outside the 99.8% limits."""
        out = []
        for row in self.table.to_dict("records"):
            if "99.8" in str(row["signal"]):
                word = "higher" if float(row["ratio"]) > 1 else "lower"
                out.append(f"In {row['group']}, {self.indicator} is {word} than expected for its "
                           f"case mix ({row['observed']:.2f} observed vs {row['expected']:.2f} "
                           f"expected; outside the 99.8% limits)")
        return out


def funnel(
    log: EventLog,
    indicator: str | IndicatorSpec,
    *,
    by: str = "zone",
    adjust: str | None = "offence_group",
    periods: tuple[str, str] | None = None,
    period: str = "quarter",
    horizon: int | None = None,
) -> FunnelResult:
    """Units compared on an incidence indicator with case-mix-adjusted control limits.

    Parameters
    ----------
    log : EventLog
    indicator : str or IndicatorSpec
        An incidence indicator of the catalogue.
    by : str
        The unit column (``zone``, ``division``...).
    adjust : str or None
        Case-mix column for indirect standardisation (None: crude comparison).
    periods : (first, last), optional
        Entry periods pooled (e.g. ``("2023Q1", "2023Q4")``); default every period
        whose cases could all be followed to the horizon.
    period : {"quarter", "month", "year"}
    horizon : int, optional
        Days (default the indicator's).

    Returns
    -------
    FunnelResult
    """
    spec = DEFAULT_INDICATORS.get(indicator) if isinstance(indicator, str) else indicator
    if spec is None or spec.kind != "incidence":
        raise ConfigError(f"funnel: {indicator!r} is not an incidence indicator of the catalogue")
    h = int(horizon or spec.horizon or 0)
    spec = replace(spec, horizon=h)
    tab = cohort_cells(log, spec, period=period, by=by, columns=[adjust] if adjust else [])
    per = pd.PeriodIndex(tab["period"], freq=_FREQ[period])
    extraction = pd.Timestamp(log.extraction_date)
    if periods is None:
        keep = (per.end_time.normalize() + pd.Timedelta(days=h)) <= extraction
    else:
        lo, hi = (pd.Period(p, freq=_FREQ[period]) for p in periods)
        keep = (per >= lo) & (per <= hi)
    tab = tab[np.asarray(keep)].copy()
    tab["period"] = "pooled"
    tab["group"] = tab["group"].astype(str)
    obs = incidence_cells(tab, spec, float(h)).set_index("group")
    if adjust:
        strata = tab.assign(group=tab[adjust].astype(str))
        f_s = incidence_cells(strata, spec, float(h)).set_index("group")["estimate"]
        mix = pd.crosstab(tab["group"], tab[adjust].astype(str), normalize="index")
        expected = (mix * f_s.reindex(mix.columns).fillna(0.0)).sum(axis=1)
    else:
        overall = incidence_cells(tab.assign(group="all"), spec, float(h))["estimate"].iloc[0]
        expected = pd.Series(overall, index=obs.index)
    out = obs[["n", "estimate", "std_err"]].rename(columns={"estimate": "observed"})
    out["expected"] = expected.reindex(out.index)
    o, e, se = out["observed"], out["expected"], out["std_err"]
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(se > 0, o * (1 - o) / se**2, out["n"])
        out["n_eff"] = n_eff
        out["ratio"] = o / e
        sd0 = np.sqrt(e * (1 - e) / n_eff)
        out["z"] = (o - e) / sd0
        for name, z in (("95", _Z95), ("998", _Z998)):
            out[f"lower_{name}"] = 1 - z * sd0 / e
            out[f"upper_{name}"] = 1 + z * sd0 / e
    out["signal"] = np.select(
        [out["z"] > _Z998, out["z"] < -_Z998, out["z"] > _Z95, out["z"] < -_Z95],
        ["above 99.8% limit", "below 99.8% limit", "above 95% limit", "below 95% limit"], "")
    out = out.reset_index()[["group", "n", "n_eff", "observed", "expected", "ratio", "std_err",
                             "z", "lower_95", "upper_95", "lower_998", "upper_998", "signal"]]
    p0 = float(np.average(out["expected"], weights=out["n"]))
    grid = np.geomspace(max(5.0, float(np.nanmin(n_eff)) / 2), float(np.nanmax(n_eff)) * 1.5, 60)
    sd = np.sqrt(p0 * (1 - p0) / grid) / p0
    limits = pd.DataFrame({"expected": grid, "lower_95": 1 - _Z95 * sd, "upper_95": 1 + _Z95 * sd,
                           "lower_998": 1 - _Z998 * sd, "upper_998": 1 + _Z998 * sd})
    return FunnelResult(
        table=out, limits=limits, indicator=spec.name, alpha=0.05, n=int(out["n"].sum()),
        method=(f"funnel: Aalen-Johansen incidence at {h} days per {by}, indirectly "
                f"standardised by {adjust or 'nothing'}; limits from the estimator's variance "
                "(effective cases), 95% and 99.8%"),
        notes={"by": by, "adjust": adjust, "horizon": h, "p0": p0},
    )
