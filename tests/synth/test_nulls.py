"""permute_labels: a generator-free null (unit labels permuted within strata)."""

from __future__ import annotations

import pandas as pd
import pytest

from trajectory.errors import ConfigError
from trajectory.synth import make_study, permute_labels


@pytest.fixture(scope="module")
def log():
    return make_study(4_000, seed=7, scenario="null_mix").log


def test_only_the_permuted_column_changes(log) -> None:
    perm = permute_labels(log, column="zone", within="offence_group", seed=1)
    assert perm.events is log.events
    assert perm.extraction_date == log.extraction_date and perm.synthetic == log.synthetic
    other = [c for c in log.cases.columns if c != "zone"]
    pd.testing.assert_frame_equal(perm.cases[other], log.cases[other])
    assert perm.cases["zone"].dtype == log.cases["zone"].dtype
    assert (perm.cases["zone"] != log.cases["zone"]).mean() > 0.5
    assert perm.metadata["permuted"] == [{"column": "zone", "within": ["offence_group"],
                                          "seed": 1}]
    assert "permuted" not in log.metadata


def test_counts_within_strata_are_kept_and_missing_values_move_too(log) -> None:
    perm = permute_labels(log, column="division", within=["offence_group", "suspect_known"],
                          seed=2)
    key = ["offence_group", "suspect_known"]
    before = log.cases.groupby(key + ["division"], dropna=False).size()
    after = perm.cases.groupby(key + ["division"], dropna=False).size()
    pd.testing.assert_series_equal(before, after)
    assert perm.cases["division"].isna().sum() == log.cases["division"].isna().sum()
    moved = log.cases["division"].isna() & perm.cases["division"].notna()
    assert moved.any()


def test_same_seed_same_permutation_and_no_strata(log) -> None:
    a = permute_labels(log, "zone", seed=5)
    b = permute_labels(log, "zone", seed=5)
    pd.testing.assert_frame_equal(a.cases, b.cases)
    c = permute_labels(log, "zone", within=None, seed=5)
    assert c.cases["zone"].value_counts().equals(log.cases["zone"].value_counts())
    twice = permute_labels(a, "division", seed=1)
    assert [p["column"] for p in twice.metadata["permuted"]] == ["zone", "division"]


@pytest.mark.parametrize("column, within", [("nope", "offence_group"), ("zone", "nope"),
                                            ("zone", "zone")])
def test_bad_columns_raise(log, column, within) -> None:
    with pytest.raises(ConfigError):
        permute_labels(log, column, within, seed=1)
