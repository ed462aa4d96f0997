"""Funnel plots (case-mix adjusted, censoring-aware) and the risk-adjusted CUSUM."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trajectory.errors import ConfigError
from trajectory.monitoring import cusum, funnel
from trajectory.monitoring.charts import cusum_path, simulate_run_lengths
from trajectory.privacy import disclose
from trajectory.synth import Effect, Scenario, make_study


def test_funnel_finds_the_slow_zone_and_only_it_among_null_units():
    log, _ = make_study(20_000, seed=31, scenario="confined_slow_zone")
    res = funnel(log, "transmitted_30d", by="zone")
    sig = res.table.set_index("group")["signal"]
    assert sig["5340"] == "below 99.8% limit"
    assert "In 5340" in res.sentences()[0]
    assert len(res.limits) == 60 and (res.limits["upper_998"] > res.limits["upper_95"]).all()


def test_indirect_standardisation_removes_case_mix_signals():
    """Offence mix differing by zone (no effect): crude funnel signals, adjusted does not."""
    log, _ = make_study(30_000, seed=32, scenario="null_uneven")
    crude = funnel(log, "transmitted_30d", adjust=None)
    adjusted = funnel(log, "transmitted_30d")
    assert (crude.table["signal"] == "below 99.8% limit").any() or (
        crude.table["signal"] == "above 99.8% limit").any()
    assert not adjusted.table["signal"].str.contains("99.8").any()
    assert np.isclose(np.average(adjusted.table["expected"], weights=adjusted.table["n"]),
                      np.average(adjusted.table["observed"], weights=adjusted.table["n"]),
                      atol=0.01)


def test_funnel_limits_widen_with_censoring():
    """An immature window: fewer effective cases than cases (variance from the estimator)."""
    log, _ = make_study(20_000, seed=33, scenario="null", extraction_date="2024-06-30")
    res = funnel(log, "summons_12m", periods=("2023Q2", "2023Q3"))
    t = res.table
    assert (t["n_eff"] < t["n"]).all()
    assert (disclose(res, k=5).table["n"] >= 5).all()
    with pytest.raises(ConfigError):
        funnel(log, "median_days_to_decision")


def test_cusum_path_and_in_control_run_lengths():
    assert cusum_path(np.array([1.0, -3.0, 2.0, 0.5])).tolist() == [1.0, 0.0, 2.0, 2.5]
    rng = np.random.default_rng(1)
    dH = np.full((1, 31), 0.05)
    rl = simulate_run_lengths(2.0, np.array([1.0]), dH, np.log(0.67), np.array([0.5, 3.0, 6.0]),
                              n_sim=20, n_days=400, rng=rng)
    assert rl.shape == (3, 20)
    assert (np.diff(rl.mean(axis=1)) >= 0).all()  # higher threshold, longer run


def test_cusum_alarms_on_a_planted_slowdown_in_words():
    sc = Scenario("worse", effects=(Effect("transmission_delay", "zone", "5340", 3.0,
                                           start="2023-01-01"),))
    log, _ = make_study(20_000, seed=34, scenario=sc)
    res = cusum(log, "transmitted_30d", n_sim=30, seed=2)
    row = res.table.set_index("group").loc["5340"]
    assert row["alarm_date"] is not None
    assert pd.Timestamp(row["alarm_date"]) >= pd.Timestamp("2023-01-01")
    assert (pd.Timestamp(row["alarm_date"]) - pd.Timestamp("2023-01-01")).days < 120
    sentence = res.alarms.set_index("group").loc["5340", "sentence"]
    assert sentence.startswith("In zone 5340,") and "worsened from Q" in sentence
    assert (res.table["arl0"] >= 1826).all()
    import matplotlib

    matplotlib.use("Agg")
    ax = res.plot()
    assert len(ax.get_lines()) >= 6


def test_cusum_counts_repeat_the_funnel_and_reception_counts_as_declared():
    # the identities the CUSUM table declares for the release audit hold on a study:
    # a unit's n is its reception count (every complaint) and the funnel's (every
    # period pooled); with periods left out, the funnel's n is smaller, the bound holds
    from trajectory.bottlenecks.reception import reception
    from trajectory.monitoring.charts import CusumResult
    from trajectory.privacy.identities import Identity

    log, _ = make_study(3000, seed=5)
    chart = cusum(log, "transmitted_30d", by="zone", n_sim=5, seed=1)
    assert chart.table.attrs["source"] == "monitoring.cusum"
    assert disclose(chart, k=5).table.attrs["source"] == "monitoring.cusum"
    frames = {"delays": reception(log, by=("zone",)).table,
              "funnel": funnel(log, "transmitted_30d", by="zone").table,
              "cusum": chart.table}
    sources = {name: frame.attrs["source"] for name, frame in frames.items()}
    part = funnel(log, "transmitted_30d", by="zone", periods=("2022Q1", "2022Q4")).table
    for identity in map(Identity.from_mapping, CusumResult.identities):
        for release in (frames, {**frames, "funnel": part}):
            instances = identity.instances(release, sources)
            assert len(instances) == len(chart.table) >= 4, identity
            for parts, wholes in instances:
                total = sum(float(release[t][c].iloc[i]) for t, i, c in parts)
                value = sum(float(release[t][c].iloc[i]) for t, i, c in wholes)
                if identity.relation == ">=" or release is not frames:
                    assert total >= value
                else:
                    assert total == value
        if identity.whole.source == "monitoring.funnel":  # fewer periods: strictly fewer
            assert all(sum(float(part[c].iloc[i]) for _, i, c in w) < sum(
                float(chart.table[c].iloc[i]) for _, i, c in p)
                for p, w in identity.instances({**frames, "funnel": part}, sources))
