"""The [engine] section and the DuckDB connection it configures."""

from __future__ import annotations

import pytest

from trajectory.config import load_config
from trajectory.engine import EngineConfig, connect, count_sql, engine_config, to_dialect
from trajectory.errors import ConfigError


@pytest.mark.parametrize(("raw", "match"), [
    ({"kind": "polars"}, "allowed values are 'duckdb', 'spark'"),
    ({"memory_limit": "lots"}, "expected a size such as '4GB'"),
    ({"threads": 0}, "expected a positive integer"),
    ({"master": ""}, "Spark master URL"),
    ({"spill": "x"}, "unknown key 'spill'"),
])
def test_bad_engine_section_names_the_key(raw, match):
    with pytest.raises(ConfigError, match=match):
        engine_config(raw)


def test_example_config_has_an_engine_section():
    from trajectory.config import example_config_path

    cfg = load_config(example_config_path())
    assert cfg.engine.kind == "duckdb" and cfg.engine.memory_limit == "4GB"


def test_duckdb_memory_limit_spills_to_temp_directory(tmp_path):
    cfg = engine_config({"memory_limit": "64MB", "temp_directory": str(tmp_path / "spill"),
                         "threads": 1})
    con = connect(cfg)
    try:
        limit, temp = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()
        assert limit.replace(" ", "").upper().startswith(("61.0MIB", "64MB", "61MIB", "61.0"))
        assert temp == str(tmp_path / "spill")
        # a sort of ~130 MB of keys under a 64 MB budget completes by spilling
        n = con.execute("SELECT count(*) FROM (SELECT i, md5(i::VARCHAR) AS k FROM range(2000000) "
                        "t(i) ORDER BY k) s").fetchone()[0]
        assert n == 2_000_000
    finally:
        con.close()
    # the budget is real: without a spill folder the same sort runs out of memory
    import duckdb

    con = connect(engine_config({"memory_limit": "64MB", "threads": 1}))
    try:
        con.execute("SET temp_directory = ''")
        with pytest.raises(duckdb.OutOfMemoryException):
            con.execute("SELECT count(*) FROM (SELECT i, md5(i::VARCHAR) AS k FROM "
                        "range(2000000) t(i) ORDER BY k) s").fetchone()
    finally:
        con.close()


def test_count_sql_has_no_dialect_traps():
    spark = to_dialect(count_sql(keys=["zone"], entry="entry", weights="w"), "spark")
    assert "GROUP BY" in spark and " LN(" not in spark.upper() and "/" not in spark
    with pytest.raises(ConfigError, match="not supported"):
        to_dialect("SELECT 1", "oracle")
    assert EngineConfig().kind == "duckdb"


def test_report_engine_option_overrides_the_config(monkeypatch):
    from trajectory.cli import _parser
    from trajectory.config import example_config_path

    args = _parser().parse_args(["report", "--config", "study.toml", "--engine", "spark"])
    assert args.engine == "spark"
    monkeypatch.setenv("TRAJECTORY_ENGINE", "spark")  # what _cmd_report sets for the kernels
    cfg = load_config(example_config_path())
    assert cfg.engine.kind == "spark" and cfg.engine.memory_limit == "4GB"
    monkeypatch.setenv("TRAJECTORY_ENGINE", "hadoop")
    with pytest.raises(ConfigError, match="kind = 'hadoop'"):
        load_config(example_config_path())
