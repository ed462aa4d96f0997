"""Reception lens: delays from the facts to the parquet, missing fields, victim support.

What happens when a victim files a complaint (``design.md`` §1, question 1):

* **delays** between the facts (E00), the complaint (E11), the written record (E12),
  its transmission to the parquet (E23) and the parquet registration (E30), as
  Kaplan-Meier quantiles: a case whose next step has not happened by the extraction
  date is *censored*, never dropped (dropping open cases makes slow places look fast);
* **missing key fields** of the case record, by source system;
* **victim support**: share of complaints with a police victim referral (E14) or a
  victim-support intake (E60), and the time from the complaint to the first contact
  (E14, E60, E61, E62 or E37), Kaplan-Meier again.

It also prepares the comparisons that :func:`trajectory.bottlenecks.flags` turns into
flags (:mod:`trajectory.bottlenecks.compare`): each delay compared between a police
zone (or a config grouping known at the complaint) and the other zones, pooled within
offence groups and within each offence group, as the ratio of Kaplan-Meier quantiles
pooled over strata by inverse variance, tested by the stratified log-rank test; and
the referral rate compared between zones and divisions (Mantel-Haenszel difference,
Cochran-Mantel-Haenszel test). A parquet division is only known once a case is registered
at the parquet, so delays *before* registration are never compared by division: cases
that never reached the parquet are counted as not transmitted (censored), not as a
division.

Examples
--------
>>> from trajectory.synth import make_study
>>> log, _ = make_study(2000, seed=1, scenario="null")
>>> res = reception(log, by=("zone",))
>>> row = res.table.query("stage == 'transmission' and by == 'all' and q == 0.5")
>>> 10 < float(row["estimate"].iloc[0]) < 40  # median days, police registration -> parquet
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..cohort.days import CaseDays
from ..estimators.grouped import (
    grouped_counts,
    km_quantiles,
    logrank_vs_rest,
    quantile_ratio_vs_rest,
    risk_difference_vs_rest,
)
from ..estimators.proportions import wilson_interval
from ..results import TidyResult
from ..schema import EventLog
from .compare import TEST_COLUMNS, Design
from .compare import compare as search

__all__ = ["RECEPTION_STAGES", "KEY_FIELDS", "PARQUET_DIMENSIONS", "ReceptionResult",
           "reception"]

#: Delay name -> (start event(s), end event(s)).
RECEPTION_STAGES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "reporting": (("E00",), ("E11",)),
    "complaint_to_pv": (("E11",), ("E12",)),
    "pv_to_police_registration": (("E12",), ("E20",)),
    "transmission": (("E20",), ("E23",)),
    "transmission_to_registration": (("E23",), ("E30",)),
    "pv_to_registration": (("E12",), ("E30",)),
}

#: Case columns that exist only once a case is registered at the parquet: never a
#: group for a delay that starts before the registration.
PARQUET_DIMENSIONS: frozenset[str] = frozenset(
    {"division", "parquet_code", "ifg_parquet", "hate_parquet"})

#: Case fields whose absence hampers the study ("unknown" counts as missing).
KEY_FIELDS: tuple[str, ...] = (
    "police_code", "parquet_code", "zone", "municipality", "division", "channel",
    "victim_sex", "victim_age_band", "suspect_sex", "suspect_age_band", "relationship",
    "suspect_known", "ifg_police", "hate_police",
)

#: First contact with victim support after the complaint.
CONTACT_EVENTS: tuple[str, ...] = ("E14", "E60", "E61", "E62", "E37")
REFERRAL_EVENTS: tuple[str, ...] = ("E14", "E60")
#: Days from the complaint at which the share transmitted / registered is read.
REACHED_TIMES: tuple[int, ...] = (30, 90, 365)

DELAY_COLUMNS: tuple[str, ...] = (
    "stage", "by", "group", "q", "estimate", "lower", "upper", "n", "n_event",
)


@dataclass(frozen=True, repr=False)
class ReceptionResult(TidyResult):
    """Reception delays (``table``: KM quantiles), plus missing fields and support.

    Attributes
    ----------
    table : DataFrame
        One row a stage x grouping column x group x quantile (quartiles, plus the
        quantile used for the comparisons): :data:`DELAY_COLUMNS`. ``by == "all"`` rows
        describe every case.
    missing : DataFrame
        ``source, field, n, n_missing, share, lower, upper``.
    support : DataFrame
        ``by, group, metric, estimate, lower, upper, n`` for ``referral_rate`` (share
        of complaints with E14 or E60) and ``median_days_to_contact`` (KM).
    reached : DataFrame
        Whether complaints reach the parquet: ``by, group, step, time, estimate, lower,
        upper, n``, the Kaplan-Meier share of complaints transmitted (E23) and
        registered (E30) within ``time`` days of the complaint; cases that never
        reach the parquet count as not reached, never as a group.
    tests : DataFrame
        Comparisons (:data:`~trajectory.bottlenecks.compare.TEST_COLUMNS`).
    """

    #: one row a group x stage x quantile: groups below k are withheld
    disclosure: ClassVar[Mapping[str, Any]] = {"withhold_by": "n"}
    figure: ClassVar[Mapping[str, Any]] = {"kind": "delays"}

    #: Identities its tables share with other published tables, read by the release
    #: audit (trajectory.privacy.identities): every complaint is counted once in the
    #: reporting delay, so its ``n`` is the size of each group, as in the support table
    #: and, for all cases, the cohort's counts by offence group and by outcome.
    identities: ClassVar[tuple[Mapping[str, Any], ...]] = (
        {"parts": {"source": "reception.support", "column": "n",
                   "where": {"metric": ["referral_rate"]}, "per": "group"},
         "whole": {"source": "reception.table", "column": "n",
                   "where": {"stage": ["reporting"], "q": ["0.5"]}, "per": "group"}},
        {"parts": {"source": "cohort.cases", "column": "n"},
         "whole": {"source": "reception.table", "column": "n",
                   "where": {"stage": ["reporting"], "q": ["0.5"], "by": ["all"]}}},
        {"parts": {"source": "cohort.outcomes", "column": "n"},
         "whole": {"source": "reception.table", "column": "n",
                   "where": {"stage": ["reporting"], "q": ["0.5"], "by": ["all"]}}},
    )

    missing: pd.DataFrame = field(default_factory=pd.DataFrame)
    support: pd.DataFrame = field(default_factory=pd.DataFrame)
    reached: pd.DataFrame = field(default_factory=pd.DataFrame)
    tests: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __post_init__(self) -> None:
        """Name each table's source, as :attr:`identities` refers to them."""
        for name in ("table", "missing", "support", "reached"):
            getattr(self, name).attrs["source"] = f"reception.{name}"

    def plot(self, ax=None, stage: str = "transmission", by: str = "zone", **kwargs):
        """Quartiles of one delay by group (:func:`trajectory.plotting.plot_delays`)."""
        from .. import plotting  # lazy: results never import plotting at import time

        t = self.table
        t = t.loc[(t["stage"] == stage) & (t["by"] == by) & t["q"].isin([0.25, 0.5, 0.75])]
        frame = t[["group", "q", "estimate", "lower", "upper"]].rename(columns={"q": "quantile"})
        return plotting.plot_result(frame.reset_index(drop=True), ax=ax, **kwargs)


