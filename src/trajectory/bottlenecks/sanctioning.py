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

The comparisons behind the flags (:mod:`trajectory.bottlenecks.compare`): for each
parquet division (police zone, config grouping), pooled and within each offence group,
the cause-specific hazard of each outcome compared with the rest within offence group
x suspect-known strata (stratified Cox on counts, Breslow ties; stratified log-rank
test), and the share of victims informed (Mantel-Haenszel difference over offence
groups; Cochran-Mantel-Haenszel test).
The outcomes are the study's endpoints (config ``[endpoints]``).

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
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..cohort.days import CaseDays
from ..estimators.grouped import cox_vs_rest, grouped_counts, logrank_vs_rest
from ..estimators.proportions import wilson_interval
from ..results import TidyResult
from ..schema import EventLog, default_endpoints
from .compare import TEST_COLUMNS
from .compare import compare as search
from .reception import design_from, quantile_cells, share_statistic

__all__ = ["SanctioningResult", "sanctioning", "OUTCOME_DIRECTION", "outcome_frame"]

#: Outcome -> direction of a bottleneck: a higher ("greater") or lower ("less") hazard.
OUTCOME_DIRECTION: dict[str, str] = {
    "dismissal_opportunity": "greater",
    "dismissal_technical": "greater",
    "court": "less",
}
HORIZONS: tuple[int, ...] = (182, 365, 730)
#: Decisions that end a case without a court: the case leaves the funnel.
NON_COURT_CLOSURES: tuple[str, ...] = ("E33", "E34", "E35", "E40", "E41", "E42", "E43", "E44")


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
    #: values at fixed horizons, counted from parquet registration (E30): drawn as
    #: stacked bars at each horizon, never as steps from day 0
    figure: ClassVar[Mapping[str, Any]] = {"kind": "horizons", "origin": "E30"}

    #: Identities its tables share with other published tables, read by the release
    #: audit (trajectory.privacy.identities); tables are named by their source (the
    #: ``attrs["source"]`` each table carries; the cohort's outcome counts are
    #: "cohort.outcomes"). A reader who holds every table can use them; so does the gate.
    identities: ClassVar[tuple[Mapping[str, Any], ...]] = (
        # the summons (E45, E46) decided are the cases of the judgment delay, by group
        {"parts": {"source": "sanctioning.details", "column": "n",
                   "where": {"code": ["E45", "E46"]}, "per": "offence_group"},
         "whole": {"source": "sanctioning.judgment_delay", "column": "n",
                   "where": {"q": ["0.5"]}, "per": "offence_group"}},
        # alternative measures and court decisions: the cohort's outcome counts
        {"parts": {"source": "sanctioning.details", "column": "n",
                   "where": {"code": ["E42", "E43", "E44"]}},
         "whole": {"source": "cohort.outcomes", "column": "n",
                   "where": {"outcome": ["alternative"]}}},
        {"parts": {"source": "sanctioning.details", "column": "n",
                   "where": {"code": ["E45", "E46", "E47"]}},
         "whole": {"source": "cohort.outcomes", "column": "n", "where": {"outcome": ["court"]}}},
        # ... and, by group, at least those decided by the last horizon (730 days)
        {"parts": {"source": "sanctioning.details", "column": "n",
                   "where": {"code": ["E42", "E43", "E44"]}, "per": "offence_group"},
         "whole": {"source": "sanctioning.table", "column": "n_event",
                   "where": {"outcome": ["alternative"], "time": ["730"]}, "per": "group"},
         "relation": ">="},
        {"parts": {"source": "sanctioning.details", "column": "n",
                   "where": {"code": ["E45", "E46", "E47"]}, "per": "offence_group"},
         "whole": {"source": "sanctioning.table", "column": "n_event",
                   "where": {"outcome": ["court"], "time": ["730"]}, "per": "group"},
         "relation": ">="},
    )

    details: pd.DataFrame = field(default_factory=pd.DataFrame)
    judgment_delay: pd.DataFrame = field(default_factory=pd.DataFrame)
    informed: pd.DataFrame = field(default_factory=pd.DataFrame)
    tests: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __post_init__(self) -> None:
        """Name each table's source, as :attr:`identities` refers to them."""
        for name in ("table", "details", "judgment_delay", "informed"):
            getattr(self, name).attrs["source"] = f"sanctioning.{name}"


