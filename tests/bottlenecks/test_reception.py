"""reception(): delays censoring-aware, missing fields and victim support, by hand."""

from __future__ import annotations

import pytest

import _support.eventlogs as _build
from trajectory.bottlenecks import reception


@pytest.fixture(scope="module")
def log():
    return _build.make_log([
        {"case_id": "a", "zone": "5339", "victim_sex": "unknown", "source": "police+parquet",
         "events": [("E00", 0), ("E11", 2), ("E12", 2), ("E14", 2), ("E20", 2), ("E23", 12),
                    ("E30", 13)]},
        {"case_id": "b", "zone": "5340", "victim_sex": "F", "source": "police+parquet",
         "events": [("E00", 0), ("E11", 5), ("E12", 6), ("E20", 6), ("E23", 26), ("E30", 26)]},
        {"case_id": "c", "zone": "5340", "victim_sex": None, "source": "police",
         "events": [("E11", 0), ("E12", 0), ("E20", 0), ("E60", 10)]},
    ], extraction_day=1000)


def _delay(res, stage, by="all", group="all", q=0.5):
    t = res.table
    return t.loc[(t["stage"] == stage) & (t["by"] == by) & (t["group"] == group)
                 & (t["q"] == q)].iloc[0]


def test_delays_by_hand_open_cases_censored_not_dropped(log):
    res = reception(log, by=("zone",), compare=(), min_n=1)
    rep = _delay(res, "reporting")
    assert rep["n"] == 2 and rep["estimate"] == 3.5  # S = 1/2 on [2, 5): midpoint (R rule)
    tr = _delay(res, "transmission")
    # E20 -> E23: 10, 20 and c censored at 1000; S(10) = 2/3, S(20) = 1/3 -> median 20.
    # Dropping the open case c would give (10 + 20) / 2 = 15.
    assert tr["estimate"] == 20 and tr["n"] == 3 and tr["n_event"] == 2
    assert _delay(res, "transmission", "zone", "5340")["n_event"] == 1
    assert _delay(res, "transmission", q=0.25)["estimate"] == 10  # quartiles are described
    assert set(res.table["stage"]) == {"reporting", "complaint_to_pv",
                                       "pv_to_police_registration", "transmission",
                                       "transmission_to_registration", "pv_to_registration"}


def test_missing_fields_by_source(log):
    res = reception(log, by=("zone",), compare=(), min_n=1)
    m = res.missing.set_index(["source", "field"])
    row = m.loc[("police+parquet", "victim_sex")]
    assert (row["n"], row["n_missing"]) == (2, 1)  # "unknown" counts as missing
    assert m.loc[("police", "victim_sex"), "share"] == 1.0  # None is missing
    assert m.loc[("police", "police_code"), "n_missing"] == 1  # column absent altogether


def test_victim_support_by_hand(log):
    res = reception(log, by=("zone",), compare=(), min_n=1)
    s = res.support.set_index(["by", "group", "metric"])
    assert s.loc[("all", "all", "referral_rate"), "estimate"] == pytest.approx(2 / 3)
    # first contact: a same day (0), c after 10 days, b censored: S(0)=2/3, S(10)=1/3
    assert s.loc[("all", "all", "median_days_to_contact"), "estimate"] == 10
    assert s.loc[("zone", "5340", "referral_rate"), "estimate"] == pytest.approx(1 / 2)


def test_comparisons_are_tests_rows(log):
    res = reception(log, by=("zone",), compare=("zone",), strata=None, min_n=1)
    t = res.tests
    rows = t.loc[t["stage"] == "transmission"]
    # two zones: one contrast, not two mirrored one-vs-rest rows
    assert len(rows) == 1
    row = rows.iloc[0]
    assert {row["group"], row["reference_group"]} == {"5339", "5340"}
    assert row["events"] == "E20->E23" and row["n_group"] + row["n_rest"] == 3
    assert row["test"].startswith("log-rank")


def test_reached_counts_cases_never_transmitted_as_not_reached(log):
    """KM share transmitted within t days of the complaint, by hand: a in 10 days, b in 21,
    c never (police only, censored at day 1000): 1 - S(t) = 2/3 from day 21 on."""
    res = reception(log, by=("zone",), compare=(), min_n=1)
    r = res.reached.set_index(["by", "group", "step", "time"])
    assert r.loc[("all", "all", "transmitted", 30), "estimate"] == pytest.approx(2 / 3)
    assert r.loc[("all", "all", "transmitted", 365), "estimate"] == pytest.approx(2 / 3)
    assert r.loc[("zone", "5340", "transmitted", 30), "estimate"] == pytest.approx(1 / 2)
    assert r.loc[("all", "all", "registered", 30), "n"] == 3
