"""Count tables from one definition agree on pandas, DuckDB and Spark (local mode).

Spark tests need pyspark (dev extra) and Java 17/21 from the machine; without them they
skip with the reason (the Makefile says how to install Java).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trajectory.engine import EngineConfig, count_table, java_problem
from trajectory.estimators import (
    cox,
    cumulative_incidence,
    gray_test,
    kaplan_meier,
    logrank,
    nelson_aalen,
    poisson_rates,
)


def _cases(seed: int, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    zone = rng.choice(["north", "south", "east"], n)
    t = np.ceil(rng.exponential(np.where(zone == "south", 12.0, 25.0)))
    c = rng.integers(2, 50, n)
    d = pd.DataFrame({
        "time": np.minimum(t, c).astype(float),
        "outcome": np.where(t <= c, rng.choice(["court", "dismissal"], n), "censored"),
        "zone": zone, "s": rng.choice(["hate", "ifv"], n), "w": rng.choice([0.5, 1.0, 2.0], n),
    })
    d["entry"] = np.floor(d["time"] * rng.uniform(0, 0.7, n))
    d["dead"] = (d["outcome"] != "censored").astype(int)
    return d


def _estimates(ct) -> list[pd.DataFrame]:
    return [kaplan_meier(ct, by="zone").table, nelson_aalen(ct, by="zone").table,
            cumulative_incidence(ct, by="zone").table,
            logrank(ct, by="zone", strata="s").table, gray_test(ct, by="zone").table,
            cox(ct, covariates=["zone", "s"], cause="court", ties="breslow").table,
            poisson_rates(ct, covariates=["zone"], cause="court").table]


def _estimates_entry(ct) -> list[pd.DataFrame]:
    return [kaplan_meier(ct, by="zone").table, cumulative_incidence(ct, by="zone").table,
            logrank(ct, by="zone").table]


def _equal(a, b) -> None:
    pd.testing.assert_frame_equal(a.table, b.table)
    assert (a.keys, a.has_entry, a.n_cases) == (b.keys, b.has_entry, b.n_cases)


def test_duckdb_equals_pandas_and_the_estimates_equal_case_rows():
    d = _cases(1)
    pan = count_table(d, keys=["zone", "s"], engine="pandas")
    duck = count_table(d, keys=["zone", "s"], engine="duckdb",
                       config=EngineConfig(memory_limit="256MB", threads=1))
    _equal(pan, duck)
    assert len(duck.table) < len(d) and duck.n_cases == len(d)
    for a, b in zip(_estimates(duck), [
        kaplan_meier(d, by="zone").table, nelson_aalen(d, by="zone").table,
        cumulative_incidence(d, by="zone").table, logrank(d, by="zone", strata="s").table,
        gray_test(d, by="zone").table,
        cox(d, covariates=["zone", "s"], cause="court", ties="breslow").table,
        poisson_rates(d, covariates=["zone"], cause="court").table,
    ], strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-10, atol=1e-12)


def test_entry_weights_binary_and_parquet(tmp_path):
    d = _cases(2)
    kw = {"keys": ["zone"], "entry": "entry", "weights": "w"}
    _equal(count_table(d, engine="pandas", **kw), count_table(d, engine="duckdb", **kw))
    b = {"keys": ["zone"], "event": "dead"}
    _equal(count_table(d, engine="pandas", **b), count_table(d, engine="duckdb", **b))
    # a partitioned Parquet cohort, read where it lies
    d.to_parquet(tmp_path / "cohort.parquet")
    _equal(count_table(d, engine="pandas", **kw),
           count_table(tmp_path / "cohort.parquet", engine="duckdb", **kw))


def test_missing_weight_is_never_skipped():
    from trajectory.errors import EstimationError

    d = _cases(5).assign(w=lambda f: f["w"].where(f.index != 7))
    with pytest.raises(EstimationError, match="row 7"):
        count_table(d, keys=["zone"], weights="w", engine="pandas")
    with pytest.raises(EstimationError, match="count table column 'n'"):
        count_table(d, keys=["zone"], weights="w", engine="duckdb")


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(1, 9),
                          st.sampled_from(["a", "b", "censored"]), st.sampled_from(["x", "y"])),
                min_size=1, max_size=30))
def test_property_duckdb_equals_pandas(rows):
    d = pd.DataFrame(rows, columns=["entry", "time", "outcome", "g"])
    d["entry"] = np.minimum(d["entry"], d["time"] - 1)
    kw = {"keys": ["g"], "entry": "entry"}
    _equal(count_table(d, engine="pandas", **kw), count_table(d, engine="duckdb", **kw))


# ------------------------------------------------------------------ Spark local mode

SPARK = java_problem()


@pytest.fixture(scope="module")
def spark():
    if SPARK:
        pytest.skip(SPARK)
    from trajectory.engine import spark_session

    session = spark_session(EngineConfig(kind="spark", master="local[1]", threads=1))
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.xdist_group("spark")
def test_spark_equals_duckdb_and_pandas(spark, tmp_path):
    d = _cases(3)
    kw = {"keys": ["zone", "s"]}
    pan = count_table(d, engine="pandas", **kw)
    sp = count_table(d, engine="spark", spark=spark, **kw)
    _equal(pan, sp)
    for a, b in zip(_estimates(sp), _estimates(pan), strict=True):
        pd.testing.assert_frame_equal(a, b)
    # entry + weights, from a Parquet file, as a cluster would read it
    d.to_parquet(tmp_path / "cohort.parquet")
    kw = {"keys": ["zone"], "entry": "entry", "weights": "w"}
    sp = count_table(str(tmp_path / "cohort.parquet"), engine="spark", spark=spark, **kw)
    duck = count_table(tmp_path / "cohort.parquet", engine="duckdb", **kw)
    _equal(duck, sp)
    for a, b in zip(_estimates_entry(sp), _estimates_entry(duck), strict=True):
        pd.testing.assert_frame_equal(a, b)
    # a generated log with a 0/1 event (each Spark query costs seconds: one more only)
    rng = np.random.default_rng(4)
    g = pd.DataFrame({"time": rng.integers(1, 9, 30).astype(float),
                      "g": rng.choice(["x", "y"], 30), "dead": rng.integers(0, 2, 30)})
    _equal(count_table(g, keys=["g"], event="dead", engine="pandas"),
           count_table(g, keys=["g"], event="dead", engine="spark", spark=spark))
