"""Attrition: how many cases of an entry cohort reach each stage of the criminal chain.

The funnel runs complaint -> written record (PV) -> parquet registration ->
qualification -> decision -> summons -> judgment -> conviction. It is measured on an
**entry cohort** (cases whose complaint falls in ``window``) with a **fixed follow-up**
(``horizon`` days), the design that makes attrition figures comparable (see
``domain.md`` §3.7): "decisions in a year / inflow in a year" mixes cohorts.

Two versions are given for each stage:

* ``cumulative`` and ``conditional``: among cases with at least ``horizon`` days of
  potential follow-up (complaint at least ``horizon`` days before the extraction
  date), the share that reached the stage within ``horizon`` days of the complaint
  (of all entrants, and of those who reached the stage before), with Wilson
  intervals. Cases still open at the horizon are counted as ``n_open``, never as lost;
  ``n_lost`` counts cases that left the chain (a decision without court, or a
  judgment other than a conviction) before reaching the next stage.
* ``cumulative_aj``: the time-aware version on *every* entrant: the Aalen-Johansen
  cumulative incidence of reaching the stage by ``horizon`` days, with leaving the
  chain before it as the competing event and the extraction date as censoring.

A later stage implies the earlier ones: a case with a parquet registration but no
recorded PV counts as having passed the PV stage (``n_implied`` counts such cases,
a data-quality signal), so the funnel never rises.

Examples
--------
>>> import pandas as pd
>>> from trajectory.schema import EventLog
>>> cases = pd.DataFrame({"case_id": ["a", "b", "c"], "offence_group": ["hate"] * 3})
>>> d = pd.to_datetime
>>> events = pd.DataFrame({
...     "case_id": ["a", "a", "a", "b", "b", "c"],
...     "event": ["E11", "E12", "E30", "E11", "E12", "E11"],
...     "date": d(["2020-01-01", "2020-01-02", "2020-02-01",
...                "2020-01-01", "2020-01-03", "2020-01-01"])})
>>> log = EventLog(cases, events, pd.Timestamp("2023-01-01"))
>>> res = attrition_table(log, stages=["complaint", "pv", "parquet_registration"],
...                       horizon=365)
>>> res.summary()[["stage", "n_reached", "cumulative"]].round(3)
                  stage  n_reached  cumulative
0             complaint          3       1.000
1                    pv          2       0.667
2  parquet_registration          1       0.333
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np
import pandas as pd

from .cohort.days import MISSING, CaseDays
from .errors import ConfigError, SchemaError
from .estimators.proportions import wilson_interval
from .results import TidyResult
from .schema import EventLog

#: Decisions that end a case without a court: the case leaves the funnel.
NON_COURT_CLOSURES: tuple[str, ...] = ("E33", "E34", "E35", "E40", "E41", "E42", "E43", "E44")

__all__ = ["AttritionResult", "DEFAULT_STAGES", "attrition_table"]

#: Funnel stage -> events that mark it ("E51=V01": event E51 whose ``code`` is V01).
DEFAULT_STAGES: dict[str, tuple[str, ...]] = {
    "complaint": ("E11",),
    "pv": ("E12",),
    "parquet_registration": ("E30",),
    "qualification": ("E31",),
    "decision": ("E33", "E34", "E35", "E40", "E41", "E42", "E43", "E44", "E45", "E46", "E47"),
    "summons": ("E45", "E46"),
    "judgment": ("E51",),
    "conviction": ("E51=V01",),
}

ATTRITION_COLUMNS: tuple[str, ...] = (
    "group", "stage", "order", "measure", "estimate", "lower", "upper",
    "n_reached", "n_base", "n_lost", "n_open", "n_implied",
)


@dataclass(frozen=True, repr=False)
class AttritionResult(TidyResult):
    """Funnel of an entry cohort: one row a group x stage x measure.

    ``measure`` is ``cumulative`` (share of entrants reaching the stage within the
    horizon), ``conditional`` (share of those at the previous stage) or
    ``cumulative_aj`` (Aalen-Johansen, all entrants, censoring-aware). ``n_base`` is
    the denominator of the estimate; ``n_lost`` and ``n_open`` say what happened, by
    the horizon, to the cases that reached the stage but not the next one.
    """

    disclosure: ClassVar[Mapping[str, Any]] = {
        "withhold_by": "n_base",
        "derived": {"estimate": ["n_reached"], "lower": ["n_reached"], "upper": ["n_reached"]},
    }
    figure: ClassVar[Mapping[str, Any]] = {"kind": "funnel"}
    #: Identities with other published tables, read by the release audit
    #: (trajectory.privacy.identities): the Aalen-Johansen base is every case of the
    #: cohort, as the cohort's counts by offence group add up to.
    identities: ClassVar[tuple[Mapping[str, Any], ...]] = (
        {"parts": {"source": "cohort.cases", "column": "n"},
         "whole": {"source": "attrition.table", "column": "n_base",
                   "where": {"group": ["all"], "stage": ["complaint"],
                             "measure": ["cumulative_aj"]}}},
    )

    def __post_init__(self) -> None:
        """Name the table's source, as :attr:`identities` refers to it."""
        self.table.attrs["source"] = "attrition.table"

    def summary(self) -> pd.DataFrame:
        """Wide table: one row a group x stage with the three measures side by side."""
        t = self.table
        wide = t.pivot_table(
            index=["group", "order", "stage"], columns="measure", values="estimate",
            sort=True, dropna=False,
        )
        counts = (
            t.loc[t["measure"] == "cumulative"]
            .set_index(["group", "order", "stage"])[["n_reached", "n_lost", "n_open"]]
        )
        out = counts.join(wide).reset_index().drop(columns="order")
        if out["group"].eq("all").all():
            out = out.drop(columns="group")
        out.columns.name = None
        return out

    def funnel_frame(self, group: str | None = None) -> pd.DataFrame:
        """One group's fixed-horizon funnel, the shape of :func:`trajectory.plotting.plot_funnel`.

        Columns ``stage, n, conditional, cumulative, lower, upper`` (``lower``/``upper``:
        interval of ``conditional``).
        """
        t = self.table
        g = t["group"].iloc[0] if group is None else group
        t = t.loc[t["group"] == g]
        cond = t.loc[t["measure"] == "conditional"].set_index("stage")
        cum = t.loc[t["measure"] == "cumulative"].set_index("stage")
        return pd.DataFrame({
            "stage": cond.index, "n": cum["n_reached"].to_numpy(),
            "conditional": cond["estimate"].to_numpy(), "cumulative": cum["estimate"].to_numpy(),
            "lower": cond["lower"].to_numpy(), "upper": cond["upper"].to_numpy(),
        })

    def plot(self, ax=None, group: str | None = None, **kwargs):
        """Draw one group's funnel with :func:`trajectory.plotting.plot_result`."""
        from . import plotting  # lazy: results never import plotting at import time

        audit = self.notes.get("disclosure") if isinstance(self.notes, Mapping) else None
        if isinstance(audit, Mapping) and audit.get("k") is not None:
            kwargs.setdefault("min_count", int(audit["k"]))  # "<k" with the gate's k
        return plotting.plot_result(self.funnel_frame(group), ax=ax, **kwargs)


