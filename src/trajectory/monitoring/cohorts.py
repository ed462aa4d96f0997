"""Indicators per entry cohort (period of the complaint), with confidence limits and targets.

Each indicator of the catalogue (:data:`trajectory.config_monitoring.DEFAULT_INDICATORS`,
chosen and given targets in the ``[indicators]`` table) is computed per *entry
cohort*: the cases whose origin (the complaint, or the decision) falls in one period.
An indicator at a horizon is the Aalen-Johansen cumulative incidence of its outcome
at that horizon (Kaplan-Meier when it has no competing outcome), read with its
infinitesimal-jackknife standard error; a median is the Kaplan-Meier median with
Brookmeyer-Crowley limits; a flag share is a proportion with Wilson limits. Open
cases are censored, never counted as failures, and never dropped.

A cohort is ``mature`` when every case in it could be followed to the horizon by the
extraction date; ``immature`` when only some could (the estimate uses those, under
independent censoring, and will be revised); ``not_observed`` when none could. A
median is mature once its upper limit is followed, and ``not_reached`` when fewer than
half the cohort reached the endpoint within the indicator's horizon.

Examples
--------
>>> from trajectory.synth import make_study
>>> log, _ = make_study(3_000, seed=2, scenario="null", extraction_date="2025-01-15")
>>> res = indicators(log, catalogue=["transmitted_30d"])
>>> res.table.groupby("status").size().to_dict()
{'immature': 1, 'mature': 15}
>>> row = res.table.iloc[0]
>>> bool(0.5 < row["estimate"] < 0.8), row["period"]
(True, '2021Q1')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..cohort import build_cohort
from ..config_monitoring import DEFAULT_INDICATORS, PERIODS, IndicatorSpec
from ..errors import ConfigError
from ..estimators import cumulative_incidence, kaplan_meier
from ..estimators.proportions import wilson_interval
from ..results import TidyResult
from ..schema import EventLog, default_endpoints

__all__ = ["IndicatorResult", "indicators", "INDICATOR_COLUMNS", "cohort_cells", "resolve_specs"]

#: Columns of :attr:`IndicatorResult.table`.
INDICATOR_COLUMNS: tuple[str, ...] = (
    "indicator", "group", "period", "period_start", "period_end", "estimate", "lower",
    "upper", "std_err", "n", "n_event", "n_risk", "horizon", "status", "target",
    "on_target", "kind", "unit",
)
_FREQ = {"quarter": "Q", "month": "M", "year": "Y"}


@dataclass(frozen=True, repr=False)
class IndicatorResult(TidyResult):
    """Indicators per entry cohort: one row an indicator x group x period.

    ``table`` has :data:`INDICATOR_COLUMNS`: ``estimate`` (share or days), its limits
    and ``std_err``; ``n`` cases in the cohort, ``n_event`` events by the horizon,
    ``n_risk`` cases still followed at it; ``status`` (mature, immature,
    not_observed); ``target`` and ``on_target``.
    """

    period: str = "quarter"
    language: str = "en"
    disclosure: ClassVar[Mapping[str, Any]] = {
        "withhold_by": "n",
        "derived": {"estimate": "n_event", "lower": "n_event", "upper": "n_event",
                    "std_err": "n_event"},
    }

    def summary(self) -> pd.DataFrame:
        """Indicator, group, period, estimate with limits, n, status and target."""
        cols = ["indicator", "group", "period", "estimate", "lower", "upper", "n", "status",
                "target", "on_target"]
        return self.table[cols].copy()

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Time series of one indicator with its target line.

        See :func:`trajectory.plotting.monitoring.plot_indicator_series`.
        """
        from ..plotting.monitoring import plot_indicator_series

        kwargs.setdefault("lang", self.language)
        return plot_indicator_series(self, ax=ax, **kwargs)


