"""attrition_table: hand-computed funnels, horizon rules, time-aware version, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

import _support.eventlogs as _build
from trajectory.attrition import DEFAULT_STAGES, AttritionResult, attrition_table
from trajectory.errors import ConfigError, SchemaError

make_log = _build.make_log


@pytest.fixture(scope="module")
def log():
    return make_log([
        # a: full route to a conviction
        {"case_id": "a", "offence_group": "hate", "events": [
            ("E11", 0), ("E12", 1), ("E30", 10), ("E31", 11), ("E45", 100), ("E51", 300, "V01")]},
        # b: dismissed after registration, no qualification recorded (implied)
        {"case_id": "b", "offence_group": "hate", "events": [
            ("E11", 0), ("E12", 1), ("E30", 10), ("E40", 50)]},
        # c: PV drafted, still at the police (open)
        {"case_id": "c", "offence_group": "sexual_violence", "events": [("E11", 0), ("E12", 1)]},
        # d: no PV recorded (implied), acquitted
        {"case_id": "d", "offence_group": "sexual_violence", "events": [
            ("E11", 0), ("E30", 5), ("E31", 5), ("E45", 60), ("E51", 200, "V02")]},
        # e: complaint 100 days before extraction: not eligible for a 365-day funnel
        {"case_id": "e", "offence_group": "hate", "events": [("E11", 900), ("E12", 901)]},
    ], extraction_day=1000)


def _wide(res: AttritionResult, measure: str) -> pd.DataFrame:
    t = res.table
    return t.loc[t["measure"] == measure].set_index("stage")


def test_fixed_horizon_counts_by_hand(log):
    res = attrition_table(log, horizon=365)
    cum = _wide(res, "cumulative")
    assert cum["n_reached"].tolist() == [4, 4, 3, 3, 3, 2, 2, 1]
    assert cum["n_base"].unique().tolist() == [4]
    assert cum["n_lost"].tolist() == [0, 0, 0, 0, 1, 0, 1, 0]  # b at decision, d at judgment
    assert cum["n_open"].tolist() == [0, 1, 0, 0, 0, 0, 0, 0]  # c waits at the PV stage
    assert cum["n_implied"].tolist() == [0, 1, 0, 1, 0, 0, 0, 0]  # d's PV, b's qualification
    assert cum["estimate"].tolist() == pytest.approx([1, 1, .75, .75, .75, .5, .5, .25])
    cond = _wide(res, "conditional")
    assert cond["estimate"].tolist() == pytest.approx([1, 1, .75, 1, 1, 2 / 3, 1, .5])
    assert cond["n_base"].tolist() == [4, 4, 4, 3, 3, 3, 2, 2]
    lo, hi = proportion_confint(2, 3, alpha=0.05, method="wilson")
    assert cond.loc["summons", "lower"] == pytest.approx(lo)
    assert cond.loc["summons", "upper"] == pytest.approx(hi)
    assert res.n == 5 and res.notes["n_eligible"] == 4


def test_time_aware_aalen_johansen_by_hand(log):
    """All five entrants; e censored at 100 days. Hand-computed Aalen-Johansen values."""
    aj = _wide(attrition_table(log, horizon=365), "cumulative_aj")
    # registration: events at 5 (d, 5 at risk) and 10 (a, b; 4 at risk): 1 - 4/5 * 2/4
    assert aj.loc["parquet_registration", "estimate"] == pytest.approx(0.6)
    # summons: b leaves at 50; d at 60 (4 at risk); a at 100 (3 at risk, e censored then)
    assert aj.loc["summons", "estimate"] == pytest.approx(0.8 * 1 / 4 + 0.8 * 3 / 4 * 1 / 3)
    # conviction: b leaves at 50, d (acquitted) at 200; a convicted at 300 (2 at risk)
    assert aj.loc["conviction", "estimate"] == pytest.approx(0.8 * 2 / 3 * 1 / 2)
    assert aj.loc["complaint", "estimate"] == 1.0


def test_horizon_window_and_by(log):
    short = attrition_table(log, horizon=50, time_aware=False)
    cum = _wide(short, "cumulative")
    # at 50 days: b dismissed at day 50 (lost at decision); a, d not yet summoned -> open
    assert cum.loc["decision", "n_reached"] == 1
    assert cum.loc["qualification", "n_open"] == 2
    win = attrition_table(log, horizon=365, window=("2020-01-01", "2020-01-01"),
                          time_aware=False)
    assert win.n == 4
    by = attrition_table(log, horizon=365, by="offence_group", time_aware=False)
    t = by.table.loc[by.table["measure"] == "cumulative"]
    hate = t.loc[t["group"] == "hate"].set_index("stage")
    assert hate.loc["complaint", "n_reached"] == 2 and hate.loc["conviction", "n_reached"] == 1
    assert set(by.summary()["group"]) == {"hate", "sexual_violence"}


def test_custom_stages_and_errors(log):
    res = attrition_table(log, stages={"complaint": ["E11"], "convicted": ["E51=V01"]},
                          horizon=365, time_aware=False)
    assert _wide(res, "cumulative").loc["convicted", "n_reached"] == 1
    with pytest.raises(ConfigError, match="unknown stage"):
        attrition_table(log, stages=["complaint", "trial"])
    with pytest.raises(ConfigError, match="horizon"):
        attrition_table(log, horizon=0)
    with pytest.raises(SchemaError, match="not a column"):
        attrition_table(log, by="colour")


def test_result_is_frozen_and_tidy(log):
    res = attrition_table(log, horizon=365)
    with pytest.raises(AttributeError):
        res.alpha = 0.1
    assert list(res.table.columns[:7]) == ["group", "stage", "order", "measure", "estimate",
                                           "lower", "upper"]
    assert list(res.summary()["stage"]) == list(DEFAULT_STAGES)


_EVENTS = ["E11", "E12", "E30", "E31", "E40", "E41", "E45", "E51"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from(_EVENTS), st.integers(0, 900)),
                         min_size=1, max_size=6), min_size=1, max_size=15),
       st.randoms(use_true_random=False))
def test_funnel_never_rises_and_order_does_not_matter(cases, rnd):
    spec = [{"case_id": f"c{i}", "events": [("E11", 0)] + [(e, d, "V01") for e, d in evs]}
            for i, evs in enumerate(cases)]
    log = make_log(spec, extraction_day=1000)
    res = attrition_table(log, horizon=365, time_aware=False)
    cum = _wide(res, "cumulative")["n_reached"].to_numpy()
    assert (np.diff(cum) <= 0).all()
    cond = _wide(res, "conditional")["estimate"].to_numpy()
    cond = cond[np.isfinite(cond)]  # NaN where no case reached the previous stage
    assert ((cond >= 0) & (cond <= 1)).all()
    shuffled = type(log)(log.cases.sample(frac=1, random_state=rnd.randint(0, 99)),
                         log.events.sample(frac=1, random_state=rnd.randint(0, 99)),
                         log.extraction_date)
    again = attrition_table(shuffled, horizon=365, time_aware=False)
    pd.testing.assert_frame_equal(res.table, again.table)


def test_aalen_johansen_equals_fixed_horizon_without_censoring(log):
    """With every case followed beyond the horizon, the two versions must agree exactly."""
    full = type(log)(log.cases.loc[log.cases["case_id"] != "e"],
                     log.events.loc[log.events["case_id"] != "e"], log.extraction_date)
    res = attrition_table(full, horizon=365)
    cum = _wide(res, "cumulative")["estimate"]
    aj = _wide(res, "cumulative_aj")["estimate"]
    np.testing.assert_allclose(aj.to_numpy(), cum.to_numpy())
