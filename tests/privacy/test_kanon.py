"""k_anonymity(): equivalence classes below k and the records in them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trajectory.errors import SchemaError
from trajectory.privacy import DEFAULT_QUASI_IDENTIFIERS, k_anonymity
from trajectory.schema import EventLog


def hand_cases() -> pd.DataFrame:
    # classes (zone, sex): (Z1, F) x 5, (Z1, M) x 2, (Z2, F) x 1, (Z2, <NA>) x 1
    return pd.DataFrame({
        "case_id": [f"c{i}" for i in range(9)],
        "zone": ["Z1"] * 7 + ["Z2", "Z2"],
        "victim_sex": ["F"] * 5 + ["M", "M", "F", None],
    })


def test_hand_computed_classes_and_risky_records() -> None:
    report = k_anonymity(hand_cases(), quasi_identifiers=["zone", "victim_sex"], k=5)
    t = report.table
    assert t["size"].tolist() == [1, 1, 2, 5]
    assert t["at_risk"].tolist() == [True, True, True, False]
    assert sorted(report.risky_ids) == ["c5", "c6", "c7", "c8"]
    assert report.risky_rows == [5, 6, 7, 8]
    assert not report.is_k_anonymous
    s = report.summary().iloc[0]
    assert (s["records"], s["classes"], s["records_at_risk"], s["smallest_class"]) == (9, 4, 4, 1)
    assert s["share_at_risk"] == pytest.approx(4 / 9)
    assert k_anonymity(hand_cases(), quasi_identifiers=["zone"], k=2).is_k_anonymous


def test_month_is_derived_from_a_date_or_the_event_log() -> None:
    cases = pd.DataFrame({
        "case_id": ["a", "b", "c"], "zone": ["Z1"] * 3, "victim_age_band": ["18-29"] * 3,
        "victim_sex": ["F"] * 3, "offence_group": ["ifg"] * 3,
        "complaint": pd.to_datetime(["2024-01-03", "2024-01-30", "2024-02-01"]),
    })
    report = k_anonymity(cases, k=2, date="complaint")
    assert report.quasi_identifiers == DEFAULT_QUASI_IDENTIFIERS
    assert report.risky_ids == ["c"]
    events = pd.DataFrame({"case_id": ["a", "a", "b", "c"], "event": ["E11"] * 4,
                           "date": pd.to_datetime(["2024-03-09", "2024-01-01",
                                                   "2024-03-02", "2024-03-30"])})
    log = EventLog(cases.drop(columns="complaint"), events, pd.Timestamp("2024-12-31"))
    assert k_anonymity(log, k=2).risky_ids == ["a"]  # a's first event is in January
    with pytest.raises(SchemaError, match="month"):
        k_anonymity(cases.drop(columns="complaint"), k=2)
    with pytest.raises(SchemaError, match="quasi-identifier"):
        k_anonymity(cases, quasi_identifiers=["zone", "postcode"])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(2, 6))
def test_classes_partition_the_records_and_order_does_not_matter(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    cases = pd.DataFrame({"case_id": [f"c{i}" for i in range(n)],
                          "zone": rng.choice(["Z1", "Z2", "Z3"], n),
                          "victim_sex": rng.choice(["F", "M", "X"], n, p=[0.6, 0.38, 0.02])})
    qi = ["zone", "victim_sex"]
    report = k_anonymity(cases, quasi_identifiers=qi, k=k)
    t = report.table
    assert t["size"].sum() == n
    assert t.loc[t["at_risk"], "size"].sum() == len(report.risky_ids)
    sizes = cases.groupby(qi)["case_id"].transform("size")
    assert set(report.risky_ids) == set(cases.loc[sizes < k, "case_id"])
    shuffled = cases.sample(frac=1.0, random_state=seed)
    again = k_anonymity(shuffled, quasi_identifiers=qi, k=k)
    assert set(again.risky_ids) == set(report.risky_ids)
    pd.testing.assert_frame_equal(again.table, t)
