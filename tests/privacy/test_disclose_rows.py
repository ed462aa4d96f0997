"""Result tables (one row a group) through the gate: withhold small groups, blank small counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from trajectory.privacy import disclose
from trajectory.results import TidyResult


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": ["a", "b", "c"],
            "q": [0.5, 0.5, 0.5],
            "estimate": [0.30, 0.10, 0.70],
            "n": [40, 3, 60],
            "n_event": [12, 1, 2],
        }
    )


def test_small_groups_are_withheld_and_small_counts_blanked() -> None:
    out = disclose(_table(), k=5, withhold_by="n", derived={"estimate": "n_event"})
    assert out["withheld"].tolist() == [False, True, False]
    assert np.isnan(out.loc[1, ["estimate", "n", "n_event"]].astype(float)).all()
    # group c is large, but its 2 events are below k: blanked with the estimate they give
    assert np.isnan(out.loc[2, "n_event"]) and np.isnan(out.loc[2, "estimate"])
    assert out.loc[0, "n_event"] == 12 and out.loc[0, "estimate"] == 0.30
    for column in ("n", "n_event"):
        shown = out[column].dropna()
        assert not ((shown > 0) & (shown < 5)).any()
    assert len(out.attrs["disclosure"]["items"]) == 2


def test_input_is_not_mutated_and_rounding_applies() -> None:
    table = _table()
    before = table.copy()
    out = disclose(table, k=5, withhold_by="n", rounding=5)
    pd.testing.assert_frame_equal(table, before)
    assert out.loc[0, "n"] == 40 and out.loc[2, "n"] == 60


@dataclass(frozen=True, repr=False)
class _GroupResult(TidyResult):
    disclosure: ClassVar[Mapping[str, Any]] = {"withhold_by": "n"}


@dataclass(frozen=True, repr=False)
class _TestResult(TidyResult):
    disclosure: ClassVar[Mapping[str, Any]] = {"no_counts": True}


def test_result_classes_declare_how_the_gate_reads_them() -> None:
    safe = disclose(_GroupResult(table=_table(), n=103), k=5)
    assert safe.table["withheld"].tolist() == [False, True, False]
    assert safe.notes["disclosure"]["kind"] == "rows"
    stats = _TestResult(table=pd.DataFrame({"statistic": [3.2], "df": [2], "p": [0.2]}))
    passed = disclose(stats, k=5)
    pd.testing.assert_frame_equal(passed.table, stats.table)
    assert passed.notes["disclosure"]["kind"] == "no counts"


def test_an_empty_result_passes_with_a_note() -> None:
    empty = TidyResult(table=pd.DataFrame())
    out = disclose(empty, k=5, withhold_by="n")
    assert out.table.empty and out.notes["disclosure"]["kind"] == "empty"
