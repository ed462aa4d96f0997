"""A log-rank table published beside the curves of the same groups.

The curves floor each group's cumulative events to a multiple of ``k``; a log-rank table
showing each group's exact ``observed`` events told how many events the curve held back
(13 events, a curve showing 10: 3 held back). The gate now floors ``observed`` to the
curves' grid, and the release audit reads a floored count ``L`` as ``L .. L + k - 1``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trajectory.estimators.comparison import LogrankResult, logrank
from trajectory.estimators.nonparametric import kaplan_meier
from trajectory.privacy import audit_release, disclose
from trajectory.privacy.release import protect_release

K = 5
SOURCES = {"outcomes": "cohort.outcomes", "logrank": "comparison.logrank"}


def _cases(groups: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """``n`` cases a group, the first ``d`` with an event, one a day (no ties)."""
    rows = [{"group": g, "time": i + 1, "outcome": int(i < d)}
            for g, (n, d) in groups.items() for i in range(n)]
    return pd.DataFrame(rows)


def _held_back(curve: pd.DataFrame, test: pd.DataFrame) -> pd.Series:
    """Events a test shows beyond those its group's curve shows."""
    shown = curve.groupby("group")["n_event"].sum()
    return test.set_index("group")["observed"] - shown


def test_the_logrank_events_do_not_tell_what_the_curve_held_back() -> None:
    # a: 13 events, the curve shows 10 (two steps of 5); b: 20, all shown
    cases = _cases({"a": (23, 13), "b": (30, 20), "c": (41, 27)})
    curve = disclose(kaplan_meier(cases, by="group"), k=K).table
    test = disclose(logrank(cases, by="group"), k=K).table
    true = logrank(cases, by="group").table.set_index("group")["observed"]
    held = _held_back(curve, test)
    assert not held.between(1, K - 1).any(), held.to_dict()  # was 3 for a, 2 for c
    shown = test.set_index("group")["observed"]
    # a shown L stands for L .. L + k - 1 events, as the curve's floors do
    assert ((shown <= true) & (true <= shown + K - 1)).all()
    assert (shown % K == 0).all() and (test["expected"] % K == 0).all()
    # what a reader can still compute: the events held back lie anywhere in k values
    for group, value in shown.items():
        curve_sum = curve.loc[curve["group"] == group, "n_event"].sum()
        possible = [o - curve_sum for o in range(int(value), int(value) + K)]
        assert len(possible) == K and min(possible) >= 0


def test_floors_are_kept_with_rounding_and_through_the_gate_twice() -> None:
    cases = _cases({"a": (23, 13), "b": (30, 19)})
    once = disclose(logrank(cases, by="group"), k=K, rounding=5)
    assert once.table["observed"].tolist() == [10.0, 15.0]  # floored, not rounded to 15, 20
    twice = disclose(once, k=K)
    pd.testing.assert_frame_equal(once.table, twice.table)
    assert "floored" in " ".join(once.notes["disclosure"]["notes"])


def _logrank(observed: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"group": ["hate", "ifg", "sexual"], "n": [40.0, 80.0, 60.0],
                         "observed": observed, "expected": [30.0, 60.0, 40.0]})


def _outcomes(n: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"outcome": ["court", "dismissal", "censored"], "n": n})


def test_floored_events_keep_a_hidden_decision_count_wide() -> None:
    # exact events 30 + 70 + 41 less 51 dismissals gave the hidden court count back;
    # floored (30, 70, 40: 140 .. 152 events) they leave it 13 values wide
    ids = LogrankResult.identities[-1:]  # the events add up to the decided cases
    frames = {"outcomes": _outcomes([np.nan, 51.0, 39.0]),
              "logrank": _logrank([30.0, 70.0, 40.0])}
    audit = audit_release(frames, k=K, sources=SOURCES, identities=ids)
    assert audit.passed and "identity" in audit.relation_kinds
    # the identity still holds on floored cells: 30 + 70 + 40 .. + 12 contains 101 + 51
    shown = {**frames, "outcomes": _outcomes([101.0, 51.0, 39.0])}
    assert "identity" in audit_release(shown, k=K, sources=SOURCES,
                                       identities=ids).relation_kinds
    # and is refused where no value the floors stand for fits (more than 152 decided)
    wrong = {**frames, "outcomes": _outcomes([110.0, 51.0, 39.0])}
    assert "identity" not in audit_release(wrong, k=K, sources=SOURCES,
                                           identities=ids).relation_kinds


def test_floored_events_pinned_by_the_decided_cases_are_hidden() -> None:
    # 101 + 51 = 152 decided cases = 30 + 70 + 40 + 3 x 4: every group is at the top of
    # its floor, so each exact count (and what its curve held back) would be known
    ids = LogrankResult.identities[-1:]
    frames = {"outcomes": _outcomes([101.0, 51.0, 39.0]),
              "logrank": _logrank([30.0, 70.0, 40.0])}
    found = audit_release(frames, k=K, sources=SOURCES, identities=ids)
    assert found.counts()["exact"] == 3 and set(found.table["column"]) == {"observed"}
    safe = protect_release(frames, "logrank", k=K, sources=SOURCES, identities=ids)
    assert audit_release(safe, k=K, sources=SOURCES, identities=ids).passed
    hidden = safe["logrank"]["observed"].isna()
    assert 1 <= hidden.sum() < 3  # not every group: one or two blanks free the others
    assert safe["logrank"]["expected"].isna().equals(hidden)
    # one group below the top of its floor (151 decided): nothing is pinned
    loose = {**frames, "outcomes": _outcomes([100.0, 51.0, 39.0])}
    assert audit_release(loose, k=K, sources=SOURCES, identities=ids).passed


def test_a_shown_zero_is_read_as_zero_not_as_a_floor() -> None:
    # counts 1 .. k-1 are hidden before the floor: a shown 0 is exactly 0, so with
    # 0 + 70 + 40 floored and 110 .. 118 decided, only the floors of ifg and sexual move
    ids = LogrankResult.identities[-1:]
    frames = {"outcomes": _outcomes([67.0, 51.0, 39.0]),
              "logrank": _logrank([0.0, 70.0, 40.0])}
    found = audit_release(frames, k=K, sources=SOURCES, identities=ids)
    # 118 = 0 + 74 + 44: both floors at their top, pinned
    assert found.counts()["exact"] == 2
    assert set(found.table["row"]) == {1, 2}
