"""Indicators per entry cohort: cohort core, maturity, truth, config, disclosure, figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trajectory.cohort import build_cohort, stage_endpoints
from trajectory.config import from_dict
from trajectory.config_monitoring import DEFAULT_INDICATORS
from trajectory.errors import ConfigError
from trajectory.monitoring import indicators
from trajectory.privacy import disclose
from trajectory.schema import EventLog
from trajectory.synth import make_study, true_incidence


def _log() -> EventLog:
    cases = pd.DataFrame({"case_id": ["a", "b", "c", "d"],
                          "extraction_date": pd.to_datetime(["2024-12-31"] * 4)})
    events = pd.DataFrame({
        "case_id": ["a", "a", "a", "a", "b", "b", "b", "c", "c", "d"],
        "event": ["E11", "E12", "E23", "E41", "E11", "E30", "E40", "E11", "E63", "E11"],
        "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-20", "2024-03-01",
                                "2024-02-01", "2024-02-11", "2024-04-01", "2024-03-01",
                                "2024-03-05", "2024-04-01"])})
    return EventLog(cases, events, pd.Timestamp("2024-12-31"))


def test_transmission_counted_from_the_complaint_by_stage_name():
    coh = build_cohort(_log(), endpoints={"transmitted": "pv_to_transmission"})
    got = coh.table.set_index("case_id")[["time", "outcome"]]
    # a: E23 19 days after E11; b: no E23 but E30 (proof of transmission) after 10 days
    assert got.loc["a", "time"] == 19 and got.loc["a", "outcome"] == "transmitted"
    assert got.loc["b", "time"] == 10 and got.loc["b", "outcome"] == "transmitted"
    assert got.loc["d", "outcome"] == "censored" and got.loc["d", "time"] == 274


def test_origin_decision_counts_from_the_first_decision():
    coh = build_cohort(_log(), origin="decision", endpoints={"informed": ["E63"]})
    tab = coh.table.set_index("case_id")
    # a decided 2024-03-01, b 2024-04-01; c has no decision (excluded), nor d
    assert sorted(tab.index) == ["a", "b"]
    assert tab.loc["a", "origin_event"] == "E41" and tab.loc["a", "time"] == 305
    assert coh.rules.set_index("rule").loc["missing_origin", "n_cases"] == 2
    assert coh.rules.set_index("rule").loc["origin_fallback", "n_cases"] == 0


def test_stage_endpoints_refuses_an_unknown_stage_name():
    with pytest.raises(ConfigError, match="name of a stage"):
        stage_endpoints({"x": "no_such_stage"})


def test_maturity_follows_the_horizon():
    log, _ = make_study(4_000, seed=5, scenario="null", extraction_date="2025-02-15")
    res = indicators(log, catalogue=["summons_12m"])
    status = res.table.set_index("period")["status"]
    assert status["2023Q4"] == "mature"  # 2023-12-31 + 365 <= 2025-02-15
    assert status["2024Q1"] == "immature"  # some of it followed a year, not all
    assert status["2024Q2"] == "not_observed"
    assert np.isnan(res.table.set_index("period").loc["2024Q2", "estimate"])


@pytest.mark.parametrize("name,horizon", [("summons_12m", 365), ("summons_12m", 180),
                                          ("transmitted_30d", 30),
                                          ("dismissal_technical_12m", 365)])
def test_immature_cohorts_within_sampling_error_of_the_truth(name, horizon):
    """Immature cohorts (partly followed) estimate the generator's true incidence."""
    log, _ = make_study(40_000, seed=11, scenario="null", extraction_date="2025-01-15")
    res = indicators(log, catalogue=[name], by="zone", horizon={name: horizon})
    spec = DEFAULT_INDICATORS[name]
    truth = true_incidence("null", origin=spec.origin, endpoints=spec.endpoints,
                           state=spec.state, horizon=horizon, seed=3, n=400_000)
    truth = truth[truth["by"] == "zone"].set_index("group")["estimate"]
    tab = res.table
    imm = tab[tab["status"] == "immature"]
    assert len(imm) == 6  # one partly followed cohort per zone
    z = (imm["estimate"] - imm["group"].map(truth)) / imm["std_err"]
    assert (np.abs(z) < 3.5).all(), z.tolist()
    # and the mature ones: z-scores of all cells behave like N(0, 1)
    mat = tab[tab["status"] == "mature"]
    zm = (mat["estimate"] - mat["group"].map(truth)) / mat["std_err"]
    assert abs(zm.mean()) < 0.5 and 0.6 < zm.std() < 1.4, (zm.mean(), zm.std())