def _missing_fields(log: EventLog, fields: Sequence[str], alpha: float) -> pd.DataFrame:
    cases = log.cases
    source = (cases["source"].astype(object).fillna("missing") if "source" in cases.columns
              else pd.Series("all", index=cases.index))
    rows = []
    for f in fields:
        if f not in cases.columns:
            miss = pd.Series(True, index=cases.index)
        else:
            col = cases[f]
            miss = col.isna() | col.astype(object).isin(["unknown", ""])
        counts = miss.groupby(source.to_numpy()).agg(["size", "sum"])
        for src, (n, k) in counts.iterrows():
            rows.append({"source": src, "field": f, "n": int(n), "n_missing": int(k)})
    out = pd.DataFrame(rows, columns=["source", "field", "n", "n_missing"])
    out["share"] = out["n_missing"] / out["n"]
    out["lower"], out["upper"] = wilson_interval(out["n_missing"], out["n"], alpha=alpha)
    return out


def quantile_cells(time: np.ndarray, event: np.ndarray, cell: np.ndarray,
                   q: float | Sequence[float], alpha: float) -> pd.DataFrame:
    """Kaplan-Meier quantiles per cell: ``group, q, estimate, lower, upper, n, n_event``.

    One counts table for every ``q`` (:func:`~trajectory.estimators.grouped.km_quantiles`).
    """
    counts = grouped_counts(time, event, np.asarray(cell, dtype=object))
    res = km_quantiles(counts, q, alpha=alpha)
    res = res.loc[res["side"] == "group"]
    return res[["group", "q", "estimate", "lower", "upper", "n", "n_event"]].reset_index(
        drop=True)


