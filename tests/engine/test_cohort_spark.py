"""The cohort's one SQL definition gives the same cohort on pandas, DuckDB and Spark.

Spark runs in local mode (``local[1]``, one session for this module); without pyspark
or Java the Spark tests skip with the reason, as in ``test_counts.py``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support.messy_logs import make_test_log
from trajectory.cohort import build_cohort, stage_table, transitions
from trajectory.cohort.pushdown import _spark_ready, push_cohort
from trajectory.cohort.pushstages import push_stage_table, push_transitions
from trajectory.cohort.query import cohort_sql, kept_sql, rules_sql
from trajectory.engine import EngineConfig, count_table, java_problem, to_dialect
from trajectory.errors import ConfigError
from trajectory.estimators import cumulative_incidence
from trajectory.schema import EventLog

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "study.toml"
SPARK = java_problem()
OPTIONS = [
    {},
    {"horizon": 180, "window": ("2023-03-01", "2024-06-30"), "origin": "E12"},
    {"censor_at": "2024-06-30", "entry_event": {"parquet": "E30"}},
    {"origin": "decision", "covariates": ["offence_group"]},
]


def _equal(a, b) -> None:
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.rules, b.rules)
    assert a.n_cases_in == b.n_cases_in


@pytest.fixture(scope="module")
def sample() -> EventLog:
    from trajectory import load_config
    from trajectory.io import read_study

    return read_study(load_config(SAMPLE)).log


def test_every_spark_query_transpiles_without_loss():
    """sqlglot raises on anything it cannot express in Spark SQL (unsupported_level)."""
    from trajectory.cohort.pushdown import cohort_spec
    from trajectory.cohort.rules import check_endpoints

    for options in OPTIONS:
        spec = cohort_spec(case_columns=["case_id", "offence_group", "source", "extraction_date"],
                           default_extraction=20000, origin=options.get("origin", "E11"),
                           origin_fallback=None, endpoints=check_endpoints(None),
                           censor_at=options.get("censor_at"), window=options.get("window"),
                           horizon=options.get("horizon"), entry_event=options.get("entry_event"),
                           covariates=options.get("covariates"))
        queries = [q for _, q in cohort_sql(spec)] + [rules_sql("x", spec), kept_sql("x", spec)]
        for query in queries:
            spark_sql = to_dialect(query, "spark")
            # the traps: date subtraction (an INTERVAL in Spark), ln, division
            assert "DATEDIFF(DAY" in spark_sql or "DATE_DIFF" not in query
            assert "LN(" not in spark_sql.upper()
            assert not re.search(r" / (?!64\b)", spark_sql)  # only by the packing constant


def _path_queries() -> list[str]:
    """Every query of the stage table and the transitions, on the default model."""
    from trajectory.cohort.build import DEFAULT_STAGES
    from trajectory.cohort.rules import check_endpoints
    from trajectory.cohort.stage_query import (
        StageSpec,
        stage_rows_sql,
        stage_rules_sql,
        stage_sql,
    )
    from trajectory.cohort.transition_query import (
        PathSpec,
        paths_sql,
        transition_flags_sql,
        transition_rows_sql,
    )

    ends = check_endpoints(None)
    spec = StageSpec(stages=DEFAULT_STAGES, endpoints=ends, default_extraction=20000,
                     censor_day=19900)
    paths = PathSpec(chain=("complaint", "police", "parquet"),
                     codes={"police": ("x0", "x1"), "parquet": ("x2",)}, groups=tuple(ends),
                     judged_code="x3")
    return [stage_sql(spec)[1], stage_rules_sql("x", spec), stage_rows_sql("x", spec),
            paths_sql("x", paths)[1], transition_flags_sql("x", paths),
            transition_rows_sql("x", paths)]


def test_stage_and_transition_queries_transpile_without_loss():
    """Same checks as the cohort's: sqlglot raises on what Spark SQL cannot express."""
    for query in _path_queries():
        spark_sql = to_dialect(query, "spark")
        assert "DATEDIFF(DAY" in spark_sql or "DATE_DIFF" not in query
        assert "LN(" not in spark_sql.upper()
        assert " OVER " not in spark_sql.upper()  # no window function
        assert not re.search(r" / (?!64\b)", spark_sql)


def test_sample_stage_table_and_transitions_duckdb_equal_pandas(sample):
    for options in ({}, {"censor_at": "2024-06-30"}):
        _equal_paths(stage_table(sample, **options),
                     stage_table(sample, engine="duckdb", **options))
    for options in ({}, {"horizon": 365, "window": ("2023-03-01", "2024-06-30")}):
        _equal_paths(transitions(sample, **options),
                     transitions(sample, engine="duckdb", **options))


