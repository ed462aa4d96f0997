"""StudyStore: round trip through DuckDB, lazy SQL, contract table and column names."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from _support.studies import TEST_KEY
from trajectory.config import load_config
from trajectory.errors import TrajectoryError
from trajectory.io import read_study
from trajectory.schema import CASE_COLUMNS, EVENT_COLUMNS
from trajectory.store import StudyStore

DATA = Path(__file__).parent / "io" / "data"


@pytest.fixture(scope="module")
def result():
    # hand-made extracts: a real (test) key, not the public demo key
    return read_study(load_config(DATA / "study.toml"), environ={"TRAJECTORY_KEY": TEST_KEY})


def test_round_trip(result, tmp_path):
    path = tmp_path / "study.duckdb"
    StudyStore(path).save(result).close()
    with StudyStore(path, read_only=True) as store:
        log = store.load()
        assert set(store.tables()) == {"cases", "events", "quarantine", "identifiers",
                                       "quality", "metadata"}
        pd.testing.assert_frame_equal(log.cases, result.log.cases)
        pd.testing.assert_frame_equal(log.events, result.log.events)
        assert log.extraction_date == result.log.extraction_date
        assert log.synthetic is True and dict(log.metadata) == dict(result.log.metadata)
        quarantine = store.load_quarantine()
        assert quarantine[["source", "row", "reason"]].values.tolist() == (
            result.quarantine[["source", "row", "reason"]].values.tolist())


def test_contract_tables_for_sql(result, tmp_path):
    store = StudyStore(tmp_path / "s.duckdb").save(result)
    con = store.connection
    for table, columns in (("cases", CASE_COLUMNS), ("events", EVENT_COLUMNS)):
        names = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        assert names == list(columns)
    types = dict((r[0], r[1]) for r in con.execute("DESCRIBE events").fetchall())
    assert types["date"] == "DATE"
    n = con.execute("SELECT count(*) FROM events WHERE event = 'E11'").fetchall()[0][0]
    assert n == int((result.log.events["event"] == "E11").sum())
    rel = store.relation("events").filter("source = 'court'")
    assert len(rel.df()) == int((result.log.events["source"] == "court").sum())
    with pytest.raises(TrajectoryError, match="not in study store"):
        store.relation("nope")
    store.close()


def test_save_replaces(result, tmp_path):
    store = StudyStore(tmp_path / "s.duckdb")
    store.save(result)
    store.save(result)
    assert store.connection.execute("SELECT count(*) FROM cases").fetchall()[0][0] == (
        result.log.n_cases)
    store.close()


def test_read_only_missing_file(tmp_path):
    with pytest.raises(TrajectoryError, match="not found"):
        StudyStore(tmp_path / "none.duckdb", read_only=True).load()


def test_streamed_ingest_stores_what_read_study_returns(result, tmp_path):
    """ingest_study streams into the store; the stored tables equal read_study's result."""
    from trajectory.store import ingest_study

    config = load_config(DATA / "study.toml")
    path = tmp_path / "streamed.duckdb"
    streamed = ingest_study(config, path=path, load_log=False,
                            environ={"TRAJECTORY_KEY": TEST_KEY})
    assert streamed.log.n_cases == 0 and streamed.log.metadata == result.log.metadata
    assert streamed.report.n_read == result.report.n_read
    pd.testing.assert_frame_equal(streamed.quarantine, result.quarantine)
    # only the store is left: no scratch database, no write-ahead log
    assert sorted(p.name for p in tmp_path.iterdir()) == ["streamed.duckdb"]
    with StudyStore(path, read_only=True) as store:
        assert set(store.tables()) == {"cases", "events", "quarantine", "identifiers",
                                       "quality", "metadata"}
        log = store.load()
        pd.testing.assert_frame_equal(log.cases, result.log.cases)
        pd.testing.assert_frame_equal(log.events, result.log.events)
        identifiers = store.relation("identifiers").df().astype("string")
        pd.testing.assert_frame_equal(identifiers, result.identifiers)
    loaded = ingest_study(config, path=path, environ={"TRAJECTORY_KEY": TEST_KEY})
    pd.testing.assert_frame_equal(loaded.log.events, result.log.events)