def resolve_specs(
    catalogue: Sequence[str | IndicatorSpec] | None, config: Any,
    horizon: int | Mapping[str, int] | None,
) -> list[IndicatorSpec]:
    """The indicator specs asked for, with the config's targets and the horizons given."""
    known = dict(DEFAULT_INDICATORS)
    if config is not None:
        known.update(config.indicators.specs)
    if catalogue is None:
        chosen = list(config.indicators.specs.values()) if config is not None else list(
            known.values())
    else:
        chosen = []
        for item in catalogue:
            if isinstance(item, IndicatorSpec):
                chosen.append(item)
            elif item in known:
                chosen.append(known[item])
            else:
                raise ConfigError(f"indicator {item!r} is unknown; known: {', '.join(known)}")
    out = []
    for spec in chosen:
        h = horizon.get(spec.name) if isinstance(horizon, Mapping) else horizon
        if h is not None and spec.kind == "incidence":
            spec = replace(spec, horizon=int(h))
        out.append(spec)
    return out


def _periods(dates: pd.Series, period: str) -> pd.PeriodIndex:
    if period not in PERIODS:
        raise ConfigError(f"period = {period!r}: allowed values are {', '.join(PERIODS)}")
    return pd.PeriodIndex(pd.to_datetime(dates), freq=_FREQ[period])


def cohort_cells(
    log: EventLog, spec: IndicatorSpec, *, period: str = "quarter", by: str | None = None,
    columns: Sequence[str] = (),
) -> pd.DataFrame:
    """The cohort of ``spec`` (one row a case) with ``period`` and ``group`` columns.

    ``period`` is the origin's period (``Period``), ``group`` the value of ``by``
    (``"all"`` without ``by``); cases with ``by`` missing are dropped.
    """
    covs = list(dict.fromkeys([c for c in (by, *columns) if c]))
    coh = build_cohort(log, origin=spec.origin, endpoints=spec.endpoints, covariates=covs)
    tab = coh.table
    tab = tab.assign(period=_periods(tab["origin_date"], period),
                     group=tab[by].astype(object) if by else "all")
    return tab[tab["group"].notna()].reset_index(drop=True)


def _status(start: pd.Series, end: pd.Series, extraction: pd.Timestamp,
            need: float) -> np.ndarray:
    """Maturity (mature, immature, not_observed) of cohorts needing ``need`` days."""
    days = pd.Timedelta(days=float(need))
    return np.where(end + days <= extraction, "mature",
                    np.where(start + days <= extraction, "immature", "not_observed"))


def read_at(table: pd.DataFrame, keys: Sequence[str], time: float) -> pd.DataFrame:
    """Read each curve at ``time``, as R's ``summary(fit, times=)``.

    Returns the last step at or before ``time`` of each curve, with its ``std_err`` (0
    before the first step), the events up to ``time`` and the number at risk at
    ``time``.
    """
    rows = []
    for key, tab in table.sort_values([*keys, "time"]).groupby(list(keys), sort=False):
        key = key if isinstance(key, tuple) else (key,)
        t = tab["time"].to_numpy(float)
        b = int(np.searchsorted(t, time, side="right")) - 1
        a = int(np.searchsorted(t, time, side="left"))
        rec = dict(zip(keys, key, strict=True))
        for c in ("estimate", "lower", "upper", "std_err"):
            rec[c] = float(tab[c].iloc[b]) if b >= 0 else (0.0 if c != "estimate" else np.nan)
        rec["n_event"] = float(tab["n_event"].to_numpy()[: b + 1].sum())
        rec["n_risk"] = float(tab["n_risk"].iloc[a]) if a < len(t) else 0.0
        rows.append(rec)
    return pd.DataFrame(rows)


