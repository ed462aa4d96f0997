"""The store exports the EventLog as Hive-partitioned Parquet that DuckDB and Spark read."""

from __future__ import annotations

import json

import duckdb
import pytest

from trajectory.errors import TrajectoryError
from trajectory.store import StudyStore
from trajectory.synth import make_study


@pytest.fixture(scope="module")
def store():
    study = make_study(300, seed=3)
    s = StudyStore(":memory:").save(study.log)
    yield s, study.log
    s.close()


def test_export_round_trips_the_event_log(store, tmp_path):
    s, log = store
    out = s.export_parquet(tmp_path / "exchange")
    groups = sorted(p.name for p in out["cases"].iterdir())
    assert groups == sorted(f"offence_group={g}" for g in log.cases["offence_group"].unique())
    con = duckdb.connect()
    cases = con.read_parquet(str(out["cases"] / "**" / "*.parquet"), hive_partitioning=True).df()
    events = con.read_parquet(str(out["events"] / "**" / "*.parquet"),
                              hive_partitioning=True).df()
    assert len(cases) == len(log.cases) and len(events) == len(log.events)
    assert set(log.cases.columns) <= set(cases.columns)
    assert (events["year"].astype(int) == events["date"].dt.year).all()
    # same events, same days, whatever the partitioning
    key = ["case_id", "event", "date"]
    got = events[key].sort_values(key).reset_index(drop=True)
    want = log.events[key].astype({"date": "datetime64[us]"}).sort_values(key)
    assert (got.astype(str).to_numpy() == want.reset_index(drop=True).astype(str).to_numpy()).all()
    meta = json.loads(out["metadata"].read_text())
    assert meta["extraction_date"] == str(log.extraction_date.date())


def test_export_refuses_a_report_folder(store, tmp_path):
    s, _ = store
    with pytest.raises(TrajectoryError, match="never into a report"):
        s.export_parquet(tmp_path / "reports" / "study" / "parquet")


def test_cohort_built_inside_duckdb_from_the_export_equals_pandas(store, tmp_path):
    """Export -> views -> push_cohort -> count_table: no case row comes to Python."""
    import pandas as pd

    from trajectory.cohort import build_cohort
    from trajectory.cohort.pushdown import push_cohort
    from trajectory.engine import connect, count_table

    s, log = store
    out = s.export_parquet(tmp_path / "exchange")
    con = connect()
    for name in ("cases", "events"):
        files = str(out[name] / "**" / "*.parquet")
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{files}', "
                    "hive_partitioning = true)")
    keys = ["offence_group", "zone"]
    pushed = push_cohort(engine="duckdb", con=con, covariates=keys, horizon=365)
    mem = build_cohort(log, horizon=365)
    pd.testing.assert_frame_equal(pushed.rules, mem.rules)
    assert pushed.n == mem.n > 200
    ref = count_table(mem.table.astype({k: object for k in keys}), keys=keys, engine="pandas")
    pd.testing.assert_frame_equal(count_table(pushed, keys=keys).table, ref.table)
