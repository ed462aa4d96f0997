"""Shared fixtures of the synth tests: large uncensored studies and their per-case tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trajectory.synth import make_study

ENDPOINTS = ("E33", "E34", "E35", "E40", "E41", "E42", "E43", "E44", "E45", "E46", "E47")
#: The calibration tests run at 30,000 cases in the fast suite and at 100,000 cases
#: (the size the acceptance criteria name) under ``-m slow``; tolerances scale with n.
SIZES = [30_000, pytest.param(100_000, marks=pytest.mark.slow)]
FAR = "2099-12-31"  # extraction far away: no censoring, every trajectory complete


def per_case_days(log) -> pd.DataFrame:
    """One row a case: first day (days since 1970) of each event, the decision event,
    its delay from E30 (``dec_days``) and every case column."""
    ev = log.events
    first = ev.drop_duplicates(["case_id", "event"])
    days = (first["date"].to_numpy().astype("datetime64[D]").astype(np.int64))
    wide = pd.DataFrame({"case_id": first["case_id"].to_numpy(), "event": first["event"].to_numpy(),
                         "day": days}).pivot(index="case_id", columns="event", values="day")
    dec = ev[ev["event"].isin(ENDPOINTS)].set_index("case_id")["event"]
    table = wide.join(log.cases.set_index("case_id"))
    table["decision"] = dec.astype(object).reindex(table.index)
    dec_day = pd.Series(np.nan, index=table.index)
    for code in ENDPOINTS:
        if code in table:
            m = table["decision"] == code
            dec_day[m] = table.loc[m, code]
    table["dec_days"] = dec_day - table["E30"]
    return table


@pytest.fixture(scope="session", params=SIZES, ids=lambda n: f"n{n}")
def big(request: pytest.FixtureRequest) -> dict:
    """Uncensored ``null`` and ``brussels`` studies and their per-case tables."""
    out = {}
    for seed, scenario in ((11, "null"), (12, "brussels")):
        study = make_study(request.param, seed=seed, scenario=scenario, extraction_date=FAR)
        out[scenario] = (study, per_case_days(study.log))
    return out
