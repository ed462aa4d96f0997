"""On a synthetic study, the cohort's outcome incidence matches the generator's ground truth."""

from __future__ import annotations

import numpy as np
import pandas as pd

import trajectory as tj


def test_cumulative_incidence_from_the_cohort_matches_ground_truth() -> None:
    log, truth = tj.make_study(20_000, seed=11, scenario="null")
    cohort = tj.build_cohort(log, origin="E11")
    assert cohort.table["case_id"].is_unique
    estimate = tj.cumulative_incidence(cohort.table, by="offence_group").table
    expected = truth.cumulative_incidence
    expected = expected[expected["by"] == "offence_group"]
    checked = 0
    for row in expected.itertuples():
        curve = estimate[(estimate["group"] == row.group) & (estimate["state"] == row.outcome)]
        curve = curve[curve["time"] <= row.time]
        if curve.empty:
            continue
        last = curve.iloc[-1]
        se = float(np.hypot(last["std_err"], row.std_err))
        # 4.5 standard errors: ~100 comparisons, a false alarm has probability < 1e-3
        assert abs(last["estimate"] - row.estimate) <= 4.5 * se + 1e-9, (
            f"{row.group} {row.outcome} day {row.time}: "
            f"{last['estimate']:.4f} vs true {row.estimate:.4f} (se {se:.4f})"
        )
        checked += 1
    assert checked >= 100


def test_outcome_shares_add_up_and_respect_censoring() -> None:
    log, _ = tj.make_study(3_000, seed=2, scenario="null")
    table = tj.build_cohort(log).table
    counts = table["outcome"].value_counts()
    assert counts.sum() == len(table)
    assert counts["censored"] > 0
    open_cases = table[table["outcome"] == "censored"]
    censor_day = (pd.Timestamp(log.extraction_date) - open_cases["origin_date"]).dt.days
    assert (open_cases["time"] <= censor_day).all()
