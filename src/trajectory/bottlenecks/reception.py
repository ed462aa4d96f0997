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

It also prepares the one-vs-rest comparisons that :func:`trajectory.bottlenecks.flags`
turns into flags: each delay compared between a police zone (division, channel) and
the other zones, *within offence groups* (stratified log-rank test; ratio of quantiles
pooled over offence groups), and the referral rate compared between zones.

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

import pandas as pd

from ..results import TidyResult
from ..schema import EventLog
from ._stats import (
    TEST_COLUMNS,
    case_column,
    choose_quantile,
    compare_durations,
    compare_proportions_stratified,
    duration_frame,
    event_days,
    km_quantiles,
    wilson_interval,
)

__all__ = ["RECEPTION_STAGES", "KEY_FIELDS", "ReceptionResult", "reception"]

#: Delay name -> (start event(s), end event(s)).
RECEPTION_STAGES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "reporting": (("E00",), ("E11",)),
    "complaint_to_pv": (("E11",), ("E12",)),
    "pv_to_police_registration": (("E12",), ("E20",)),
    "transmission": (("E20",), ("E23",)),
    "transmission_to_registration": (("E23",), ("E30",)),
    "pv_to_registration": (("E12",), ("E30",)),
}

#: Case fields whose absence hampers the study ("unknown" counts as missing).
KEY_FIELDS: tuple[str, ...] = (
    "police_code", "parquet_code", "zone", "municipality", "division", "channel",
    "victim_sex", "victim_age_band", "suspect_sex", "suspect_age_band", "relationship",
    "suspect_known", "ifg_police", "hate_police",
)