def outcome_frame(days: CaseDays, endpoints: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Time from parquet registration (E30) to the first endpoint, per registered case.

    Columns ``row`` (position in ``days.case_ids``), ``time``, ``outcome`` (endpoint
    group or ``"censored"``) and ``decision`` (its event code). The first decision is
    resolved by the cohort's endpoint rules; a decision dated before E30 leaves the case
    out (as the cohort's ``endpoint_before_origin`` rule).
    """
    e30 = days.first(["E30"])
    dec = days.decisions(endpoints)
    names = np.asarray([*endpoints, "censored"], dtype=object)
    has = e30 < 2**30
    decided = dec.group >= 0
    ok = has & ~(decided & (dec.day < e30))
    rows = np.flatnonzero(ok)
    time = np.where(decided[rows], dec.day[rows], days.extraction[rows]) - e30[rows]
    return pd.DataFrame({
        "row": rows, "time": time.astype(np.int64),
        "outcome": names[np.where(decided[rows], dec.group[rows], len(endpoints))],
        "decision": np.where(decided[rows], dec.code[rows], np.array(None, dtype=object)),
    })


def hazard_statistic(time: np.ndarray, event: np.ndarray, alpha: float):
    """The comparison of an outcome: a stratified cause-specific Cox model.

    The stratified cause-specific Cox hazard ratio (Wald interval) and the stratified
    log-rank test, the score test of that model.
    """

    def statistic(pos: np.ndarray, group: np.ndarray, strata: np.ndarray) -> pd.DataFrame:
        counts = grouped_counts(time[pos], event[pos], group, strata=strata)
        r = cox_vs_rest(counts, alpha=alpha)
        score = logrank_vs_rest(counts).reindex(r.index)  # the Cox model's score test
        ev = event[pos]
        frame = pd.DataFrame({"g": group, "e": ev})
        agg = frame.groupby("g")["e"].agg(["size", "sum"]).reindex(r.index)
        tot_n, tot_e = float(len(ev)), float(ev.sum())
        return pd.DataFrame({
            "effect": r["hr"], "effect_lower": r["lower"], "effect_upper": r["upper"],
            "p": score["p"], "value": agg["sum"] / agg["size"],
            "reference": (tot_e - agg["sum"]) / (tot_n - agg["size"]),
            "n_group": agg["size"], "n_rest": tot_n - agg["size"]}, index=r.index)

    return statistic


def sanctioning(
    log: EventLog,
    *,
    compare: Sequence[str] | None = None,
    subgroups: Sequence[str] | None = None,
    strata: Sequence[str] | None = ("offence_group", "suspect_known"),
    endpoints: Mapping[str, Sequence[str]] | None = None,
    outcomes: Mapping[str, str] | None = None,
    alpha: float = 0.05,
    min_n: int | None = None,
    config: Any = None,
    days: CaseDays | None = None,
) -> SanctioningResult:
    """Outcome profile, court, sanctions and victim information; comparisons for flags.

    Parameters
    ----------
    log : EventLog
        The study's event log (outcomes are timed from parquet registration E30).
    compare : sequence of str, optional
        Case columns whose groups are compared; default the config's ``[groupings]
        by`` without ``offence_group``, else division and zone.
    subgroups : sequence of str, optional
        Columns whose levels are also compared one by one (default offence group).
    strata : sequence of str or None
        Hazards are compared within the combinations of these columns (default offence
        group x suspect known: an unknown suspect almost always means a technical
        dismissal). The victims-informed share is compared within offence groups.
    endpoints : mapping, optional
        Competing outcomes (default the config's ``[endpoints]``, else
        :func:`~trajectory.schema.default_endpoints`).
    outcomes : mapping, optional
        Outcome -> harmful direction of its hazard (``"greater"``/``"less"``) for the
        compared outcomes; default the config's ``[flags] outcomes``, else
        :data:`OUTCOME_DIRECTION`.
    alpha : float
        Intervals are ``1 - alpha``.
    min_n : int, optional
        Smallest group (and complement) compared (default 20, or ``[flags] min_n``).
    config : StudyConfig, optional
        The study config.
    days : CaseDays, optional
        Per-case days already read from ``log``.

    Returns
    -------
    SanctioningResult
    """
    from ..estimators import cumulative_incidence

    design = design_from(config, compare, subgroups, tuple(strata or ()), alpha, min_n)
    if endpoints is None:
        endpoints = dict(getattr(config, "endpoints", None) or default_endpoints())
    if outcomes is None:
        flag_cfg = getattr(config, "flags", None)
        outcomes = dict(getattr(flag_cfg, "outcomes", None) or OUTCOME_DIRECTION)
    days = CaseDays(log) if days is None else days
    frame = outcome_frame(days, endpoints)
    group = days.column("offence_group")[frame["row"].to_numpy()] if (
        "offence_group" in days._cases.columns) else np.full(len(frame), "all", dtype=object)
    rows = []
    for by_all in (False, True):
        df = pd.DataFrame({"time": frame["time"].to_numpy(), "outcome": frame["outcome"],
                           "g": "all" if by_all else group})
        if not (df["outcome"] != "censored").any():
            continue
        res = cumulative_incidence(df, by="g", alpha=alpha)
        sizes: dict[Any, int] = df.groupby("g").size().to_dict()
        for r in res.at(list(HORIZONS)).to_dict("records"):
            rows.append({"group": r["group"], "outcome": r["state"], "time": int(r["time"]),
                         "estimate": r["estimate"], "lower": r["lower"], "upper": r["upper"],
                         "n": sizes[r["group"]], "n_event": int(r["n_event"])})
    table = pd.DataFrame(rows, columns=["group", "outcome", "time", "estimate",
                                        "lower", "upper", "n", "n_event"])
    table = table.sort_values(["group", "outcome", "time"], ignore_index=True)

    tests = []
    case_rows = frame["row"].to_numpy()
    time = frame["time"].to_numpy(float)
    for outcome, direction in outcomes.items():
        if outcome not in endpoints:
            continue
        event = (frame["outcome"] == outcome).to_numpy()
        for cmp in search(days, case_rows, hazard_statistic(time, event, alpha), design,
                           harmful=direction, neutral=1.0):
            tests.append({
                "lens": "sanctioning", "stage": outcome, "metric": "cause_specific_hazard_ratio",
                "events": "E30->" + "/".join(endpoints[outcome]),
                "test": "log-rank stratified (hazard ratio: cause-specific Cox, Breslow)",
                **cmp})
    informed, inf_tests = _informed(days, frame, design, alpha)
    tests.extend(inf_tests)
    return SanctioningResult(
        table=table, alpha=alpha,
        method="Aalen-Johansen cumulative incidence of outcomes from parquet registration",
        time_unit="days", n=int(len(frame)),
        notes={"horizons": HORIZONS, "strata": list(design.strata),
               "endpoints": {k: list(v) for k, v in endpoints.items()}},
        details=_details(days, frame, group), judgment_delay=_judgment_delay(days, alpha),
        informed=informed, tests=pd.DataFrame(tests, columns=list(TEST_COLUMNS)),
    )


def _details(days: CaseDays, frame: pd.DataFrame, group: np.ndarray) -> pd.DataFrame:
    kinds = {"E40": "motive_technical", "E41": "motive_opportunity", "E42": "alternative",
             "E43": "alternative", "E44": "alternative", "E45": "court", "E46": "court",
             "E47": "court"}
    dec = frame["decision"].to_numpy(dtype=object)
    keep = np.isin(dec, list(kinds))
    rows = frame["row"].to_numpy()[keep]
    motive = {code: days.detail(code) for code in ("E40", "E41")}
    code = np.array([motive[d][r] if d in motive else d for d, r in zip(dec[keep], rows,
                                                                         strict=True)],
                    dtype=object)
    parts = [pd.DataFrame({"offence_group": group[keep], "kind": [kinds[d] for d in dec[keep]],
                           "code": code})]
    ev = days.log.events
    if "code" in ev.columns:
        og = (days.column("offence_group") if "offence_group" in days._cases.columns
              else np.full(days.n, "all", dtype=object))
        for event, kind in (("E51", "verdict"), ("E52", "sanction")):
            sub = ev.loc[ev["event"] == event, ["case_id", "date", "code"]]
            if event == "E51":  # a case's first verdict, whatever the order of the rows
                sub = sub.sort_values(["case_id", "date", "code"], kind="stable",
                                      na_position="last").drop_duplicates("case_id")
            pos = np.searchsorted(days.case_ids, sub["case_id"].to_numpy(dtype=object))
            parts.append(pd.DataFrame({"offence_group": og[pos], "kind": kind,
                                       "code": sub["code"].astype(object).to_numpy()}))
    allp = pd.concat(parts, ignore_index=True)
    allp["code"] = allp["code"].fillna("missing")
    out = allp.value_counts(["offence_group", "kind", "code"]).rename("n").reset_index()
    out["share"] = out["n"] / out.groupby(["offence_group", "kind"])["n"].transform("sum")
    return out.sort_values(["offence_group", "kind", "n"], ascending=[True, True, False],
                           ignore_index=True)


def _judgment_delay(days: CaseDays, alpha: float) -> pd.DataFrame:
    dur = days.duration(("E45", "E46"), "E51")
    if not dur.rows.size or not dur.event.any():
        return pd.DataFrame()
    group = (days.column("offence_group")[dur.rows] if "offence_group" in days._cases.columns
             else np.full(dur.rows.size, "all", dtype=object))
    parts = [quantile_cells(dur.time, dur.event, cells, (0.25, 0.5, 0.75), alpha)
             for cells in (np.full(dur.rows.size, "all", dtype=object), group)]
    out = pd.concat(parts, ignore_index=True).rename(columns={"group": "offence_group"})
    return out.sort_values("q", kind="stable", ignore_index=True)


def _informed(days: CaseDays, frame: pd.DataFrame, design, alpha: float):
    decided = frame.loc[frame["decision"].isin([*NON_COURT_CLOSURES, "E45", "E46"])]
    rows = decided["row"].to_numpy()
    informed = days.has(["E63"])[rows]
    out = []
    for b in ("all", "offence_group", *design.compare):
        if b != "all" and b not in days._cases.columns:
            continue
        key = np.full(rows.size, "all", dtype=object) if b == "all" else days.column(b)[rows]
        agg = pd.DataFrame({"k": key, "y": informed}).groupby("k")["y"].agg(["size", "sum"])
        lo, hi = wilson_interval(agg["sum"], agg["size"], alpha=alpha)
        for (g, (n, k)), a, c in zip(agg.iterrows(), lo, hi, strict=False):
            out.append({"by": b, "group": g, "n": int(n), "n_informed": int(k),
                        "rate": k / n, "lower": a, "upper": c})
    tests = []
    inf_design = replace(design, strata=("offence_group",))
    for cmp in search(days, rows, share_statistic(informed.astype(float), alpha), inf_design,
                       harmful="less", neutral=0.0):
        tests.append({"lens": "sanctioning", "stage": "victim_information",
                      "events": "decision->E63", "metric": "informed_rate_difference",
                      "test": "Cochran-Mantel-Haenszel (difference: Mantel-Haenszel, Sato)",
                      **cmp})
    return pd.DataFrame(out), tests
