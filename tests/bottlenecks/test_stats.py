"""Private statistics of the bottleneck lenses, against R and against the estimators."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from trajectory.bottlenecks import _stats
from trajectory.estimators import kaplan_meier

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


def test_logrank_matches_r_survdiff(ref):
    time, event, g, s, _, _ = _r_data()
    o, e, v, p = _stats.logrank_one_vs_rest(time, event, g, s)
    assert o == ref["logrank_strat_obs_g1"]
    assert e == pytest.approx(ref["logrank_strat_exp_g1"], rel=1e-10)
    assert (o - e) ** 2 / v == pytest.approx(ref["logrank_strat_chisq"], rel=1e-10)
    o, e, v, p = _stats.logrank_one_vs_rest(time, event, g)
    assert e == pytest.approx(ref["logrank_exp_g1"], rel=1e-10)
    assert (o - e) ** 2 / v == pytest.approx(ref["logrank_chisq"], rel=1e-10)


def test_cox_one_vs_rest_matches_r_coxph_breslow(ref):
    time, event, g, s, time2, _ = _r_data()
    hr, lo, hi, p = _stats.cox_one_vs_rest(time2, event, g, s)
    assert np.log(hr) == pytest.approx(ref["cox_strat_coef"], rel=1e-8)
    se = (np.log(hi) - np.log(lo)) / (2 * 1.959963984540054)
    assert se == pytest.approx(ref["cox_strat_se"], rel=1e-8)
    hr, lo, hi, p = _stats.cox_one_vs_rest(time2, event, g)
    assert np.log(hr) == pytest.approx(ref["cox_coef"], rel=1e-8)


def test_cmh_matches_r_mantelhaen(ref):
    _, _, g, s, _, y = _r_data()
    frame = pd.DataFrame({"g": g, "y": y, "s": s})
    agg = frame.groupby(["s", "g"])["y"].agg(["sum", "size"]).unstack("g")
    d, lo, hi, p = _stats.mh_risk_difference(
        agg[("sum", True)], agg[("size", True)], agg[("sum", False)], agg[("size", False)],
        alpha=0.05)
    assert p == pytest.approx(ref["cmh_p"], rel=1e-8)
    assert lo < d < hi


def test_mh_risk_difference_one_stratum_is_the_plain_difference():
    d, lo, hi, _ = _stats.mh_risk_difference(np.array([30]), np.array([100]), np.array([10]),
                                             np.array([50]), alpha=0.05)
    assert d == pytest.approx(0.3 - 0.2)
    # Sato's variance reduces to the Wald variance p1 q1 / n1 + p0 q0 / n0 in one stratum
    se = np.sqrt(0.3 * 0.7 / 100 + 0.2 * 0.8 / 50)
    assert (hi - lo) / 2 == pytest.approx(1.959963984540054 * se, rel=1e-9)


def test_wilson_interval_matches_formula():
    lo, hi = _stats.wilson_interval([3, 0], [10, 0], alpha=0.05)
    z = 1.959963984540054
    p, n = 0.3, 10
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    assert lo[0] == pytest.approx(centre - half) and hi[0] == pytest.approx(centre + half)
    assert np.isnan(lo[1]) and np.isnan(hi[1])


def test_two_proportion_test_newcombe_interval():
    d, lo, hi, p = _stats.two_proportion_test(30, 100, 10, 100, alpha=0.05)
    l1, u1 = proportion_confint(30, 100, alpha=0.05, method="wilson")
    l2, u2 = proportion_confint(10, 100, alpha=0.05, method="wilson")
    assert lo == pytest.approx(0.2 - np.sqrt((0.3 - l1) ** 2 + (u2 - 0.1) ** 2))
    assert hi == pytest.approx(0.2 + np.sqrt((u1 - 0.3) ** 2 + (0.1 - l2) ** 2))
    pooled = 0.2
    z = 0.2 / np.sqrt(pooled * 0.8 * 2 / 100)
    from scipy.stats import norm
    assert p == pytest.approx(2 * norm.sf(z))


def test_pooled_log_ratio_single_stratum_is_the_ratio():
    r, lo, hi = _stats.pooled_log_ratio([30.0], [20.0], [45.0], [10.0], [8.0], [12.5],
                                        alpha=0.05)
    assert r == pytest.approx(3.0)
    assert lo < 3.0 < hi


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.booleans(), st.sampled_from("abc")),
                min_size=2, max_size=50),
       st.sampled_from([0.25, 0.5, 0.75, 0.9]))
def test_km_quantile_cells_equals_estimators_kaplan_meier(rows, q):
    frame = pd.DataFrame(rows, columns=["time", "outcome", "cell"])
    frame["time"] = frame["time"].astype(float)
    ref = (kaplan_meier(frame, by="cell").quantiles([q]).set_index("group")
           [["estimate", "lower", "upper"]])
    mine = (_stats.km_quantile_cells(frame["time"].to_numpy(), frame["outcome"].to_numpy(),
                                     frame["cell"].to_numpy(), q, 0.05)
            [["estimate", "lower", "upper"]].reindex(ref.index))
    np.testing.assert_allclose(mine.to_numpy(float), ref.to_numpy(float), equal_nan=True)


def test_logrank_equals_estimators_logrank_with_strata():
    from trajectory.estimators.comparison import logrank

    time, event, g, s, _, _ = _r_data()
    df = pd.DataFrame({"time": time, "outcome": event, "g": g.astype(int), "s": s})
    theirs = logrank(df, by="g", strata="s")
    *_, p = _stats.logrank_one_vs_rest(time, event, g, s)
    assert p == pytest.approx(theirs.p, rel=1e-9)
