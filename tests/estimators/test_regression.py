"""Cox regression against R survival 3.5 (tests/reference/regression_cox.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _support.reference import read_reference
from trajectory.errors import EstimationError
from trajectory.estimators.regression import cause_specific_cox, cox
from trajectory.results import MODEL_COLUMNS

REF = Path(__file__).resolve().parents[1] / "reference"


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    d = read_reference("data/lung.csv").dropna(subset=["time", "status", "age", "sex", "ph.ecog"])
    d = d.reset_index(drop=True)
    d["event"] = (d["status"] == 2).astype(int)
    d["entry"] = np.minimum(d["time"] - 1, (np.arange(1, len(d) + 1) % 5) * 20)
    d["w"] = (d["inst"] % 3 + 1).fillna(1)
    return d


@pytest.fixture(scope="module")
def colon() -> pd.DataFrame:
    d = read_reference("data/colon.csv")
    d = d.dropna(subset=["time", "status", "rx", "sex", "age", "nodes"])
    return d.reset_index(drop=True)


# case -> (data name, cox kwargs); R calls are in regression_cox.R / the CSV "call" column
CASES = {
    "lung_main": ("lung", {"covariates": ["age", "sex", "ph.ecog"], "event": "event"}),
    "colon_death": ("colon2", {"formula": "C(rx, Treatment('Obs')) + sex + age + nodes",
                               "event": "status"}),
    "lung_strata": ("lung", {"covariates": ["age", "ph.ecog"], "strata": "sex",
                             "event": "event"}),
    "colon_cluster": ("colon", {"formula": "C(rx, Treatment('Obs')) + sex + age + nodes",
                                "event": "status", "cluster": "id"}),
    "colon_strata_cluster": ("colon", {"formula": "C(rx, Treatment('Obs')) + sex + age + nodes",
                                       "event": "status", "cluster": "id", "strata": "etype"}),
    "lung_entry": ("lung", {"covariates": ["age", "sex", "ph.ecog"], "entry": "entry",
                            "event": "event"}),
    "lung_weights": ("lung", {"covariates": ["age", "sex", "ph.ecog"], "weights": "w",
                              "event": "event"}),
}
PARAMS = [(c, t, "counts") for c in CASES for t in ("efron", "breslow")]


def _fit(case, ties, engine, lung, colon):
    name, kw = CASES[case]
    data = {"lung": lung, "colon": colon, "colon2": colon[colon["etype"] == 2]}[name]
    return cox(data, ties=ties, engine=engine, **kw)


@pytest.mark.parametrize(("case", "ties", "engine"), PARAMS)
def test_cox_matches_r_coxph(case, ties, engine, lung, colon):
    fit = _fit(case, ties, engine, lung, colon)
    ref = read_reference("regression_cox_coef.csv").query("case == @case and ties == @ties")
    # R's own maximum: coefficients to 1e-8 (the solver converges on score and step)
    np.testing.assert_allclose(fit.table["estimate"], ref["coef"], atol=1e-8, rtol=0)
    np.testing.assert_allclose(fit.table["std_err"], ref["se"], atol=1e-6, rtol=0)
    info = read_reference("regression_cox_fit.csv").query("case == @case and ties == @ties").iloc[0]
    assert fit.loglik == pytest.approx(info["loglik"], abs=1e-6)
    assert fit.loglik_null == pytest.approx(info["loglik_null"], abs=1e-6)
    assert (fit.n, fit.n_event) == (info["n"], info["nevent"])
    if np.isfinite(fit.concordance):
        assert fit.concordance == pytest.approx(info["concordance"], abs=1e-9)
    if "cluster" in CASES[case][1]:
        naive = np.array(list(fit.notes["naive_std_err"].values()))
        np.testing.assert_allclose(naive, ref["naive_se"], atol=1e-6, rtol=0)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("case", ["lung_main", "colon_death", "lung_strata", "lung_entry",
                                  "lung_weights"])
def test_ph_test_matches_r_cox_zph_km(case, ties, lung, colon):
    fit = _fit(case, ties, "counts", lung, colon)
    ref = read_reference("regression_cox_zph.csv").query(
        "case == @case and ties == @ties and transform == 'km'")
    got = fit.ph_test()
    np.testing.assert_allclose(got["chisq"], ref["chisq"], atol=1e-6, rtol=1e-7)
    np.testing.assert_array_equal(got["df"], ref["df"])
    np.testing.assert_allclose(got["p"], ref["p"], atol=1e-7)


@pytest.mark.parametrize("transform", ["identity", "log", "rank"])
def test_ph_test_other_transforms_match_r(transform, lung, colon):
    fit = _fit("lung_main", "efron", "counts", lung, colon)
    ref = read_reference("regression_cox_zph.csv").query(
        "case == 'lung_main' and ties == 'efron' and transform == @transform")
    np.testing.assert_allclose(fit.ph_test(transform)["chisq"], ref["chisq"], atol=1e-6)


def test_formula_reference_level_and_term_names(colon):
    fit = cox(colon[colon["etype"] == 2], formula="C(rx, Treatment('Lev')) + age",
              event="status")
    assert fit.table["term"].tolist() == ["rx[T.Lev+5FU]", "rx[T.Obs]", "age"]
    assert [t for t in fit.ph_test()["term"]] == ["C(rx, Treatment('Lev'))", "age", "GLOBAL"]


def test_table_columns_and_hazard_ratio(lung):
    fit = cox(lung, covariates=["age", "sex"], event="event")
    assert list(fit.table.columns) == [*MODEL_COLUMNS, "hazard_ratio", "hr_lower", "hr_upper"]
    np.testing.assert_allclose(fit.table["hazard_ratio"], np.exp(fit.table["estimate"]))
    assert (fit.table["lower"] < fit.table["estimate"]).all()
    assert fit.method.startswith("Cox")


def test_cause_specific_equals_recoded_event():
    rng = np.random.default_rng(3)
    n = 400
    df = pd.DataFrame({"time": rng.integers(1, 50, n),
                       "outcome": rng.choice(["court", "alternative", "censored"], n),
                       "zone": rng.choice(["a", "b", "c"], n)})
    a = cause_specific_cox(df, cause="court", covariates=["zone"])
    b = cox(df.assign(ev=df["outcome"] == "court"), event="ev", covariates=["zone"])
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.n_event == int((df["outcome"] == "court").sum())


def test_inputs_not_mutated_and_errors(lung):
    before = lung.copy()
    cox(lung, covariates=["age"], event="event", entry="entry", ties="breslow")
    pd.testing.assert_frame_equal(lung, before)
    with pytest.raises(EstimationError, match="missing value"):
        cox(read_reference("data/lung.csv").assign(ev=lambda d: d.status == 2),
            covariates=["ph.ecog"],
            event="ev")
    with pytest.raises(EstimationError, match="cause="):
        cox(pd.DataFrame({"time": [1, 2], "outcome": ["a", "b"], "x": [0, 1]}), covariates=["x"])
    with pytest.raises(EstimationError, match="not in the data"):
        cox(lung, covariates=["nope"], event="event")
    with pytest.raises(EstimationError, match="ties"):
        cox(lung, covariates=["age"], event="event", ties="exact")


def test_breslow_hand_computed_two_groups():
    # times 1,2,3 (events), group x: 1,0,1; risk sets {all}, {2,3}, {3}.
    # l(b) = b - log(2e^b + 1) + 0 - log(e^b + 1) + b - b  ->  maximiser solves
    # 1 - 2e^b/(2e^b+1) - e^b/(e^b+1) = 0  ->  e^b = 1/sqrt(2)
    df = pd.DataFrame({"time": [1, 2, 3], "ev": [1, 1, 1], "x": [1.0, 0.0, 1.0]})
    fit = cox(df, covariates=["x"], event="ev", ties="breslow")
    assert fit.table["hazard_ratio"].iloc[0] == pytest.approx(1 / np.sqrt(2), abs=1e-10)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_row_order_and_weights_equal_duplicates(seed):
    rng = np.random.default_rng(seed)
    n = 60
    df = pd.DataFrame({"time": rng.integers(1, 15, n), "ev": rng.integers(0, 2, n),
                       "g": rng.choice(["a", "b"], n), "k": rng.integers(1, 4, n)})
    if df["ev"].sum() < 3 or df["g"].nunique() < 2:
        return
    base = cox(df, covariates=["g"], event="ev", weights="k", ties="breslow")
    shuffled = cox(df.sample(frac=1, random_state=seed), covariates=["g"], event="ev",
                   weights="k", ties="breslow")
    expanded = cox(df.loc[df.index.repeat(df["k"])], covariates=["g"], event="ev",
                   ties="breslow")
    np.testing.assert_allclose(shuffled.table["estimate"], base.table["estimate"], atol=1e-9)
    np.testing.assert_allclose(expanded.table["estimate"], base.table["estimate"], atol=1e-9)
    np.testing.assert_allclose(expanded.table["std_err"], base.table["std_err"], atol=1e-9)


#: true log hazard ratios of the simulated "court" cause (competing: "alternative")
_TRUE_LOG_HR = {"zone[T.b]": np.log(1.5), "zone[T.c]": np.log(0.7), "sex[T.M]": np.log(1.3)}


def _coverage_runs(ties: str, seeds: range) -> pd.DataFrame:
    """One row a seed x term: whether the 95% interval covers the truth, and the z-score."""
    true = _TRUE_LOG_HR
    rows = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        n = 600
        zone = rng.choice(["a", "b", "c"], n)
        sex = rng.choice(["F", "M"], n)
        eta = (zone == "b") * true["zone[T.b]"] + (zone == "c") * true["zone[T.c]"] \
            + (sex == "M") * true["sex[T.M]"]
        t_court = rng.exponential(1 / (0.01 * np.exp(eta)))
        t_alt = rng.exponential(1 / 0.006, n)
        cens = rng.uniform(20, 250, n)
        t = np.minimum.reduce([t_court, t_alt, cens])
        out = np.select([t == t_court, t == t_alt], ["court", "alternative"], "censored")
        df = pd.DataFrame({"time": t, "outcome": out, "zone": zone, "sex": sex})
        fit = cause_specific_cox(df, cause="court", covariates=["zone", "sex"], ties=ties)
        for row in fit.table.itertuples():
            rows.append({"seed": seed, "term": row.term,
                         "covered": row.lower <= true[row.term] <= row.upper,
                         "z": (row.estimate - true[row.term]) / row.std_err})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_confidence_interval_calibration_reduced(ties):
    """Fast version of the coverage check (25 seeds): the z-scores of the three estimates
    have mean ~0 and variance ~1 (a wrong standard error or a biased estimate moves them),
    and each interval covers the truth in at least 20 of 25 runs."""
    runs = _coverage_runs(ties, range(25))
    assert len(runs) == 75
    z = runs["z"].to_numpy()
    assert abs(z.mean()) < 0.35, z.mean()  # sd of the mean of 75 z-scores ~ 0.12
    assert 0.6 < np.mean(z**2) < 1.5, np.mean(z**2)  # chi2(75)/75: sd ~ 0.16
    covered = runs.groupby("term")["covered"].sum()
    assert (covered >= 20).all(), covered


@pytest.mark.slow
@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_confidence_interval_coverage_on_simulated_cause_specific_hazards(ties):
    # two competing exponential causes; "court" hazard 0.01 * HR(zone) * HR(sex)
    hits = _coverage_runs(ties, range(100)).groupby("term")["covered"].sum()
    assert set(hits.index) == set(_TRUE_LOG_HR)
    for term, h in hits.items():
        assert 0.90 <= h / 100 <= 0.99, (term, h)


def test_breslow_baseline_cumulative_hazard_matches_r_basehaz(lung):
    from trajectory.estimators import _cox_engine as ce

    fit = cox(lung, covariates=["age", "sex", "ph.ecog"], event="event", ties="breslow")
    data, cfit, _, _ = fit.model_data
    cum = np.cumsum(ce.baseline_hazard(data, cfit))
    ref = read_reference("regression_cox_basehaz.csv").set_index("time")["hazard"]
    np.testing.assert_allclose(cum, ref.loc[data.times].to_numpy(), rtol=1e-6)


# --- monotone likelihood: a level without events (tests/reference/regression_cox_monotone.R)

MONOTONE = pd.DataFrame({
    "time": [2, 3, 5, 6, 8, 11, 3, 4, 7, 9, 9, 4, 6, 10, 12],
    "status": [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0],
    "group": list("aaaaaabbbbbcccc"),  # c: no event
    "x": [0.5, 1.2, -0.3, 0.8, -1.1, 0.1, 0.4, -0.6, 1.5, -0.2, 0.9, 0.3, -0.8, 1.1, -0.4],
})


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("reference", ["a", "c"])
def test_level_without_events_not_estimable_where_r_warns(ties, reference):
    ref = read_reference("regression_cox_monotone.csv").query(
        "ties == @ties and reference == @reference")
    fit = cox(MONOTONE, formula=f"C(group, Treatment('{reference}')) + x", event="status",
              ties=ties)
    names = [t if t == "x" else f"group[T.{t}]" for t in ref["term"]]
    assert fit.table["term"].tolist() == names
    flagged = ref["may_be_infinite"].to_numpy(bool)
    # the solver flags by R's rule exactly the coefficients R warns "may be infinite" about,
    # and those are the terms reported not estimable
    np.testing.assert_array_equal(fit.model_data[1].infinite, flagged)
    assert sorted(fit.notes["non_estimable"]) == sorted(np.array(names)[flagged])
    assert fit.table.loc[flagged, ["estimate", "std_err", "lower", "upper", "p",
                                   "hazard_ratio", "hr_lower", "hr_upper"]].isna().all().all()
    assert fit.vcov.loc[np.array(names)[flagged]].isna().all().all()
    # the others equal R's (R stops with c at ~21 from the reference, the solver at ~30;
    # what that leaves of the other terms is below 1e-9)
    ok = ~flagged
    np.testing.assert_allclose(fit.table.loc[ok, "estimate"], ref.loc[ok, "coef"], atol=1e-8)
    np.testing.assert_allclose(fit.table.loc[ok, "std_err"], ref.loc[ok, "se"], rtol=1e-8)
    assert fit.loglik == pytest.approx(ref["loglik"].iloc[0], abs=1e-6)
    reason = " ".join(fit.notes["non_estimable"].values())
    expected = "level 'c' of group" if reference == "a" else "reference level of group"
    assert expected in reason


def test_sparse_synthetic_study_reports_levels_without_events():
    # the defect: 300 cases, offence groups without a court decision gave hazard ratios
    # of ~1e-12 with intervals (0, inf) instead of "not estimable"
    from trajectory.cohort import build_cohort
    from trajectory.synth import make_study

    log, _ = make_study(300, seed=1, scenario="brussels")
    table = build_cohort(log, origin="E11").table
    table = table[table["division"].notna()]
    fit = cause_specific_cox(table, cause="court",
                             formula="offence_group + C(division, Treatment('FR'))")
    courts = table.assign(c=table["outcome"] == "court").groupby(
        "offence_group", observed=True)["c"].sum()
    empty = sorted(f"offence_group[T.{g}]" for g in courts.index[courts == 0])
    assert empty  # the seed gives levels without a court decision
    assert sorted(fit.notes["non_estimable"]) == empty
    shown = fit.table[~fit.table["term"].isin(empty)]
    assert np.isfinite(shown[["estimate", "lower", "upper"]].to_numpy()).all()
    assert (shown["estimate"].abs() < 5).all()
    assert fit.table.loc[fit.table["term"].isin(empty), "hazard_ratio"].isna().all()


def test_estimable_fit_has_no_non_estimable_note(lung):
    fit = cox(lung, covariates=["age", "sex", "ph.ecog"], event="event")
    assert "non_estimable" not in fit.notes
    assert not fit.model_data[1].infinite.any()
