"""Piecewise-exponential Poisson rates: equal to Breslow Cox, pandas == DuckDB, hand cases."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _support.reference import read_reference
from trajectory.errors import EstimationError
from trajectory.estimators.count_table import CountTable
from trajectory.estimators.poisson import aggregate_counts, poisson_rates
from trajectory.estimators.regression import cox

COVS = ["zone", "sex"]


def _cohort(seed: int, n: int = 2000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"zone": rng.choice(["a", "b", "c"], n), "sex": rng.choice(["F", "M"], n)})
    lam = 0.02 * np.exp(0.5 * (df["zone"] == "b") - 0.3 * (df["sex"] == "M"))
    t = np.ceil(rng.exponential(1 / lam))
    c = rng.integers(1, 150, n)
    df["time"] = np.minimum(t, c)
    df["outcome"] = np.where(t <= c, rng.choice(["court", "alternative"], n), "censored")
    df["entry"] = np.where(rng.random(n) < 0.3, np.floor(df["time"] * rng.random(n)), 0.0)
    return df


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return _cohort(1)


@pytest.mark.parametrize("entry", [None, "entry"])
@pytest.mark.parametrize("solver", ["glm", "profile"])
def test_cuts_at_events_reproduce_breslow_cox(cohort, entry, solver):
    ref = cox(cohort, covariates=COVS, cause="court", ties="breslow", entry=entry)
    got = poisson_rates(cohort, covariates=COVS, cause="court", entry=entry, solver=solver)
    assert got.table["term"].tolist() == ref.table["term"].tolist()
    np.testing.assert_allclose(got.table["estimate"], ref.table["estimate"], atol=1e-7)
    np.testing.assert_allclose(got.table["std_err"], ref.table["std_err"], atol=1e-7)
    assert got.n_event == ref.n_event and got.n == len(cohort)


def test_glm_and_profile_baselines_agree(cohort):
    a = poisson_rates(cohort, covariates=COVS, cause="court", solver="glm")
    b = poisson_rates(cohort, covariates=COVS, cause="court", solver="profile")
    np.testing.assert_allclose(a.baseline["rate"], b.baseline["rate"], rtol=1e-6)
    np.testing.assert_allclose(a.baseline["person_time"], b.baseline["person_time"])
    assert a.person_time == pytest.approx(b.person_time)


def test_duckdb_aggregation_equals_pandas(cohort, tmp_path):
    kw = {"covariates": COVS, "cause": "court", "entry": "entry"}
    ref = aggregate_counts(cohort, **kw)
    assert ref["count"].sum() == len(cohort)
    pd.testing.assert_frame_equal(aggregate_counts(cohort, engine="duckdb", **kw), ref)
    path = tmp_path / "cohort.parquet"
    cohort.to_parquet(path)
    pd.testing.assert_frame_equal(aggregate_counts(path, engine="duckdb", **kw), ref)
    con = duckdb.connect()
    rel = con.read_parquet(str(path))
    pd.testing.assert_frame_equal(aggregate_counts(rel, engine="duckdb", **kw), ref)
    con.close()
    a = poisson_rates(path, engine="duckdb", covariates=COVS, cause="court", cuts=[0, 50, 100])
    b = poisson_rates(cohort, covariates=COVS, cause="court", cuts=[0, 50, 100])
    pd.testing.assert_frame_equal(a.table, b.table)


@pytest.mark.parametrize("entry", [None, "entry"])
def test_duckdb_profile_path_equals_cox(cohort, tmp_path, entry):
    ref = cox(cohort, covariates=COVS, cause="court", ties="breslow", entry=entry)
    path = tmp_path / "cohort.parquet"
    cohort.to_parquet(path)
    got = poisson_rates(path, engine="duckdb", covariates=COVS, cause="court", entry=entry)
    assert got.method.startswith("piecewise-exponential Poisson (cuts at events")
    assert got.table["term"].tolist() == ref.table["term"].tolist()
    np.testing.assert_allclose(got.table["estimate"], ref.table["estimate"], atol=1e-7)
    np.testing.assert_allclose(got.table["std_err"], ref.table["std_err"], atol=1e-7)
    pandas = poisson_rates(cohort, covariates=COVS, cause="court", entry=entry)
    pd.testing.assert_frame_equal(got.baseline, pandas.baseline, rtol=1e-9)
    with pytest.raises(EstimationError, match="missing"):
        poisson_rates(cohort.assign(sex=cohort["sex"].where(cohort.index > 0)), covariates=COVS,
                      cause="court", engine="duckdb")


def test_categorical_reference_level_kept_by_every_path(cohort, tmp_path):
    cat = cohort.assign(zone=pd.Categorical(cohort["zone"], categories=["c", "a", "b"]))
    ref = cox(cat, covariates=COVS, cause="court", ties="breslow")
    assert ref.table["term"].iloc[0] == "zone[T.a]"
    for kw in ({"solver": "profile"}, {"solver": "glm"}, {"engine": "duckdb"}):
        got = poisson_rates(cat, covariates=COVS, cause="court", **kw)
        assert got.table["term"].tolist() == ref.table["term"].tolist(), kw
        np.testing.assert_allclose(got.table["estimate"], ref.table["estimate"], atol=1e-7)
    path = tmp_path / "c.parquet"
    cat.to_parquet(path)
    formula = "C(zone, Treatment('c')) + sex"
    got = poisson_rates(path, engine="duckdb", formula=formula, covariates=COVS, cause="court")
    np.testing.assert_allclose(got.table["estimate"], ref.table["estimate"], atol=1e-7)


def test_one_interval_binary_covariate_is_ratio_of_crude_rates():
    df = pd.DataFrame({"time": [2.0, 4, 6, 3, 5, 1, 8], "g": list("aaabbbb"),
                       "outcome": ["court", "censored", "court", "court", "court",
                                   "censored", "court"]})
    fit = poisson_rates(df, covariates=["g"], cause="court", cuts=[])
    rate_a, rate_b = 2 / 12, 3 / 17
    assert fit.table["rate_ratio"].iloc[0] == pytest.approx(rate_b / rate_a, rel=1e-8)
    assert fit.table["std_err"].iloc[0] == pytest.approx(np.sqrt(1 / 2 + 1 / 3), rel=1e-6)
    assert fit.baseline["rate"].iloc[0] == pytest.approx(rate_a, rel=1e-8)
    assert fit.person_time == pytest.approx(29.0)


def test_true_person_time_split_with_entry():
    # at risk (2, 4], (0, 6] in group a and (0, 9], (1, 3] in group b; cut at 5:
    # person-time before 5: 2 + 5 + 5 + 2 = 14, after: 1 + 4 = 5
    df = pd.DataFrame({"time": [4.0, 6, 9, 3], "entry": [2.0, 0, 0, 1], "g": list("aabb"),
                       "outcome": ["court"] * 4})
    fit = poisson_rates(df, covariates=["g"], cause="court", entry="entry", cuts=[5])
    assert fit.baseline["person_time"].tolist() == [14.0, 5.0]
    assert fit.baseline["events"].tolist() == [2.0, 2.0]
    assert fit.person_time == 19.0


def test_errors(cohort):
    with pytest.raises(EstimationError, match="no events"):
        poisson_rates(cohort, covariates=COVS, cause="court", cuts=[0, 0.5])
    with pytest.raises(EstimationError, match="profile"):
        poisson_rates(cohort, covariates=COVS, cause="court", cuts=[10], solver="profile")
    with pytest.raises(EstimationError, match="engine"):
        aggregate_counts(cohort, covariates=COVS, cause="court", engine="spark")
    with pytest.raises(EstimationError, match="missing"):
        aggregate_counts(cohort.assign(zone=None), covariates=COVS, cause="court",
                         engine="duckdb")


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_aggregation_counts_every_case_once(seed):
    df = _cohort(seed, n=200)
    agg = aggregate_counts(df, covariates=COVS, cause="court")
    assert agg["count"].sum() == len(df)
    assert (agg["status"] * agg["count"]).sum() == (df["outcome"] == "court").sum()
    shuffled = aggregate_counts(df.sample(frac=1, random_state=seed), covariates=COVS,
                                cause="court")
    pd.testing.assert_frame_equal(shuffled, agg)


# --- a level without events (tests/reference/regression_monotone_fg_poisson.R)

BLANK = ["estimate", "std_err", "lower", "upper", "p", "rate_ratio", "rr_lower", "rr_upper"]


@pytest.mark.parametrize("cuts,solver,model", [
    ("events", "profile", "coxph_breslow"), ("events", "glm", "coxph_breslow"),
    ([0, 5], "glm", "glm_cuts_0_5_12")])
@pytest.mark.parametrize("reference", ["a", "c"])
def test_level_without_events_is_not_estimable(cuts, solver, model, reference):
    data = read_reference("data/monotone_competing.csv")  # group c: no court outcome
    ref = read_reference("regression_monotone_fg_poisson.csv").query(
        "model == @model and reference == @reference").reset_index(drop=True)
    fit = poisson_rates(data, cause="court", cuts=cuts, solver=solver, covariates=["group", "z"],
                        formula=f"C(group, Treatment('{reference}')) + z")
    names = [t if t == "z" else f"group[T.{t}]" for t in ref["term"]]
    assert fit.table["term"].tolist() == names
    # R: coxph warns "may be infinite" for these; glm returns |coef| ~32, se ~3e6
    runaway = ref["term"].isin(["c"] if reference == "a" else ["a", "b"]).to_numpy()
    assert (ref.loc[runaway, "coef"].abs() > 20).all()
    if model == "coxph_breslow":
        np.testing.assert_array_equal(ref["may_be_infinite"].to_numpy(bool), runaway)
    assert sorted(fit.notes["non_estimable"]) == sorted(np.array(names)[runaway])
    assert fit.table.loc[runaway, BLANK].isna().all().all()
    assert fit.vcov.loc[np.array(names)[runaway]].isna().all().all()
    ok = ~runaway
    np.testing.assert_allclose(fit.table.loc[ok, "estimate"], ref.loc[ok, "coef"], atol=1e-7)
    np.testing.assert_allclose(fit.table.loc[ok, "std_err"], ref.loc[ok, "se"], rtol=1e-6)
    reason = " ".join(fit.notes["non_estimable"].values())
    assert ("level 'c' of group" if reference == "a" else "reference level of group") in reason


@pytest.mark.parametrize("cuts", ["events", [0, 30, 90, 180, 365]])
def test_sparse_synthetic_study_reports_levels_without_events(cuts):
    # the defect: offence groups without a court decision gave rate ratios near 1e-12
    # with intervals (0, inf)
    from trajectory.cohort import build_cohort
    from trajectory.synth import make_study

    log, _ = make_study(300, seed=1, scenario="brussels")
    table = build_cohort(log, origin="E11").table
    table = table[table["division"].notna()]
    courts = table.assign(c=table["outcome"] == "court").groupby(
        "offence_group", observed=True)["c"].sum()
    empty = sorted(f"offence_group[T.{g}]" for g in courts.index[courts == 0])
    assert empty  # the seed gives levels without a court decision
    fit = poisson_rates(table, covariates=["offence_group", "division"], cause="court",
                        cuts=cuts)
    assert sorted(fit.notes["non_estimable"]) == empty
    shown = fit.table[~fit.table["term"].isin(empty)]
    assert np.isfinite(shown[["estimate", "lower", "upper"]].to_numpy()).all()
    assert (shown["estimate"].abs() < 5).all()
    assert fit.table.loc[fit.table["term"].isin(empty), BLANK].isna().all().all()
    # the same cases as a count table go through the same reporting (cox, Breslow)
    counted = cox(CountTable.from_cases(table, keys=["offence_group", "division"]),
                  covariates=["offence_group", "division"], cause="court", ties="breslow")
    assert sorted(counted.notes["non_estimable"]) == empty
