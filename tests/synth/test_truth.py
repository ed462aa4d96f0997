"""GroundTruth: planted table, hazard ratios, cumulative incidence, parameter sources."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trajectory.synth import PARAMS, GroundTruth, parameter_table, true_cumulative_incidence
from trajectory.synth.generate import opportunity_cumulative_hazard
from trajectory.synth.truth import OUTCOMES, PLANTED_COLUMNS


def test_every_parameter_names_its_status_and_source() -> None:
    table = parameter_table()
    assert set(table["name"]) == set(PARAMS)
    assert set(table["status"]) <= {"published", "assumed", "published+assumed"}
    assert (table["source"].str.len() > 10).all()
    for p in PARAMS.values():
        if "published" in p.status:
            assert "§" in p.source or "http" in p.source, p.source


def test_truth_of_brussels_lists_the_four_planted_bottlenecks() -> None:
    truth = GroundTruth.from_scenario("brussels", seed=1)
    assert list(truth.planted.columns) == list(PLANTED_COLUMNS)
    got = truth.planted.set_index("bottleneck")[["lens", "group_column", "group_value",
                                                "true_effect"]]
    assert got.loc["slow_zone"].tolist() == ["reception", "zone", "5340", 3.0]
    assert got.loc["lost_hate_flag"].tolist() == ["nomenclature", "offence_group", "hate", 0.6]
    assert got.loc["opportunity_division"].tolist() == ["sanctioning", "division", "NL", 2.0]
    assert got.loc["requalification_delay"].tolist() == ["nomenclature", "police_code", "601",
                                                         90.0]
    scen = truth.parameters[truth.parameters["name"].str.startswith("scenario.")]
    assert "scenario.slow_factor" in set(scen["name"])


def test_cumulative_incidence_is_monotone_bounded_and_cached() -> None:
    truth = GroundTruth.from_scenario("null", seed=3, n_truth=30_000)
    ci = truth.cumulative_incidence
    assert ci is truth.cumulative_incidence  # computed once
    assert set(ci["outcome"]) == set(OUTCOMES)
    assert set(ci["time"]) == {90, 180, 365, 730}
    for _, rows in ci.groupby(["by", "group", "outcome"]):
        assert rows.sort_values("time")["estimate"].is_monotonic_increasing
    total = ci.groupby(["by", "group", "time"])["estimate"].sum()
    assert (total <= 1 + 1e-12).all() and (ci["estimate"] >= 0).all()
    assert set(ci.loc[ci["by"] == "division", "group"]) == {"FR", "NL"}
    assert (ci["std_err"] <= 0.5 / np.sqrt(ci["n"])).all()


def test_planted_division_raises_the_true_opportunity_incidence() -> None:
    null = true_cumulative_incidence("null", seed=5, n=60_000)
    plant = true_cumulative_incidence("opportunity_division", seed=5, n=60_000)

    def at(ci: pd.DataFrame, group: str) -> float:
        row = ci[(ci["by"] == "division") & (ci["group"] == group)
                 & (ci["outcome"] == "dismissal_opportunity") & (ci["time"] == 365)]
        return float(row["estimate"].iloc[0])

    assert at(plant, "NL") > at(plant, "FR") + 0.05
    assert abs(at(null, "NL") - at(null, "FR")) < 0.03


def test_opportunity_cumulative_hazard_integrates_to_the_mixture_incidence() -> None:
    # Single-cause check: with S(t) from the mixture, the cause-specific incidence
    # int_0^t S(u) dLambda(u) must equal p_opp * F_opp(t) (analytic, log-normal).
    from scipy import stats

    from trajectory.synth.params import DECISION_KINDS, OFFENCE_GROUPS, decision_probabilities

    grid, H = opportunity_cumulative_hazard(grid_step=0.25, horizon=1000.0)
    probs = decision_probabilities()["known"]
    g = OFFENCE_GROUPS.index("partner_violence")
    med = PARAMS["decision_median"].value
    sigma = PARAMS["decision_sigma"].value
    surv = np.ones_like(grid)
    for k, kind in enumerate(DECISION_KINDS[:-1]):
        surv -= probs[g, k] * stats.lognorm(s=sigma, scale=med[kind]["partner_violence"]).cdf(grid)
    incidence = np.concatenate([[0.0], np.cumsum(surv[1:] * np.diff(H[g, 1]))])
    opp = DECISION_KINDS.index("opportunity")
    expected = probs[g, opp] * stats.lognorm(s=sigma, scale=med["opportunity"]["partner_violence"]
                                             ).cdf(grid)
    assert np.max(np.abs(incidence - expected)) < 2e-3


@pytest.mark.parametrize("scenario", ["null", "slow_zone", "requalification_delay"])
def test_hazard_ratios_are_one_without_the_division_plant(scenario: str) -> None:
    truth = GroundTruth.from_scenario(scenario, seed=1)
    assert (truth.hazard_ratios["estimate"] == 1.0).all()
    assert set(truth.hazard_ratios["outcome"]) == set(OUTCOMES)