def _equal_paths(a, b) -> None:
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.rules, b.rules)
    assert a.n == b.n


def test_sample_duckdb_equals_pandas_and_stays_in_duckdb(sample):
    for options in OPTIONS:
        _equal(build_cohort(sample, **options), build_cohort(sample, engine="duckdb", **options))
    mem = build_cohort(sample)
    pushed = push_cohort(sample, engine="duckdb", config=EngineConfig(memory_limit="1GB"))
    assert (pushed.n, pushed.n_cases_in) == (mem.n, mem.n_cases_in)
    # counts straight from the engine's cohort equal counts of the pandas cohort
    ct = count_table(pushed, keys=["zone"], engine="duckdb")
    ref = count_table(mem.table.assign(zone=mem.table["zone"].astype(object)), keys=["zone"],
                      engine="pandas")
    pd.testing.assert_frame_equal(ct.table, ref.table)
    # the same Aalen-Johansen estimates (a count table orders states by name)
    a, b = (cumulative_incidence(x, by="zone").table for x in (ct, mem.table))
    a, b = (x.astype({"state": str}).sort_values(["group", "state", "time"])
            .reset_index(drop=True) for x in (a, b))
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    with pytest.raises(ConfigError, match="lies in duckdb"):
        count_table(pushed, engine="spark")
    pushed.drop()
    assert pushed.name not in set(pushed.handle.execute(
        "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views()"
    ).fetchnumpy()["table_name"])


# ------------------------------------------------------------------ Spark local mode


@pytest.fixture(scope="module")
def launch_dir(tmp_path_factory) -> Path:
    """An empty folder that is the working directory of the Spark JVM."""
    return tmp_path_factory.mktemp("spark_cwd")


@pytest.fixture(scope="module")
def spark(launch_dir):
    if SPARK:
        pytest.skip(SPARK)
    from trajectory.engine import spark_session

    here = os.getcwd()
    os.chdir(launch_dir)  # the JVM keeps the directory it was started in
    try:
        session = spark_session(EngineConfig(kind="spark", master="local[1]", threads=1))
    finally:
        os.chdir(here)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.xdist_group("spark")
def test_spark_leaves_no_file_in_the_working_directory(spark, sample, launch_dir):
    _register(spark, sample)
    push_cohort(engine="spark", con=spark, censor_at="2024-06-30").drop()
    spark.sql("SELECT COUNT(*) FROM cases").collect()
    assert sorted(p.name for p in launch_dir.iterdir()) == []


def _register(spark, log: EventLog) -> None:
    for name, frame in (("cases", log.cases), ("events", log.events)):
        spark.createDataFrame(_spark_ready(frame)).createOrReplaceTempView(name)


@pytest.mark.xdist_group("spark")
def test_spark_cohort_equals_pandas_and_duckdb_on_the_sample(spark, sample):
    _register(spark, sample)
    options = OPTIONS[2]  # delayed entry by source, early censoring, every case column
    _equal(build_cohort(sample, **options), build_cohort(engine="spark", con=spark, **options))
    # the messy log exercises every rule; its cohort in Spark feeds the count table there
    messy = make_test_log(800, seed=11)
    _register(spark, messy)
    options = {"entry_event": "E30", "covariates": ["offence_group"], "horizon": 400}
    mem = build_cohort(messy, **options)
    assert (mem.rules.set_index("rule")["n_cases"].drop(["outside_window"]) > 0).all()
    pushed = push_cohort(engine="spark", con=spark, **options)
    try:
        _equal(mem, pushed.to_cohort())
        ct = count_table(pushed, keys=["offence_group"], engine="spark")
        duck = count_table(build_cohort(messy, engine="duckdb", **options).table
                           .astype({"offence_group": object}), keys=["offence_group"],
                           engine="duckdb")
        pd.testing.assert_frame_equal(ct.table, duck.table)
    finally:
        pushed.drop()


