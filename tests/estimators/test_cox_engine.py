"""The one Cox solver (estimators/_cox_engine.py) against R coxph, and its edge cases.

R calls: tests/reference/regression_cox_entry.R (delayed entry + strata + cluster) and
regression_cox_monotone.R (separated events: regression_cox_separated.csv).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from _support.reference import read_reference
from trajectory.errors import EstimationError
from trajectory.estimators import _cox_engine as ce
from trajectory.estimators.regression import cox

FORMULA = "C(rx, Treatment('Obs')) + sex + age + nodes"


@pytest.fixture(scope="module")
def colon() -> pd.DataFrame:
    d = read_reference("data/colon.csv")
    d = d.dropna(subset=["time", "status", "rx", "sex", "age", "nodes"]).reset_index(drop=True)
    d["entry"] = np.minimum(d["time"] - 1, (np.arange(1, len(d) + 1) % 7) * 30)
    return d


@pytest.fixture(scope="module")
def big() -> pd.DataFrame:
    i = np.arange(1, 40_001, dtype=np.int64)
    d = pd.DataFrame({
        "id": (i - 1) // 2, "s": i % 4, "x": ((i * 7919) % 101) / 100,
        "g": pd.Categorical((i * 13) % 3),
        "time": (1 + (i * 104729) % 997 + (i % 3) * ((i * 7) % 200)).astype(float),
        "status": (((i * 31) % 5) > 1).astype(int),
    })
    d["entry"] = np.minimum(d["time"] - 1, (i % 11) * 20)
    return d


def _check(fit, ref) -> None:
    np.testing.assert_allclose(fit.table["estimate"], ref["coef"], atol=1e-8, rtol=0)
    np.testing.assert_allclose(fit.table["std_err"], ref["se"], rtol=1e-7)
    naive = np.array(list(fit.notes["naive_std_err"].values()))
    np.testing.assert_allclose(naive, ref["naive_se"], rtol=1e-7)
    assert fit.loglik == pytest.approx(ref["loglik"].iloc[0], abs=1e-6)
    assert fit.loglik_null == pytest.approx(ref["loglik_null"].iloc[0], abs=1e-6)
    assert fit.n_event == ref["nevent"].iloc[0]


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_entry_strata_cluster_match_r_coxph_to_1e8(ties, colon):
    fit = cox(colon, formula=FORMULA, event="status", entry="entry", strata="etype",
              cluster="id", ties=ties)
    _check(fit, read_reference("regression_cox_entry.csv").query("ties == @ties"))


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_large_loglik_reaches_r_maximum(ties, big):
    # |loglik| ~ 2e5: a stopping rule on log-likelihood changes decides on rounding here
    fit = cox(big, formula="x + g", event="status", entry="entry", strata="s", cluster="id",
              ties=ties)
    _check(fit, read_reference("regression_cox_entry_big.csv").query("ties == @ties"))
    data, cfit, _, _ = fit.model_data
    assert cfit.converged
    assert np.max(np.abs(cfit.pieces.grad)) < 1e-6  # the score is zero at the estimate


@pytest.mark.parametrize("ties", ["breslow", "efron"])
@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf])
def test_weights_refused_where_r_refuses(ties, bad, colon):
    d = colon.assign(w=1.0)
    d.loc[3, "w"] = bad
    with pytest.raises(EstimationError, match=r"row 3: weights must be|missing value"):
        cox(d, formula=FORMULA, event="status", weights="w", ties=ties)


def test_count_table_fit_equals_case_rows():
    rng = np.random.default_rng(5)
    n = 3000
    zone = rng.integers(0, 3, n)
    stratum = rng.integers(0, 2, n)
    t = np.ceil(rng.exponential(30 / np.exp(0.4 * zone)))
    ev = rng.random(n) < 0.7
    X = np.eye(3)[:, 1:]  # patterns 0, 1, 2 -> dummies
    rows = cox(pd.DataFrame({"time": t, "ev": ev, "zone": zone.astype(str), "s": stratum}),
               covariates=["zone"], event="ev", strata="s", ties="breslow")
    # count table: pattern x (stratum, event time) cells
    risk, event = [], []
    for s in (0, 1):
        ts = np.unique(t[(stratum == s) & ev])
        for time in ts:
            k = stratum == s
            risk.append([np.sum(k & (zone == z) & (t >= time)) for z in range(3)])
            event.append([np.sum(k & (zone == z) & (t == time) & ev) for z in range(3)])
    fit = ce.fit_cox(ce.counts_data(X, np.array(risk).T, np.array(event).T), ties="breslow")
    np.testing.assert_allclose(fit.beta, rows.table["estimate"], atol=1e-10)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.var)), rows.table["std_err"], rtol=1e-9)
    assert fit.loglik == pytest.approx(rows.loglik, abs=1e-8)


def test_monotone_likelihood_raises_or_returns_unconverged():
    # every event of x = 1 precedes every event of x = 0: the coefficient runs off
    X = np.r_[np.ones(4), np.zeros(4)][:, None]
    data = ce.make_data(X, None, np.arange(1.0, 9.0), np.ones(8, bool))
    with pytest.raises(EstimationError, match="did not converge"):
        ce.fit_cox(data, ties="breslow", max_iter=15)
    fit = ce.fit_cox(data, ties="breslow", max_iter=15, on_fail="return")
    assert not fit.converged and fit.beta[0] > 5
    with pytest.raises(EstimationError, match="Breslow ties"):
        ce.fit_cox(ce.counts_data(X[[0, 4]], np.ones((2, 1)), np.ones((2, 1))), ties="efron")


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_separated_events_stop_cleanly_where_r_warns_may_be_infinite(ties):
    # the same 8 cases at the default iterations: the risk set of the last times (x = 0
    # only, risk ~1e-7 of the x = 1 rows') once came out as a difference of large sums,
    # <= 0, and the fit overflowed (RuntimeWarnings) before failing to converge
    ref = read_reference("regression_cox_separated.csv").query("ties == @ties")
    X = np.r_[np.ones(4), np.zeros(4)][:, None]
    data = ce.make_data(X, None, np.arange(1.0, 9.0), np.ones(8, bool))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = ce.fit_cox(data, ties=ties)
    assert fit.converged and fit.beta[0] > 20  # R stops at 22.1, the solver runs further
    assert fit.infinite.tolist() == ref["may_be_infinite"].tolist() == [True]
    assert fit.loglik == pytest.approx(ref["loglik"].iloc[0], abs=1e-7)  # the supremum
    assert fit.loglik_null == pytest.approx(ref["loglik_null"].iloc[0], abs=1e-10)


def test_counts_data_rejects_inconsistent_tables():
    with pytest.raises(EstimationError, match="between 0 and the number at risk"):
        ce.counts_data(np.zeros((1, 1)), np.array([[1.0]]), np.array([[2.0]]))


@pytest.fixture(scope="module")
def zones() -> pd.DataFrame:
    d = read_reference("data/cox_entry_strata.csv")
    d["zone"] = pd.Categorical(d["zone"], ["centre", "east", "north", "south", "west"])
    return d


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_zones_entry_strata_cluster_match_r_coxph_to_1e8(ties, zones):
    # the data on which the former solver stopped 6e-8 short of R (Efron)
    fit = cox(zones, covariates=["zone"], event="status", entry="entry", strata="s",
              cluster="cl", ties=ties)
    ref = read_reference("regression_cox_entry_zones.csv").query(
        "model == 'zones' and ties == @ties")
    _check(fit, ref)
