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
* **what miscoding does**: time from parquet registration (E30) to the first
  decision of requalified versus other cases, by police code (Kaplan-Meier medians,
  log-rank test), and their outcomes (Aalen-Johansen cumulative incidence at 365 days).

Requalification is read as a case attribute (E32 recorded by the extraction date).
A requalified case was, by construction, still open when it was requalified, so in
real data the delay comparison can over-state the harm (immortal time); it flags codes
worth a closer look, not a causal effect.

Examples
--------
>>> from trajectory.synth import make_study
>>> log, _ = make_study(2000, seed=1, scenario="null")
>>> res = nomenclature(log)
>>> bool(0.7 < res.agreement["kappa"].iloc[0] <= 1)  # ~12% of codes change at the parquet
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.inter_rater import cohens_kappa

from ..results import TidyResult
from ..schema import EventLog
from ._stats import (
    DECISION_CODES,
    TEST_COLUMNS,
    case_column,
    compare_proportions,
    compare_proportions_stratified,
    duration_frame,
    event_days,
    event_detail,
    km_quantile_cells,
    logrank_one_vs_rest,
    wilson_interval,
)

__all__ = ["NomenclatureResult", "nomenclature", "kappa_table"]

FLAG_PAIRS: dict[str, tuple[str, str]] = {
    "hate": ("hate_police", "hate_parquet"),
    "ifg": ("ifg_police", "ifg_parquet"),
}


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
        upper, n_differs, differs_rate, median_days_requalified, median_days_other,
        delay_days, delay_lower, delay_upper, p``.
    flags_lost : DataFrame
        ``flag, by, group, n_flagged, n_lost, loss_rate, lower, upper``.
    divisions : DataFrame
        By police code: ``police_code, n_fr, n_nl, distance, chance_distance, p``
        (``chance_distance``: the distance expected with these sample sizes if the two
        divisions coded alike; small divisions differ by chance alone).
    outcomes : DataFrame
        Cumulative incidence of each outcome at 365 days from E30, requalified or not.
    tests : DataFrame
        One-vs-rest comparisons for :func:`~trajectory.bottlenecks.flags`.
    """

    agreement: pd.DataFrame = field(default_factory=pd.DataFrame)
    requalification: pd.DataFrame = field(default_factory=pd.DataFrame)
    flags_lost: pd.DataFrame = field(default_factory=pd.DataFrame)
    divisions: pd.DataFrame = field(default_factory=pd.DataFrame)
    outcomes: pd.DataFrame = field(default_factory=pd.DataFrame)
    tests: pd.DataFrame = field(default_factory=pd.DataFrame)


def kappa_table(a: pd.Series, b: pd.Series, *, alpha: float = 0.05) -> dict:
    """Cohen's kappa of two codings of the same cases (statsmodels, asymptotic SE).

    Examples
    --------
    >>> a = pd.Series(["x"] * 25 + ["y"] * 25)
    >>> b = pd.Series(["x"] * 20 + ["y"] * 5 + ["x"] * 10 + ["y"] * 15)
    >>> round(kappa_table(a, b)["kappa"], 3)
    0.4
    """
    from scipy.stats import norm

    levels = sorted(set(a) | set(b), key=str)
    cross = pd.crosstab(pd.Categorical(a, levels), pd.Categorical(b, levels), dropna=False)
    tab = cross.reindex(index=levels, columns=levels, fill_value=0).to_numpy(float)
    n = float(tab.sum())
    if n == 0:
        return {"n": 0, "agreement": np.nan, "kappa": np.nan, "std_err": np.nan,
                "lower": np.nan, "upper": np.nan}
    with np.errstate(divide="ignore", invalid="ignore"):  # one category only: kappa undefined
        res = cohens_kappa(tab)
    z = norm.ppf(1 - alpha / 2)
    k, se = float(res.kappa), float(res.std_kappa)
    return {"n": int(n), "agreement": float(np.trace(tab) / n), "kappa": k, "std_err": se,
            "lower": k - z * se, "upper": k + z * se}


def _bool(series: pd.Series) -> pd.Series:
    return series.astype("boolean")


def nomenclature(
    log: EventLog,
    *,
    compare: tuple[str, ...] = ("offence_group", "division"),
    strata: str | None = "offence_group",
    alpha: float = 0.05,
    min_n: int = 20,
) -> NomenclatureResult:
    """Crosswalk, agreement, requalification, lost flags and their consequences.

    Parameters
    ----------
    log : EventLog
        Needs ``police_code`` and ``parquet_code``; the flag pairs
        ``hate_police/hate_parquet`` and ``ifg_police/ifg_parquet`` when present.
    compare : tuple of str
        Case columns whose groups are compared one-vs-rest for lost flags. Groups of
        ``offence_group`` are compared as they are; other columns within offence
        groups (Mantel-Haenszel over ``strata``).
    strata : str or None
        Stratification column for the comparisons of other columns.
    alpha : float
        Intervals are ``1 - alpha``.
    min_n : int
        Smallest group (and complement) compared.

    Returns
    -------
    NomenclatureResult
    """
    cases = log.cases.set_index(log.cases["case_id"].astype(object))
    police = case_column(log, "police_code", function="nomenclature")
    parquet = case_column(log, "parquet_code", function="nomenclature")
    days = event_days(log, ("E30", "E32"))
    at_parquet = days["E30"].notna()
    requalified = days["E32"].notna() & at_parquet
    coded = at_parquet & (police != "missing") & (parquet != "missing")

    # crosswalk and agreement
    cw = (pd.DataFrame({"police_code": police[coded], "parquet_code": parquet[coded]})
          .value_counts().rename("n").reset_index())
    cw["share"] = cw["n"] / cw.groupby("police_code")["n"].transform("sum")
    cw = cw.sort_values(["police_code", "n"], ascending=[True, False], ignore_index=True)
    kappas = [{"by": "all", "group": "all", **kappa_table(police[coded], parquet[coded],
                                                        alpha=alpha)}]
    for b in ("division", "offence_group"):
        if b in cases.columns:
            key = case_column(log, b, function="nomenclature")[coded]
            for g in sorted(key.unique(), key=str):
                m = key == g
                kappas.append({"by": b, "group": g,
                                  **kappa_table(police[coded][m], parquet[coded][m], alpha=alpha)})
    agreement = pd.DataFrame(kappas)

    # requalification by police code, and its association with time to decision
    frame, _ = duration_frame(log, "E30", DECISION_CODES)
    req_rows, tests = [], []
    for code in sorted(police[at_parquet].unique(), key=str):
        m = at_parquet & (police == code)
        n = int(m.sum())
        n_req = int((requalified & m).sum())
        n_diff = int((coded & m & (parquet != police)).sum())
        row = {"police_code": code, "n": n, "n_requalified": n_req,
               "requalification_rate": n_req / n if n else np.nan,
               "n_differs": n_diff, "differs_rate": n_diff / n if n else np.nan}
        sub = frame.loc[frame.index.intersection(m[m].index)]
        req = requalified.reindex(sub.index).to_numpy()
        delay = _delay(sub, req, alpha) if min(req.sum(), (~req).sum()) >= min_n else None
        row.update(delay or {"median_days_requalified": np.nan, "median_days_other": np.nan,
                             "delay_days": np.nan, "delay_lower": np.nan, "delay_upper": np.nan,
                             "p": np.nan})
        req_rows.append(row)
        if delay is not None:
            tests.append({
                "lens": "nomenclature", "stage": "registration_to_decision",
                "events": "E30->decision", "by": "police_code", "group": code,
                "metric": "requalification_delay_days",
                "value": delay["median_days_requalified"],
                "reference": delay["median_days_other"], "effect": delay["delay_days"],
                "effect_lower": delay["delay_lower"], "effect_upper": delay["delay_upper"],
                "p": delay["p"], "n_group": int(req.sum()), "n_rest": int((~req).sum()),
                "test": "log-rank (requalified vs other cases of the code)",
                "adjusted_for": "",
            })
    requal = pd.DataFrame(req_rows)
    lo, hi = wilson_interval(requal["n_requalified"], requal["n"], alpha=alpha)
    requal.insert(4, "lower", lo)
    requal.insert(5, "upper", hi)

    # lost flags
    stratum = None if strata is None else case_column(log, strata, function="nomenclature")
    lost_rows = []
    for flag, (pol, par) in FLAG_PAIRS.items():
        if pol not in cases.columns or par not in cases.columns:
            continue
        flagged = (_bool(cases[pol]).fillna(False).to_numpy(bool)
                   & at_parquet.to_numpy() & cases[par].notna().to_numpy())
        lost = pd.Series(~_bool(cases[par]).fillna(False).to_numpy(bool), index=cases.index)
        lost = lost[flagged]
        for b in ("all", *compare):
            key = (pd.Series("all", index=lost.index) if b == "all"
                   else case_column(log, b, function="nomenclature").reindex(lost.index))
            agg = lost.groupby(key.to_numpy()).agg(["size", "sum"])
            lw, up = wilson_interval(agg["sum"], agg["size"], alpha=alpha)
            for (g, (nf, nl)), a, c in zip(agg.iterrows(), lw, up, strict=False):
                lost_rows.append({"flag": flag, "by": b, "group": g, "n_flagged": int(nf),
                                  "n_lost": int(nl), "loss_rate": nl / nf, "lower": a,
                                  "upper": c})
            if b == "all":
                continue
            st = None if (b == strata or stratum is None) else stratum
            comp = (compare_proportions(lost, key, alpha=alpha, min_n=min_n) if st is None
                    else compare_proportions_stratified(lost, key, st, alpha=alpha,
                                                        min_n=min_n))
            for r in comp:
                tests.append({"lens": "nomenclature", "stage": "police_to_parquet",
                              "events": "E20->E31", "by": b,
                              "metric": f"{flag}_flag_loss_difference",
                              "adjusted_for": "" if st is None else strata, **r})
    flags_lost = pd.DataFrame(lost_rows, columns=["flag", "by", "group", "n_flagged", "n_lost",
                                                  "loss_rate", "lower", "upper"])

    divisions, div_tests = _division_use(log, police, parquet, coded, alpha, min_n)
    tests.extend(div_tests)
    outcomes = _outcomes(log, requalified, at_parquet, alpha)
    return NomenclatureResult(
        table=cw, alpha=alpha,
        method="police x parquet crosswalk; Cohen's kappa; Kaplan-Meier and log-rank for "
               "requalification delays; flag loss with Wilson / Newcombe / Mantel-Haenszel",
        time_unit="days", n=int(coded.sum()),
        notes={"n_at_parquet": int(at_parquet.sum()),
               "requalified": "E32 recorded by the extraction date"},
        agreement=agreement, requalification=requal, flags_lost=flags_lost,
        divisions=divisions, outcomes=outcomes,
        tests=pd.DataFrame(tests, columns=list(TEST_COLUMNS)),
    )


def _delay(sub: pd.DataFrame, req: np.ndarray, alpha: float) -> dict:
    """Median time to decision of requalified vs other cases, difference and log-rank."""
    from scipy.stats import norm

    qs = km_quantile_cells(sub["time"].to_numpy(), sub["event"].to_numpy(),
                           req.astype(np.int64), 0.5, alpha)
    z = norm.ppf(1 - alpha / 2)
    est, low, upp = (qs[c].to_dict() for c in ("estimate", "lower", "upper"))
    m1, m0 = float(est[1]), float(est[0])

    def se(k: int) -> float:
        width = upp[k] - low[k]
        if np.isfinite(width):
            return float(width / (2 * z))
        return float((est[k] - low[k]) / z)

    s = np.sqrt(se(1) ** 2 + se(0) ** 2)
    _, _, _, p = logrank_one_vs_rest(sub["time"].to_numpy(), sub["event"].to_numpy(), req)
    return {"median_days_requalified": m1, "median_days_other": m0, "delay_days": m1 - m0,
            "delay_lower": m1 - m0 - z * s, "delay_upper": m1 - m0 + z * s, "p": p}


MC_REPLICATES = 9999  #: simulated tables for the division x parquet code test


def chi_square_monte_carlo(table: np.ndarray, *, replicates: int = MC_REPLICATES,
                           seed: int = 0, chance_distance: bool = False) -> Any:
    """Pearson chi-square test of a 2 x k table with a Monte Carlo p-value.

    As R ``chisq.test(table, simulate.p.value = TRUE, B = replicates)``: tables with the
    observed margins are drawn (multivariate hypergeometric) and
    ``p = (1 + #{simulated >= observed}) / (replicates + 1)``. Valid in small and sparse
    tables, where the asymptotic chi-square is anti-conservative. Deterministic (``seed``).
    With ``chance_distance``, also return the mean total variation distance between the
    two rows' profiles over the simulated tables: the distance expected by chance alone.

    Examples
    --------
    >>> round(chi_square_monte_carlo(np.array([[30, 10], [10, 30]])), 4)
    0.0001
    >>> chi_square_monte_carlo(np.array([[10, 10], [10, 10]])) > 0.5
    True
    """
    tab = np.asarray(table, dtype=np.int64)
    tab = tab[:, tab.sum(axis=0) > 0]
    cols = tab.sum(axis=0)
    rows = tab.sum(axis=1)
    expected = np.outer(rows, cols) / tab.sum()

    def stat(first_row: np.ndarray) -> np.ndarray:
        second = cols - first_row
        return (((first_row - expected[0]) ** 2 / expected[0]).sum(axis=-1)
                + ((second - expected[1]) ** 2 / expected[1]).sum(axis=-1))

    observed = float(stat(tab[0]))
    rng = np.random.default_rng(seed)
    sims = rng.multivariate_hypergeometric(cols, int(rows[0]), size=replicates)
    p = float((1 + (stat(sims) >= observed - 1e-9).sum()) / (replicates + 1))
    if not chance_distance:
        return p
    tvd = 0.5 * np.abs(sims / rows[0] - (cols - sims) / rows[1]).sum(axis=-1)
    return p, float(tvd.mean())


def _division_use(log, police, parquet, coded, alpha, min_n):
    """Per police code: do the divisions pick different parquet codes?"""
    if "division" not in log.cases.columns:
        return pd.DataFrame(), []
    div = case_column(log, "division", function="nomenclature")[coded]
    pol, par = police[coded], parquet[coded]
    rows, tests = [], []
    levels = sorted(div.unique(), key=str)
    if len(levels) != 2:
        return pd.DataFrame(), []
    for code in sorted(pol.unique(), key=str):
        m = pol == code
        tab = pd.crosstab(div[m], par[m]).reindex(index=levels, fill_value=0)
        n_a, n_b = (int(v) for v in tab.sum(axis=1))
        if min(n_a, n_b) < min_n:
            continue
        prof = tab.div(tab.sum(axis=1), axis=0)
        distance = 0.5 * float((prof.iloc[0] - prof.iloc[1]).abs().sum())
        p, chance = ((1.0, 0.0) if tab.shape[1] < 2
                     else chi_square_monte_carlo(tab.to_numpy(), chance_distance=True))
        rows.append({"police_code": code, f"n_{levels[0].lower()}": n_a,
                     f"n_{levels[1].lower()}": n_b, "distance": distance,
                     "chance_distance": chance, "p": p})
        tests.append({
            "lens": "nomenclature", "stage": "qualification", "events": "E20->E31",
            "by": "police_code", "group": code, "metric": "division_code_distance",
            "value": distance, "reference": chance, "effect": distance - chance,
            "effect_lower": np.nan, "effect_upper": np.nan, "p": p, "n_group": n_a,
            "n_rest": n_b, "test": f"chi-square, Monte Carlo p ({MC_REPLICATES} tables)",
            "adjusted_for": "",
        })
    return pd.DataFrame(rows), tests


def _outcomes(log, requalified, at_parquet, alpha) -> pd.DataFrame:
    """Aalen-Johansen cumulative incidence of each outcome at 365 days, by requalification."""
    from ..estimators import cumulative_incidence
    from ..schema import default_endpoints

    endpoints = default_endpoints()
    codes = [c for cs in endpoints.values() for c in cs]
    frame, _ = duration_frame(log, "E30", codes)
    if not len(frame):
        return pd.DataFrame()
    reverse = {c: g for g, cs in endpoints.items() for c in cs}
    first = event_detail(log, codes)["event"].reindex(frame.index).map(reverse)
    outcome = np.where(frame["event"].to_numpy(), first.fillna("censored").to_numpy(),
                       "censored")
    df = pd.DataFrame({"time": frame["time"].to_numpy(), "outcome": outcome,
                       "requalified": np.where(requalified.reindex(frame.index), "yes", "no")})
    res = cumulative_incidence(df, by="requalified", alpha=alpha)
    tab = res.table.loc[res.table["time"] <= 365]
    last = tab.sort_values("time").groupby(["group", "state"]).tail(1)
    out = last[["group", "state", "estimate", "lower", "upper"]].rename(
        columns={"group": "requalified", "state": "outcome"})
    out.insert(2, "time", 365)
    return out.sort_values(["requalified", "outcome"], ignore_index=True)
