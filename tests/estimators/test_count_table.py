"""Estimators on a CountTable give the results they give on the case rows it counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trajectory.errors import EstimationError
from trajectory.estimators import (
    CountTable,
    cox,
    cumulative_incidence,
    fine_gray,
    gray_test,
    kaplan_meier,
    logrank,
    nelson_aalen,
    poisson_rates,
)


def _cases(seed: int, n: int = 800, entry: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    zone = rng.choice(["north", "south", "east"], n)
    s = rng.choice(["hate", "ifv"], n)
    t = np.ceil(rng.exponential(np.where(zone == "south", 15.0, 30.0)))  # integer days: ties
    c = rng.integers(3, 60, n)
    out = np.where(t <= c, rng.choice(["court", "dismissal"], n), "censored")
    d = pd.DataFrame({"time": np.minimum(t, c).astype(float), "outcome": out, "zone": zone,
                      "s": s, "w": rng.choice([0.5, 1.0, 2.5], n)})
    if entry:
        d["entry"] = np.floor(d["time"] * rng.uniform(0, 0.8, n))
    return d


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                  check_exact=False, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("entry", [False, True])
def test_curves_equal_on_counts(entry):
    d = _cases(1, entry=entry)
    ent = "entry" if entry else None
    ct = CountTable.from_cases(d, keys=["zone", "s"], entry=ent)
    assert len(ct.table) < len(d) and ct.n_cases == len(d)
    for f in (kaplan_meier, nelson_aalen, cumulative_incidence):
        a = f(d, by="zone", entry=ent)
        b = f(ct, by="zone")
        _same(a.table, b.table)
        assert a.n == b.n
    # weighted cases: the counts carry sums of weights and of squared weights (AJ variance)
    cw = CountTable.from_cases(d, keys=["zone"], entry=ent, weights="w")
    assert cw.weighted
    _same(cumulative_incidence(d, by="zone", entry=ent, weights="w").table,
          cumulative_incidence(cw, by="zone").table)
    _same(kaplan_meier(d, by="zone", entry=ent, weights="w").table,
          kaplan_meier(cw, by="zone").table)


def test_tests_equal_on_counts():
    d = _cases(2)
    ct = CountTable.from_cases(d, keys=["zone", "s"])
    a, b = logrank(d, by="zone", strata="s"), logrank(ct, by="zone", strata="s")
    assert b.statistic == pytest.approx(a.statistic, rel=1e-10)
    _same(a.table, b.table)
    a, b = gray_test(d, by="zone", strata="s"), gray_test(ct, by="zone", strata="s")
    _same(a.table, b.table)


@pytest.mark.parametrize("entry", [False, True])
def test_breslow_cox_and_poisson_equal_on_counts(entry):
    d = _cases(3, entry=entry)
    ent = "entry" if entry else None
    ct = CountTable.from_cases(d, keys=["zone", "s"], entry=ent)
    a = cox(d, covariates=["zone", "s"], cause="court", entry=ent, ties="breslow")
    b = cox(ct, covariates=["zone", "s"], cause="court", ties="breslow")
    _same(a.table, b.table)
    assert (a.n, a.n_event) == (b.n, b.n_event)
    assert b.loglik == pytest.approx(a.loglik, abs=1e-8)
    a = poisson_rates(d, covariates=["zone"], cause="court", entry=ent)
    b = poisson_rates(ct, covariates=["zone"], cause="court")
    _same(a.table, b.table)
    a = poisson_rates(d, covariates=["zone"], cause="court", entry=ent, cuts=[0, 10, 30])
    b = poisson_rates(ct, covariates=["zone"], cause="court", cuts=[0, 10, 30])
    _same(a.table, b.table)


def test_functions_needing_case_rows_say_so():
    d = _cases(4)
    ct = CountTable.from_cases(d, keys=["zone"])
    with pytest.raises(EstimationError, match="needs case rows"):
        cox(ct, covariates=["zone"], cause="court")  # Efron
    with pytest.raises(EstimationError, match="needs case rows"):
        cox(ct, covariates=["zone"], cause="court", ties="breslow", cluster="zone")
    with pytest.raises(EstimationError, match="needs case rows"):
        fine_gray(ct, cause="court", covariates=["zone"])
    with pytest.raises(EstimationError, match=r"\['w'\] are not keys"):
        cox(ct, covariates=["zone", "w"], cause="court", ties="breslow")
    with pytest.raises(EstimationError, match=r"\['w'\] are not keys"):
        cox(ct, formula="zone + np.log(w)", cause="court", ties="breslow")
    with pytest.raises(EstimationError, match="needs case rows"):
        poisson_rates(ct, covariates=["s"], cause="court")
    with pytest.raises(EstimationError, match="weights= applies to case rows"):
        kaplan_meier(ct, weights="n")
    with pytest.raises(EstimationError, match="missing column"):
        CountTable(d[["time", "outcome"]], keys=())


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 8), st.sampled_from(["a", "b", "censored"]),
                          st.sampled_from(["x", "y"])), min_size=3, max_size=40))
def test_property_counts_equal_cases(rows):
    d = pd.DataFrame(rows, columns=["time", "outcome", "g"]).astype({"time": float})
    ct = CountTable.from_cases(d, keys=["g"])
    if (d["outcome"] == "censored").all():
        return
    _same(kaplan_meier(d, by="g").table, kaplan_meier(ct, by="g").table)
    _same(cumulative_incidence(d, by="g").table, cumulative_incidence(ct, by="g").table)
    if d["g"].nunique() == 2:
        _same(logrank(d, by="g").table, logrank(ct, by="g").table)