def choose_quantile(time: np.ndarray, event: np.ndarray, alpha: float) -> float:
    """0.5, or 0.75 / 0.9 when more than half (three quarters) finish on day 0."""
    cell = np.full(time.size, "all", dtype=object)
    for q in (0.5, 0.75, 0.9):
        est = quantile_cells(time, event, cell, q, alpha)["estimate"].iloc[0]  # one cell
        if float(est) > 0:
            return q
    return 0.9


def delay_statistic(time: np.ndarray, event: np.ndarray, q: float, alpha: float):
    """The comparison of a delay: a ratio of KM quantiles and a stratified log-rank test.

    The pooled ratio of KM quantiles with its interval, and the stratified log-rank test of
    "no difference within strata" on the same counts.
    """

    def statistic(pos: np.ndarray, group: np.ndarray, strata: np.ndarray) -> pd.DataFrame:
        counts = grouped_counts(time[pos], event[pos], group, strata=strata)
        r = quantile_ratio_vs_rest(counts, q, alpha=alpha)
        test = logrank_vs_rest(counts).reindex(r.index)
        return pd.DataFrame({
            "effect": r["ratio"], "effect_lower": r["lower"], "effect_upper": r["upper"],
            "p": test["p"], "value": r["value"], "reference": r["reference"],
            "n_group": r["n_group"], "n_rest": r["n_rest"]}, index=r.index)

    return statistic


def share_statistic(success: np.ndarray, alpha: float):
    """The comparison of a share: a Mantel-Haenszel difference and the CMH test.

    The Mantel-Haenszel difference over strata with Sato's interval, and the
    Cochran-Mantel-Haenszel test of "no difference in any stratum".
    """

    def statistic(pos: np.ndarray, group: np.ndarray, strata: np.ndarray) -> pd.DataFrame:
        r = risk_difference_vs_rest(success[pos], group, strata=strata, alpha=alpha)
        return pd.DataFrame({
            "effect": r["difference"], "effect_lower": r["lower"],
            "effect_upper": r["upper"], "p": r["p_cmh"], "value": r["value"],
            "reference": r["reference"], "n_group": r["n_group"], "n_rest": r["n_rest"]},
            index=r.index)

    return statistic


