"""The DuckDB engine of trajectory.cohort gives the same tables as the pandas engine.

The messy event log is ``tests/_support/messy_logs.make_test_log``: small, and it injects
every inconsistency the cohort rules handle.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from _support.messy_logs import make_test_log
from trajectory.cohort import build_cohort, stage_table, transitions
from trajectory.schema import EventLog


@pytest.fixture(scope="module")
def log() -> EventLog:
    return make_test_log(3000, seed=11)


@pytest.fixture(scope="module")
def con(log):
    db = duckdb.connect()
    db.register("cases_df", log.cases)
    db.register("events_df", log.events)
    db.execute("CREATE TABLE cases AS SELECT * FROM cases_df")
    db.execute("CREATE TABLE events AS SELECT * FROM events_df")
    yield db
    db.close()


def test_generator_exercises_every_rule(log):
    rules = build_cohort(log, entry_event={"parquet": "E30"}).rules.set_index("rule")
    assert (rules.drop(index=["outside_window"])["n_cases"] > 0).all(), rules


OPTION_SETS = [
    {},
    {"horizon": 180, "window": ("2023-03-01", "2024-06-30")},
    {"censor_at": "2024-06-30", "entry_event": {"parquet": "E30"}},
    {"entry_event": "E30", "origin": "E12", "covariates": ["offence_group"]},
]


@pytest.mark.parametrize("options", OPTION_SETS)
def test_duckdb_cohort_equals_pandas(log, con, options):
    mem = build_cohort(log, **options)
    db = build_cohort(engine="duckdb", con=con, **options)
    pd.testing.assert_frame_equal(mem.table, db.table)
    pd.testing.assert_frame_equal(mem.rules, db.rules)
    assert mem.n_cases_in == db.n_cases_in == len(log.cases)
    assert db.n > 1000


def test_events_are_scanned_once_unless_a_case_is_censored_early(log, con):
    """Endpoints after ``censor_at`` need no second scan; a horizon may need one."""
    from trajectory.cohort.pushdown import push_cohort
    from trajectory.schema import default_endpoints

    codes = [c for v in default_endpoints().values() for c in v]
    late = log.events["event"].isin(codes) & (
        log.events["date"] > pd.Timestamp("2024-06-30"))
    assert late.sum() > 100  # the log has endpoints after the censoring day
    once = push_cohort(engine="duckdb", con=con, censor_at="2024-06-30", name="once")
    twice = push_cohort(engine="duckdb", con=con, horizon=180, name="twice")
    assert (once.scans, twice.scans) == (1, 2)
    once.drop()
    twice.drop()


def _same_result(mem, db) -> None:
    pd.testing.assert_frame_equal(mem.table, db.table)
    pd.testing.assert_frame_equal(mem.rules, db.rules)
    assert (mem.n, mem.time_unit) == (db.n, db.time_unit)


@pytest.mark.parametrize("options", [{}, {"censor_at": "2024-06-30"}])
def test_duckdb_stage_table_equals_pandas(log, con, options):
    """The stage table's one SQL definition (stage_query) gives the pandas table."""
    mem = stage_table(log, **options)
    _same_result(mem, stage_table(engine="duckdb", con=con, **options))
    rules = mem.rules.set_index("rule")["n_cases"]
    assert (rules > 0).all(), rules  # the messy log exercises every stage rule
    assert set(mem.table["status"]) == {"completed", "censored", "skipped", "not_applicable"}


TRANSITION_OPTIONS = [
    {},
    {"horizon": 365},
    {"censor_at": "2024-06-30", "window": ("2023-03-01", "2024-06-30"), "origin": "E12"},
    {"states": {"complaint": ("E11", "E12"), "parquet": ("E30",)}, "origin": "decision",
     "endpoints": {"court": ("E45", "E46"), "dismissal": ("E40", "E41")}},
]


@pytest.mark.parametrize("options", TRANSITION_OPTIONS)
def test_duckdb_transitions_equal_pandas(log, con, options):
    """The transitions' SQL (cohort_sql + transition_query) gives the pandas table."""
    mem = transitions(log, **options)
    db = transitions(engine="duckdb", con=con, **options)
    _same_result(mem, db)
    assert (mem.states, mem.absorbing, mem.n_cases_in) == (db.states, db.absorbing,
                                                           db.n_cases_in)


