"""Tiny private builder of hand-made EventLogs for the attrition and bottleneck tests.

Each case is a dict of case columns plus ``events``: a list of ``(event, day)`` or
``(event, day, code)`` tuples, ``day`` counted from 2020-01-01.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from trajectory.schema import EventLog

DAY0 = pd.Timestamp("2020-01-01")


def make_log(cases: list[dict[str, Any]], *, extraction_day: int = 1000) -> EventLog:
    """Build an EventLog; every case shares the extraction date unless it sets its own."""
    ext = DAY0 + pd.Timedelta(days=extraction_day)
    rows, events = [], []
    for case in cases:
        row = {k: v for k, v in case.items() if k != "events"}
        row.setdefault("offence_group", "hate")
        row.setdefault("extraction_date", ext)
        rows.append(row)
        for ev in case.get("events", []):
            code = ev[2] if len(ev) > 2 else None
            events.append({"case_id": case["case_id"], "event": ev[0],
                           "date": DAY0 + pd.Timedelta(days=ev[1]), "code": code})
    cases_df = pd.DataFrame(rows)
    cases_df["extraction_date"] = pd.to_datetime(cases_df["extraction_date"])
    events_df = pd.DataFrame(events, columns=["case_id", "event", "date", "code"])
    events_df["date"] = pd.to_datetime(events_df["date"])
    return EventLog(cases_df, events_df, ext)
