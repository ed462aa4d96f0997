"""breakdown_incidence: Aalen-Johansen incidence of each outcome by the levels of each dimension."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trajectory.errors import SchemaError
from trajectory.estimators import BreakdownResult, breakdown_incidence
from trajectory.estimators.breakdown import MISSING


def _cohort() -> pd.DataFrame:
    # no censoring: the incidence of an outcome at t is the share of the level's cases
    # that ended with it by t (hand count)
    return pd.DataFrame({
        "time": [1, 2, 2, 3, 4, 5, 1, 3],
        "outcome": ["court", "alternative", "court", "court", "alternative", "court",
                    "alternative", "court"],
        "victim_sex": ["F", "F", "F", "F", "M", "M", None, None],
        "origin_date": pd.to_datetime(["2022-03-01"] * 4 + ["2023-05-01"] * 4),
    })


def _at(result: BreakdownResult, group: str, state: str, t: float) -> float:
    curve = result.table[(result.table["group"] == group) & (result.table["state"] == state)]
    curve = curve[curve["time"] <= t]
    return float(curve["estimate"].iloc[-1]) if len(curve) else 0.0


def test_each_level_is_its_own_curve_equal_to_the_hand_count():
    result = breakdown_incidence(_cohort(), by=["victim_sex", "complaint_year"])
    assert isinstance(result, BreakdownResult) and result.figure["kind"] == "breakdown"
    assert list(dict.fromkeys(result.table["dimension"])) == ["victim_sex", "complaint_year"]
    assert set(result.table["level"]) == {"F", "M", MISSING, "2022", "2023"}
    # women: court at 2, 2, 3 and alternative at 2 among 4 cases
    assert _at(result, "victim_sex=F", "court", 2) == pytest.approx(2 / 4)
    assert _at(result, "victim_sex=F", "court", 3) == pytest.approx(3 / 4)
    assert _at(result, "victim_sex=F", "alternative", 3) == pytest.approx(1 / 4)
    # the year of complaint comes from the date of time zero
    assert _at(result, "complaint_year=2023", "court", 5) == pytest.approx(2 / 4)
    # a missing value is a level of its own, never dropped
    assert _at(result, f"victim_sex={MISSING}", "alternative", 1) == pytest.approx(1 / 2)
    assert result.n == 8


def test_with_censoring_it_is_the_estimator_run_on_each_level():
    from trajectory.estimators import cumulative_incidence

    rng = np.random.default_rng(4)
    cohort = pd.DataFrame({"time": rng.integers(1, 60, 300),
                           "outcome": rng.choice(["court", "alternative", "censored"], 300),
                           "victim_sex": rng.choice(["F", "M"], 300)})
    result = breakdown_incidence(cohort, by=["victim_sex"])
    women = cohort[cohort["victim_sex"] == "F"]
    direct = cumulative_incidence(women).table
    mine = result.table[result.table["group"] == "victim_sex=F"]
    np.testing.assert_allclose(mine["estimate"].to_numpy(), direct["estimate"].to_numpy())


def test_a_missing_column_is_named():
    with pytest.raises(SchemaError, match="no column 'victim_age_band'"):
        breakdown_incidence(_cohort(), by=["victim_age_band"])
    with pytest.raises(SchemaError, match="year of complaint"):
        breakdown_incidence(_cohort().drop(columns="origin_date"), by=["complaint_year"])


def test_plotting_keeps_the_old_import():
    from trajectory.plotting import breakdown_incidence as from_plotting
    from trajectory.plotting.breakdown import BreakdownResult as old_class

    assert from_plotting is breakdown_incidence and old_class is BreakdownResult
