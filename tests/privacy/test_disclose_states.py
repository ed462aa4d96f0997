"""Multi-state occupation curves through the gate: every state shown, none revealing < k cases."""

from __future__ import annotations

import numpy as np

import trajectory as tj


def test_state_occupation_is_coarsened_on_the_group_grid() -> None:
    log, _ = tj.make_study(3_000, seed=4, scenario="null")
    raw = tj.state_occupation(tj.transitions(log).table)
    safe = tj.disclose(raw, k=5).table
    # absorbing states (nobody at risk of leaving them) are still shown
    assert {"dismissal_technical", "court", "judged"} <= set(safe["state"])
    # each kept time shows every state, and the shown occupation sums to at most 1
    per_time = safe.groupby("time")["state"].nunique()
    assert per_time.nunique() == 1
    totals = safe.groupby("time")["estimate"].sum(min_count=1)
    assert (totals <= 1 + 5e-4 * safe["state"].nunique()).all()  # 3-decimal rounding
    # no state is shown before k cases have entered it (unless occupied from time 0)
    entered = (raw.table.sort_values("time").groupby("state")["n_event"].cumsum())
    raw_entered = raw.table.assign(entered=entered)
    merged = safe.merge(raw_entered[["state", "time", "entered", "estimate"]],
                        on=["state", "time"], suffixes=("", "_raw"))
    shown = merged[~merged["suppressed"] & (merged["entered"] < 5)]
    assert (shown["estimate_raw"].groupby(shown["state"]).first() > 0).all() or shown.empty
    # shown estimates equal the true ones to the published precision
    ok = merged[~merged["suppressed"]]
    assert np.allclose(ok["estimate"], ok["estimate_raw"], atol=5e-4)
    for column in ("n_event", "n_censor", "n_risk"):
        values = safe[column].dropna()
        assert not ((values > 0) & (values < 5)).any()
