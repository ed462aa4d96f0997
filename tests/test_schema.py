"""The data contract: vocabularies load in three languages, no duplicates, EventLog checks."""

from __future__ import annotations

import pandas as pd
import pytest

from trajectory.errors import SchemaError
from trajectory.schema import (
    CASE_COLUMNS,
    EVENT_COLUMNS,
    LANGUAGES,
    VOCABULARIES,
    EventLog,
    default_endpoints,
    label,
    labels,
    validate_eventlog,
    vocabulary,
)


@pytest.mark.parametrize("name", sorted(VOCABULARIES))
def test_every_vocabulary_has_three_languages_and_unique_codes(name: str) -> None:
    frame = vocabulary(name)
    assert len(frame) > 0
    assert not frame["code"].duplicated().any(), f"{name}: duplicated codes"
    for lang in LANGUAGES:
        column = f"label_{lang}"
        assert column in frame.columns
        blank = frame[column].fillna("").str.strip() == ""
        assert not blank.any(), f"{name}: empty {column} for {list(frame.index[blank])}"


def test_vocabulary_contents_match_the_domain_brief() -> None:
    events = vocabulary("events")
    assert {"E00", "E11", "E30", "E40", "E45", "E51", "E63"} <= set(events["code"])
    assert set(vocabulary("decisions")["code"]) == {f"D{i:02d}" for i in range(1, 13)}
    motives = vocabulary("motives")
    assert set(motives.loc[motives["kind"] == "technical", "code"]) == {
        f"T{i:02d}" for i in range(1, 13)
    }
    assert {"O01", "O11", "O99"} <= set(motives.loc[motives["kind"] == "opportunity", "code"])
    zones = vocabulary("police_zones")
    assert len(zones) == 6
    municipalities = vocabulary("municipalities")
    assert len(municipalities) == 19
    assert set(municipalities["zone"]) == set(zones["code"])
    charge = vocabulary("charge_codes")
    assert set(charge["offence_group"]) == set(vocabulary("offence_groups")["code"])


def test_decision_events_exist_in_the_event_vocabulary() -> None:
    events = set(vocabulary("events")["code"])
    linked = {e for e in vocabulary("decisions")["event"] if e}
    assert linked <= events


def test_default_endpoints_are_disjoint_event_codes() -> None:
    endpoints = default_endpoints()
    codes = [c for group in endpoints.values() for c in group]
    assert len(codes) == len(set(codes))
    assert set(codes) <= set(vocabulary("events")["code"])
    assert "censored" not in endpoints


def test_labels_and_unknown_language() -> None:
    assert labels("events", "nl")["E45"] == "Rechtstreekse dagvaarding"
    assert label("events", "E99") == "E99"
    with pytest.raises(SchemaError, match="unknown language 'de'"):
        labels("events", "de")
    with pytest.raises(SchemaError, match="unknown vocabulary"):
        vocabulary("nope")


def test_vocabulary_returns_a_copy() -> None:
    frame = vocabulary("events")
    frame.loc["E45", "label_en"] = "changed"
    assert vocabulary("events").loc["E45", "label_en"] == "Direct summons"


def _log(**changes: object) -> EventLog:
    cases = pd.DataFrame(
        {
            "case_id": ["a", "b"],
            "offence_group": ["hate", "harassment"],
            "division": ["FR", "NL"],
            "extraction_date": pd.to_datetime(["2024-12-31"] * 2),
        }
    )
    events = pd.DataFrame(
        {
            "case_id": ["a", "a", "b"],
            "event": ["E11", "E30", "E11"],
            "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
        }
    )
    tables = {"cases": cases, "events": events}
    for key, value in changes.items():
        table, column = key.split("__")
        tables[table] = tables[table].assign(**{column: value})
    return EventLog(tables["cases"], tables["events"], pd.Timestamp("2024-12-31"))


def test_valid_log_passes_and_repr_is_informative() -> None:
    log = _log()
    assert log.validate() is log
    assert "2 cases" in repr(log) and "3 events" in repr(log)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cases__case_id": ["a", "a"]}, "duplicated"),
        ({"events__event": ["E11", "E99", "E11"]}, "outside the events vocabulary"),
        ({"events__case_id": ["a", "zz", "b"]}, "belong to no case"),
        ({"events__date": ["2024-01-01"] * 3}, "must be datetime64"),
        ({"cases__division": ["FR", "DE"]}, "'division' has value 'DE'"),
    ],
)
def test_contract_violations_are_named(change: dict, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        validate_eventlog(_log(**change))


def test_missing_required_column_is_named() -> None:
    log = _log()
    bad = EventLog(log.cases.drop(columns="offence_group"), log.events, log.extraction_date)
    with pytest.raises(SchemaError, match=r"cases: required column\(s\) \['offence_group'\]"):
        bad.validate()


def test_column_descriptions_are_complete() -> None:
    for columns in (CASE_COLUMNS, EVENT_COLUMNS):
        for name, (dtype, description) in columns.items():
            assert dtype and description, name
