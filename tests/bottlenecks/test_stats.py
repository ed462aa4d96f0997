"""The lenses' statistics come from the estimators: checked against R and the estimators.

The R fixture ``bottlenecks_stats.csv`` (``tests/reference/bottlenecks_stats.R``) is the
one the lenses' former private stack was checked on; the lens statistic builders
(:func:`delay_statistic`, :func:`hazard_statistic`, :func:`share_statistic`) must give the
same numbers through :mod:`trajectory.estimators.grouped`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trajectory.bottlenecks.compare import ALL, Design, compare
from trajectory.bottlenecks.nomenclature import requalification_rows
from trajectory.bottlenecks.reception import delay_statistic, share_statistic
from trajectory.bottlenecks.sanctioning import hazard_statistic
from trajectory.cohort.days import MISSING, CaseDays
from trajectory.estimators import kaplan_meier
from trajectory.estimators.grouped import grouped_counts, logrank_vs_rest
from trajectory.synth import make_study

REF = Path(__file__).parents[1] / "reference" / "bottlenecks_stats.csv"


def _r_data():
    i = np.arange(1, 121)
    time = (i * 37) % 53 + 1
    event = (i % 4) != 0
    g = (i * 7) % 5 < 2
    s = i % 3
    time2 = np.where(g, time // 2 + 1, time)
    y = ((i * 11) % 7 < 3) | (g & (i % 5 == 0))
    return time.astype(float), event, g, s, time2.astype(float), y


@pytest.fixture(scope="module")
def ref() -> dict[str, float]:
    frame = pd.read_csv(REF, comment="#")
    return dict(zip(frame["quantity"], frame["value"], strict=False))


def _labels(g):
    return np.where(g, "g", "rest").astype(object)


def test_lens_logrank_matches_r_survdiff(ref):
    time, event, g, s, _, _ = _r_data()
    res = logrank_vs_rest(grouped_counts(time, event, _labels(g), strata=s)).loc["g"]
    assert res["observed"] == ref["logrank_strat_obs_g1"]
    assert res["expected"] == pytest.approx(ref["logrank_strat_exp_g1"], rel=1e-10)
    assert res["chisq"] == pytest.approx(ref["logrank_strat_chisq"], rel=1e-10)


def test_lens_hazard_statistic_matches_r_coxph_breslow(ref):
    time, event, g, s, time2, _ = _r_data()
    stat = hazard_statistic(time2, event, 0.05)
    pos = np.arange(time.size)
    row = stat(pos, _labels(g), s.astype(str).astype(object)).loc["g"]
    assert np.log(row["effect"]) == pytest.approx(ref["cox_strat_coef"], rel=1e-8)
    se = (np.log(row["effect_upper"]) - np.log(row["effect_lower"])) / (2 * 1.959963984540054)
    assert se == pytest.approx(ref["cox_strat_se"], rel=1e-8)
    # the test is the model's score test: R survdiff's stratified log-rank
    from scipy.stats import chi2
    on_time = hazard_statistic(time, event, 0.05)(pos, _labels(g), s.astype(str).astype(object))
    assert on_time.loc["g", "p"] == pytest.approx(chi2.sf(ref["logrank_strat_chisq"], 1),
                                                  rel=1e-9)
    unstrat = stat(pos, _labels(g), np.full(time.size, "all", dtype=object)).loc["g"]
    assert np.log(unstrat["effect"]) == pytest.approx(ref["cox_coef"], rel=1e-8)


def test_share_statistic_tests_with_r_mantelhaen(ref):
    _, _, g, s, _, y = _r_data()
    row = share_statistic(y.astype(float), 0.05)(np.arange(y.size), _labels(g),
                                                  s.astype(str).astype(object)).loc["g"]
    assert row["p"] == pytest.approx(ref["cmh_p"], rel=1e-8)  # mantelhaen.test(correct=FALSE)
    assert row["effect_lower"] < row["effect"] < row["effect_upper"]
    assert row["value"] == pytest.approx(y[g].mean())


def test_delay_statistic_tests_with_the_stratified_logrank():
    log, _ = make_study(3000, seed=4, scenario="slow_zone")
    days = CaseDays(log)
    dur = days.duration("E20", "E23")
    stat = delay_statistic(dur.time, dur.event, 0.5, 0.05)
    zone = days.column("zone")[dur.rows]
    og = days.column("offence_group")[dur.rows]
    res = stat(np.arange(dur.rows.size), zone, og)
    from trajectory.estimators import logrank
    frame = pd.DataFrame({"time": dur.time, "outcome": dur.event,
                          "in": np.where(zone == "5340", 1, 0), "og": og})
    ref = logrank(frame, by="in", strata="og")
    assert res.loc["5340", "p"] == pytest.approx(ref.p, rel=1e-9)
    assert res.loc["5340", "effect"] > 2
    # one stratum: the ratio is the ratio of the two KM medians of the estimators
    one = stat(np.arange(dur.rows.size), zone, np.full(dur.rows.size, ALL, dtype=object))
    frame = pd.DataFrame({"time": dur.time, "outcome": dur.event,
                          "g": np.where(zone == "5340", "in", "out")})
    med = kaplan_meier(frame, by="g").quantiles([0.5]).set_index("group")["estimate"]
    assert one.loc["5340", "effect"] == pytest.approx(med["in"] / med["out"], rel=1e-12)


def test_case_days_follow_the_cohort_rules():
    cases = pd.DataFrame({"case_id": ["a", "b", "c"],
                          "extraction_date": pd.to_datetime(["2024-03-01"] * 3)})
    d = pd.to_datetime
    events = pd.DataFrame({
        "case_id": ["a", "a", "b", "b", "c"], "event": ["E11", "E30", "E11", "E30", "E30"],
        "date": d(["2024-01-01", "2024-02-01", "2024-01-10", "2024-05-01", "2024-01-20"])})
    from trajectory.schema import EventLog
    days = CaseDays(EventLog(cases, events, pd.Timestamp("2024-12-31")))
    dur = days.duration("E11", "E30")
    # b's registration is after its extraction date: ignored, so b is censored there
    assert dur.time.tolist() == [31, 51] and dur.event.tolist() == [True, False]
    assert days.first(["E11"])[2] == MISSING


def test_requalification_rows_never_credit_open_time():
    case, entry, exit_, ev, req = requalification_rows(
        np.array([10, 10, 3]), np.array([True, True, True]), np.array([0, 12, 3]))
    # requalified on day 0: requalified from the start; after or on the decision day: never
    assert req.tolist() == [True, False, False]
    assert entry.tolist() == [0, 0, 0] and exit_.tolist() == [10, 10, 3]


def test_unknown_is_not_a_group_and_two_levels_give_one_contrast():
    log, _ = make_study(4000, seed=3, scenario="opportunity_division")
    days = CaseDays(log)
    rows = np.arange(days.n)
    y = (days.column("division") == "NL").astype(float)  # any share
    found = compare(days, rows, share_statistic(y, 0.05), Design(compare=("division",)),
                    harmful="greater", neutral=0.0)
    assert found
    assert all(r["group"] != "missing" for r in found)
    pooled = [r for r in found if r["subgroup"] == ALL]
    assert len(pooled) == 1 and pooled[0]["reference_group"] in ("FR", "NL")