#: First contact with victim support after the complaint.
CONTACT_EVENTS: tuple[str, ...] = ("E14", "E60", "E61", "E62", "E37")
REFERRAL_EVENTS: tuple[str, ...] = ("E14", "E60")

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
    tests : DataFrame
        One-vs-rest comparisons (:data:`~trajectory.bottlenecks._stats.TEST_COLUMNS`).
    """

    #: one row a group x stage x quantile: groups below k are withheld
    disclosure: ClassVar[Mapping[str, Any]] = {"withhold_by": "n"}


    missing: pd.DataFrame = field(default_factory=pd.DataFrame)
    support: pd.DataFrame = field(default_factory=pd.DataFrame)
    tests: pd.DataFrame = field(default_factory=pd.DataFrame)

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


def reception(
    log: EventLog,
    *,
    by: Sequence[str] = ("zone", "division", "channel"),
    compare: Sequence[str] = ("zone", "division"),
    stages: Mapping[str, tuple[Sequence[str], Sequence[str]]] | None = None,
    strata: str | None = "offence_group",
    alpha: float = 0.05,
    min_n: int = 20,
) -> ReceptionResult:
    """Reception delays, missing fields and victim support, by place and channel.

    Parameters
    ----------
    log : EventLog
        The study's event log.
    by : sequence of str
        Case columns to describe, e.g. ``"zone"``.
    compare : sequence of str
        Case columns whose groups are compared one-vs-rest for the flags. The
        complaint channel is described but not compared by default: channels are
        routes with their own delays by design (a ZSG complaint is fast), not places
        where a case can get stuck.
    stages : mapping, optional
        Delay name -> (start events, end events); default :data:`RECEPTION_STAGES`.
    strata : str or None, default "offence_group"
        Comparisons are made within its levels (offence groups differ by design).
    alpha : float
        Intervals are ``1 - alpha``.
    min_n : int
        Groups (and their complement) smaller than this are not compared.

    Returns
    -------
    ReceptionResult
        Delay quantiles in ``table``; ``missing``, ``support`` and ``tests`` tables.
        The quantile is the median, or the 75th (90th) percentile for a step that
        more than half (three quarters) of the cases complete on the same day.
    """
    stages = dict(RECEPTION_STAGES if stages is None else stages)
    stratum = None if strata is None else case_column(log, strata, function="reception")
    keys = {b: case_column(log, b, function="reception") for b in dict.fromkeys([*by, *compare])}
    rows: list[dict] = []
    tests: list[dict] = []
    notes: dict[str, dict[str, float]] = {"negative_delays": {}, "quantile": {}}
    for stage, (start, end) in stages.items():
        frame, negative = duration_frame(log, start, end)
        notes["negative_delays"][stage] = negative
        if len(frame) == 0:
            continue
        q = choose_quantile(frame, alpha)
        notes["quantile"][stage] = q
        described = sorted({0.25, 0.5, 0.75, q})
        cells = [pd.Series("all", index=frame.index)]
        labels = ["all"]
        for b, key in keys.items():
            cells.append(key.reindex(frame.index).astype(str))
            labels.append(b)
        for b, cell in zip(labels, cells, strict=False):
            for qq in described:
                qs = km_quantiles(frame, cell, qq, alpha)
                for g, rec in zip(qs.index, qs.to_dict("records"), strict=True):
                    rows.append({"stage": stage, "by": b, "group": g, "q": qq, **rec})
        for b in compare:
            key = keys[b]
            for cmp in compare_durations(frame, key, strata=stratum, q=q, alpha=alpha,
                                       min_n=min_n):
                metric = "median_ratio" if q == 0.5 else f"q{int(round(q * 100))}_ratio"
                tests.append({"lens": "reception", "stage": stage, "by": b, "metric": metric,
                              "events": f"{'/'.join(start)}->{'/'.join(end)}",
                              "adjusted_for": strata or "", **cmp})
    table = pd.DataFrame(rows, columns=list(DELAY_COLUMNS))
    for c in ("n", "n_event"):
        table[c] = table[c].astype("int64")

    support, support_tests = _support(log, keys, compare, stratum, alpha, min_n)
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
        tests=pd.DataFrame(tests, columns=list(TEST_COLUMNS)),
    )


def _support(log: EventLog, keys: Mapping[str, pd.Series], compare: Sequence[str],
             stratum: pd.Series | None, alpha: float, min_n: int):
    days = event_days(log, ("E11",) + CONTACT_EVENTS)
    has_complaint = days["E11"].notna()
    referred = days[list(REFERRAL_EVENTS)].notna().any(axis=1)[has_complaint]
    frame, _ = duration_frame(log, "E11", CONTACT_EVENTS)
    rows, tests = [], []
    for b, key in [("all", pd.Series("all", index=days.index)), *keys.items()]:
        k = key.reindex(referred.index).astype(str)
        counts = referred.groupby(k.to_numpy()).agg(["size", "sum"])
        lo, hi = wilson_interval(counts["sum"], counts["size"], alpha=alpha)
        for (g, (n, x)), lw, up in zip(counts.iterrows(), lo, hi, strict=False):
            rows.append({"by": b, "group": g, "metric": "referral_rate", "estimate": x / n,
                         "lower": lw, "upper": up, "n": int(n)})
        qs = km_quantiles(frame, key.reindex(frame.index).astype(str), 0.5, alpha)
        for g, rec in zip(qs.index, qs.to_dict("records"), strict=True):
            rows.append({"by": b, "group": g, "metric": "median_days_to_contact",
                         "estimate": rec["estimate"], "lower": rec["lower"],
                         "upper": rec["upper"], "n": int(rec["n"])})
        if b in compare:
            for r in compare_proportions_stratified(referred, k, stratum, alpha=alpha,
                                                    min_n=min_n):
                tests.append({"lens": "reception", "stage": "victim_support", "by": b,
                              "events": "E11->E14/E60",
                              "metric": "referral_rate_difference",
                              "adjusted_for": "" if stratum is None else stratum.name or "",
                              **r})
    support = pd.DataFrame(rows, columns=["by", "group", "metric", "estimate", "lower",
                                          "upper", "n"])
    return support, tests

