"""sanctioning(): outcome incidence, details, judgment delay and victims informed, by hand."""

from __future__ import annotations

import pytest

import _support.eventlogs as _build
from trajectory.bottlenecks import sanctioning


@pytest.fixture(scope="module")
def log():
    def c(i, events, group="hate", division="FR"):
        return {"case_id": f"c{i}", "offence_group": group, "division": division,
                "zone": "5339", "suspect_known": True,
                "events": [("E11", 0), ("E30", 0), *events]}

    return _build.make_log([
        c(1, [("E40", 100, "T02"), ("E63", 110)]),
        c(2, [("E41", 150, "O01")]),
        c(3, [("E45", 200), ("E51", 290, "V01"), ("E52", 290, "S05")], division="NL"),
        c(4, [("E43", 400, "succeeded"), ("E63", 420)], division="NL"),
        c(5, []),  # open: censored at the extraction date (day 1000)
    ], extraction_day=1000)


def test_cumulative_incidence_at_horizons(log):
    res = sanctioning(log, min_n=1)
    t = res.table.set_index(["group", "outcome", "time"])
    # no censoring before 1000: the incidence is the plain share of the five cases
    assert t.loc[("all", "dismissal_technical", 182), "estimate"] == pytest.approx(0.2)
    assert t.loc[("all", "dismissal_opportunity", 182), "estimate"] == pytest.approx(0.2)
    assert t.loc[("all", "court", 182), "estimate"] == pytest.approx(0.0)
    assert t.loc[("all", "court", 365), "estimate"] == pytest.approx(0.2)
    assert t.loc[("all", "alternative", 730), "estimate"] == pytest.approx(0.2)


def test_details_judgment_and_informed(log):
    res = sanctioning(log, min_n=1)
    d = res.details.set_index(["offence_group", "kind", "code"])
    assert d.loc[("hate", "motive_technical", "T02"), "n"] == 1
    assert d.loc[("hate", "verdict", "V01"), "n"] == 1
    assert d.loc[("hate", "sanction", "S05"), "n"] == 1
    assert d.loc[("hate", "alternative", "E43"), "n"] == 1
    j = res.judgment_delay.set_index(["offence_group", "q"])
    assert j.loc[("all", 0.5), "estimate"] == 90
    inf = res.informed.set_index(["by", "group"])
    assert (inf.loc[("all", "all"), "n"], inf.loc[("all", "all"), "n_informed"]) == (4, 2)
    assert inf.loc[("division", "NL"), "rate"] == pytest.approx(0.5)


def test_hazard_comparisons_present(log):
    res = sanctioning(log, min_n=1, strata=None)
    t = res.tests
    assert set(t["stage"]) >= {"dismissal_opportunity", "court", "victim_information"}
    assert (t["lens"] == "sanctioning").all()


def test_first_verdict_whatever_the_row_order():
    """A case judged twice counts its first verdict, in any order of the event rows."""
    case = {"case_id": "c1", "offence_group": "hate", "division": "FR", "zone": "5339",
            "suspect_known": True,
            "events": [("E11", 0), ("E30", 0), ("E45", 200), ("E51", 400, "V02"),
                       ("E51", 290, "V01")]}
    log = _build.make_log([case], extraction_day=1000)
    for events in (log.events, log.events.iloc[::-1]):
        shuffled = type(log)(cases=log.cases, events=events.reset_index(drop=True),
                             extraction_date=log.extraction_date)
        details = sanctioning(shuffled, min_n=1).details
        verdicts = details[details["kind"] == "verdict"]
        assert verdicts["code"].tolist() == ["V01"]


def test_same_day_motives_whatever_the_row_order():
    """Two dismissal motives recorded on one day: the same one counts in either row order."""
    case = {"case_id": "c1", "offence_group": "hate", "division": "FR", "zone": "5339",
            "suspect_known": True,
            "events": [("E11", 0), ("E30", 0), ("E41", 150, "O02"), ("E41", 150, "O01")]}
    log = _build.make_log([case], extraction_day=1000)
    seen = []
    for events in (log.events, log.events.iloc[::-1]):
        shuffled = type(log)(cases=log.cases, events=events.reset_index(drop=True),
                             extraction_date=log.extraction_date)
        details = sanctioning(shuffled, min_n=1).details
        seen.append(details.loc[details["kind"] == "motive_opportunity", "code"].tolist())
    assert seen[0] == seen[1] == ["O01"]