def _parse_stages(stages: Sequence[str] | Mapping[str, Sequence[str]] | None):
    if stages is None:
        return dict(DEFAULT_STAGES)
    if isinstance(stages, Mapping):
        out = {str(k): tuple(v) for k, v in stages.items()}
    else:
        unknown = [s for s in stages if s not in DEFAULT_STAGES]
        if unknown:
            raise ConfigError(
                f"attrition_table: unknown stage(s) {unknown}; allowed: "
                f"{list(DEFAULT_STAGES)}, or pass a mapping stage -> event codes"
            )
        out = {s: DEFAULT_STAGES[s] for s in stages}
    if len(out) < 2:
        raise ConfigError("attrition_table: give at least two stages (the first is the entry)")
    return out


def _stage_days(days: CaseDays, spec: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """First day each case reached each stage (by its own events), NaN if never."""
    def first(token: str) -> np.ndarray:
        if "=" not in token:
            return days.first([token])
        event, value = token.split("=", 1)
        return days.first_coded(event, [value])

    out = {}
    for stage, codes in spec.items():
        firsts = [first(c) for c in codes]
        out[stage] = days.series(np.minimum.reduce(firsts) if firsts
                                 else np.full(days.n, MISSING))
    return pd.DataFrame(out)


def _closure_days(days: CaseDays) -> pd.Series:
    """First day a case left the chain: a non-court decision or a non-conviction judgment."""
    closures = days.first(NON_COURT_CLOSURES)
    if "code" in days.log.events.columns:
        closures = np.minimum(closures, days.first_coded("E51", ["V01"], matching=False))
    return days.series(closures)


def _groups(log: EventLog, by: str | None) -> pd.Series:
    if by is None:
        return pd.Series("all", index=pd.Index(log.cases["case_id"].astype(object)))
    if by not in log.cases.columns:
        raise SchemaError(
            f"attrition_table: by={by!r} is not a column of cases; "
            f"available: {list(log.cases.columns)}"
        )
    values = log.cases[by].astype(object).where(log.cases[by].notna(), "missing")
    return pd.Series(values.to_numpy(), index=pd.Index(log.cases["case_id"].astype(object)))


def _aj_at(time: np.ndarray, status: np.ndarray, horizon: float, alpha: float):
    """Aalen-Johansen CIF of cause 1 (cause 2 competing, 0 censored) at ``horizon``."""
    from .estimators import cumulative_incidence

    label = np.array(["censored", "reached", "left"], dtype=object)[status]
    frame = pd.DataFrame({"time": time, "outcome": label})
    if not (status == 1).any():
        return 0.0, 0.0, 0.0
    res = cumulative_incidence(frame, time="time", event="outcome", alpha=alpha)
    tab = res.table
    tab = tab.loc[(tab["state"] == "reached") & (tab["time"] <= horizon)]
    if not len(tab):
        return 0.0, 0.0, 0.0
    row = tab.iloc[-1]
    return float(row["estimate"]), float(row["lower"]), float(row["upper"])


def attrition_table(
    log: EventLog,
    *,
    stages: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    by: str | None = None,
    horizon: int | None = None,
    window: tuple[str | pd.Timestamp, str | pd.Timestamp] | None = None,
    alpha: float = 0.05,
    time_aware: bool = True,
    config: Any = None,
) -> AttritionResult:
    """Funnel of an entry cohort from complaint to conviction, fixed and time-aware.

    Parameters
    ----------
    log : EventLog
        The study's event log.
    stages : list of str or mapping, optional
        Stage names from :data:`DEFAULT_STAGES` in funnel order, or a mapping
        stage -> event codes (``"E51=V01"`` means event E51 whose ``code`` is V01).
        The first stage is the entry (time zero). Default: all eight stages.
    by : str, optional
        A column of ``log.cases`` (e.g. ``"offence_group"``): one funnel per value.
    horizon : int, optional
        Follow-up in days (default the config's ``follow_up_days``, else 730). Only
        cases with at least ``horizon`` days between entry and
        their extraction date count in the fixed-horizon measures.
    window : (start, end), optional
        Entry dates (inclusive) defining the cohort.
    alpha : float, default 0.05
        Intervals are ``1 - alpha`` (Wilson for proportions).
    time_aware : bool, default True
        Also compute ``cumulative_aj`` (needs :mod:`trajectory.estimators`).
    config : StudyConfig, optional
        The study config: ``[cohort] entry_window`` and ``follow_up_days`` give
        ``window`` and ``horizon`` when those are left at their defaults.

    Returns
    -------
    AttritionResult
        Tidy table with columns :data:`ATTRITION_COLUMNS`.

    Examples
    --------
    See the module docstring.
    """
    if config is not None:
        window = window if window is not None else config.cohort.entry_window
        horizon = horizon if horizon is not None else config.cohort.follow_up_days
    horizon = 730 if horizon is None else horizon
    if horizon <= 0:
        raise ConfigError(
            f"attrition_table: horizon must be a positive number of days, got {horizon}"
        )
    spec = _parse_stages(stages)
    f = _funnel_days(log, spec, by, window)
    eligible = f.t_ext >= horizon
    rows = []
    for gv in sorted(f.group.unique(), key=str):
        rows += _group_rows(f, gv, eligible.to_numpy(), horizon=horizon, alpha=alpha,
                            time_aware=time_aware)
    table = pd.DataFrame(rows, columns=list(ATTRITION_COLUMNS))
    return AttritionResult(
        table=table,
        alpha=alpha,
        method=(
            f"entry cohort funnel, fixed {horizon}-day follow-up (Wilson intervals)"
            + ("; Aalen-Johansen cumulative incidence at the horizon" if time_aware else "")
        ),
        time_unit="days",
        n=int(f.in_cohort.sum()),
        notes={
            "horizon": horizon,
            "stages": spec,
            "by": by,
            "window": window,
            "n_eligible": int(eligible.sum()),
            "n_without_entry_event": f.n_no_entry,
            "lost": "a non-court decision (E33-E35, E40-E44) or a judgment other than V01",
        },
    )


class _Funnel(NamedTuple):
    """Days from entry of each cohort case (rows) to each stage (columns), closure, extraction."""

    names: list[str]
    t_reach: pd.DataFrame  # days from entry to reaching each stage (a later stage implies it)
    t_close: pd.Series  # days from entry to closure
    t_ext: pd.Series  # days from entry to the extraction date
    group: pd.Series
    implied: pd.DataFrame  # stage reached only through a later stage
    in_cohort: pd.Series  # over all cases: has the entry event, within the window
    n_no_entry: int


def _funnel_days(
    log: EventLog, spec: Mapping[str, Sequence[str]], by: str | None,
    window: tuple[str | pd.Timestamp, str | pd.Timestamp] | None,
) -> _Funnel:
    """The entry cohort (entry event within ``window``) and its days to each stage."""
    names = list(spec)
    days = CaseDays(log)
    reached_own = _stage_days(days, spec)
    ext = days.series(days.extraction)
    closure = _closure_days(days)
    group = _groups(log, by)

    entry = reached_own[names[0]]
    in_cohort = entry.notna()
    if window is not None:
        start, end = (pd.Timestamp(w) for w in window)
        lo = (start - pd.Timestamp("1970-01-01")).days
        hi = (end - pd.Timestamp("1970-01-01")).days
        in_cohort &= (entry >= lo) & (entry <= hi)
    n_no_entry = int(entry.isna().sum())

    # A later stage implies the earlier ones: reach day = first day of this or any later stage.
    own = reached_own.loc[in_cohort]
    filled = np.where(np.isnan(own.to_numpy()), np.inf, own.to_numpy())
    later_first = np.minimum.accumulate(filled[:, ::-1], axis=1)[:, ::-1]
    reach = pd.DataFrame(np.where(np.isinf(later_first), np.nan, later_first),
                         index=own.index, columns=own.columns)
    e = entry.loc[in_cohort]
    return _Funnel(
        names=names,
        t_reach=reach.sub(e, axis=0).clip(lower=0),
        t_close=(closure.loc[in_cohort] - e).clip(lower=0),
        t_ext=ext.loc[in_cohort] - e,
        group=group.loc[in_cohort],
        implied=reach.notna() & own.isna(),
        in_cohort=in_cohort,
        n_no_entry=n_no_entry,
    )


def _group_rows(
    f: _Funnel, gv: Any, eligible: np.ndarray, *, horizon: int, alpha: float, time_aware: bool
) -> list[dict[str, Any]]:
    """The table rows of one group: cumulative, conditional (and Aalen-Johansen) by stage."""
    names = f.names
    m = (f.group == gv).to_numpy()
    elig = eligible & m
    within = (f.t_reach.to_numpy() <= horizon) & elig[:, None]
    n_reached = within.sum(axis=0)
    n_implied = (within & f.implied.to_numpy()).sum(axis=0)
    n0 = int(elig.sum())
    cum_lo, cum_hi = wilson_interval(n_reached, np.full(len(names), n0), alpha=alpha)
    prev = np.concatenate([[n0], n_reached[:-1]])
    cond_lo, cond_hi = wilson_interval(n_reached, prev, alpha=alpha)
    closed = (f.t_close.to_numpy() <= horizon) & elig
    rows = []
    for k, stage in enumerate(names):
        if k + 1 < len(names):
            stuck = within[:, k] & ~within[:, k + 1]
            n_lost = int((stuck & closed).sum())
            n_open = int((stuck & ~closed).sum())
        else:
            n_lost = n_open = 0
        base = dict(group=gv, stage=stage, order=k, n_reached=int(n_reached[k]),
                    n_lost=n_lost, n_open=n_open, n_implied=int(n_implied[k]))
        rows.append({**base, "measure": "cumulative", "n_base": n0,
                     "estimate": n_reached[k] / n0 if n0 else np.nan,
                     "lower": cum_lo[k], "upper": cum_hi[k]})
        rows.append({**base, "measure": "conditional", "n_base": int(prev[k]),
                     "estimate": n_reached[k] / prev[k] if prev[k] else np.nan,
                     "lower": cond_lo[k], "upper": cond_hi[k]})
        if time_aware:
            if k == 0:
                est = (1.0, 1.0, 1.0)
            else:
                tr = f.t_reach.iloc[m, k].to_numpy()
                tc = f.t_close.iloc[m].to_numpy()
                te = f.t_ext.iloc[m].to_numpy()
                status, time = _competing(tr, tc, te)
                est = _aj_at(time, status, float(horizon), alpha)
            rows.append({**base, "measure": "cumulative_aj", "n_base": int(m.sum()),
                         "estimate": est[0], "lower": est[1], "upper": est[2]})
    return rows


def _competing(tr: np.ndarray, tc: np.ndarray, te: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Status (1 reached, 2 left first, 0 censored) and time, for one stage."""
    tr = np.where(np.isnan(tr), np.inf, tr)
    tc = np.where(np.isnan(tc), np.inf, tc)
    tr = np.where(tr <= te, tr, np.inf)
    tc = np.where(tc <= te, tc, np.inf)
    status = np.where(tr <= tc, 1, 2)
    time = np.minimum(tr, tc)
    none = ~np.isfinite(time)
    status[none] = 0
    time[none] = te[none]
    return status.astype(int), time.astype(float)
