"""Sanctioning lens: how parquet cases end, how fast, and whether victims are told.

Questions (``design.md`` §1, question 3):

* **outcome profile** by offence group: cumulative incidence (Aalen-Johansen, from
  parquet registration E30) of each competing outcome (technical and opportunity
  dismissal, alternative measure, court, administrative closure) at 6, 12 and 24
  months, so open cases count as open rather than as "no decision";
* **dismissal motives** (T.. technical, O.. opportunity) and **alternative measures**
  (probation E42, mediation E43, transaction E44), counted by offence group;
* **court**: cumulative incidence of a summons or judicial investigation (outcome
  ``court``) at 6, 12 and 24 months; time from summons (E45/E46) to judgment (E51),
  Kaplan-Meier quantiles; verdicts (E51 codes) and sentence components (E52 codes);
* **victims informed** of the decision (E63) among decided cases.

The comparisons behind the flags: for each parquet division (police zone), the
cause-specific hazard of each outcome compared with the rest within offence group x
suspect-known strata (stratified Cox, on counts), and the share of victims informed
(Mantel-Haenszel over offence groups).

Examples
--------
>>> from trajectory.synth import make_study
>>> log, _ = make_study(2000, seed=1, scenario="null")
>>> res = sanctioning(log)
>>> sorted(res.table["outcome"].unique())[:2]
['administrative', 'alternative']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..results import TidyResult
from ..schema import EventLog, default_endpoints
from ._stats import (
    NON_COURT_CLOSURES,
    TEST_COLUMNS,
    case_column,
    compare_proportions_stratified,
    cox_one_vs_rest,
    duration_frame,
    event_detail,
    km_quantile_cells,
    wilson_interval,
)

__all__ = ["SanctioningResult", "sanctioning", "OUTCOME_DIRECTION"]

#: Outcome -> direction of a bottleneck: a higher ("greater") or lower ("less") hazard.
OUTCOME_DIRECTION: dict[str, str] = {
    "dismissal_opportunity": "greater",
    "dismissal_technical": "greater",
    "court": "less",
}
HORIZONS: tuple[int, ...] = (182, 365, 730)


@dataclass(frozen=True, repr=False)
class SanctioningResult(TidyResult):
    """Outcomes of parquet cases.

    Attributes
    ----------
    table : DataFrame
        Cumulative incidence from E30: ``group`` (offence group, ``"all"``: every
        case), ``outcome, time, estimate, lower, upper`` at 182, 365 and 730 days,
        with the group size ``n`` and the events of that outcome so far ``n_event``.
    details : DataFrame
        Counts of decision details: ``offence_group, kind, code, n, share`` with
        ``kind`` in motive_technical, motive_opportunity, alternative, court, verdict,
        sanction.
    judgment_delay : DataFrame
        Kaplan-Meier quartiles of summons (E45/E46) -> judgment (E51), by offence group.
    informed : DataFrame
        Victims informed (E63) among decided cases: ``by, group, n, n_informed, rate,
        lower, upper``.
    tests : DataFrame
        Comparisons for :func:`~trajectory.bottlenecks.flags`.
    """

    disclosure: ClassVar[Mapping[str, Any]] = {
        "withhold_by": "n",
        "derived": {"estimate": ["n_event"], "lower": ["n_event"], "upper": ["n_event"]},
    }


    details: pd.DataFrame = field(default_factory=pd.DataFrame)
    judgment_delay: pd.DataFrame = field(default_factory=pd.DataFrame)
    informed: pd.DataFrame = field(default_factory=pd.DataFrame)
    tests: pd.DataFrame = field(default_factory=pd.DataFrame)


def _outcome_frame(log: EventLog) -> pd.DataFrame:
    endpoints = default_endpoints()
    codes = [c for cs in endpoints.values() for c in cs]
    frame, _ = duration_frame(log, "E30", codes)
    reverse = {c: g for g, cs in endpoints.items() for c in cs}
    first = event_detail(log, codes).reindex(frame.index)
    outcome = np.where(frame["event"].to_numpy(),
                       first["event"].map(reverse).fillna("censored").to_numpy(), "censored")
    return frame.assign(outcome=outcome, decision=first["event"], code=first["code"])


def _strata(log: EventLog, strata: Sequence[str] | None) -> pd.Series | None:
    if not strata:
        return None
    cols = [case_column(log, s, function="sanctioning").astype(str) for s in strata]
    out = cols[0]
    for c in cols[1:]:
        out = out + "|" + c
    return out.rename("+".join(strata))


def sanctioning(
    log: EventLog,
    *,
    compare: Sequence[str] = ("division", "zone"),
    strata: Sequence[str] | None = ("offence_group", "suspect_known"),
    alpha: float = 0.05,
    min_n: int = 20,
) -> SanctioningResult:
    """Outcome profile, court, sanctions and victim information; comparisons for flags.

    Parameters
    ----------
    log : EventLog
        The study's event log (outcomes are timed from parquet registration E30).
    compare : sequence of str
        Case columns whose groups are compared one-vs-rest.
    strata : sequence of str or None
        Hazards are compared within the combinations of these columns (default offence
        group x suspect known: an unknown suspect almost always means a technical
        dismissal). The victims-informed share is compared within offence groups.
    alpha : float
        Intervals are ``1 - alpha``.
    min_n : int
        Smallest group (and complement) compared.

    Returns
    -------
    SanctioningResult
    """
    from ..estimators import cumulative_incidence

    frame = _outcome_frame(log)
    group = case_column(log, "offence_group", function="sanctioning").reindex(frame.index)
    rows = []
    for by_all in (False, True):
        df = pd.DataFrame({"time": frame["time"].to_numpy(), "outcome": frame["outcome"],
                           "g": "all" if by_all else group.to_numpy()})
        if not (df["outcome"] != "censored").any():
            continue
        tab = cumulative_incidence(df, by="g", alpha=alpha).table.sort_values("time")
        tab = tab.assign(n_event=tab.groupby(["group", "state"])["n_event"].cumsum())
        sizes: dict[Any, int] = df.groupby("g").size().to_dict()
        for h in HORIZONS:
            at = tab.loc[tab["time"] <= h].groupby(["group", "state"]).tail(1)
            for r in at.itertuples():
                rows.append({"group": r.group, "outcome": r.state, "time": h,
                             "estimate": r.estimate, "lower": r.lower, "upper": r.upper,
                             "n": sizes[r.group], "n_event": int(r.n_event)})  # type: ignore[arg-type]
    table = pd.DataFrame(rows, columns=["group", "outcome", "time", "estimate",
                                        "lower", "upper", "n", "n_event"])
    table = table.sort_values(["group", "outcome", "time"], ignore_index=True)

    details = _details(log, frame, group)
    judgment = _judgment_delay(log, alpha)
    stratum = _strata(log, strata)
    tests = []
    for b in compare:
        key = case_column(log, b, function="sanctioning").reindex(frame.index)
        st = None if stratum is None else stratum.reindex(frame.index).to_numpy()
        levels = sorted(key.unique(), key=str)
        for outcome in OUTCOME_DIRECTION:
            event = (frame["outcome"] == outcome).to_numpy()
            for v in levels:
                inside = (key == v).to_numpy()
                if min(inside.sum(), (~inside).sum()) < min_n:
                    continue
                hr, lo, hi, p = cox_one_vs_rest(frame["time"].to_numpy(), event, inside, st,
                                                alpha=alpha)
                tests.append({
                    "lens": "sanctioning", "stage": outcome,
                    "events": "E30->" + "/".join(default_endpoints()[outcome]), "by": b,
                    "group": v, "metric": "cause_specific_hazard_ratio",
                    "value": float(event[inside].mean()), "reference": float(event[~inside].mean()),
                    "effect": hr, "effect_lower": lo, "effect_upper": hi, "p": p,
                    "n_group": int(inside.sum()), "n_rest": int((~inside).sum()),
                    "test": "stratified Cox (cause-specific, Breslow), Wald",
                    "adjusted_for": "" if stratum is None else str(stratum.name),
                })
    informed, inf_tests = _informed(log, frame, compare, alpha, min_n)
    tests.extend(inf_tests)
    return SanctioningResult(
        table=table, alpha=alpha,
        method="Aalen-Johansen cumulative incidence of outcomes from parquet registration",
        time_unit="days", n=int(len(frame)),
        notes={"horizons": HORIZONS, "strata": list(strata or [])},
        details=details, judgment_delay=judgment, informed=informed,
        tests=pd.DataFrame(tests, columns=list(TEST_COLUMNS)),
    )


def _details(log: EventLog, frame: pd.DataFrame, group: pd.Series) -> pd.DataFrame:
    kinds = {"E40": "motive_technical", "E41": "motive_opportunity", "E42": "alternative",
             "E43": "alternative", "E44": "alternative", "E45": "court", "E46": "court",
             "E47": "court"}
    dec = frame.loc[frame["decision"].isin(list(kinds))]
    code = np.where(dec["decision"].isin(["E40", "E41"]), dec["code"].astype(object),
                    dec["decision"].astype(object))
    parts = [pd.DataFrame({"offence_group": group.reindex(dec.index).to_numpy(),
                           "kind": dec["decision"].map(kinds).to_numpy(), "code": code})]
    ev = log.events
    if "code" in ev.columns:
        for event, kind in (("E51", "verdict"), ("E52", "sanction")):
            sub = ev.loc[ev["event"] == event, ["case_id", "code"]]
            if event == "E51":
                sub = sub.drop_duplicates("case_id")
            g = case_column(log, "offence_group", function="sanctioning")
            parts.append(pd.DataFrame({
                "offence_group": g.reindex(sub["case_id"].astype(object)).to_numpy(),
                "kind": kind, "code": sub["code"].astype(object).to_numpy()}))
    allp = pd.concat(parts, ignore_index=True)
    allp["code"] = allp["code"].fillna("missing")
    out = allp.value_counts(["offence_group", "kind", "code"]).rename("n").reset_index()
    out["share"] = out["n"] / out.groupby(["offence_group", "kind"])["n"].transform("sum")
    return out.sort_values(["offence_group", "kind", "n"], ascending=[True, True, False],
                           ignore_index=True)


def _judgment_delay(log: EventLog, alpha: float) -> pd.DataFrame:
    frame, _ = duration_frame(log, ("E45", "E46"), "E51")
    if not len(frame):
        return pd.DataFrame()
    group = case_column(log, "offence_group", function="sanctioning").reindex(frame.index)
    rows = []
    for q in (0.25, 0.5, 0.75):
        for cells in (pd.Series("all", index=frame.index), group):
            qs = km_quantile_cells(frame["time"].to_numpy(), frame["event"].to_numpy(),
                                   cells.astype(str).to_numpy(), q, alpha)
            for g, r in qs.iterrows():
                rows.append({"offence_group": g, "q": q, **r.to_dict()})
    return pd.DataFrame(rows)


def _informed(log, frame, compare, alpha, min_n):
    decided = frame.loc[frame["event"]
                        & frame["decision"].isin([*NON_COURT_CLOSURES, "E45", "E46"])]
    ev = log.events
    informed_ids = set(ev.loc[ev["event"] == "E63", "case_id"].astype(object))
    informed = pd.Series(decided.index.isin(list(informed_ids)), index=decided.index)
    stratum = case_column(log, "offence_group", function="sanctioning")
    rows, tests = [], []
    for b in ("all", "offence_group", *compare):
        key = (pd.Series("all", index=decided.index) if b == "all"
               else case_column(log, b, function="sanctioning").reindex(decided.index))
        agg = informed.groupby(key.to_numpy()).agg(["size", "sum"])
        lo, hi = wilson_interval(agg["sum"], agg["size"], alpha=alpha)
        for (g, (n, k)), a, c in zip(agg.iterrows(), lo, hi, strict=False):
            rows.append({"by": b, "group": g, "n": int(n), "n_informed": int(k),
                         "rate": k / n, "lower": a, "upper": c})
        if b in compare:
            for r in compare_proportions_stratified(informed, key, stratum, alpha=alpha,
                                                    min_n=min_n):
                tests.append({"lens": "sanctioning", "stage": "victim_information",
                              "events": "decision->E63", "by": b,
                              "metric": "informed_rate_difference",
                              "adjusted_for": "offence_group", **r})
    return pd.DataFrame(rows), tests