def incidence_cells(tab: pd.DataFrame, spec: IndicatorSpec, horizon: float,
                    alpha: float = 0.05) -> pd.DataFrame:
    """Cumulative incidence of ``spec.state`` at ``horizon`` per (group, period) cell.

    Returns ``group, period, estimate, lower, upper, std_err, n, n_event, n_risk``;
    ``estimate`` is NaN when no case of the cell was followed to the horizon.
    """
    cell = tab["group"].astype(str) + "\x1f" + tab["period"].astype(str)
    data = pd.DataFrame({"cell": cell, "time": tab["time"], "outcome": tab["outcome"]})
    fit = cumulative_incidence(data, by="cell", alpha=alpha)
    curves = fit.table[fit.table["state"] == spec.state]
    if curves.empty:  # the outcome never happened: every curve is 0
        curves = fit.table.drop_duplicates("group").assign(
            state=spec.state, estimate=0.0, lower=np.nan, upper=np.nan, std_err=0.0,
            n_event=0.0)
    got = read_at(curves, ["group"], horizon)
    got[["estimate"]] = got[["estimate"]].fillna(0.0)
    out = got.rename(columns={"group": "cell"})
    size = data.groupby("cell").size().rename("n")
    # the curve is known at the horizon when a case was followed that far, or when no
    # case was lost (censored) before it
    followed = (tab["time"] >= horizon).groupby(cell).sum()
    lost = ((tab["time"] < horizon) & (tab["outcome"] == "censored")).groupby(cell).sum()
    out = out.join(size, on="cell")
    known = (out["cell"].map(followed).fillna(0) > 0) | (out["cell"].map(lost).fillna(0) == 0)
    out["estimate"] = np.where(known, out["estimate"], np.nan)
    parts = out["cell"].str.split("\x1f", n=1, expand=True)
    out["group"], out["period"] = parts[0], parts[1]
    return out.drop(columns="cell")


def _median_cells(tab: pd.DataFrame, alpha: float) -> pd.DataFrame:
    cell = tab["group"].astype(str) + "\x1f" + tab["period"].astype(str)
    data = pd.DataFrame({"cell": cell, "time": tab["time"], "event": tab["outcome"] != "censored"})
    q = kaplan_meier(data, event="event", by="cell", alpha=alpha).quantiles([0.5])
    counts = data.groupby("cell").agg(n=("event", "size"), n_event=("event", "sum"))
    out = q.rename(columns={"group": "cell"}).join(counts, on="cell")
    parts = out["cell"].str.split("\x1f", n=1, expand=True)
    out["group"], out["period"] = parts[0], parts[1]
    return out.drop(columns=["cell", "q"]).assign(std_err=np.nan, n_risk=np.nan)


def _share_cells(log: EventLog, spec: IndicatorSpec, period: str, by: str | None,
                 alpha: float) -> pd.DataFrame:
    flag = str(spec.flag)
    # the cases of the decision cohort (same origin and exclusions as the other indicators)
    cases = cohort_cells(log, replace(spec, endpoints=default_endpoints()), period=period,
                         by=by, columns=[f"{flag}_police", f"{flag}_parquet"])
    police = cases[f"{flag}_police"].astype("boolean").fillna(False).astype(bool)
    parquet = cases[f"{flag}_parquet"].astype("boolean")
    base = cases[police & parquet.notna()]
    kept = base[f"{flag}_parquet"].astype(bool)
    g = base.assign(kept=kept.to_numpy()).groupby(["group", "period"], observed=True)["kept"]
    out = g.agg(n="size", n_event="sum").reset_index()
    lo, hi = wilson_interval(out["n_event"], out["n"], alpha=alpha)
    p = out["n_event"] / out["n"]
    return out.assign(estimate=p, lower=lo, upper=hi,
                      std_err=np.sqrt(p * (1 - p) / out["n"]), n_risk=np.nan,
                      period=out["period"].astype(str), group=out["group"].astype(str))


