"""Nomenclature lens: how offences are coded between the police and the parquet.

Questions (``design.md`` §1, question 2; ``domain.md`` §1.3, §2.7, §5.3):

* **crosswalk**: police charge code x parquet main charge, with the agreement of the
  two codings (Cohen's kappa, asymptotic interval);
* **requalification**: share of parquet cases requalified (E32) by police code, and
  share whose parquet code differs from the police code;
* **lost flags**: share of cases flagged hate (``hate_police``) or intrafamilial
  (``ifg_police``) by the police, registered at the parquet, whose parquet flag is
  false, by offence group and division;
* **codes used differently**: for each police code, how different the parquet codes
  chosen by the two divisions are (total variation distance; chi-square test with a
  Monte Carlo p-value, exact in the sparse tables of a small division);
* **what miscoding does**: whether a requalification (E32) slows the parquet decision.
  A case can only be requalified while it is open, so "requalified cases" are not a
  fixed group (comparing them with the others credits them with the time they had to
  stay open to be requalified: immortal time). Requalification is a **time-dependent
  covariate**: each parquet case is split at its E32 into counting-process rows
  (registration -> E32 not requalified, E32 -> decision requalified), and the hazard of
  a decision after a requalification is compared with that of the cases of the same
  police code not (yet) requalified (Cox, Breslow ties; log-rank score test with
  delayed entry). The outcomes of requalified cases are compared by a **landmark**
  analysis: among cases still open :data:`LANDMARK` days after registration, by
  whether they were requalified by then.

Examples
--------
>>> from trajectory.synth import make_study
>>> log, _ = make_study(2000, seed=1, scenario="null")
>>> res = nomenclature(log)
>>> bool(0.7 < res.agreement["kappa"].iloc[0] <= 1)  # ~12% of codes change at the parquet
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..cohort.days import MISSING, CaseDays
from ..estimators.agreement import chi_square_monte_carlo, kappa_table
from ..estimators.grouped import cox_vs_rest, grouped_counts, logrank_vs_rest
from ..estimators.proportions import wilson_interval
from ..results import TidyResult
from ..schema import EventLog, default_endpoints
from .compare import ALL, TEST_COLUMNS, Design
from .compare import compare as search
from .reception import design_from, share_statistic

__all__ = ["NomenclatureResult", "nomenclature", "kappa_table", "chi_square_monte_carlo",
           "requalification_rows", "LANDMARK"]

FLAG_PAIRS: dict[str, tuple[str, str]] = {
    "hate": ("hate_police", "hate_parquet"),
    "ifg": ("ifg_police", "ifg_parquet"),
}
LANDMARK = 90  #: days after registration of the landmark outcome comparison
MC_REPLICATES = 9999  #: simulated tables for the division x parquet code test


@dataclass(frozen=True, repr=False)
class NomenclatureResult(TidyResult):
    """Coding between police and parquet.

    Attributes
    ----------
    table : DataFrame
        The crosswalk: ``police_code, parquet_code, n, share`` (share of the police
        code's cases given this parquet code).
    agreement : DataFrame
        ``by, group, n, agreement, kappa, std_err, lower, upper``.
    requalification : DataFrame
        By police code: ``police_code, n, n_requalified, requalification_rate, lower,
        upper, n_differs, differs_rate, hazard_ratio, hazard_lower, hazard_upper, p``:
        the hazard ratio of a parquet decision after a requalification vs cases of the
        code not (yet) requalified (time-dependent Cox; below 1: slower decisions).
    flags_lost : DataFrame
        ``flag, by, group, n_flagged, n_lost, loss_rate, lower, upper``.
    divisions : DataFrame
        By police code: ``police_code, n_fr, n_nl, distance, chance_distance, p``
        (``chance_distance``: the distance expected with these sample sizes if the two
        divisions coded alike; small divisions differ by chance alone).
    outcomes : DataFrame
        Landmark comparison: among cases open :data:`LANDMARK` days after registration,
        cumulative incidence of each outcome at 365 days from registration, by whether
        the case was requalified by the landmark.
    tests : DataFrame
        Comparisons for :func:`~trajectory.bottlenecks.flags`.
    """

    figure: ClassVar[Mapping[str, Any]] = {"kind": "crosswalk"}

    #: Identities its tables share with other published tables, read by the release
    #: audit (trajectory.privacy.identities): the crosswalk splits each police code's
    #: cases by parquet code, and its off-diagonal cells (another parquet code) the
    #: cases recoded (``n_differs``); the agreement counts the registered cases of each
    #: group, as the sanctioning table does (its ``n`` repeats on every row of a group).
    identities: ClassVar[tuple[Mapping[str, Any], ...]] = (
        {"parts": {"source": "nomenclature.table", "column": "n", "per": "police_code"},
         "whole": {"source": "nomenclature.requalification", "column": "n",
                   "per": "police_code"}},
        {"parts": {"source": "nomenclature.table", "column": "n", "per": "police_code",
                   "differ": [["parquet_code", "police_code"]]},
         "whole": {"source": "nomenclature.requalification", "column": "n_differs",
                   "per": "police_code"}},
        {"parts": {"source": "nomenclature.agreement", "column": "n", "per": "group"},
         "whole": {"source": "sanctioning.table", "column": "n", "per": "group"}},
    )

    agreement: pd.DataFrame = field(default_factory=pd.DataFrame)
    requalification: pd.DataFrame = field(default_factory=pd.DataFrame)
    flags_lost: pd.DataFrame = field(default_factory=pd.DataFrame)
    divisions: pd.DataFrame = field(default_factory=pd.DataFrame)
    outcomes: pd.DataFrame = field(default_factory=pd.DataFrame)
    tests: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __post_init__(self) -> None:
        """Name each table's source, as :attr:`identities` refers to them."""
        for name in ("table", "agreement", "requalification", "flags_lost"):
            getattr(self, name).attrs["source"] = f"nomenclature.{name}"


def requalification_rows(time: np.ndarray, event: np.ndarray, requal_day: np.ndarray
                         ) -> tuple[np.ndarray, ...]:
    """Counting-process rows of a time-dependent requalification covariate.

    A case followed for ``time`` days from registration, requalified on day
    ``requal_day`` (``MISSING``: never, or not while open) gives one row ``(0, time]``
    not requalified, or two rows ``(0, r]`` not requalified and ``(r, time]``
    requalified, the event on the last row. A requalification on or after the decision
    day, or on the registration day, does not split the case (the latter is
    requalified from the start).

    Returns ``(case, entry, exit, event, requalified)`` arrays.

    Examples
    --------
    >>> out = requalification_rows(np.array([10, 5]), np.array([True, False]),
    ...                            np.array([4, MISSING]))
    >>> [a.tolist() for a in out]
    [[0, 0, 1], [0, 4, 0], [4, 10, 5], [False, True, False], [False, True, False]]
    """
    time = np.asarray(time, dtype=np.int64)
    event = np.asarray(event, dtype=bool)
    r = np.asarray(requal_day, dtype=np.int64)
    split = (r > 0) & (r < time)
    start_req = r <= 0
    n = time.size
    idx = np.arange(n)
    s = np.flatnonzero(split)
    case = np.concatenate([idx, s])
    entry = np.concatenate([np.zeros(n, dtype=np.int64), r[s]])
    exit_ = np.concatenate([np.where(split, r, time), time[s]])
    ev = np.concatenate([event & ~split, event[s]])
    req = np.concatenate([start_req, np.ones(s.size, dtype=bool)])
    order = np.lexsort((entry, case))
    return case[order], entry[order], exit_[order], ev[order], req[order]


def _bool(series: pd.Series) -> pd.Series:
    return series.astype("boolean")


def nomenclature(
    log: EventLog,
    *,
    compare: tuple[str, ...] | None = None,
    subgroups: tuple[str, ...] | None = None,
    strata: str | None = "offence_group",
    endpoints: Any = None,
    alpha: float = 0.05,
    min_n: int | None = None,
    config: Any = None,
    days: CaseDays | None = None,
) -> NomenclatureResult:
    """Crosswalk, agreement, requalification, lost flags and their consequences.

    Parameters
    ----------
    log : EventLog
        Needs ``police_code`` and ``parquet_code``; the flag pairs
        ``hate_police/hate_parquet`` and ``ifg_police/ifg_parquet`` when present.
    compare : tuple of str, optional
        Case columns whose groups are compared for lost flags, within offence groups
        (default the config's ``[groupings] by`` without ``offence_group``, else zone
        and division). Offence groups themselves are always compared with each other
        on lost flags (unstratified).
    subgroups : tuple of str, optional
        Columns whose levels are also compared one by one (default offence group).
    strata : str or None
        Stratification column of the lost-flag comparisons.
    endpoints : mapping, optional
        Competing outcomes (the config's ``[endpoints]`` by default); a decision is the
        first of any of them.
    alpha : float
        Intervals are ``1 - alpha``.
    min_n : int, optional
        Smallest group (and complement) compared.
    config : StudyConfig, optional
        The study config.
    days : CaseDays, optional
        Per-case days already read from ``log``.

    Returns
    -------
    NomenclatureResult
    """
    design = design_from(config, compare, subgroups, (strata,) if strata else (), alpha,
                         min_n)
    if endpoints is None:
        endpoints = dict(getattr(config, "endpoints", None) or default_endpoints())
    days = CaseDays(log) if days is None else days
    police = days.column("police_code")
    parquet = days.column("parquet_code")
    e30 = days.first(["E30"])
    at_parquet = e30 < MISSING
    e32 = days.first(["E32"])
    requalified = (e32 < MISSING) & at_parquet
    coded = at_parquet & (police != "missing") & (parquet != "missing")

    # crosswalk and agreement
    cw = (pd.DataFrame({"police_code": police[coded], "parquet_code": parquet[coded]})
          .value_counts().rename("n").reset_index())
    cw["share"] = cw["n"] / cw.groupby("police_code")["n"].transform("sum")
    cw = cw.sort_values(["police_code", "n"], ascending=[True, False], ignore_index=True)
    kappas = [{"by": "all", "group": "all",
               **kappa_table(pd.Series(police[coded]), pd.Series(parquet[coded]), alpha=alpha)}]
    for b in ("division", "offence_group"):
        if b in days._cases.columns:
            key = days.column(b)[coded]
            for g in sorted(set(key), key=str):
                m = key == g
                kappas.append({"by": b, "group": g, **kappa_table(
                    pd.Series(police[coded][m]), pd.Series(parquet[coded][m]), alpha=alpha)})
    agreement = pd.DataFrame(kappas)

    requal, tests = _requalification(days, police, parquet, coded, at_parquet, requalified,
                                     e30, e32, endpoints, design, alpha)
    flags_lost, lost_tests = _flags_lost(days, at_parquet, design, alpha)
    tests.extend(lost_tests)
    divisions, div_tests = _division_use(days, police, parquet, coded, design.min_n)
    tests.extend(div_tests)
    outcomes = _landmark_outcomes(days, e30, e32, endpoints, alpha)
    return NomenclatureResult(
        table=cw, alpha=alpha,
        method="police x parquet crosswalk; Cohen's kappa; time-dependent Cox for "
               "requalification; flag loss with Wilson / Mantel-Haenszel",
        time_unit="days", n=int(coded.sum()),
        notes={"n_at_parquet": int(at_parquet.sum()),
               "requalified": "E32 while the case was open, time-dependent",
               "landmark_days": LANDMARK},
        agreement=agreement, requalification=requal, flags_lost=flags_lost,
        divisions=divisions, outcomes=outcomes,
        tests=pd.DataFrame(tests, columns=list(TEST_COLUMNS)),
    )


def _requalification(days, police, parquet, coded, at_parquet, requalified, e30, e32,
                     endpoints, design: Design, alpha):
    """Per police code: requalification rate and the time-dependent hazard ratio."""
    codes_all = [c for cs in endpoints.values() for c in cs]
    dur = days.duration("E30", codes_all)
    req_day = np.where(e32[dur.rows] < MISSING, e32[dur.rows] - e30[dur.rows], MISSING)
    case, entry, exit_, ev, state = requalification_rows(dur.time, dur.event, req_day)
    positive = exit_ > entry  # a decision on the registration day is never at risk after it
    case, entry, exit_, ev, state = (a[positive] for a in (case, entry, exit_, ev, state))
    code_of_row = police[dur.rows][case]
    rows, tests = [], []
    for code in sorted(set(police[at_parquet]), key=str):
        m = at_parquet & (police == code)
        n = int(m.sum())
        n_req = int((requalified & m).sum())
        n_diff = int((coded & m & (parquet != police)).sum())
        row = {"police_code": code, "n": n, "n_requalified": n_req,
               "requalification_rate": n_req / n if n else np.nan,
               "n_differs": n_diff, "differs_rate": n_diff / n if n else np.nan,
               "hazard_ratio": np.nan, "hazard_lower": np.nan, "hazard_upper": np.nan,
               "p": np.nan}
        sel = code_of_row == code
        n_req_rows = int(state[sel].sum())
        n_open = int((case[sel] >= 0).sum()) - n_req_rows
        if code != "missing" and min(n_req_rows, n_open) >= design.min_n:
            counts = grouped_counts(exit_[sel].astype(float), ev[sel],
                                    np.where(state[sel], "requalified", "not requalified"),
                                    entry=entry[sel].astype(float))
            r = cox_vs_rest(counts, alpha=alpha)
            score = logrank_vs_rest(counts)  # with delayed entry: the Cox score test
            if "requalified" in r.index:
                hr = r.loc["requalified"]
                p_score = float(score["p"].reindex(["requalified"]).to_numpy(float)[0])
                row.update(hazard_ratio=hr["hr"], hazard_lower=hr["lower"],
                           hazard_upper=hr["upper"], p=p_score)
                n_cases_code = int(np.unique(case[sel]).size)
                tests.append({
                    "lens": "nomenclature", "stage": "registration_to_decision",
                    "events": "E30->decision (E32 time-dependent)", "by": "police_code",
                    "subgroup": ALL, "group": code, "reference_group": "not (yet) requalified",
                    "metric": "requalification_hazard_ratio",
                    "value": float(ev[sel & state].sum()),
                    "reference": float(ev[sel & ~state].sum()),
                    "effect": hr["hr"], "effect_lower": hr["lower"],
                    "effect_upper": hr["upper"], "p": p_score,
                    "n_group": n_req, "n_rest": n_cases_code - n_req,
                    "test": "log-rank with requalification as a time-dependent covariate "
                            "(hazard ratio: Cox)",
                    "adjusted_for": "",
                })
        rows.append(row)
    requal = pd.DataFrame(rows)
    if len(requal):
        lo, hi = wilson_interval(requal["n_requalified"], requal["n"], alpha=alpha)
        requal.insert(4, "lower", lo)
        requal.insert(5, "upper", hi)
    return requal, tests


def _flags_lost(days: CaseDays, at_parquet: np.ndarray, design: Design, alpha: float):
    lost_rows, tests = [], []
    cases = days._cases
    for flag, (pol, par) in FLAG_PAIRS.items():
        if pol not in cases.columns or par not in cases.columns:
            continue
        flagged = days.flag(pol) & at_parquet & cases[par].notna().to_numpy()
        rows = np.flatnonzero(flagged)
        lost = ~days.flag(par)[rows]
        for b in ("all", "offence_group", *design.compare):
            if b != "all" and b not in cases.columns:
                continue
            key = np.full(rows.size, "all", dtype=object) if b == "all" else days.column(b)[rows]
            agg = pd.DataFrame({"k": key, "y": lost}).groupby("k")["y"].agg(["size", "sum"])
            lw, up = wilson_interval(agg["sum"], agg["size"], alpha=alpha)
            for (g, (nf, nl)), a, c in zip(agg.iterrows(), lw, up, strict=False):
                lost_rows.append({"flag": flag, "by": b, "group": g, "n_flagged": int(nf),
                                  "n_lost": int(nl), "loss_rate": nl / nf, "lower": a,
                                  "upper": c})
        found = []
        if "offence_group" in cases.columns:
            by_group = Design(compare=("offence_group",), subgroups=(), strata=(),
                              min_n=design.min_n, alpha=alpha)
            found += search(days, rows, share_statistic(lost.astype(float), alpha), by_group,
                             harmful="greater", neutral=0.0)
        found += search(days, rows, share_statistic(lost.astype(float), alpha), design,
                         harmful="greater", neutral=0.0)
        for r in found:
            tests.append({"lens": "nomenclature", "stage": "police_to_parquet",
                          "events": "E20->E31", "metric": f"{flag}_flag_loss_difference",
                          "test": "Cochran-Mantel-Haenszel (difference: Mantel-Haenszel, "
                                  "Sato)",
                          **r})
    flags_lost = pd.DataFrame(lost_rows, columns=["flag", "by", "group", "n_flagged", "n_lost",
                                                  "loss_rate", "lower", "upper"])
    return flags_lost, tests


def _division_use(days: CaseDays, police, parquet, coded, min_n):
    """Per police code: whether the divisions pick different parquet codes."""
    if "division" not in days._cases.columns:
        return pd.DataFrame(), []
    div = days.column("division")
    keep = coded & (div != "missing")
    div, pol, par = div[keep], police[keep], parquet[keep]
    rows, tests = [], []
    levels = sorted(set(div), key=str)
    if len(levels) != 2:
        return pd.DataFrame(), []
    for code in sorted(set(pol), key=str):
        m = pol == code
        tab = pd.crosstab(pd.Categorical(div[m], levels), par[m], dropna=False)
        tab = tab.reindex(index=levels, fill_value=0)
        n_a, n_b = (int(v) for v in tab.sum(axis=1))
        if min(n_a, n_b) < min_n or code == "missing":
            continue
        prof = tab.div(tab.sum(axis=1), axis=0)
        distance = 0.5 * float((prof.iloc[0] - prof.iloc[1]).abs().sum())
        p, chance = ((1.0, 0.0) if tab.shape[1] < 2
                     else chi_square_monte_carlo(tab.to_numpy(), replicates=MC_REPLICATES,
                                                 chance_distance=True))
        rows.append({"police_code": code, f"n_{levels[0].lower()}": n_a,
                     f"n_{levels[1].lower()}": n_b, "distance": distance,
                     "chance_distance": chance, "p": p})
        tests.append({
            "lens": "nomenclature", "stage": "qualification", "events": "E20->E31",
            "by": "police_code", "subgroup": ALL, "group": code,
            "reference_group": f"{levels[0]} vs {levels[1]}",
            "metric": "division_code_distance",
            "value": distance, "reference": chance, "effect": distance - chance,
            "effect_lower": np.nan, "effect_upper": np.nan, "p": p, "n_group": n_a,
            "n_rest": n_b, "test": f"chi-square, Monte Carlo p ({MC_REPLICATES} tables)",
            "adjusted_for": "",
        })
    return pd.DataFrame(rows), tests


def _landmark_outcomes(days: CaseDays, e30, e32, endpoints, alpha) -> pd.DataFrame:
    """Cumulative incidence at 365 days among cases open at the landmark, by requalification."""
    from ..estimators import cumulative_incidence
    from .sanctioning import outcome_frame

    frame = outcome_frame(days, endpoints)
    rows = frame["row"].to_numpy()
    open_at = frame["time"].to_numpy() > LANDMARK
    if not open_at.any() or not (frame["outcome"][open_at] != "censored").any():
        return pd.DataFrame()
    req = (e32[rows] < MISSING) & (e32[rows] - e30[rows] <= LANDMARK)
    df = pd.DataFrame({"time": frame["time"].to_numpy()[open_at],
                       "entry": np.full(int(open_at.sum()), float(LANDMARK)),
                       "outcome": frame["outcome"].to_numpy()[open_at],
                       "requalified": np.where(req[open_at], "yes", "no")})
    res = cumulative_incidence(df, by="requalified", entry="entry", alpha=alpha)
    at = res.at([365])
    out = at[["group", "state", "time", "estimate", "lower", "upper"]].rename(
        columns={"group": "requalified", "state": "outcome"})
    out.insert(0, "landmark", LANDMARK)
    return out.sort_values(["requalified", "outcome"], ignore_index=True)