def reception(
    log: EventLog,
    *,
    by: Sequence[str] = ("zone", "division", "channel"),
    compare: Sequence[str] | None = None,
    subgroups: Sequence[str] = ("offence_group",),
    stages: Mapping[str, tuple[Sequence[str], Sequence[str]]] | None = None,
    strata: str | None = "offence_group",
    alpha: float = 0.05,
    min_n: int = 20,
    config: Any = None,
    days: CaseDays | None = None,
) -> ReceptionResult:
    """Reception delays, missing fields and victim support, by place and channel.

    Parameters
    ----------
    log : EventLog
        The study's event log.
    by : sequence of str
        Case columns to describe, e.g. ``"zone"``.
    compare : sequence of str, optional
        Case columns whose groups are compared for the flags; default the study
        config's ``[groupings] by`` (without ``offence_group``, which is a stratum),
        else zone and division. The complaint channel is described but not compared by
        default: channels are routes with their own delays by design. Columns known
        only at the parquet (:data:`PARQUET_DIMENSIONS`) are never compared on a delay.
    subgroups : sequence of str
        Case columns whose levels are also compared one by one (default offence group;
        the config's ``[flags] subgroups``).
    stages : mapping, optional
        Delay name -> (start events, end events); default :data:`RECEPTION_STAGES`.
    strata : str or None, default "offence_group"
        Comparisons are made within its levels (offence groups differ by design).
    alpha : float
        Intervals are ``1 - alpha``.
    min_n : int
        Groups (and their complement) smaller than this are not compared.
    config : StudyConfig, optional
        The study config: ``[groupings]`` and ``[flags]`` set ``compare``,
        ``subgroups`` and ``min_n`` when those are not given.
    days : CaseDays, optional
        Per-case days already read from ``log`` (to share between lenses).

    Returns
    -------
    ReceptionResult
        Delay quantiles in ``table``; ``missing``, ``support``, ``reached`` and ``tests``
        tables. The quantile is the median, or the 75th (90th) percentile for a step
        that more than half (three quarters) of the cases complete on the same day.
    """
    design = design_from(config, compare, subgroups, (strata,) if strata else (), alpha,
                         min_n)
    days = CaseDays(log) if days is None else days
    stages = dict(RECEPTION_STAGES if stages is None else stages)
    describe = list(dict.fromkeys(c for c in by if c in days._cases.columns))
    rows: list[dict] = []
    tests: list[dict] = []
    notes: dict[str, dict[str, float]] = {"negative_delays": {}, "quantile": {}}
    delay_dims = [d for d in design.compare if d not in PARQUET_DIMENSIONS]
    for stage, (start, end) in stages.items():
        dur = days.duration(tuple(start), tuple(end))
        notes["negative_delays"][stage] = dur.negative
        if dur.rows.size == 0 or not dur.event.any():
            continue
        q = choose_quantile(dur.time, dur.event, alpha)
        notes["quantile"][stage] = q
        described = sorted({0.25, 0.5, 0.75, q})
        for b in ["all", *describe]:
            cell = (np.full(dur.rows.size, "all", dtype=object) if b == "all"
                    else days.column(b)[dur.rows])
            for rec in quantile_cells(dur.time, dur.event, cell, described, alpha).to_dict(
                    "records"):
                rows.append({"stage": stage, "by": b, **rec})
        metric = "median_ratio" if q == 0.5 else f"q{int(round(q * 100))}_ratio"
        found = search(days, dur.rows, delay_statistic(dur.time, dur.event, q, alpha),
                        design, harmful="greater", neutral=1.0, dimensions=delay_dims)
        for cmp in found:
            tests.append({"lens": "reception", "stage": stage, "metric": metric,
                          "events": f"{'/'.join(start)}->{'/'.join(end)}",
                          "test": "log-rank stratified (ratio: pooled KM quantiles)",
                          **cmp})
    table = pd.DataFrame(rows, columns=list(DELAY_COLUMNS))
    for c in ("n", "n_event"):
        table[c] = table[c].astype("int64")

    support, support_tests = _support(days, describe, design, alpha)
    tests.extend(support_tests)
    return ReceptionResult(
        table=table,
        alpha=alpha,
        method="Kaplan-Meier quantiles of reception delays (open cases censored)",
        time_unit="days",
        n=log.n_cases,
        notes=notes,
        missing=_missing_fields(log, KEY_FIELDS, alpha),
        support=support,
        reached=_reached(days, describe, alpha),
        tests=pd.DataFrame(tests, columns=list(TEST_COLUMNS)),
    )


