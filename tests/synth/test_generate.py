"""make_study: the contract, determinism, trajectory invariants, censoring, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trajectory.errors import ConfigError
from trajectory.schema import CASE_COLUMNS, EVENT_COLUMNS, validate_eventlog, vocabulary
from trajectory.synth import SCENARIOS, SyntheticStudy, make_study
from trajectory.synth.params import decision_probabilities

ENDPOINTS = {"E33", "E34", "E35", "E40", "E41", "E42", "E43", "E44", "E45", "E46", "E47"}
#: (earlier, later): when both are present, later is never before earlier.
CHAIN = [("E00", "E11"), ("E11", "E12"), ("E12", "E20"), ("E20", "E23"), ("E23", "E30"),
         ("E30", "E31"), ("E31", "E32"), ("E12", "E14"), ("E14", "E60"), ("E30", "E37"),
         ("E30", "decision"), ("E32", "decision"), ("decision", "E63"), ("decision", "E48"),
         ("decision", "E50"), ("E48", "E50"), ("E50", "E51"), ("E51", "E52"), ("E51", "E53")]


def _first(log) -> pd.DataFrame:
    ev = log.events.drop_duplicates(["case_id", "event"])
    wide = ev.pivot(index="case_id", columns="event", values="date")
    dec = log.events[log.events["event"].isin(ENDPOINTS)].set_index("case_id")["date"]
    wide["decision"] = dec.reindex(wide.index)
    return wide


def test_log_follows_the_contract_exactly() -> None:
    log, truth = make_study(1_000, seed=4)
    validate_eventlog(log)
    assert log.synthetic is True
    assert list(log.cases.columns) == list(CASE_COLUMNS)
    assert list(log.events.columns) == list(EVENT_COLUMNS)
    for frame, columns in ((log.cases, CASE_COLUMNS), (log.events, EVENT_COLUMNS)):
        for name, (dtype, _) in columns.items():
            assert frame[name].dtype == dtype, (name, frame[name].dtype, dtype)
    assert (log.events["date"].dt.normalize() == log.events["date"]).all()  # whole days
    assert set(log.cases["zone"]) == set(vocabulary("police_zones")["code"])
    assert set(log.cases["municipality"]) <= set(vocabulary("municipalities")["code"])
    assert set(log.cases["offence_group"]) == set(vocabulary("offence_groups")["code"])
    assert log.metadata["scenario"] == "brussels" and log.metadata["seed"] == 4
    assert truth.seed == 4


def test_study_unpacks_and_is_frozen() -> None:
    study = make_study(50, seed=1, scenario="null")
    assert isinstance(study, SyntheticStudy)
    log, truth = study
    assert log is study.log and truth is study.truth
    with pytest.raises(AttributeError):
        study.log = log  # type: ignore[misc]


def test_same_seed_same_study_and_different_seed_differs() -> None:
    a = make_study(2_000, seed=7)
    b = make_study(2_000, seed=7)
    c = make_study(2_000, seed=8)
    pd.testing.assert_frame_equal(a.log.cases, b.log.cases)
    pd.testing.assert_frame_equal(a.log.events, b.log.events)
    pd.testing.assert_frame_equal(a.truth.malformed_cases, b.truth.malformed_cases)
    assert not a.log.events["date"].equals(c.log.events["date"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 400),
       scenario=st.sampled_from(sorted(SCENARIOS)),
       extraction=st.sampled_from(["2021-03-01", "2023-06-30", "2025-06-30"]))
def test_trajectories_are_ordered_censored_and_coded(
    seed: int, n: int, scenario: str, extraction: str
) -> None:
    log, _ = make_study(n, seed=seed, scenario=scenario, extraction_date=extraction)
    validate_eventlog(log)
    ev = log.events
    assert log.n_cases == n and log.cases["case_id"].is_unique
    assert (ev["date"] <= pd.Timestamp(extraction)).all()
    assert not ev[ev["event"].isin(ENDPOINTS)]["case_id"].duplicated().any()
    assert (ev[ev["event"] == "E11"].groupby("case_id").size() == 1).all()
    assert set(ev["case_id"]) == set(log.cases["case_id"])  # every case has its complaint
    wide = _first(log)
    for earlier, later in CHAIN:
        if earlier in wide and later in wide:
            both = wide[[earlier, later]].dropna()
            assert (both[later] >= both[earlier]).all(), (earlier, later)
    motives = vocabulary("motives").set_index("code")["kind"]
    codes = {
        "E40": set(motives[motives == "technical"].index),
        "E41": set(motives[motives == "opportunity"].index),
        "E31": set(vocabulary("charge_codes")["code"]),
        "E32": set(vocabulary("charge_codes")["code"]),
        "E51": set(vocabulary("verdicts")["code"]),
        "E52": set(vocabulary("sanctions")["code"]),
    }
    for event, allowed in codes.items():
        detail = ev.loc[ev["event"] == event, "code"]
        assert detail.notna().all() and set(detail) <= allowed, event
    assert ev.loc[~ev["event"].isin([*codes, "E43", "E44", "E48"]), "code"].isna().all()
    # parquet attributes only for cases registered at the parquet by the extraction date
    at_parquet = log.cases["case_id"].isin(ev.loc[ev["event"] == "E30", "case_id"])
    assert log.cases.loc[~at_parquet, ["parquet_code", "hate_parquet"]].isna().all().all()
    assert log.cases.loc[at_parquet, "parquet_code"].notna().all()
    # a flag can be lost at the parquet but never appears there from nothing
    both = log.cases[at_parquet]
    assert not (both["hate_parquet"] & ~both["hate_police"]).any()
    assert not (both["ifg_parquet"] & ~both["ifg_police"]).any()


def test_censoring_leaves_open_cases_and_simplified_pvs_never_reach_the_parquet() -> None:
    log, _ = make_study(5_000, seed=2)
    ev = log.events
    decided = set(ev.loc[ev["event"].isin(ENDPOINTS), "case_id"])
    registered = set(ev.loc[ev["event"] == "E30", "case_id"])
    transmitted = set(ev.loc[ev["event"] == "E23", "case_id"])
    assert registered - decided, "some registered cases must still be open"
    assert decided <= registered <= transmitted
    assert len(set(log.cases["case_id"]) - transmitted) > 0  # simplified PVs and recent PVs
    years = ev.loc[ev["event"] == "E11", "date"].dt.year
    assert set(years) == {2021, 2022, 2023, 2024}


def test_decision_probabilities_reproduce_the_calibration_table() -> None:
    from trajectory.synth import PARAMS
    from trajectory.synth.params import DECISION_OUTCOME, OFFENCE_GROUPS

    p = decision_probabilities()
    for key in ("known", "unknown", "overall"):
        assert np.allclose(p[key].sum(axis=1), 1.0) and (p[key] >= -1e-12).all()
    for i, group in enumerate(OFFENCE_GROUPS):
        u = PARAMS["suspect_unknown"].value[group]
        assert np.allclose((1 - u) * p["known"][i] + u * p["unknown"][i], p["overall"][i])
        tech, opp, alt, court, pending = PARAMS["outcome_shares"].value[group]
        by = pd.Series(p["overall"][i], index=DECISION_OUTCOME).groupby(level=0).sum()
        assert by["dismissal_technical"] == pytest.approx(tech)
        assert by["dismissal_opportunity"] == pytest.approx(opp)
        assert by["alternative"] == pytest.approx(alt)
        assert by["court"] == pytest.approx(court)
        assert by["administrative"] + by["censored"] == pytest.approx(pending)


@pytest.mark.parametrize("kwargs, match", [
    ({"n_cases": 0, "seed": 1}, "n_cases"),
    ({"n_cases": 10, "seed": -1}, "seed"),
    ({"n_cases": 10, "seed": 1, "scenario": "nope"}, "unknown synthetic scenario"),
    ({"n_cases": 10, "seed": 1, "start": "2026-01-01"}, "before extraction_date"),
    ({"n_cases": 10, "seed": 1, "start": "01/01/2021"}, "YYYY-MM-DD"),
])
def test_bad_arguments_raise_config_error(kwargs: dict, match: str) -> None:
    n = kwargs.pop("n_cases")
    with pytest.raises(ConfigError, match=match):
        make_study(n, **kwargs)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_each_scenario_plants_what_it_says(scenario: str) -> None:
    _, truth = make_study(100, seed=1, scenario=scenario)
    planted = truth.planted["bottleneck"].tolist()
    expected = {"null": [], "null_uneven": [], "null_mix": [],
                "brussels": ["slow_zone", "lost_hate_flag", "opportunity_division",
                             "requalification_delay"],
                "confined_hate_division": ["hate_division_referral",
                                           "hate_division_opportunity"],
                "confined_ifg_division": ["ifg_division_flag_loss"],
                "intervention": ["reception_protocol"],
                "intervention_uneven": ["reception_protocol"],
                "intervention_null": ["reception_protocol"],
                "intervention_staggered": ["reception_protocol"] * 2}.get(scenario, [scenario])
    assert planted == expected
    assert set(truth.planted["lens"]) <= {"reception", "nomenclature", "sanctioning"}