@pytest.mark.xdist_group("spark")
def test_spark_stage_table_and_transitions_equal_duckdb(spark, sample):
    """One SQL definition each, run by Spark: the DuckDB (and pandas) tables."""
    messy = make_test_log(400, seed=11)
    _register(spark, messy)
    views = sorted(t.name for t in spark.catalog.listTables())
    options = {"censor_at": "2024-06-30"}
    _equal_paths(stage_table(messy, engine="duckdb", **options),
                 stage_table(engine="spark", con=spark, **options))
    options = {"horizon": 365}
    duck = transitions(messy, engine="duckdb", **options)
    fired = duck.rules.set_index("rule")["n_cases"]
    assert (fired[["state_before_origin", "out_of_order_events", "same_day_transitions",
                   "endpoint_before_origin", "second_decision"]] > 0).all(), fired
    pushed = push_transitions(engine="spark", con=spark, **options)
    try:
        _equal_paths(duck, pushed.to_transitions())
    finally:
        pushed.drop()
    assert sorted(t.name for t in spark.catalog.listTables()) == views  # all dropped
    _register(spark, sample)
    pushed_st = push_stage_table(engine="spark", con=spark)
    try:
        _equal_paths(stage_table(sample), pushed_st.to_stage_table())
    finally:
        pushed_st.drop()


def _tiny_log(rows: list[tuple[int, str, int | None]], ext: list[int | None]) -> EventLog:
    """Events (case, code, day or None) of up to 4 cases; extraction days (None: missing)."""
    day0 = np.datetime64("2024-01-01", "D")
    cases = pd.DataFrame({"case_id": [f"c{i}" for i in range(len(ext))],
                          "source": ["parquet", "police", "parquet", "police"][:len(ext)],
                          "offence_group": ["hate", "ifv", "hate", "sexual"][:len(ext)],
                          "extraction_date": pd.to_datetime(
                              [None if e is None else day0 + e for e in ext])})
    events = pd.DataFrame({
        "case_id": [f"c{c}" for c, _, _ in rows], "event": [e for _, e, _ in rows],
        "date": pd.to_datetime([None if d is None else day0 + d for _, _, d in rows])})
    return EventLog(cases, events.astype({"date": "datetime64[ns]"}),
                    pd.Timestamp("2024-03-01"))


CODES = ["E10", "E11", "E12", "E20", "E30", "E40", "E41", "E45", "E49"]
LOGS = st.tuples(
    st.lists(st.tuples(st.integers(0, 3), st.sampled_from(CODES),
                       st.one_of(st.none(), st.integers(-5, 70))), min_size=1, max_size=25),
    st.lists(st.one_of(st.none(), st.integers(20, 60)), min_size=4, max_size=4),
)


@pytest.mark.xdist_group("spark")
@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(LOGS, st.sampled_from(OPTIONS[:3]))
def test_property_spark_equals_duckdb_and_pandas(spark, data, options):
    log = _tiny_log(*data)
    mem = build_cohort(log, **options)
    _equal(mem, build_cohort(log, engine="duckdb", **options))
    _register(spark, log)
    _equal(mem, build_cohort(log, engine="spark", con=spark, **options))


@pytest.mark.xdist_group("spark")
@settings(max_examples=2, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(LOGS)
def test_property_spark_stage_table_and_transitions_equal_duckdb(spark, data):
    log = _tiny_log(*data)
    _register(spark, log)
    _equal_paths(stage_table(log, engine="duckdb"), stage_table(log, engine="spark", con=spark))
    _equal_paths(transitions(log, engine="duckdb", horizon=20),
                 transitions(log, engine="spark", con=spark, horizon=20))


@settings(max_examples=60, deadline=None)
@given(LOGS, st.sampled_from(OPTIONS))
def test_property_duckdb_equals_pandas(data, options):
    log = _tiny_log(*data)
    _equal(build_cohort(log, **options), build_cohort(log, engine="duckdb", **options))


@settings(max_examples=40, deadline=None)
@given(LOGS, st.sampled_from([{}, {"censor_at": "2024-02-10"}]))
def test_property_stage_table_duckdb_equals_pandas(data, options):
    log = _tiny_log(*data)
    _equal_paths(stage_table(log, **options), stage_table(log, engine="duckdb", **options))


@settings(max_examples=40, deadline=None)
@given(LOGS, st.sampled_from([{}, {"horizon": 20}, {"origin": "E12", "censor_at": "2024-02-10"},
                              {"states": {"complaint": ("E11",), "police": ("E12", "E20"),
                                          "parquet": ("E30",)},
                               "endpoints": {"court": ("E45",), "dismissal": ("E40", "E41")}}]))
def test_property_transitions_duckdb_equal_pandas(data, options):
    log = _tiny_log(*data)
    _equal_paths(transitions(log, **options), transitions(log, engine="duckdb", **options))
