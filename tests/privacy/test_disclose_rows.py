"""Result tables (one row a group) through the gate: withhold small groups, blank small counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

from trajectory.errors import PrivacyError, SchemaError
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


def test_declared_group_sizes_are_rounded_to_k_without_a_rounding_base() -> None:
    table = pd.DataFrame({"group": ["a", "b", "c", "d"], "estimate": [0.1, 0.2, 0.3, 0.4],
                          "n_group": [38, 7, 3, 102], "n_rest": [64, 95, 99, 3]})
    out = disclose(table, k=5, withhold_by="n_group", rounded=["n_group", "n_rest"])
    # 38 -> 40, 7 -> 5 (never into 1..4), 3 withheld; 64 -> 65; the n_rest of 3 is blanked
    assert out["n_group"].tolist()[:2] == [40, 5] and np.isnan(out.loc[2, "n_group"])
    assert out.loc[3, "n_group"] == 100 and out.loc[0, "n_rest"] == 65
    assert np.isnan(out.loc[3, "n_rest"]) and np.isnan(out.loc[3, "estimate"])
    for column in ("n_group", "n_rest"):
        shown = out[column].dropna()
        assert (shown % 5 == 0).all() and not ((shown > 0) & (shown < 5)).any()
    assert out.attrs["disclosure"]["rounded"] == {"columns": ["n_group", "n_rest"], "base": 5}
    # a rounding base wins over k; k = 7 is never rounded down into 1..6
    ten = disclose(table, k=5, rounding=10, withhold_by="n_group", rounded=["n_group"])
    assert ten["n_group"].tolist()[:2] == [40, 10]
    seven = disclose(table, k=7, withhold_by="n_group", rounded=["n_group", "n_rest"])
    assert seven["n_group"].tolist()[:2] == [35, 7] and seven.loc[0, "n_rest"] == 63
    # an undeclared column keeps its value when there is no rounding base
    assert disclose(table, k=5, withhold_by="n_group")["n_group"].tolist()[:2] == [38, 7]
    assert disclose(out, k=5, withhold_by="n_group", rounded=["n_group", "n_rest"]).equals(out)


def test_rounded_needs_a_one_row_a_group_table() -> None:
    table = pd.DataFrame({"zone": ["a", "b"], "n": [10, 20]})
    with pytest.raises(PrivacyError, match="withhold_by"):
        disclose(table, k=5, rounded=["n"])
    with pytest.raises(SchemaError, match="n_rest"):
        disclose(table, k=5, withhold_by="n", rounded=["n_rest"])


@dataclass(frozen=True, repr=False)
class _Stated(TidyResult):
    """A result whose text states a count: the gate rewrites it from the shown value."""

    disclosure: ClassVar[Mapping[str, Any]] = {"withhold_by": "n", "rounded": ["n"],
                                               "restate": "restated"}

    def restated(self) -> _Stated:
        table = self.table.copy()
        table["text"] = [f"{n:.0f} cases" if np.isfinite(n) else "" for n in table["n"]]
        return self.replace(table=table)


def test_a_declared_restate_rewrites_text_after_the_gate() -> None:
    raw = pd.DataFrame({"group": ["a", "b"], "estimate": [0.5, 0.6], "n": [38, 3],
                        "text": ["38 cases", "3 cases"]})
    out = disclose(_Stated(table=raw), k=5)
    assert out.table["text"].tolist() == ["40 cases", ""]
    assert raw["text"].tolist() == ["38 cases", "3 cases"]