def indicators(
    log: EventLog,
    *,
    period: str | None = None,
    by: str | None = None,
    horizon: int | Mapping[str, int] | None = None,
    catalogue: Sequence[str | IndicatorSpec] | None = None,
    config: Any = None,
    alpha: float = 0.05,
) -> IndicatorResult:
    """Indicators per entry cohort, with confidence limits, maturity and targets.

    Parameters
    ----------
    log : EventLog
    period : {"quarter", "month", "year"}, optional
        Length of an entry cohort (default the config's ``[indicators] period``, or
        quarter).
    by : str, optional
        Case column (zone, division, offence_group...) giving one series per value.
    horizon : int or mapping, optional
        Horizon in days replacing that of every incidence indicator (an int), or of
        the named ones (a mapping).
    catalogue : list of str or IndicatorSpec, optional
        Indicators to compute (default: the config's, else the whole catalogue).
    config : StudyConfig, optional
        Its ``[indicators]`` table gives the period, the indicators and the targets.
    alpha : float
        Confidence level ``1 - alpha``.

    Returns
    -------
    IndicatorResult
        Pass it through :func:`trajectory.privacy.disclose` before publishing.
    """
    if period is None:
        period = config.indicators.period if config is not None else "quarter"
    specs = resolve_specs(catalogue, config, horizon)
    extraction = pd.Timestamp(log.extraction_date)
    frames: list[pd.DataFrame] = []
    cache: dict[Any, pd.DataFrame] = {}
    for spec in specs:
        if spec.kind == "share":
            cells = _share_cells(log, spec, period, by, alpha)
            unit = "share"
        else:
            key = (spec.origin, tuple((k, tuple(v)) for k, v in spec.endpoints.items()))
            if key not in cache:
                cache[key] = cohort_cells(log, spec, period=period, by=by)
            tab = cache[key]
            if spec.kind == "incidence":
                cells = incidence_cells(tab, spec, float(spec.horizon or 0), alpha)
                unit = "share"
            else:
                cells = _median_cells(tab, alpha)
                unit = "days"
        per = pd.PeriodIndex(cells["period"], freq=_FREQ[period])
        start = pd.Series(per.start_time, index=cells.index)
        end = pd.Series(per.end_time.normalize(), index=cells.index)
        need = float(spec.horizon or 0)
        status = _status(start, end, extraction, need)
        if spec.kind == "median":  # a median is final once its upper limit is followed
            upper = cells["upper"].to_numpy(float)
            room = (extraction - end).dt.days.to_numpy(float)
            fully = ~np.isnan(upper) & (upper <= room)
            never = np.isnan(cells["estimate"].to_numpy(float)) & (room >= need)
            status = np.where(fully, "mature", np.where(
                never, "not_reached", np.where(np.isnan(cells["estimate"]), "not_observed",
                                               "immature")))
        estimate = cells["estimate"].to_numpy(float)
        status = np.where((status == "immature") & np.isnan(estimate), "not_observed", status)
        target = np.nan if spec.target is None else float(spec.target)
        with np.errstate(invalid="ignore"):
            on = (estimate >= target) if spec.better == "higher" else (estimate <= target)
        on_target = pd.array([None if np.isnan(e) or np.isnan(target) else bool(o)
                              for e, o in zip(estimate, on, strict=True)], dtype="boolean")
        frames.append(pd.DataFrame({
            "indicator": spec.name, "group": cells["group"].astype(str),
            "period": cells["period"].astype(str), "period_start": start.dt.date,
            "period_end": end.dt.date, "estimate": estimate,
            "lower": cells["lower"].to_numpy(float), "upper": cells["upper"].to_numpy(float),
            "std_err": cells["std_err"].to_numpy(float), "n": cells["n"].astype(int),
            "n_event": cells["n_event"].astype(float), "n_risk": cells["n_risk"].astype(float),
            "horizon": spec.horizon, "status": status, "target": target,
            "on_target": on_target, "kind": spec.kind, "unit": unit,
        }))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=list(INDICATOR_COLUMNS))
    table = table.sort_values(["indicator", "group", "period"], kind="stable")
    order = {s.name: i for i, s in enumerate(specs)}
    table = table.iloc[np.argsort(table["indicator"].map(order).to_numpy(), kind="stable")]
    language = getattr(config, "language", "en") if config is not None else "en"
    return IndicatorResult(
        table=table.reset_index(drop=True), alpha=alpha, period=period, language=language,
        method=("per entry cohort: Aalen-Johansen / Kaplan-Meier at the horizon "
                "(infinitesimal-jackknife SE), Kaplan-Meier median (Brookmeyer-Crowley), "
                "Wilson for flag shares"),
        n=int(log.n_cases), time_unit="days",
        notes={"by": by, "extraction_date": str(extraction.date()),
               "labels": {s.name: dict(s.labels) for s in specs},
               "better": {s.name: s.better for s in specs}},
    )
