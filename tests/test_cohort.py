"""Tests of trajectory.cohort on a hand-built log with hand-computed expectations.

Every day below is an offset from 2024-01-01 (day 365 = 2024-12-31, the extraction
date). The expected tables were worked out by hand from the rules in docs/cohort.md;
each case exercises one or more rules (named in the comments).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trajectory.cohort import (
    DEFAULT_STAGES,
    Stage,
    build_cohort,
    stage_table,
    transitions,
)
from trajectory.errors import ConfigError, SchemaError
from trajectory.schema import EventLog

D0 = pd.Timestamp("2024-01-01")
EXTRACTION = D0 + pd.Timedelta(days=365)


def day(n: int | None) -> pd.Timestamp:
    return pd.NaT if n is None else D0 + pd.Timedelta(days=n)


# case -> [(event, day)]; None = undated
EVENTS: dict[str, list[tuple[str, int | None]]] = {
    # all stages completed; complaint and PV on day 0 (same-day transition)
    "a": [("E11", 0), ("E12", 0), ("E20", 1), ("E23", 10), ("E30", 20), ("E45", 100),
          ("E50", 150), ("E51", 200)],
    # origin missing: fallback to the PV (origin_fallback)
    "b": [("E12", 5), ("E30", 30), ("E41", 90), ("E63", 95)],
    # no origin nor fallback event (missing_origin: excluded)
    "c": [("E30", 40), ("E40", 60)],
    # dismissal dated before the complaint (endpoint_before_origin: excluded)
    "d": [("E11", 50), ("E40", 30)],
    # technical dismissal, reopened, then a summons (second_decision, reopened)
    "e": [("E11", 0), ("E30", 10), ("E40", 50), ("E49", 60), ("E45", 80)],
    # dismissal and summons on the same day (same_day_decisions: court first)
    "f": [("E11", 0), ("E12", 0), ("E23", 0), ("E30", 5), ("E40", 20), ("E45", 20)],
    # extracted 2024-06-30 (day 181); a dismissal after that (events_after_extraction)
    "g": [("E11", 100), ("E30", 150), ("E41", 200)],
    # an undated police registration (undated_events); victim support on day 30
    "h": [("E11", 0), ("E12", 2), ("E60", 30), ("E20", None)],
    # complaint after the extraction date (origin_after_censoring: excluded)
    "i": [("E11", 400)],
    # PV drafted before the complaint (end_before_start, state_before_origin)
    "j": [("E11", 10), ("E12", 5), ("E30", 20), ("E43", 50)],
    # transmission dated after registration (out_of_order_events, end_before_start)
    "k": [("E11", 0), ("E30", 10), ("E23", 20), ("E42", 30)],
}
EXTRACTION_DAY = {"g": 181}
SOURCE = {"b": "parquet", "j": "parquet"}


def make_log(events=EVENTS, order=None) -> EventLog:
    ids = list(events)
    cases = pd.DataFrame({
        "case_id": pd.array(ids, dtype="string"),
        "offence_group": pd.array(["ifg"] * len(ids), dtype="string"),
        "source": pd.array([SOURCE.get(c, "police;parquet") for c in ids], dtype="string"),
        "extraction_date": pd.to_datetime(
            [day(EXTRACTION_DAY.get(c, 365)) for c in ids]).astype("datetime64[s]"),
    })
    rows = [(c, e, day(d)) for c, evs in events.items() for e, d in evs]
    frame = pd.DataFrame(rows, columns=["case_id", "event", "date"])
    frame["date"] = frame["date"].astype("datetime64[s]")
    if order is not None:
        frame = frame.iloc[order].reset_index(drop=True)
    return EventLog(cases, frame, EXTRACTION)


def rules_of(result) -> dict[str, int]:
    return dict(zip(result.rules["rule"], result.rules["n_cases"], strict=True))


def excluded_total(result) -> int:
    return int(result.rules.loc[result.rules["action"] == "excluded", "n_cases"].sum())


# ------------------------------------------------------------------------------ cohort

EXPECTED_COHORT = pd.DataFrame(
    [  # case, entry, time, outcome, origin day, exit day, origin_event, exit_event, reopened
        ("a", 0, 100, "court", 0, 100, "E11", "E45", False),
        ("b", 0, 85, "dismissal_opportunity", 5, 90, "E12", "E41", False),
        ("e", 0, 50, "dismissal_technical", 0, 50, "E11", "E40", True),
        ("f", 0, 20, "court", 0, 20, "E11", "E45", False),
        ("g", 0, 81, "censored", 100, 181, "E11", None, False),
        ("h", 0, 365, "censored", 0, 365, "E11", None, False),
        ("j", 0, 40, "alternative", 10, 50, "E11", "E43", False),
        ("k", 0, 30, "alternative", 0, 30, "E11", "E42", False),
    ],
    columns=["case_id", "entry", "time", "outcome", "o", "x", "origin_event", "exit_event",
             "reopened"],
)


def test_cohort_matches_hand_computed_table():
    result = build_cohort(make_log())
    t = result.table
    exp = EXPECTED_COHORT
    assert t["case_id"].tolist() == exp["case_id"].tolist()
    assert t["entry"].tolist() == exp["entry"].tolist()
    assert t["time"].tolist() == exp["time"].tolist()
    assert t["outcome"].astype(str).tolist() == exp["outcome"].tolist()
    assert t["origin_date"].tolist() == [day(d) for d in exp["o"]]
    assert t["exit_date"].tolist() == [day(d) for d in exp["x"]]
    assert t["origin_event"].tolist() == exp["origin_event"].tolist()
    assert [None if pd.isna(v) else v for v in t["exit_event"]] == exp["exit_event"].tolist()
    assert t["reopened"].tolist() == exp["reopened"].tolist()
    assert list(t["outcome"].cat.categories) == [
        "court", "alternative", "dismissal_technical", "dismissal_opportunity",
        "administrative", "censored"]
    # covariates: every case column but the identifier, contract dtypes
    assert list(t.columns[9:]) == ["offence_group", "source", "extraction_date"]
    assert t["offence_group"].dtype == "string"


def test_cohort_rules_counted_and_nothing_lost():
    result = build_cohort(make_log())
    assert rules_of(result) == {
        "missing_origin": 1, "outside_window": 0, "origin_after_censoring": 1,
        "endpoint_before_origin": 1, "no_entry_event": 0, "entry_after_exit": 0,
        "origin_fallback": 1, "events_after_extraction": 1, "undated_events": 1,
        "second_decision": 1, "same_day_decisions": 1, "reopened": 1, "exit_on_entry_day": 0,
    }
    assert result.n_cases_in == 11 == result.n + excluded_total(result)
    assert set(result.rules["action"]) == {"excluded", "corrected", "flagged"}
    assert result.summary()["n"].sum() == result.n


def test_window_excludes_and_counts():
    result = build_cohort(make_log(), window=("2024-01-02", None))
    assert result.table["case_id"].tolist() == ["b", "g", "j"]
    assert rules_of(result)["outside_window"] == 5  # a, e, f, h, k start on day 0
    assert result.n_cases_in == result.n + excluded_total(result)


def test_horizon_censors_and_event_on_censoring_day_counts():
    t = build_cohort(make_log(), horizon=30).table.set_index("case_id")
    assert t["time"].to_dict() == {c: (20 if c == "f" else 30) for c in t.index}
    assert t.loc["k", "outcome"] == "alternative"  # E42 on day 30 = horizon: event
    assert t.loc["f", "outcome"] == "court"
    assert (t.drop(index=["f", "k"])["outcome"] == "censored").all()
    assert not t.loc["e", "reopened"]  # E49 (day 60) is beyond follow-up


def test_censor_at_date():
    t = build_cohort(make_log(), censor_at="2024-01-21").table.set_index("case_id")
    assert t.loc["a", "time"] == 20 and t.loc["a", "outcome"] == "censored"
    assert t.loc["f", "time"] == 20 and t.loc["f", "outcome"] == "court"
    assert t.loc["a", "exit_date"] == day(20)
    assert "g" not in t.index  # origin day 100 > censoring day 20: excluded, counted


def test_delayed_entry_by_source():
    result = build_cohort(make_log(), entry_event={"parquet": "E30"})
    t = result.table.set_index("case_id")
    assert t.loc["b", "entry"] == 25 and t.loc["b", "time"] == 85
    assert t.loc["j", "entry"] == 10 and t.loc["j", "time"] == 40
    assert (t.drop(index=["b", "j"])["entry"] == 0).all()


def test_delayed_entry_for_all_cases_and_its_exclusions():
    events = {**EVENTS, "x": [("E11", 0), ("E40", 5), ("E30", 10)],
              "y": [("E11", 0), ("E30", 5), ("E40", 5)]}
    result = build_cohort(make_log(events), entry_event="E30")
    t = result.table.set_index("case_id")
    assert t["entry"].to_dict() == {"a": 20, "b": 25, "e": 10, "f": 5, "g": 50, "j": 10,
                                    "k": 10, "y": 5}
    r = rules_of(result)
    assert r["no_entry_event"] == 1  # h
    assert r["entry_after_exit"] == 1  # x: registered after its dismissal
    assert r["exit_on_entry_day"] == 1  # y
    assert result.n_cases_in == 13 == result.n + excluded_total(result)


def test_custom_endpoints_and_origin():
    ends = {"decided": ("E40", "E41", "E42", "E43", "E44", "E45", "E46", "E47")}
    t = build_cohort(make_log(), origin="E30", endpoints=ends).table.set_index("case_id")
    # origin E30 has no fallback: cases without E30 (h, i, d) are excluded
    assert t["time"].to_dict() == {"a": 80, "b": 60, "c": 20, "e": 40, "f": 15, "g": 31,
                                   "j": 30, "k": 20}
    assert t.loc["g", "outcome"] == "censored" and t.loc["a", "outcome"] == "decided"


def test_bad_options_raise_config_errors():
    log = make_log()
    with pytest.raises(ConfigError, match="engine"):
        build_cohort(log, engine="hadoop")
    with pytest.raises(ConfigError, match="censored"):
        build_cohort(log, endpoints={"censored": ("E40",)})
    with pytest.raises(ConfigError, match="not a date"):
        build_cohort(log, censor_at="soon")
    with pytest.raises(SchemaError, match="belong to no case"):
        build_cohort(EventLog(log.cases.iloc[:2], log.events, EXTRACTION))
    with pytest.raises(SchemaError, match="not columns of cases"):
        build_cohort(log, covariates=["zone"])


def test_inputs_not_mutated():
    log = make_log()
    before = (log.cases.copy(), log.events.copy())
    build_cohort(log, entry_event="E30")
    stage_table(log)
    transitions(log)
    pd.testing.assert_frame_equal(log.cases, before[0])
    pd.testing.assert_frame_equal(log.events, before[1])


# ------------------------------------------------------------------------------ stages

S = ["complaint_to_pv", "pv_to_transmission", "transmission_to_registration",
     "registration_to_decision", "decision_to_judgment", "complaint_to_support"]
NA4 = (None, None, None, "not_applicable", None)
EXPECTED_STAGES = {  # case -> per stage (start, end, sojourn, status, exit)
    "a": [(0, 0, 0, "completed", "E12"), (0, 10, 10, "completed", "E23"),
          (10, 20, 10, "completed", "E30"), (20, 100, 80, "completed", "E45"),
          (100, 200, 100, "completed", "E51"), (0, 365, 365, "censored", None)],
    "b": [(None, 5, None, "skipped", "E12"), (5, 30, None, "skipped", "E30"),
          (None, 30, None, "skipped", "E30"), (30, 90, 60, "completed", "E41"), NA4, NA4],
    "c": [(None, 40, None, "skipped", "E30"), (None, 40, None, "skipped", "E30"),
          (None, 40, None, "skipped", "E30"), (40, 60, 20, "completed", "E40"), NA4, NA4],
    "d": [(50, 30, None, "skipped", "E40"), (None, 30, None, "skipped", "E40"),
          (None, 30, None, "skipped", "E40"), (None, 30, None, "skipped", "E40"), NA4,
          (50, 365, 315, "censored", None)],
    "e": [(0, 10, None, "skipped", "E30"), (None, 10, None, "skipped", "E30"),
          (None, 10, None, "skipped", "E30"), (10, 50, 40, "completed", "E40"), NA4,
          (0, 365, 365, "censored", None)],
    "f": [(0, 0, 0, "completed", "E12"), (0, 0, 0, "completed", "E23"),
          (0, 5, 5, "completed", "E30"), (5, 20, 15, "completed", "E45"),
          (20, 365, 345, "censored", None), (0, 365, 365, "censored", None)],
    "g": [(100, 150, None, "skipped", "E30"), (None, 150, None, "skipped", "E30"),
          (None, 150, None, "skipped", "E30"), (150, 181, 31, "censored", None), NA4,
          (100, 181, 81, "censored", None)],
    "h": [(0, 2, 2, "completed", "E12"), (2, 365, 363, "censored", None), NA4, NA4, NA4,
          (0, 30, 30, "completed", "E60")],
    "i": [NA4] * 6,
    "j": [(10, 5, None, "skipped", "E12"), (5, 20, None, "skipped", "E30"),
          (None, 20, None, "skipped", "E30"), (20, 50, 30, "completed", "E43"), NA4,
          (10, 365, 355, "censored", None)],
    "k": [(0, 10, None, "skipped", "E30"), (None, 20, None, "skipped", "E23"),
          (20, 10, None, "skipped", "E30"), (10, 30, 20, "completed", "E42"), NA4,
          (0, 365, 365, "censored", None)],
}


def _none(v):
    return None if pd.isna(v) else v


def test_stage_table_matches_hand_computed_table():
    result = stage_table(make_log())
    t = result.table
    assert len(t) == 11 * 6
    assert list(t.columns) == ["case_id", "stage", "start_date", "end_date", "sojourn",
                               "status", "exit"]
    got = {}
    for row in t.itertuples(index=False):
        got.setdefault(row.case_id, []).append(
            (row.stage, _none(row.start_date), _none(row.end_date), _none(row.sojourn),
             row.status, _none(row.exit)))
    for case, rows in EXPECTED_STAGES.items():
        expected = [(s, day(a), day(b), c, status, x)
                    for s, (a, b, c, status, x) in zip(S, rows, strict=True)]
        expected = [tuple(None if v is pd.NaT else v for v in r) for r in expected]
        assert got[case] == expected, case
    assert rules_of(result) == {"events_after_extraction": 2, "undated_events": 1,
                                "end_before_start": 2, "same_day_decisions": 1}


def test_custom_stage_and_errors():
    stages = (Stage("pv_to_decision", ("E12",), ("decision",)),)
    t = stage_table(make_log(), stages=stages).table.set_index("case_id")
    assert t.loc["a", "sojourn"] == 100 and t.loc["h", "status"] == "censored"
    with pytest.raises(ConfigError, match="names no endpoint group"):
        stage_table(make_log(), stages=(Stage("x", ("decision:nope",), ("E51",)),))
    assert DEFAULT_STAGES[4].start == ("decision:court",)


# ------------------------------------------------------------------------- transitions

EXPECTED_TRANSITIONS = [  # case, from, to, entry, exit, status
    ("a", "police", "parquet", 0, 20, 1), ("a", "parquet", "court", 20, 100, 1),
    ("a", "court", "judged", 100, 200, 1),
    ("b", "police", "parquet", 0, 25, 1), ("b", "parquet", "dismissal_opportunity", 25, 85, 1),
    ("e", "complaint", "parquet", 0, 10, 1),
    ("e", "parquet", "dismissal_technical", 10, 50, 1),
    ("f", "police", "parquet", 0, 5, 1), ("f", "parquet", "court", 5, 20, 1),
    ("f", "court", None, 20, 365, 0),
    ("g", "complaint", "parquet", 0, 50, 1), ("g", "parquet", None, 50, 81, 0),
    ("h", "complaint", "police", 0, 2, 1), ("h", "police", None, 2, 365, 0),
    ("j", "police", "parquet", 0, 10, 1), ("j", "parquet", "alternative", 10, 40, 1),
    ("k", "complaint", "parquet", 0, 10, 1), ("k", "parquet", "alternative", 10, 30, 1),
]


def test_transitions_match_hand_computed_rows():
    result = transitions(make_log())
    t = result.table
    assert list(t.columns) == ["case_id", "from_state", "to_state", "entry", "exit", "status"]
    got = [(r.case_id, r.from_state, _none(r.to_state), r.entry, r.exit, r.status)
           for r in t.itertuples(index=False)]
    assert got == EXPECTED_TRANSITIONS
    r = rules_of(result)
    assert {k: r[k] for k in ("state_before_origin", "out_of_order_events",
                              "same_day_transitions", "no_follow_up")} == {
        "state_before_origin": 1, "out_of_order_events": 1, "same_day_transitions": 4,
        "no_follow_up": 0}
    assert r["missing_origin"] == 1 and r["endpoint_before_origin"] == 1
    assert result.states == ("complaint", "police", "parquet", "court", "alternative",
                             "dismissal_technical", "dismissal_opportunity", "administrative",
                             "judged")
    assert "court" not in result.absorbing and "judged" in result.absorbing
    assert result.n_cases_in == result.n + excluded_total(result)


def test_transition_on_origin_day_and_no_follow_up():
    events = {"p": [("E11", 0), ("E40", 0)], "q": [("E11", 365)]}
    t = transitions(make_log(events))
    assert [(r.from_state, r.to_state, r.entry, r.exit, r.status)
            for r in t.table.itertuples(index=False)] == [
        ("complaint", "dismissal_technical", 0, 0, 1)]
    assert rules_of(t)["no_follow_up"] == 1  # q: complaint on the extraction date
    assert t.n_cases_in == t.n + excluded_total(t)


# ---------------------------------------------------------------------- property tests

CODES = ["E10", "E11", "E12", "E20", "E23", "E30", "E33", "E40", "E41", "E42", "E45", "E49",
         "E51", "E60"]


@st.composite
def small_logs(draw):
    n = draw(st.integers(1, 7))
    events = {}
    ext = {}
    for i in range(n):
        cid = f"c{i}"
        evs = draw(st.lists(st.tuples(st.sampled_from(CODES),
                                      st.one_of(st.none(), st.integers(-20, 420))),
                            max_size=9))
        events[cid] = evs
        ext[cid] = draw(st.sampled_from([181, 365]))
    cases = pd.DataFrame({
        "case_id": pd.array(list(events), dtype="string"),
        "source": pd.array([draw(st.sampled_from(["parquet", "police"])) for _ in events],
                           dtype="string"),
        "extraction_date": pd.to_datetime([day(ext[c]) for c in events]).astype(
            "datetime64[s]"),
    })
    rows = [(c, e, day(d)) for c, evs in events.items() for e, d in evs]
    frame = pd.DataFrame(rows, columns=["case_id", "event", "date"])
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[s]")
    return EventLog(cases, frame, EXTRACTION)


def _shuffled(log: EventLog, seed: int) -> EventLog:
    rng = np.random.default_rng(seed)
    return EventLog(log.cases.iloc[rng.permutation(len(log.cases))],
                    log.events.iloc[rng.permutation(len(log.events))], log.extraction_date)


OPTIONS = st.fixed_dictionaries({
    "horizon": st.one_of(st.none(), st.integers(0, 200)),
    "entry_event": st.sampled_from([None, "E30", {"parquet": "E30"}]),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=small_logs(), opts=OPTIONS, seed=st.integers(0, 2**16))
def test_properties_of_cohort(log, opts, seed):
    result = build_cohort(log, **opts)
    t = result.table
    again = build_cohort(_shuffled(log, seed), **opts)
    pd.testing.assert_frame_equal(t, again.table)
    pd.testing.assert_frame_equal(result.rules, again.rules)
    assert t["case_id"].is_unique
    assert ((0 <= t["entry"]) & (t["entry"] <= t["time"])).all()
    assert t["outcome"].value_counts().sum() == len(t) == result.n
    assert result.n_cases_in == len(log.cases) == result.n + excluded_total(result)
    assert (t["exit_date"] - t["origin_date"]).dt.days.tolist() == t["time"].tolist()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=small_logs(), seed=st.integers(0, 2**16))
def test_properties_of_stages_and_transitions(log, seed):
    stages = stage_table(log).table
    pd.testing.assert_frame_equal(stages, stage_table(_shuffled(log, seed)).table)
    assert len(stages) == len(log.cases) * len(DEFAULT_STAGES)
    assert (stages["sojourn"].dropna() >= 0).all()
    timed = stages["status"].isin(["completed", "censored"])
    assert stages.loc[timed, "sojourn"].notna().all()
    assert stages.loc[~timed, "sojourn"].isna().all()

    tr = transitions(log)
    pd.testing.assert_frame_equal(tr.table, transitions(_shuffled(log, seed)).table)
    t = tr.table
    assert ((t["entry"] < t["exit"]) | ((t["entry"] == 0) & (t["exit"] == 0))).all()
    assert t["status"].isin([0, 1]).all()
    assert (t["to_state"].isna() == (t["status"] == 0)).all()
    assert tr.n_cases_in == tr.n + excluded_total(tr)
    cohort = build_cohort(log).table.set_index("case_id")
    for cid, rows in t.groupby("case_id", sort=False):
        assert rows["entry"].iloc[0] == 0
        assert (rows["exit"].to_numpy()[:-1] == rows["entry"].to_numpy()[1:]).all()
        last = rows.iloc[-1]
        outcome = cohort.loc[cid, "outcome"]
        final = "court" if last["to_state"] == "judged" else (
            last["to_state"] if last["status"] == 1 else last["from_state"])
        if outcome == "censored":
            assert final in ("complaint", "police", "parquet")
            assert last["exit"] == cohort.loc[cid, "time"]
        else:
            assert final == outcome
            decided = rows[rows["to_state"] == outcome]
            assert decided["exit"].tolist() == [cohort.loc[cid, "time"]] or outcome == "court"
