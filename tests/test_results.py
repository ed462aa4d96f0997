"""Summaries of results as a survival user expects them from R.

Curves: one row a group with n, events and the median with its CI (``print(survfit)``);
models: hazard ratio with CI and p, n and events (``summary(coxph)``); flags: full
sentences. References: tests/reference/results_summary.R (R survival on ``lung``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

from _support.reference import read_reference
from trajectory.bottlenecks.flags import Flags
from trajectory.estimators import cumulative_incidence, kaplan_meier, state_occupation
from trajectory.estimators.regression import cox
from trajectory.privacy import disclose
from trajectory.results import TidyResult, curve_summary


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    d = read_reference("data/lung.csv")
    d["dead"] = (d["status"] == 2).astype(int)
    return d


def test_km_summary_is_print_survfit(lung):
    ref = read_reference("results_summary_survfit.csv")
    got = kaplan_meier(lung, time="time", event="dead", by="sex").summary()
    assert got.columns.tolist() == ["group", "n", "n_event", "median", "lower", "upper"]
    assert len(got) == 2  # one row a group, not the curve
    got = got.assign(group=got["group"].astype(int)).set_index("group")
    ref = ref.set_index("group")
    for g in (1, 2):
        assert int(got.loc[g, "n"]) == ref.loc[g, "n"]
        assert int(got.loc[g, "n_event"]) == ref.loc[g, "n_event"]
        for c in ("median", "lower", "upper"):
            assert got.loc[g, c] == pytest.approx(ref.loc[g, c]), (g, c)


def test_km_summary_by_hand():
    # S: 5/6 at 1, 4/6 at 2, 1/2 after 4 (3 censored at 3 leaves 2 at risk); median:
    # S reaches 0.5 at 4; n = 6 cases, 3 events
    df = pd.DataFrame({"time": [1, 2, 3, 3, 4, 5], "outcome": [1, 1, 0, 0, 1, 0]})
    s = kaplan_meier(df).summary().iloc[0]
    assert (s["n"], s["n_event"], s["median"]) == (6, 3, 4.0)


def test_cox_summary_is_summary_coxph(lung):
    ref = read_reference("results_summary_coxph.csv")
    data = lung.assign(female=(lung["sex"] == 2).astype(int))
    got = cox(data, covariates=["age", "female"], time="time", event="dead").summary()
    assert got.columns.tolist() == ["term", "hazard_ratio", "lower", "upper", "p", "n",
                                    "n_event"]
    for (_, g), (_, r) in zip(got.iterrows(), ref.iterrows(), strict=True):
        for c in ("hazard_ratio", "lower", "upper"):
            assert g[c] == pytest.approx(r[c], rel=1e-5), (g["term"], c)
        assert g["p"] == pytest.approx(r["p"], rel=1e-4)
        assert (g["n"], g["n_event"]) == (r["n"], r["n_event"])


def test_cif_summary_by_hand():
    # 5 cases: a at 1, b at 2, censored at 2, a at 3, censored at 4
    df = pd.DataFrame({"time": [1, 2, 2, 3, 4],
                       "outcome": ["a", "b", "censored", "a", "censored"]})
    s = cumulative_incidence(df).summary().set_index("state")
    assert s["n"].tolist() == [5, 5]
    assert s["n_event"].tolist() == [2, 1]
    # a: 1/5 at 1; S(2)=4/5*3/4=3/5; at 3: 2 at risk, 1 event: + 3/5*1/2 = 0.5
    assert s.loc["a", "estimate"] == pytest.approx(0.5)
    assert s.loc["b", "estimate"] == pytest.approx(0.2)


def test_curve_summary_counts_each_case_once():
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"time": rng.integers(1, 40, 300),
                       "outcome": rng.choice(["a", "b", "censored"], 300),
                       "g": rng.choice(["x", "y"], 300)})
    s = cumulative_incidence(df, by="g").summary()
    sizes = df.groupby("g").size()
    for g, part in s.groupby("group"):
        assert set(part["n"]) == {sizes[g]}
        assert part["n_event"].sum() == (df.loc[df["g"] == g, "outcome"] != "censored").sum()
    km = kaplan_meier(df.assign(e=df["outcome"] != "censored"), event="e", by="g")
    assert curve_summary(km.table)["n"].tolist() == sizes.tolist()


def test_state_occupation_summary_is_the_last_time():
    tr = pd.DataFrame({"case_id": [1, 2, 3], "from_state": "open", "to_state": "done",
                       "entry": 0.0, "exit": [1.0, 2.0, 3.0], "status": [1, 1, 0]})
    s = state_occupation(tr).summary()
    assert set(s["state"]) == {"open", "done"}
    assert (s["time"] == 3.0).all()


def flags_table(sentence: str) -> pd.DataFrame:
    return pd.DataFrame({
        "lens": ["reception", "sanctioning"], "stage": ["transmission", "court"],
        "by": "zone", "subgroup": "all", "group": ["5340", "5341"],
        "metric": ["median_ratio", "cause_specific_hazard_ratio"],
        "effect": [3.2, 1.0], "effect_lower": [2.9, 0.9], "effect_upper": [3.6, 1.1],
        "q": [0.001, 0.9], "severity": ["high", "none"], "flagged": [True, False],
        "sentence": [sentence, ""], "n_group": [500, 400]})


def test_flags_summary_gives_full_sentences():
    sentence = ("In police zone Brussels-West (5340), the median time from police "
                "registration to transmission of the PV to the parquet is 3.2x that of the "
                "other police zones (95% CI 2.9-3.6; about 3,000 cases compared).")
    f = Flags(table=flags_table(sentence), method="flags", n=3000)
    s = f.summary()
    assert s.columns.tolist() == ["severity", "lens", "sentence", "metric", "effect", "lower",
                                  "upper", "q"]
    assert s["sentence"].tolist() == [sentence]  # only the flagged finding
    assert sentence in f._repr_html_()  # never cut at pandas' 50 characters
    assert "Flags" not in f._repr_html_()  # no class name as a title


def test_figure_kind_drives_curve_rounding_not_the_class_name():
    tr = pd.DataFrame({"case_id": range(40), "from_state": "open",
                       "to_state": ["a", "b"] * 20, "entry": 0.0,
                       "exit": np.arange(1.0, 41.0), "status": 1})
    occ = state_occupation(tr)

    @dataclass(frozen=True, repr=False)
    class Renamed(TidyResult):  # same table, another name, same declared figure
        figure: ClassVar[Mapping[str, Any]] = {"kind": "state_occupation"}

    @dataclass(frozen=True, repr=False)
    class NoKind(TidyResult):
        pass

    original = disclose(occ, k=5).table
    renamed = disclose(Renamed(table=occ.table, n=occ.n), k=5).table
    pd.testing.assert_frame_equal(original.reset_index(drop=True),
                                  renamed.reset_index(drop=True))
    # without the declaration the states are coarsened one curve at a time: another grid
    other = disclose(NoKind(table=occ.table, n=occ.n), k=5).table
    assert not original[["time"]].equals(other[["time"]])
