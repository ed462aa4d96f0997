"""Tests of trajectory.estimators.grouped: the one-vs-rest engine on one count table.

External oracle: tests/reference/estimators_grouped.csv, written by
tests/reference/estimators_grouped.R (R 4.2.2, survival 3.5.3): survdiff, coxph
(ties="breslow", with strata and with Surv(entry, time, event)) and quantile(survfit)
for each group against the rest. The data are rebuilt here from the same integer
formulas (no random numbers shared across languages). Other checks are against the
package's own estimators (kaplan_meier, logrank, cox), a hand computation of the
Mantel-Haenszel risk difference with Sato's variance, and hypothesis properties.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from _support.reference import read_reference
from trajectory.errors import EstimationError
from trajectory.estimators import (
    GroupedCounts,
    cox,
    cox_vs_rest,
    grouped_counts,
    kaplan_meier,
    km_quantiles,
    logrank,
    logrank_vs_rest,
    quantile_ratio_vs_rest,
    risk_difference_vs_rest,
)

TOL = 1e-10  # log-rank and quantiles: exact arithmetic on counts
COX_TOL = 1e-10  # Newton-Raphson to |step| < 1e-10 here, eps=1e-12 in R (seen: 1e-11)


# ------------------------------------------------------------------ the R data sets


def _rc() -> pd.DataFrame:
    """Right-censored data of estimators_grouped.R (400 rows, 4 groups, 3 strata, ties)."""
    i = np.arange(1, 401)
    g = (i * 7 + i // 11) % 4
    base = (i * 37) % 61 + 1
    time = np.where(g == 1, base // 2 + 1, np.where(g == 3, base + 10, base))
    event = ((i % 5 != 0) & (i % 7 != 3)).astype(int)
    return pd.DataFrame({"entry": 0.0, "time": time.astype(float), "event": event,
                         "g": g, "s": i % 3})


def _cp() -> pd.DataFrame:
    """Counting-process data of estimators_grouped.R (delayed entry, 300 rows)."""
    i = np.arange(1, 301)
    g = (i * 5 + i // 7) % 4
    entry = (i * 11) % 17
    time = entry + (i * 29) % 41 + 1 + 6 * (g == 2)
    return pd.DataFrame({"entry": entry.astype(float), "time": time.astype(float),
                         "event": (i % 4 != 0).astype(int), "g": g, "s": i % 3})


DATA = {"rc": _rc, "cp": _cp}


def _counts(name: str, stratified: bool = True) -> GroupedCounts:
    d = DATA[name]()
    counts = grouped_counts(d["time"], d["event"], d["g"], strata=d["s"],
                            entry=d["entry"] if name == "cp" else None)
    return counts if stratified else counts.collapse()


def _ref(data: str, stat: str) -> pd.DataFrame:
    ref = read_reference("estimators_grouped.csv")
    return ref.loc[(ref["data"] == data) & (ref["stat"] == stat)]


def test_reference_data_have_what_the_brief_asks() -> None:
    for name in DATA:
        d = DATA[name]()
        assert d["g"].nunique() == 4 and d["s"].nunique() == 3
        assert d["time"].duplicated().any() and (d["event"] == 0).any()
    assert (_cp()["entry"] > 0).any()


# --------------------------------------------------------------------- R: survdiff


@pytest.mark.parametrize("stratum", ["strata", "none"])
def test_logrank_matches_r_survdiff(stratum: str) -> None:
    res = logrank_vs_rest(_counts("rc", stratum == "strata"))
    ref = _ref("rc", "logrank")
    ref = ref.loc[ref["stratum"] == stratum].pivot(index="group", columns="quantity",
                                                   values="value")
    assert len(ref) == 4
    for col in ("observed", "expected", "variance", "chisq"):
        np.testing.assert_allclose(res.loc[ref.index, col], ref[col], rtol=TOL, atol=TOL)


# ------------------------------------------------------------------------ R: coxph


@pytest.mark.parametrize("data", ["rc", "cp"])
@pytest.mark.parametrize("stratum", ["strata", "none"])
def test_cox_matches_r_coxph_breslow(data: str, stratum: str) -> None:
    res = cox_vs_rest(_counts(data, stratum == "strata"))
    ref = _ref(data, "cox")
    ref = ref.loc[ref["stratum"] == stratum].pivot(index="group", columns="quantity",
                                                   values="value")
    assert len(ref) == 4 and res["converged"].all()
    np.testing.assert_allclose(res.loc[ref.index, "coef"], ref["coef"], rtol=COX_TOL,
                               atol=COX_TOL)
    np.testing.assert_allclose(res.loc[ref.index, "std_err"], ref["std_err"], rtol=COX_TOL)


# ---------------------------------------------------------------- R: quantile(survfit)


@pytest.mark.parametrize("data", ["rc", "cp"])
def test_km_quantiles_match_r_quantile_survfit(data: str) -> None:
    strat = km_quantiles(_counts(data), [0.25, 0.5, 0.75])
    pooled = km_quantiles(_counts(data, stratified=False), [0.25, 0.5, 0.75])
    ours = pd.concat([strat.assign(stratum=strat["stratum"].astype(str)), pooled])
    ours = ours.set_index(["stratum", "group", "side", "q"])
    ref = _ref(data, "quantile").pivot(index=["stratum", "group", "side", "q"],
                                       columns="quantity", values="value")
    assert len(ref) == 4 * 4 * 2 * 3 and ref["upper"].isna().any()
    mine = ours.loc[ref.index]
    for col in ("estimate", "lower", "upper"):
        np.testing.assert_allclose(mine[col], ref[col], rtol=TOL, atol=TOL, equal_nan=True)


# ----------------------------------------------------- the package's own estimators


def _numpy_data(seed: int, n: int = 600, entry: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.choice(["north", "south", "east", "west", "centre"], n, p=[.3, .25, .2, .15, .1])
    s = rng.choice(["hate", "ifv", "sexual"], n)
    rate = np.where(g == "south", 0.08, 0.04) * np.where(s == "ifv", 1.5, 1.0)
    t = np.ceil(rng.exponential(1 / rate))  # integer days: ties
    c = rng.integers(5, 60, n)
    frame = pd.DataFrame({"time": np.minimum(t, c).astype(float),
                          "outcome": (t <= c).astype(int), "g": g, "s": s})
    if entry:
        frame["entry"] = np.floor(frame["time"] * rng.uniform(0, 0.9, n)) - 1.0
        frame.loc[rng.uniform(size=n) < 0.5, "entry"] = 0.0
    return frame


@pytest.mark.parametrize("entry", [False, True])
def test_km_quantiles_match_kaplan_meier(entry: bool) -> None:
    d = _numpy_data(11, entry=entry)
    counts = grouped_counts(d["time"], d["outcome"], d["g"], strata=d["s"],
                            entry=d["entry"] if entry else None)
    q = [0.1, 0.25, 0.5, 0.75]
    ours = km_quantiles(counts, q, alpha=0.1).set_index(["stratum", "group", "side", "q"])
    for (s, g), _ in d.groupby(["s", "g"]):
        sub = d.loc[d["s"] == s].assign(side=np.where(d.loc[d["s"] == s, "g"] == g,
                                                      "group", "rest"))
        km = kaplan_meier(sub, by="side", entry="entry" if entry else None, alpha=0.1)
        ref = km.quantiles(q).set_index(["group", "q"])
        for side in ("group", "rest"):
            mine = ours.loc[(s, g, side)]
            theirs = ref.loc[side]
            for col in ("estimate", "lower", "upper"):
                np.testing.assert_allclose(mine[col], theirs[col], rtol=TOL, equal_nan=True)
            n_side = int((sub["side"] == side).sum())
            assert (mine["n"] == n_side).all()
            assert (mine["n_event"] == sub.loc[sub["side"] == side, "outcome"].sum()).all()


@pytest.mark.parametrize("strata", [None, "s"])
def test_logrank_matches_package_logrank(strata: str | None) -> None:
    d = _numpy_data(5)
    counts = grouped_counts(d["time"], d["outcome"], d["g"],
                            strata=None if strata is None else d["s"])
    ours = logrank_vs_rest(counts)
    for g in counts.groups:
        ref = logrank(d.assign(inside=(d["g"] == g).astype(int)), by="inside", strata=strata)
        tab = ref.table.set_index("group")
        assert ours.loc[g, "observed"] == pytest.approx(tab.loc[1, "observed"], rel=TOL)
        assert ours.loc[g, "expected"] == pytest.approx(tab.loc[1, "expected"], rel=TOL)
        assert ours.loc[g, "chisq"] == pytest.approx(ref.statistic, rel=1e-9)
        assert ours.loc[g, "p"] == pytest.approx(ref.p, rel=1e-9)


@pytest.mark.parametrize("entry", [False, True])
def test_cox_matches_package_cox_breslow(entry: bool) -> None:
    d = _numpy_data(7, entry=entry)
    counts = grouped_counts(d["time"], d["outcome"], d["g"], strata=d["s"],
                            entry=d["entry"] if entry else None)
    ours = cox_vs_rest(counts, alpha=0.1)
    for g in counts.groups:
        fit = cox(d.assign(inside=(d["g"] == g).astype(int)), covariates=["inside"],
                  strata="s", ties="breslow", alpha=0.1, entry="entry" if entry else None)
        row = fit.table.iloc[0]
        # one solver on case rows and on the count table: equal to rounding
        assert ours.loc[g, "coef"] == pytest.approx(row["estimate"], rel=1e-9, abs=1e-10)
        assert ours.loc[g, "std_err"] == pytest.approx(row["std_err"], rel=1e-9)
        assert ours.loc[g, "p"] == pytest.approx(row["p"], rel=1e-8, abs=1e-14)
        assert ours.loc[g, "lower"] == pytest.approx(row["hr_lower"], rel=1e-9)
        assert ours.loc[g, "upper"] == pytest.approx(row["hr_upper"], rel=1e-9)
    assert (ours["n_event_group"] + ours["n_event_rest"] == d["outcome"].sum()).all()


def test_cox_with_entry_matches_r_coxph_breslow_to_1e8() -> None:
    # tests/reference/regression_cox_entry.R, model "vs_rest": entry + strata, Breslow
    d = read_reference("data/cox_entry_strata.csv")
    res = cox_vs_rest(grouped_counts(d["time"], d["status"], d["zone"], strata=d["s"],
                                     entry=d["entry"]))
    ref = read_reference("regression_cox_entry_zones.csv").query("model == 'vs_rest'")
    ref = ref.set_index("term")
    assert res["converged"].all()
    np.testing.assert_allclose(res.loc[ref.index, "coef"], ref["coef"], atol=1e-8, rtol=0)
    np.testing.assert_allclose(res.loc[ref.index, "std_err"], ref["se"], rtol=1e-7)


def test_cox_nan_when_a_side_has_no_event_and_infinite_coefficient() -> None:
    time = np.array([1, 2, 3, 4, 5, 6, 7, 8.0])
    event = np.array([0, 0, 1, 1, 1, 1, 1, 1])
    group = np.array(["quiet", "quiet", "a", "b", "a", "b", "a", "b"])
    res = cox_vs_rest(grouped_counts(time, event, group))
    assert res.loc["quiet"].drop(["n_event_group", "n_event_rest", "converged"]).isna().all()
    assert res.loc["quiet", "n_event_group"] == 0
    # every event of "first" precedes the rest's: monotone likelihood, coef runs off
    time = np.arange(1.0, 9.0)
    group = np.array(["first"] * 4 + ["late"] * 4)
    res = cox_vs_rest(grouped_counts(time, np.ones(8), group))
    assert res.loc["first", "coef"] > 10 and res.loc["first", "std_err"] > 10
    assert np.isfinite(res["coef"]).all()
    # no event has both sides at risk: no information, reported as such (not an error)
    res = cox_vs_rest(grouped_counts(np.array([1.0, 2, 3, 4]), np.array([1, 0, 1, 0]),
                                     np.array(["A", "A", "B", "B"]),
                                     strata=np.array(["x", "x", "y", "y"])))
    assert (res["coef"] == 0).all() and np.isinf(res["std_err"]).all()
    assert not res["converged"].any()


# ------------------------------------------------------------ pooled quantile ratio


def test_quantile_ratio_is_inverse_variance_pooling_of_km_quantiles() -> None:
    d = _numpy_data(3, n=900)
    counts = grouped_counts(d["time"], d["outcome"], d["g"], strata=d["s"])
    alpha, z = 0.05, norm.ppf(0.975)
    res = quantile_ratio_vs_rest(counts, 0.5, alpha=alpha)
    qs = km_quantiles(counts, 0.5, alpha=alpha)
    for g in counts.groups:
        num = den = ref_num = 0.0
        used = 0
        for s in counts.strata:
            rows = qs.loc[(qs["group"] == g) & (qs["stratum"] == s)].set_index("side")
            ses, ok = [], True
            for side in ("group", "rest"):
                est, lo, hi = rows.loc[side, ["estimate", "lower", "upper"]]
                if not (est > 0 and lo > 0):
                    ok = False
                    break
                ses.append((np.log(hi) - np.log(lo)) / (2 * z) if np.isfinite(hi)
                           else (np.log(est) - np.log(lo)) / z)
            if not ok or ses[0] ** 2 + ses[1] ** 2 <= 0:
                continue
            w = 1 / (ses[0] ** 2 + ses[1] ** 2)
            lr = np.log(rows.loc["group", "estimate"]) - np.log(rows.loc["rest", "estimate"])
            num += w * lr
            ref_num += w * np.log(rows.loc["rest", "estimate"])
            den += w
            used += 1
        mean, se = num / den, 1 / np.sqrt(den)
        got = res.loc[g]
        assert got["n_strata"] == used
        assert got["ratio"] == pytest.approx(np.exp(mean), rel=1e-12)
        assert got["lower"] == pytest.approx(np.exp(mean - z * se), rel=1e-12)
        assert got["p"] == pytest.approx(2 * norm.sf(abs(mean) / se), rel=1e-10)
        assert got["reference"] == pytest.approx(np.exp(ref_num / den), rel=1e-12)
        assert got["value"] == pytest.approx(got["reference"] * got["ratio"], rel=1e-12)
        # one estimand: the test rejects exactly when the interval excludes 1
        assert (got["p"] < alpha) == (got["lower"] > 1 or got["upper"] < 1)
    assert res.loc["south", "ratio"] < 1 and res.loc["south", "p"] < 0.05


def test_quantile_ratio_skips_unusable_strata() -> None:
    # stratum "u": the group never reaches its median (all censored): skipped
    time = np.r_[np.arange(1.0, 11.0), np.arange(1.0, 11.0), np.arange(1.0, 11.0) * 2,
                 np.arange(1.0, 11.0)]
    event = np.r_[np.zeros(10), np.ones(10), np.ones(10), np.ones(10)]
    group = np.tile(np.repeat(["a", "b"], 10), 2)
    strata = np.repeat(["u", "v"], 20)
    res = quantile_ratio_vs_rest(grouped_counts(time, event, group, strata=strata), 0.5)
    assert res.loc["a", "n_strata"] == 1 and res.loc["a", "n_group"] == 20
    assert res.loc["a", "ratio"] == pytest.approx(11.0 / 5.5)


# ------------------------------------------------------------- MH risk difference


def test_risk_difference_hand_computed_two_strata() -> None:
    # stratum 1: group 6/10, rest 3/15; stratum 2: group 4/8, rest 5/20
    cells = [(6, 10, 3, 15), (4, 8, 5, 20)]
    success, group, strata = [], [], []
    for k, (x1, n1, x0, n0) in enumerate(cells):
        success += [1] * x1 + [0] * (n1 - x1) + [1] * x0 + [0] * (n0 - x0)
        group += ["g"] * n1 + ["r"] * n0
        strata += [k] * (n1 + n0)
    res = risk_difference_vs_rest(np.array(success), np.array(group), strata=np.array(strata))
    F = Fraction
    # W_k = n1 n0 / N:  150/25 = 6,  160/28 = 40/7
    w = [F(6), F(40, 7)]
    # risk differences: 6/10 - 3/15 = 2/5;  4/8 - 5/20 = 1/4
    rd = (w[0] * F(2, 5) + w[1] * F(1, 4)) / (w[0] + w[1])  # = (12/5 + 10/7) / (82/7)
    assert rd == F(134, 410)
    # Sato: P_k = (n1^2 x0 - n0^2 x1 + n1 n0 (n0 - n1) / 2) / N^2
    p1 = F(100 * 3 - 225 * 6 + 150 * 5 // 2, 625)  # (300 - 1350 + 375) / 625 = -675/625
    p2 = F(64 * 5 - 400 * 4 + 160 * 12 // 2, 784)  # (320 - 1600 + 960) / 784 = -320/784
    # Q_k = (x1 (n0 - x0) + x0 (n1 - x1)) / (2 N)
    q1 = F(6 * 12 + 3 * 4, 50)  # 84/50
    q2 = F(4 * 15 + 5 * 4, 56)  # 80/56
    var = (rd * (p1 + p2) + q1 + q2) / (w[0] + w[1]) ** 2
    se = float(var) ** 0.5
    z = norm.ppf(0.975)
    got = res.loc["g"]
    assert got["difference"] == pytest.approx(float(rd), rel=1e-14)
    assert got["lower"] == pytest.approx(float(rd) - z * se, rel=1e-13)
    assert got["upper"] == pytest.approx(float(rd) + z * se, rel=1e-13)
    assert got["p"] == pytest.approx(2 * norm.sf(float(rd) / se), rel=1e-12)
    assert got["value"] == pytest.approx(10 / 18) and got["reference"] == pytest.approx(8 / 35)
    assert (got["n_group"], got["n_rest"], got["x_group"], got["x_rest"]) == (18, 35, 10, 8)
    assert res.loc["r", "difference"] == pytest.approx(-float(rd), rel=1e-14)


def test_risk_difference_sato_variance_is_the_binomial_one_in_one_large_stratum() -> None:
    y = np.r_[np.ones(60), np.zeros(40), np.ones(60), np.zeros(240)]
    res = risk_difference_vs_rest(y, np.repeat(["a", "b"], [100, 300]))
    se = (res.loc["a", "upper"] - res.loc["a", "lower"]) / (2 * norm.ppf(0.975))
    assert se**2 == pytest.approx(0.6 * 0.4 / 100 + 0.2 * 0.8 / 300, rel=1e-12)


# ----------------------------------------------------------------- counts and errors


def test_counts_subset_collapse_and_totals() -> None:
    c = _counts("cp")
    assert c.groups == (0, 1, 2, 3) and c.strata == (0, 1, 2)
    assert c.n.sum() == 300 and c.n_event.sum() == _cp()["event"].sum()
    assert np.array_equal(c.total_risk, c.n_risk.sum(axis=1))
    sub = c.subset([2, 0])
    assert sub.strata == (2, 0) and np.array_equal(sub.n_event[1], c.n_event[0])
    assert c.subset(np.array([False, True, False])).strata == (1,)
    with pytest.raises(EstimationError, match="not in the counts"):
        c.subset(["nope"])
    whole = c.collapse()
    assert whole.strata == ("all",) and np.array_equal(whole.n_risk[0], c.n_risk.sum(axis=0))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"time": [1.0, np.nan]}, "time has missing"),
        ({"event": [1, 2]}, "event must be bool or 0/1"),
        ({"event": [1, np.nan]}, "event has missing"),
        ({"group": ["a", None]}, "group has missing"),
        ({"group": ["a"]}, "group has 1 values but time has 2"),
        ({"strata": ["u", "v", "w"]}, "strata has 3 values"),
        ({"entry": [0.0, 3.0]}, "row 1 has entry 3.0 and time 3.0"),
        ({"entry": [0.0]}, "entry has 1 values"),
    ],
)
def test_grouped_counts_rejects_bad_input(kwargs: dict[str, Any], match: str) -> None:
    args: dict[str, Any] = {"time": [2.0, 3.0], "event": [1, 0], "group": ["a", "b"]}
    args.update(kwargs)
    time, event, group = args.pop("time"), args.pop("event"), args.pop("group")
    with pytest.raises(EstimationError, match=match):
        grouped_counts(time, event, group, **args)


# ------------------------------------------------------------------------- properties

_rows = st.lists(
    st.tuples(st.integers(1, 12), st.booleans(), st.sampled_from("abc"), st.sampled_from("xy")),
    min_size=12, max_size=60,
)


def _all_stats(time: Any, event: Any, group: Any, strata: Any) -> list[pd.DataFrame]:
    c = grouped_counts(time, event, group, strata=strata)
    return [logrank_vs_rest(c), cox_vs_rest(c), km_quantiles(c, [0.25, 0.5]),
            quantile_ratio_vs_rest(c, 0.5), risk_difference_vs_rest(event, group, strata=strata)]


@settings(max_examples=30, deadline=None)
@given(_rows, st.randoms(use_true_random=False))
def test_shuffling_rows_changes_nothing(rows: list[tuple], rnd: Any) -> None:
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    before = _all_stats(*(np.array(col) for col in zip(*rows, strict=True)))
    after = _all_stats(*(np.array(col) for col in zip(*shuffled, strict=True)))
    for a, b in zip(before, after, strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 15), st.booleans(), st.sampled_from("AB"),
                          st.sampled_from("xyz")), min_size=8, max_size=50))
def test_two_groups_are_mirror_images(rows: list[tuple]) -> None:
    time, event, group, strata = (np.array(col) for col in zip(*rows, strict=True))
    c = grouped_counts(time, event, group, strata=strata)
    if len(c.groups) < 2:
        return
    lr = logrank_vs_rest(c)
    diff = lr["observed"] - lr["expected"]
    assert diff["A"] == pytest.approx(-diff["B"], abs=1e-9, nan_ok=True)
    assert lr.loc["A", "variance"] == pytest.approx(lr.loc["B", "variance"], rel=1e-9,
                                                    nan_ok=True)
    cx = cox_vs_rest(c)
    if np.isfinite(cx.loc["A", "coef"]) and cx["converged"].all() and cx["std_err"].max() < 50:
        assert cx.loc["A", "coef"] == pytest.approx(-cx.loc["B", "coef"], rel=1e-8, abs=1e-8)
        assert cx.loc["A", "std_err"] == pytest.approx(cx.loc["B", "std_err"], rel=1e-8)
    rd = risk_difference_vs_rest(event, group, strata=strata)
    assert rd.loc["A", "difference"] == pytest.approx(-rd.loc["B", "difference"], abs=1e-12,
                                                      nan_ok=True)


@settings(max_examples=30, deadline=None)
@given(_rows)
def test_quantiles_monotone_in_q(rows: list[tuple]) -> None:
    time, event, group, strata = (np.array(col) for col in zip(*rows, strict=True))
    c = grouped_counts(time, event, group, strata=strata)
    probs = [0.1, 0.25, 0.5, 0.75, 0.9]
    qs = km_quantiles(c, probs)
    for _, cell in qs.groupby(["stratum", "group", "side"]):
        est = cell.sort_values("q")["estimate"].to_numpy()
        reached = est[~np.isnan(est)]
        assert (np.diff(reached) >= 0).all()
        # once a quantile is not reached, no higher one is
        assert not np.isnan(est).any() or np.isnan(est[np.argmax(np.isnan(est)):]).all()
