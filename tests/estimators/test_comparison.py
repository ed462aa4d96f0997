"""Tests of trajectory.estimators.comparison against R survdiff, a hand G(rho, gamma) test
and cmprsk::cuminc.

Reference CSVs: tests/reference/nonparametric_logrank.csv and nonparametric_gray.csv,
written by tests/reference/nonparametric_tests.R (R 4.2.2, survival 3.5.3, cmprsk 2.2.11).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _support.reference import lung, read_reference
from trajectory.errors import EstimationError
from trajectory.estimators import gray_test, logrank

REF = Path(__file__).resolve().parents[1] / "reference"
TOL = 1e-8


def _lung_ecog() -> pd.DataFrame:
    data = lung().dropna(subset=["ph.ecog"])
    return data.assign(**{"ph.ecog": data["ph.ecog"].astype(int)})


def _ties() -> pd.DataFrame:
    return read_reference("data/np_ties.csv")


def _mgus2() -> pd.DataFrame:
    mg = read_reference("data/mgus2.csv")
    mg["etime"] = np.where(mg["pstat"] == 0, mg["futime"], mg["ptime"])
    ev = np.where(mg["pstat"] == 0, np.where(mg["death"] == 1, "death", "censor"), "pcm")
    mg["event"] = pd.Categorical(ev, categories=["censor", "pcm", "death"])
    return mg


LOGRANK_SPECS = {
    "lung_sex": (lung, {"event": "dead", "by": "sex"}),
    "lung_ecog_strata_sex": (_lung_ecog, {"event": "dead", "by": "ph.ecog", "strata": "sex"}),
    "ties_group": (_ties, {"event": "status", "by": "group"}),
    "ties_wi_strata_group": (_ties, {"event": "status", "by": "wi", "strata": "group"}),
    "ties_group_entry": (_ties, {"event": "status", "by": "group", "entry": "entry"}),
}
GRAY_SPECS = {
    "mgus2_sex": (_mgus2, {"time": "etime", "event": "event", "censored": "censor", "by": "sex"}),
    "ties_group": (_ties, {"by": "group"}),
    "ties_wi_strata_group": (_ties, {"by": "wi", "strata": "group"}),
}


def _logrank_cases() -> list[tuple[str, float, float, str]]:
    ref = read_reference("nonparametric_logrank.csv")
    keys = ref[["spec", "rho", "gamma", "source"]].drop_duplicates()
    return [tuple(r) for r in keys.itertuples(index=False)]


@pytest.mark.parametrize(("spec", "rho", "gamma", "source"), _logrank_cases())
def test_logrank_matches_r(spec: str, rho: float, gamma: float, source: str) -> None:
    """source=survdiff: R survdiff(rho=); source=hand: the R fh_test() loop (any gamma)."""
    ref = read_reference("nonparametric_logrank.csv")
    ref = ref[(ref["spec"] == spec) & (ref["rho"] == rho) & (ref["gamma"] == gamma)
              & (ref["source"] == source)]
    make, kw = LOGRANK_SPECS[spec]
    res = logrank(make(), rho=rho, gamma=gamma, **kw)
    assert res.statistic == pytest.approx(ref["statistic"].iloc[0], abs=TOL)
    assert res.df == ref["df"].iloc[0]
    assert res.p == pytest.approx(ref["p"].iloc[0], abs=TOL)
    assert res.table["group"].astype(str).tolist() == ref["group"].astype(str).tolist()
    np.testing.assert_allclose(res.table["observed"], ref["observed"], rtol=0, atol=TOL)
    np.testing.assert_allclose(res.table["expected"], ref["expected"], rtol=0, atol=TOL)


@pytest.mark.parametrize("rho", [0.0, 1.0])
@pytest.mark.parametrize("spec", list(GRAY_SPECS))
def test_gray_test_matches_cmprsk_cuminc(spec: str, rho: float) -> None:
    ref = read_reference("nonparametric_gray.csv")
    ref = ref[(ref["spec"] == spec) & (ref["rho"] == rho)].reset_index(drop=True)
    make, kw = GRAY_SPECS[spec]
    res = gray_test(make(), rho=rho, **kw)
    assert res.table["state"].tolist() == ref["state"].tolist()
    np.testing.assert_allclose(res.table["statistic"], ref["statistic"], rtol=0, atol=TOL)
    np.testing.assert_allclose(res.table["p"], ref["p"], rtol=0, atol=TOL)
    assert res.table["df"].tolist() == ref["df"].tolist()
    assert res.statistic == res.table["statistic"].iloc[0]
    second = gray_test(make(), rho=rho, cause=ref["state"].iloc[1], **kw)
    assert second.statistic == pytest.approx(ref["statistic"].iloc[1], abs=TOL)


def test_two_group_logrank_by_hand() -> None:
    """Times 1..4, all events, arms a,b,a,b: O-E and hypergeometric variance by hand."""
    df = pd.DataFrame({"time": [1, 2, 3, 4], "outcome": [1, 1, 1, 1],
                       "arm": ["a", "b", "a", "b"]})
    # risk sets (a, b): (2,2), (1,2), (1,1), (0,1); events a,b,a,b
    e_a = 2 / 4 + 1 / 3 + 1 / 2 + 0
    v = (2 * 2 / 16) * 1 + (1 * 2 / 9) * 1 + (1 * 1 / 4) * 1 + 0
    res = logrank(df, by="arm")
    assert res.table["expected"].iloc[0] == pytest.approx(e_a)
    assert res.statistic == pytest.approx((2 - e_a) ** 2 / v)


@st.composite
def two_arm(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(4, 30))
    arm = draw(st.lists(st.sampled_from(["x", "y", "z"]), min_size=n, max_size=n))
    if len(set(arm)) < 2:
        arm[0], arm[1] = "x", "y"
    outcome = draw(st.lists(st.sampled_from(["censored", "a", "b"]), min_size=n, max_size=n))
    outcome[0] = "a"  # at least one event
    return pd.DataFrame({
        "time": draw(st.lists(st.integers(1, 6), min_size=n, max_size=n)),
        "outcome": outcome,
        "arm": arm,
    })


@settings(max_examples=30, deadline=None)
@given(two_arm(), st.randoms(use_true_random=False))
def test_shuffling_rows_and_relabelling_groups_change_nothing(df: pd.DataFrame, rnd) -> None:
    perm = list(range(len(df)))
    rnd.shuffle(perm)
    renamed = df.iloc[perm].assign(arm=df["arm"].iloc[perm].map({"x": "q", "y": "c", "z": "m"}))
    for rho, gamma in [(0, 0), (1, 0), (0.5, 1)]:
        a = logrank(df, by="arm", rho=rho, gamma=gamma)
        b = logrank(renamed, by="arm", rho=rho, gamma=gamma)
        assert a.statistic == pytest.approx(b.statistic, rel=1e-9, abs=1e-12)
        assert a.df == b.df


def test_comparison_errors() -> None:
    df = pd.DataFrame({"time": [1, 2], "outcome": [1, 0], "arm": ["a", "a"]})
    with pytest.raises(EstimationError, match="single level"):
        logrank(df, by="arm")
    df2 = pd.DataFrame({"time": [1, 2, 3], "outcome": ["a", "b", "a"], "arm": ["x", "y", "x"]})
    with pytest.raises(EstimationError, match="not an outcome level"):
        gray_test(df2, by="arm", cause="c")
