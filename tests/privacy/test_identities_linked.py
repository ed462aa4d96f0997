"""Identities of the log-rank, funnel and requalification tables with other published tables.

Each test publishes two tables that one declared identity relates, hides a count in one,
and checks that the audit recovers it through the other once the identity is declared
(and not without it), and that the release gate then hides enough to block it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trajectory.bottlenecks.nomenclature import NomenclatureResult
from trajectory.errors import PrivacyError
from trajectory.estimators.comparison import LogrankResult
from trajectory.monitoring.charts import CusumResult
from trajectory.monitoring.funnels import FunnelResult
from trajectory.privacy.audit import audit_release
from trajectory.privacy.identities import Cells, Identity
from trajectory.privacy.release import protect_release

K = 5
SOURCES = {"cases": "cohort.cases", "outcomes": "cohort.outcomes",
           "logrank": "comparison.logrank", "delays": "reception.table",
           "funnel": "monitoring.funnel", "cusum": "monitoring.cusum",
           "crosswalk": "nomenclature.table",
           "requalification": "nomenclature.requalification"}


def _recovered_then_blocked(frames: dict[str, pd.DataFrame], new: str,
                            identities: tuple) -> pd.DataFrame:
    """A count hidden in an earlier table is safe until ``new`` repeats it; the gate hides."""
    assert audit_release(frames, k=K).passed  # each table alone gives nothing away
    assert audit_release(frames, k=K, sources=SOURCES).passed  # sources, no identity
    found = audit_release(frames, k=K, sources=SOURCES, identities=identities)
    assert found.counts()["exact"] >= 1 and "identity" in found.relation_kinds
    safe = protect_release(frames, new, k=K, sources=SOURCES, identities=identities)
    assert audit_release(safe, k=K, sources=SOURCES, identities=identities).passed
    for name, frame in frames.items():  # the earlier tables are never changed
        if name != new:
            pd.testing.assert_frame_equal(safe[name], frame.astype({"n": float}))
    return safe[new]


def _logrank(n: list[float], observed: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"group": ["hate", "ifg", "sexual"], "n": n, "observed": observed,
                         "expected": [30.1, 60.4, 40.2]})


def _outcomes(n: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"outcome": ["court", "dismissal", "censored"], "n": n})


def test_a_cohort_count_hidden_by_group_is_read_from_the_logrank_group_size() -> None:
    frames = {"cases": pd.DataFrame({"offence_group": ["hate", "ifg", "sexual"],
                                     "n": [np.nan, 80.0, 60.0]}),
              "logrank": _logrank([40.0, 80.0, 60.0], [30.0, 70.0, 41.0])}
    safe = _recovered_then_blocked(frames, "logrank", LogrankResult.identities)
    assert np.isnan(safe["n"].iloc[0]) and safe["n"].isna().sum() == 1
    assert np.isnan(safe["expected"].iloc[0])  # the decimals of the hidden count's row


def test_the_logrank_group_sizes_add_up_to_the_cohort_outcome_counts() -> None:
    # 40 + 80 + 60 cases = 90 + 51 + the censored cases hidden in the outcome table
    frames = {"outcomes": _outcomes([90.0, 51.0, np.nan]),
              "logrank": _logrank([40.0, 80.0, 60.0], [30.0, 70.0, 41.0])}
    safe = _recovered_then_blocked(frames, "logrank", LogrankResult.identities)
    assert safe["n"].isna().sum() >= 1


def test_the_logrank_events_add_up_to_the_decided_cases() -> None:
    # the gate floors events to the curves' grid (30, 70, 40: 140 .. 152 events); with
    # 101 court decisions + 51 dismissals (censored apart) each is at the top of its
    # floor: the exact events are known (test_logrank_beside_curves.py has the rest)
    frames = {"outcomes": _outcomes([101.0, 51.0, 39.0]),
              "logrank": _logrank([40.0, 80.0, 60.0], [30.0, 70.0, 40.0])}
    ids = LogrankResult.identities[-1:]  # the events only
    safe = _recovered_then_blocked(frames, "logrank", ids)
    assert safe["observed"].isna().sum() >= 1
    assert safe["expected"].isna().sum() == safe["observed"].isna().sum()


def _delays(n: list[float]) -> pd.DataFrame:
    groups = ["all", "z1", "z2", "z3"]
    return pd.DataFrame({"stage": ["reporting"] * 8, "by": ["all", "zone", "zone", "zone"] * 2,
                         "group": groups * 2, "q": [0.25] * 4 + [0.5] * 4, "n": n * 2})


def _funnel(n: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"group": ["z1", "z2", "z3"], "n": n,
                         "observed": [0.6, 0.55, 0.7], "expected": [0.6, 0.6, 0.6]})


def test_a_zone_hidden_in_the_reception_table_is_read_from_the_funnel() -> None:
    frames = {"delays": _delays([np.nan, 120.0, 45.0, np.nan]),
              "funnel": _funnel([120.0, 45.0, 60.0])}
    safe = _recovered_then_blocked(frames, "funnel", FunnelResult.identities)
    assert np.isnan(safe["n"].iloc[2]) and np.isnan(safe["observed"].iloc[2])


def test_a_funnel_that_pools_fewer_periods_is_bounded_by_the_reception_counts() -> None:
    # the funnel counts the cases of the periods followed to the horizon: the equality
    # does not hold, the bound does, and 60 - 57 = 3 cases of z3 in the other periods
    frames = {"delays": _delays([225.0, 120.0, 45.0, 60.0]),
              "funnel": _funnel([110.0, 40.0, 57.0])}
    assert audit_release(frames, k=K, sources=SOURCES).passed
    found = audit_release(frames, k=K, sources=SOURCES, identities=FunnelResult.identities,
                          focus=["funnel"])
    assert found.counts() == {"exact": 0, "narrow": 0, "derived": 1}
    assert tuple(found.table.loc[0, ["table", "row"]]) == ("funnel", 2)
    safe = protect_release(frames, "funnel", k=K, sources=SOURCES,
                           identities=FunnelResult.identities)
    assert np.isnan(safe["funnel"]["n"].iloc[2])
    assert audit_release(safe, k=K, sources=SOURCES, identities=FunnelResult.identities).passed


def _cusum(n: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"group": ["z1", "z2", "z3"], "threshold": [4.5, 5.0, 4.25],
                         "arl0": [1990.2, 2011.7, 1950.4],
                         "arl0_censored_share": [0.55, 0.575, 0.6],
                         "alarm_date": ["2023-03-27", None, None],
                         "run_start": ["2023-03-03", None, None], "n": n})


def test_a_zone_hidden_in_the_reception_table_is_read_from_the_cusum() -> None:
    frames = {"delays": _delays([np.nan, 120.0, 45.0, np.nan]),
              "cusum": _cusum([120.0, 45.0, 60.0])}
    safe = _recovered_then_blocked(frames, "cusum", CusumResult.identities)
    assert np.isnan(safe["n"].iloc[2]) and safe["n"].isna().sum() >= 1


def test_the_cusum_counts_at_least_the_cases_the_funnel_pools() -> None:
    # a unit's chart follows every period; the funnel pooled fewer: 60 - 57 = 3 cases
    frames = {"funnel": _funnel([110.0, 40.0, 57.0]), "cusum": _cusum([120.0, 45.0, 60.0])}
    ids = CusumResult.identities
    assert audit_release(frames, k=K, sources=SOURCES).passed
    found = audit_release(frames, k=K, sources=SOURCES, identities=ids, focus=["cusum"])
    assert found.counts() == {"exact": 0, "narrow": 0, "derived": 1}
    assert tuple(found.table.loc[0, ["table", "row"]]) == ("cusum", 2)
    safe = protect_release(frames, "cusum", k=K, sources=SOURCES, identities=ids)
    assert np.isnan(safe["cusum"]["n"].iloc[2])
    assert audit_release(safe, k=K, sources=SOURCES, identities=ids).passed


def test_recoded_cases_are_the_off_diagonal_cells_of_the_crosswalk() -> None:
    # police code 37: 6 + 9 cases given another parquet code = its hidden n_differs
    requal = pd.DataFrame({"police_code": [37, 43], "n": [55.0, 62.0],
                           "n_requalified": [8.0, 7.0], "n_differs": [np.nan, 12.0]})
    crosswalk = pd.DataFrame({"police_code": [37, 37, 37, 43, 43],
                              "parquet_code": [37, 43, 50, 43, 37],
                              "n": [40.0, 6.0, 9.0, 50.0, 12.0]})
    frames = {"requalification": requal, "crosswalk": crosswalk}
    ids = NomenclatureResult.identities
    safe = _recovered_then_blocked(frames, "crosswalk", ids)
    assert safe["n"].iloc[:3].isna().sum() >= 2
    # the sum over the whole row of the crosswalk is n, not n_differs
    whole_row = {"parts": {"source": "nomenclature.table", "column": "n", "per": "police_code"},
                 "whole": {"source": "nomenclature.requalification", "column": "n_differs",
                           "per": "police_code"}}
    assert "identity" not in audit_release(frames, k=K, sources=SOURCES,
                                           identities=[whole_row]).relation_kinds


def test_selection_filters_read_and_write_their_declarations() -> None:
    spec = {"source": "s", "column": "n", "where": {"stage": ["a"]}, "per": "g",
            "exclude": {"outcome": ["censored"]}, "differ": [["x", "y"]], "every": True}
    side = Cells.from_mapping(spec)
    assert side.to_mapping() == spec
    assert Cells.from_mapping(side.to_mapping()) == side
    frame = pd.DataFrame({"stage": ["a", "a", "a", "b"], "g": ["1", "1", "2", "1"],
                          "outcome": ["court", "censored", "court", "court"],
                          "x": [1, 1, 2.0, 1], "y": ["2", "2", "2", "1"], "n": [1, 2, 3, 4]})
    assert side.rows(frame) == {"1": [0]}  # censored dropped, 2 == 2.0 is not a difference
    assert Cells.from_mapping({**spec, "differ": [["x", "missing"]]}).rows(frame) is None
    with pytest.raises(PrivacyError, match="source"):
        Cells.from_mapping({**spec, "differ": ["xy"]})


def test_recoded_cases_add_up_on_generated_data() -> None:
    from trajectory.bottlenecks.nomenclature import nomenclature
    from trajectory.synth import make_study

    nom = nomenclature(make_study(2_000, seed=5).log)
    frames = {"crosswalk": nom.table, "requalification": nom.requalification}
    assert (nom.table["police_code"] != nom.table["parquet_code"]).any()
    for identity in map(Identity.from_mapping, NomenclatureResult.identities[:2]):
        assert len(_holds(identity, frames)) == len(nom.requalification)
        assert all(_holds(identity, frames)), identity


def _holds(identity: Identity, frames: dict[str, pd.DataFrame]) -> list[bool]:
    """Whether each instance of an identity holds on fully computed tables."""
    out = []
    for parts, wholes in identity.instances(frames, SOURCES):
        total = sum(float(frames[t][c].iloc[i]) for t, i, c in parts)
        value = sum(float(frames[t][c].iloc[i]) for t, i, c in wholes)
        out.append(total == value if identity.relation == "=" else total >= value)
    return out


@pytest.mark.parametrize("extraction", ["2025-06-30", "2023-10-15"])
def test_the_declared_identities_hold_on_generated_data(extraction: str) -> None:
    """Computed from one generated study, as the notebooks publish them.

    With the extraction date the generator sets, every period of the funnel is followed
    to the horizon; with an earlier one, the last periods are not: the funnel counts
    fewer cases than the reception table, and only the bound holds (the audit adopts
    an equality only where the shown cells confirm it).
    """
    from trajectory import build_cohort, logrank
    from trajectory.bottlenecks.reception import reception
    from trajectory.monitoring.funnels import funnel
    from trajectory.synth import make_study

    log = make_study(2_000, seed=5, extraction_date=extraction).log
    table = build_cohort(log).table
    frames = {"cases": log.cases.value_counts("offence_group").rename("n").reset_index(),
              "outcomes": table.groupby("outcome", observed=True).size().rename("n")
              .reset_index(),
              "logrank": logrank(table, by="offence_group").table,
              "delays": reception(log).table,
              "funnel": funnel(log, "transmitted_30d", by="zone").table}
    assert frames["logrank"].attrs["source"] == "comparison.logrank"
    assert frames["funnel"].attrs["source"] == "monitoring.funnel"
    for identity in map(Identity.from_mapping, LogrankResult.identities):
        assert _holds(identity, frames) and all(_holds(identity, frames)), identity
    equal, bound = map(Identity.from_mapping, FunnelResult.identities)
    assert len(_holds(bound, frames)) == 6 and all(_holds(bound, frames))
    assert all(_holds(equal, frames)) == (extraction == "2025-06-30")
    # a test on part of the cohort keeps the bound by group, not the equalities
    registered = logrank(table[table["division"] == "FR"], by="offence_group").table
    part = {**frames, "logrank": registered}
    ids = [Identity.from_mapping(i) for i in LogrankResult.identities]
    assert [all(_holds(i, part)) for i in ids] == [False, True, False, False]