def design_from(config: Any, compare_by: Sequence[str] | None, subgroups: Sequence[str] | None,
                strata: Sequence[str], alpha: float, min_n: int | None) -> Design:
    """The comparison design of a lens: explicit arguments, else the study config."""
    if compare_by is None:
        groupings = getattr(config, "groupings", None) or ("zone", "division")
        compare_by = [g for g in groupings if g != "offence_group"]
    flag_cfg = getattr(config, "flags", None)
    if subgroups is None:
        subgroups = getattr(flag_cfg, "subgroups", ("offence_group",))
    if min_n is None:
        min_n = getattr(flag_cfg, "min_n", 20)
    return Design(compare=tuple(compare_by), subgroups=tuple(subgroups),
                  strata=tuple(strata), min_n=int(min_n), alpha=alpha)


def _reached(days: CaseDays, describe: Sequence[str], alpha: float) -> pd.DataFrame:
    """Kaplan-Meier share of complaints transmitted / registered within t days."""
    from ..estimators import kaplan_meier

    out = []
    for step, end in (("transmitted", ("E23", "E30")), ("registered", ("E30",))):
        dur = days.duration("E11", end)
        if dur.rows.size == 0:
            continue
        for b in ["all", *[d for d in describe if d not in PARQUET_DIMENSIONS]]:
            g = (np.full(dur.rows.size, "all", dtype=object) if b == "all"
                 else days.column(b)[dur.rows])
            frame = pd.DataFrame({"time": dur.time, "outcome": dur.event, "g": g})
            km = kaplan_meier(frame, by="g", alpha=alpha)
            at = km.at(list(REACHED_TIMES))
            for r in at.to_dict("records"):
                out.append({"by": b, "group": r["group"], "step": step, "time": int(r["time"]),
                            "estimate": 1 - r["estimate"], "lower": 1 - r["upper"],
                            "upper": 1 - r["lower"], "n": int((g == r["group"]).sum())})
    return pd.DataFrame(out, columns=["by", "group", "step", "time", "estimate", "lower",
                                      "upper", "n"])


def _support(days: CaseDays, describe: Sequence[str], design: Design, alpha: float):
    complaint = days.has(["E11"])
    rows_c = np.flatnonzero(complaint)
    referred = days.has(list(REFERRAL_EVENTS))[rows_c]
    dur = days.duration("E11", CONTACT_EVENTS)
    out, tests = [], []
    for b in ["all", *describe]:
        k = (np.full(rows_c.size, "all", dtype=object) if b == "all"
             else days.column(b)[rows_c])
        counts = pd.DataFrame({"k": k, "y": referred}).groupby("k")["y"].agg(["size", "sum"])
        lo, hi = wilson_interval(counts["sum"], counts["size"], alpha=alpha)
        for (g, (n, x)), lw, up in zip(counts.iterrows(), lo, hi, strict=False):
            out.append({"by": b, "group": g, "metric": "referral_rate", "estimate": x / n,
                        "lower": lw, "upper": up, "n": int(n)})
        cell = (np.full(dur.rows.size, "all", dtype=object) if b == "all"
                else days.column(b)[dur.rows])
        if dur.rows.size and dur.event.any():
            qs = quantile_cells(dur.time, dur.event, cell, 0.5, alpha)
            for rec in qs.to_dict("records"):
                out.append({"by": b, "group": rec["group"], "metric": "median_days_to_contact",
                            "estimate": rec["estimate"], "lower": rec["lower"],
                            "upper": rec["upper"], "n": int(rec["n"])})
    for cmp in search(days, rows_c, share_statistic(referred.astype(float), alpha), design,
                       harmful="less", neutral=0.0):
        tests.append({"lens": "reception", "stage": "victim_support", "events": "E11->E14/E60",
                      "metric": "referral_rate_difference",
                      "test": "Cochran-Mantel-Haenszel (difference: Mantel-Haenszel, Sato)",
                      **cmp})
    support = pd.DataFrame(out, columns=["by", "group", "metric", "estimate", "lower",
                                         "upper", "n"])
    return support, tests