def test_shares_of_closed_cases_would_be_biased_but_the_indicator_is_not():
    """The immature cohort's naive share (events / cases) is far below the truth."""
    log, _ = make_study(40_000, seed=12, scenario="null", extraction_date="2025-02-15")
    res = indicators(log, catalogue=["summons_12m"], period="year")
    spec = DEFAULT_INDICATORS["summons_12m"]
    truth = float(true_incidence("null", origin=spec.origin, endpoints=spec.endpoints,
                                 state=spec.state, horizon=365, seed=3, n=400_000)
                  .query("by == 'all'")["estimate"].iloc[0])
    row = res.table[res.table["status"] == "immature"].iloc[0]
    naive = row["n_event"] / row["n"]
    assert abs(row["estimate"] - truth) < 3 * row["std_err"]
    assert naive < truth - 3 * row["std_err"]


def test_config_targets_and_catalogue():
    cfg = from_dict({"study": {"name": "x", "extraction_date": "2025-06-30"},
                     "indicators": {"period": "year", "use": ["transmitted_30d"],
                                    "targets": {"transmitted_30d": 0.99}}})
    log, _ = make_study(3_000, seed=6, scenario="null")
    res = indicators(log, config=cfg)
    assert set(res.table["indicator"]) == {"transmitted_30d"}
    assert res.table["period"].tolist() == ["2021", "2022", "2023", "2024"]
    assert (res.table["target"] == 0.99).all() and not res.table["on_target"].any()
    with pytest.raises(ConfigError, match="unknown key"):
        from_dict({"study": {"name": "x", "extraction_date": "2025-06-30"},
                   "indicators": {"targets": {}, "colour": 1}})
    with pytest.raises(ConfigError, match="not an indicator in use"):
        from_dict({"study": {"name": "x", "extraction_date": "2025-06-30"},
                   "indicators": {"use": ["summons_12m"], "targets": {"transmitted_30d": 1}}})


def test_every_default_indicator_is_computed():
    log, _ = make_study(6_000, seed=7, scenario="brussels")
    res = indicators(log)
    assert list(dict.fromkeys(res.table["indicator"])) == list(DEFAULT_INDICATORS)
    shares = res.table[res.table["unit"] == "share"]["estimate"].dropna()
    assert ((shares >= 0) & (shares <= 1)).all()
    med = res.table[res.table["indicator"] == "median_days_to_decision"]
    assert (med["status"] == "mature").sum() >= 10 and (med["estimate"].dropna() > 0).all()


def test_disclosure_gate_withholds_small_cohorts():
    log, _ = make_study(3_000, seed=8, scenario="null")
    res = indicators(log, catalogue=["hate_flag_kept"], by="zone")
    safe = disclose(res, k=5)
    small = res.table["n"] < 5
    assert small.any()
    assert safe.table.loc[small.to_numpy(), "estimate"].isna().all()
    assert safe.table["withheld"].to_numpy()[small.to_numpy()].all()


def test_series_figure_has_target_line_and_alt_text():
    import matplotlib

    matplotlib.use("Agg")
    from trajectory.plotting.monitoring import get_alt

    log, _ = make_study(3_000, seed=9, scenario="null")
    cfg = from_dict({"study": {"name": "x", "extraction_date": "2025-06-30"},
                     "indicators": {"use": ["transmitted_30d"],
                                    "targets": {"transmitted_30d": 0.7}}})
    ax = indicators(log, config=cfg).plot(lang="nl")
    assert any(abs(line.get_ydata()[0] - 0.7) < 1e-12 for line in ax.get_lines()
               if len(line.get_ydata()) == 2)
    assert "Doel 0,7" in get_alt(ax)  # the alt text in the figure's language
    assert ax.get_xlabel().startswith("Instroomcohorte")


def test_new_origins_and_endpoints_agree_on_both_engines():
    log, _ = make_study(2_000, seed=13, scenario="null")
    for kwargs in ({"origin": "decision", "endpoints": {"informed": ["E63"]}},
                   {"endpoints": {"transmitted": "pv_to_transmission"}}):
        a = build_cohort(log, **kwargs).table
        b = build_cohort(log, engine="duckdb", **kwargs).table
        pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_flag_kept_shares_count_every_case_and_match_the_planted_loss():
    from trajectory.synth import PARAMS

    log, _ = make_study(20_000, seed=14, scenario="null")
    res = indicators(log, catalogue=["hate_flag_kept", "ifg_flag_kept"])
    cases = log.cases
    for flag in ("hate", "ifg"):
        tab = res.table[res.table["indicator"] == f"{flag}_flag_kept"]
        base = cases[cases[f"{flag}_police"].fillna(False).astype(bool)
                     & cases[f"{flag}_parquet"].notna()]
        assert tab["n"].sum() == len(base)  # every case with the flag at both ends
        p = tab["n_event"].sum() / tab["n"].sum()
        truth = 1 - float(PARAMS[f"{flag}_loss"].value)
        assert abs(p - truth) < 3.5 * np.sqrt(truth * (1 - truth) / tab["n"].sum()), (p, truth)
