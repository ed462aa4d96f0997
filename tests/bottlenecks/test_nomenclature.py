"""nomenclature(): crosswalk, kappa, requalification and lost flags, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import _support.eventlogs as _build
from _support.reference import read_reference
from trajectory.bottlenecks import kappa_table, nomenclature


def _case(i, police, parquet, *, requal=False, hate=(False, False), division="FR",
          group="hate", decision=100):
    events = [("E11", 0), ("E20", 0), ("E30", 10), ("E31", 10, police)]
    if requal:
        events.append(("E32", 20, parquet))
    events.append(("E40", 10 + decision))
    return {"case_id": f"c{i:03d}", "offence_group": group, "police_code": police,
            "parquet_code": parquet, "hate_police": hate[0], "hate_parquet": hate[1],
            "ifg_police": False, "ifg_parquet": False, "division": division,
            "events": events}


@pytest.fixture(scope="module")
def log():
    cases = []
    # police code 401: 8 kept, 2 recoded to 402 (one by requalification, decided later)
    for i in range(8):
        cases.append(_case(i, "401", "401", hate=(True, i >= 6)))  # 2 of 8 keep the flag
    cases.append(_case(8, "401", "402", requal=True, hate=(True, True), decision=300))
    cases.append(_case(9, "401", "402", hate=(True, False), division="NL"))
    # police code 601: 5 kept
    for i in range(10, 15):
        cases.append(_case(i, "601", "601", group="harassment", division="NL"))
    return _build.make_log(cases, extraction_day=1000)


def test_crosswalk_and_kappa(log):
    res = nomenclature(log, min_n=1)
    cw = res.table.set_index(["police_code", "parquet_code"])
    assert cw.loc[("401", "401"), "n"] == 8 and cw.loc[("401", "402"), "n"] == 2
    assert cw.loc[("401", "401"), "share"] == pytest.approx(0.8)
    # 3x3 table: agreement 13/15; kappa = (po - pe) / (1 - pe)
    po = 13 / 15
    pe = (10 * 8 + 0 * 2 + 5 * 5) / 15**2
    k = res.agreement.set_index(["by", "group"]).loc[("all", "all")]
    assert k["agreement"] == pytest.approx(po)
    assert k["kappa"] == pytest.approx((po - pe) / (1 - pe))


def test_kappa_table_two_by_two():
    a = pd.Series(["x"] * 25 + ["y"] * 25)
    b = pd.Series(["x"] * 20 + ["y"] * 5 + ["x"] * 10 + ["y"] * 15)
    k = kappa_table(a, b)
    assert k["kappa"] == pytest.approx(0.4)  # po 0.7, pe 0.5
    assert k["lower"] < 0.4 < k["upper"]


def test_requalification_rates_and_delay(log):
    res = nomenclature(log, min_n=1)
    rq = res.requalification.set_index("police_code")
    assert rq.loc["401", "n_requalified"] == 1 and rq.loc["401", "n"] == 10
    assert rq.loc["401", "requalification_rate"] == pytest.approx(0.1)
    assert rq.loc["401", "differs_rate"] == pytest.approx(0.2)
    # requalification is time-dependent: the hazard ratio compares decisions after a
    # requalification with cases of the code not (yet) requalified at the same time
    assert {"hazard_ratio", "hazard_lower", "hazard_upper", "p"} <= set(rq.columns)
    hr = rq.loc["401"]
    assert not np.isfinite(hr["hazard_ratio"]) or hr["hazard_lower"] <= hr["hazard_ratio"]


def test_lost_flags_by_hand(log):
    res = nomenclature(log, min_n=1)
    fl = res.flags_lost.set_index(["flag", "by", "group"])
    row = fl.loc[("hate", "all", "all")]
    # 10 cases flagged by the police; lost in 6 (c000-c005) + c009 = 7
    assert (row["n_flagged"], row["n_lost"]) == (10, 7)
    assert fl.loc[("hate", "division", "NL"), "loss_rate"] == 1.0
    t = res.tests
    assert set(t["metric"]) >= {"hate_flag_loss_difference"}
    assert "missing" not in set(t["group"])


def test_outcomes_at_365_days(log):
    res = nomenclature(log, min_n=1)
    # landmark at 90 days: only cases still open then are compared
    out = res.outcomes
    if len(out):
        assert (out["landmark"] == 90).all()
        assert out["estimate"].between(0, 1).all()
    ag = res.agreement.set_index(["by", "group"])
    assert np.isfinite(ag.loc[("all", "all"), "std_err"])
    # harassment cases use one code only: kappa is undefined there, reported as NaN
    assert np.isnan(ag.loc[("offence_group", "harassment"), "kappa"])


def test_division_chi_square_monte_carlo_matches_r():
    from trajectory.estimators.agreement import chi_square_monte_carlo

    # tests/reference/nomenclature_chisq.R: R chisq.test(m, simulate.p.value=TRUE, B=9999)
    # after set.seed(1). Both p-values are Monte Carlo estimates (standard error
    # sqrt(p (1 - p) / B) each): they must agree within 3 standard errors of the difference.
    ref = read_reference("nomenclature_chisq.csv")
    assert set(ref["table"]) == {"division", "sparse", "separated"}
    for row in ref.itertuples():
        cells = np.array([int(c) for c in row.cells.split(";")])
        p = chi_square_monte_carlo(cells.reshape(2, -1), replicates=int(row.replicates))
        se = np.sqrt(2 * row.p_simulated * (1 - row.p_simulated) / row.replicates)
        assert abs(p - row.p_simulated) <= 3 * se + 1 / (row.replicates + 1), row.table
    # the smallest attainable p when no simulated table is as extreme
    assert chi_square_monte_carlo(np.array([[30, 10], [10, 30]])) == pytest.approx(1e-4)