def test_transition_rules_are_exercised(log):
    """Every transition rule but no_follow_up fires on the messy log; early censoring
    with a window makes some cases leave no row."""
    rules = transitions(log).rules.set_index("rule")["n_cases"]
    assert (rules.drop(["outside_window", "no_follow_up"]) > 0).all(), rules
    assert transitions(log, **TRANSITION_OPTIONS[2]).rules.set_index("rule").loc[
        "no_follow_up", "n_cases"] > 0


def test_pushed_stage_table_and_transitions_stay_in_duckdb(log, con):
    from trajectory.cohort.pushstages import push_stage_table, push_transitions

    stages = push_stage_table(engine="duckdb", con=con, name="st")
    assert stages.relation.aggregate("count(*)").fetchall()[0][0] == 6 * len(log.cases)
    assert stages.rules.equals(stage_table(log).rules)
    stages.drop()
    moves = push_transitions(engine="duckdb", con=con, name="tr", horizon=365)
    got = moves.relation.aggregate("sum(status)").fetchall()[0][0]
    assert got == int(transitions(log, horizon=365).table["status"].sum())
    moves.drop()


def test_duckdb_from_log_registers_tables(log):
    small = make_test_log(200, seed=3)
    pd.testing.assert_frame_equal(build_cohort(small).table,
                                  build_cohort(small, engine="duckdb").table)


def test_duckdb_leaves_no_temporary_objects(con):
    query = ("SELECT table_name FROM duckdb_tables() "
             "UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal")
    before = set(con.execute(query).fetchnumpy()["table_name"])
    build_cohort(engine="duckdb", con=con)
    stage_table(engine="duckdb", con=con)
    transitions(engine="duckdb", con=con)
    after = set(con.execute(query).fetchnumpy()["table_name"])
    assert before == after


def test_duckdb_contract_errors():
    from trajectory.errors import SchemaError

    small = make_test_log(50, seed=5)
    db = duckdb.connect()
    db.register("cases", small.cases.iloc[1:])  # the first case's events become orphans
    db.register("events", small.events)
    for build in (build_cohort, stage_table, transitions):
        with pytest.raises(SchemaError, match="belong to no case"):
            build(engine="duckdb", con=db)
    db.unregister("cases")
    db.register("cases", pd.concat([small.cases, small.cases.iloc[:1]]))
    for build in (build_cohort, stage_table, transitions):
        with pytest.raises(SchemaError, match="duplicated case_id"):
            build(engine="duckdb", con=db)
        with pytest.raises(SchemaError, match="no table"):
            build(engine="duckdb", con=duckdb.connect())


def test_string_storage_does_not_matter(log):
    """object, string[python] and string[pyarrow] id/code columns give one cohort."""
    base = build_cohort(log).table
    for dtype in (object, "string[pyarrow]"):
        events = log.events.astype({"case_id": dtype, "event": dtype})
        cases = log.cases.astype({"case_id": dtype})
        other = build_cohort(EventLog(cases, events, log.extraction_date)).table
        pd.testing.assert_frame_equal(base, other)


def test_pushed_cohort_reads_the_study_config_as_build_cohort_does(log, con):
    """``[cohort]`` and ``[endpoints]`` of a config (stages included) fill push_cohort's
    defaults exactly as build_cohort's: same table, same rules."""
    import datetime as dt
    from types import SimpleNamespace

    from trajectory.cohort.pushdown import push_cohort

    cohort = SimpleNamespace(origin="E12", follow_up_days=365, covariates=["offence_group"],
                             entry_window=(dt.date(2023, 1, 1), dt.date(2024, 3, 31)))
    config = SimpleNamespace(cohort=cohort, endpoints={"transmitted": "pv_to_transmission",
                                                       "court": ["E45", "E46"]})
    expected = build_cohort(log, config=config)
    pushed = push_cohort(engine="duckdb", con=con, config=config, name="from_config")
    got = pushed.to_cohort()
    pushed.drop()
    assert list(expected.endpoints) == ["transmitted", "court"]
    assert expected.table["origin_event"].eq("E12").mean() > 0.5
    pd.testing.assert_frame_equal(expected.table, got.table)
    pd.testing.assert_frame_equal(expected.rules, got.rules)
