"""Fine–Gray against R survival::finegray + coxph and cmprsk::crr (regression_finegray.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _support.reference import read_reference
from trajectory.errors import EstimationError
from trajectory.estimators.finegray import crr_expand, fine_gray, finegray_expand

REF = Path(__file__).resolve().parents[1] / "reference"


@pytest.fixture(scope="module")
def mgus2() -> pd.DataFrame:
    d = read_reference("data/mgus2.csv")
    d["etime"] = np.where(d["pstat"] == 0, d["futime"], d["ptime"])
    d["ev"] = np.where(d["pstat"] == 1, "pcm", np.where(d["death"] == 1, "death", "censor"))
    d["male"] = (d["sex"] == "M").astype(int)
    return d


def _fit(d, **kw):
    return fine_gray(d, cause="pcm", covariates=["age", "male"], time="etime", event="ev",
                     censored="censor", **kw)


def test_expansion_equals_r_finegray(mgus2):
    status = np.select([mgus2["ev"] == "pcm", mgus2["ev"] == "death"], [1, 2], 0)
    ex = finegray_expand(mgus2["etime"].to_numpy(), status)
    ref = read_reference("regression_finegray_expanded.csv")
    assert len(ex) == len(ref)
    np.testing.assert_array_equal(ex["row"] + 1, ref["id"])  # mgus2 id = row number
    np.testing.assert_array_equal(ex["start"], ref["fgstart"])
    np.testing.assert_array_equal(ex["stop"], ref["fgstop"])
    np.testing.assert_array_equal(ex["status"], ref["fgstatus"])
    np.testing.assert_allclose(ex["weight"], ref["fgwt"], atol=1e-12)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_coefficients_match_r_finegray_coxph(mgus2, ties):
    fit = _fit(mgus2, ties=ties)
    ref = read_reference("regression_finegray_coef.csv")
    ref = ref[ref["method"] == f"finegray_coxph_{ties}"]
    np.testing.assert_allclose(fit.table["estimate"], ref["coef"], atol=1e-6, rtol=0)
    # per-case clustered robust SE = R coxph(... + cluster(id)) (efron row in the CSV)
    if ties == "efron":
        cl = read_reference("regression_finegray_coef.csv").query(
            "method == 'finegray_coxph_efron_cluster_id'")
        np.testing.assert_allclose(fit.table["std_err"], cl["se"], atol=1e-6, rtol=0)


def test_default_is_close_to_crr_and_crr_method_matches(mgus2):
    ref = read_reference("regression_finegray_coef.csv").query("method == 'crr'")
    default = _fit(mgus2)
    # documented gap: tie conventions of the censoring weights (~3e-4 on mgus2)
    np.testing.assert_allclose(default.table["estimate"], ref["coef"], atol=5e-4, rtol=0)
    fit = _fit(mgus2, method="crr")
    np.testing.assert_allclose(fit.table["estimate"], ref["coef"], atol=1e-4, rtol=0)
    np.testing.assert_allclose(fit.table["std_err"], ref["se"], atol=1e-3, rtol=0)
    np.testing.assert_allclose(default.table["std_err"], ref["se"], atol=1e-3, rtol=0)


def test_predicted_cumulative_incidence_matches_r(mgus2):
    ref = read_reference("regression_finegray_cif.csv")
    profiles = pd.DataFrame({"age": [60, 80, 60], "male": [0, 0, 1]})
    times = [12, 60, 120, 240, 360]
    got = _fit(mgus2, ties="breslow").predict_cumulative_incidence(profiles, times=times)
    np.testing.assert_allclose(got["estimate"], ref["cif_finegray_breslow"], atol=1e-6)
    assert got[["age", "male", "time"]].to_numpy().tolist() == \
        ref[["age", "male", "time"]].to_numpy().tolist()
    crr = _fit(mgus2, method="crr").predict_cumulative_incidence(profiles, times=times)
    np.testing.assert_allclose(crr["estimate"], ref["cif_crr"], atol=1e-3)


def test_errors_and_no_mutation(mgus2):
    before = mgus2.copy()
    _fit(mgus2)
    pd.testing.assert_frame_equal(before, mgus2)
    with pytest.raises(EstimationError, match="not found"):
        fine_gray(mgus2, cause="nope", covariates=["age"], time="etime", event="ev")
    with pytest.raises(EstimationError, match="method"):
        _fit(mgus2, method="exact")


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), expander=st.sampled_from([finegray_expand, crr_expand]))
def test_expansion_properties(seed, expander):
    rng = np.random.default_rng(seed)
    n = 40
    time = rng.integers(1, 12, n).astype(float)
    status = rng.integers(0, 3, n)
    if not (status == 1).any():
        return
    ex = expander(time, status)
    # each case appears once with weight 1 ending at its time (competing: maybe extended)
    firsts = ex.groupby("row").head(1)
    assert (firsts["weight"] == 1).all() and len(firsts) == n
    assert (ex["start"] < ex["stop"]).all()
    assert ((ex["weight"] > 0) & (ex["weight"] <= 1 + 1e-12)).all()
    # only competing cases get extra rows, and only events of interest are events
    extra = ex[ex.duplicated("row")]
    assert (status[extra["row"]] == 2).all()
    assert ex["status"].sum() == (status == 1).sum()
    # without censoring, competing cases stay at risk with weight 1 to the end
    full = expander(time, np.where(status == 0, 2, status))
    assert (full["weight"] == 1).all()


# --- a level without the modelled outcome (tests/reference/regression_monotone_fg_poisson.R)

BLANK = ["estimate", "std_err", "lower", "upper", "p", "hazard_ratio", "hr_lower", "hr_upper"]


@pytest.mark.parametrize("method,model", [("finegray", "finegray_coxph_efron"), ("crr", "crr")])
@pytest.mark.parametrize("reference", ["a", "c"])
def test_level_without_the_cause_is_not_estimable(method, model, reference):
    data = read_reference("data/monotone_competing.csv")  # group c: no court outcome
    ref = read_reference("regression_monotone_fg_poisson.csv").query(
        "model == @model and reference == @reference").reset_index(drop=True)
    fit = fine_gray(data, cause="court", method=method,
                    formula=f"C(group, Treatment('{reference}')) + z")
    names = [t if t == "z" else f"group[T.{t}]" for t in ref["term"]]
    assert fit.table["term"].tolist() == names
    # R runs these off (|coef| 10 to 21) and, on the finegray rows with the robust
    # variance, neither warns nor widens the interval (se 0.76): a finite-looking CI
    runaway = ref["term"].isin(["c"] if reference == "a" else ["a", "b"]).to_numpy()
    assert (ref.loc[runaway, "coef"].abs() > 10).all()
    assert sorted(fit.notes["non_estimable"]) == sorted(np.array(names)[runaway])
    assert fit.table.loc[runaway, BLANK].isna().all().all()
    assert fit.vcov.loc[np.array(names)[runaway]].isna().all().all()
    ok = ~runaway
    np.testing.assert_allclose(fit.table.loc[ok, "estimate"], ref.loc[ok, "coef"], atol=1e-7)
    if method == "finegray":  # crr's variance also counts the estimation of G
        np.testing.assert_allclose(fit.table.loc[ok, "std_err"], ref.loc[ok, "se"], rtol=1e-6)
    reason = " ".join(fit.notes["non_estimable"].values())
    assert ("level 'c' of group" if reference == "a" else "reference level of group") in reason
    cif = fit.predict_cumulative_incidence(pd.DataFrame({"group": ["a", "b", "c"], "z": 0}),
                                           times=[8])
    blank = cif["group"].isin(["c"] if reference == "a" else ["a", "b"])
    assert cif.loc[blank, "estimate"].isna().all()
    assert np.isfinite(cif.loc[~blank, "estimate"]).all()


def test_sparse_synthetic_study_reports_levels_without_the_cause():
    # the defect: offence groups without a court decision gave subdistribution hazard
    # ratios near 1e-12 with intervals (0, inf)
    from trajectory.cohort import build_cohort
    from trajectory.synth import make_study

    log, _ = make_study(300, seed=1, scenario="brussels")
    table = build_cohort(log, origin="E11").table
    table = table[table["division"].notna()]
    courts = table.assign(c=table["outcome"] == "court").groupby(
        "offence_group", observed=True)["c"].sum()
    empty = sorted(f"offence_group[T.{g}]" for g in courts.index[courts == 0])
    assert empty  # the seed gives levels without a court decision
    fit = fine_gray(table, cause="court", formula="offence_group + C(division, Treatment('FR'))")
    assert sorted(fit.notes["non_estimable"]) == empty
    shown = fit.table[~fit.table["term"].isin(empty)]
    assert np.isfinite(shown[["estimate", "lower", "upper"]].to_numpy()).all()
    assert (shown["estimate"].abs() < 5).all()
    assert fit.table.loc[fit.table["term"].isin(empty), BLANK].isna().all().all()
