"""Count tables built where the data are: pandas, DuckDB or Spark.

:func:`count_table` runs the one count-table definition (:mod:`trajectory.engine.sql`)
on the engine named by ``engine=`` or the study's ``[engine] kind``, and returns a
:class:`~trajectory.estimators.CountTable`: the only thing that travels to Python.
Every count-based estimator takes it (:mod:`trajectory.estimators.count_table`).

Sources: a pandas DataFrame (any engine; Spark copies it, fine for tests), a Parquet
file, folder or glob (DuckDB and Spark read it where it lies, never into pandas), a
DuckDB relation (DuckDB), a Spark DataFrame (Spark), or a cohort built inside DuckDB
or Spark by :func:`trajectory.cohort.pushdown.push_cohort` (counted where it lies).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..estimators.count_table import CountTable
from .settings import EngineConfig
from .sql import count_sql, to_dialect

__all__ = ["ENGINES", "count_table", "parquet_glob"]

ENGINES: tuple[str, ...] = ("pandas", "duckdb", "spark")


def parquet_glob(path: str | Path) -> str:
    """A folder of (partitioned) Parquet files as a recursive glob; a file as is."""
    p = Path(path)
    return str(p / "**" / "*.parquet") if p.is_dir() else str(p)


def _binary(source: Any, event: str) -> bool:
    if isinstance(source, pd.DataFrame):
        col = source[event]
        return bool(pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col))
    return False


def count_table(
    source: Any,
    *,
    keys: Sequence[str] = (),
    time: str = "time",
    event: str = "outcome",
    entry: str | None = None,
    weights: str | None = None,
    censored: str = "censored",
    binary: bool | None = None,
    engine: str | None = None,
    config: EngineConfig | None = None,
    con: Any = None,
    spark: Any = None,
) -> CountTable:
    """Count case rows by ``(keys, [entry], time, outcome)`` on an engine.

    Parameters
    ----------
    source : pandas.DataFrame, str or Path (Parquet), DuckDB relation, Spark DataFrame
        One row a case (a cohort), or a cohort left in its engine
        (:func:`trajectory.cohort.pushdown.push_cohort`): counted there.
    keys : list of str
        Strata, groups and categorical covariates to keep apart.
    time, event, entry, weights : str
        Exit time, outcome (labels, or 0/1 with ``binary``), delayed entry and case
        weight columns.
    censored : str
        The outcome label of an open case.
    binary : bool, optional
        ``event`` is 0/1 or boolean (default: detected on a DataFrame, else False).
    engine : {"pandas", "duckdb", "spark"}, optional
        Default ``config.kind``, else ``"duckdb"``.
    config : EngineConfig, optional
        Memory limit, spill folder, threads, Spark master (the study's ``[engine]``).
    con, spark : optional
        An open DuckDB connection / SparkSession to use instead of a new one.

    Returns
    -------
    CountTable
        Rows sorted by all keys; the same table from every engine.

    Examples
    --------
    >>> import pandas as pd
    >>> cases = pd.DataFrame({"time": [1, 2, 2, 3], "zone": ["a", "a", "b", "b"],
    ...                       "outcome": ["court", "court", "censored", "court"]})
    >>> ct = count_table(cases, keys=["zone"], engine="duckdb")
    >>> ct.table.equals(count_table(cases, keys=["zone"], engine="pandas").table)
    True
    >>> ct.table[["zone", "time", "outcome", "n"]].to_dict("list")["n"]
    [1.0, 1.0, 1.0, 1.0]
    """
    pushed = getattr(source, "engine", None) in ("duckdb", "spark") and hasattr(
        source, "relation")
    if pushed:  # a cohort left in its engine (trajectory.cohort.pushdown.EngineCohort)
        engine = engine or source.engine
        if engine != source.engine:
            raise ConfigError(f"the cohort lies in {source.engine}; count it there "
                              f"(engine={source.engine!r}), not with engine={engine!r}")
        con = con if con is not None or engine != "duckdb" else source.handle
        spark = spark if spark is not None or engine != "spark" else source.handle
        source = source.relation
    kind = engine or (config.kind if config is not None else "duckdb")
    if kind not in ENGINES:
        raise ConfigError(f"engine={kind!r} is not allowed; use one of {', '.join(ENGINES)}")
    binary = _binary(source, event) if binary is None else binary
    keys = list(keys)
    if kind == "pandas":
        if not isinstance(source, pd.DataFrame):
            raise ConfigError("engine='pandas' needs a DataFrame; use engine='duckdb' or "
                              "'spark' for Parquet files")
        ct = CountTable.from_cases(source, keys=keys, time=time, event=event, entry=entry,
                                   weights=weights, censored=censored)
        return _normalise(ct.table, keys, entry is not None, censored)
    sql = count_sql(keys=keys, time=time, event=event, entry=entry, weights=weights,
                    binary=binary, censored=censored)
    if kind == "duckdb":
        frame = _run_duckdb(source, sql, config, con)
    else:
        frame = _run_spark(source, to_dialect(sql, "spark"), config, spark)
    return _normalise(frame, keys, entry is not None, censored)


def _run_duckdb(source: Any, sql: str, config: EngineConfig | None, con: Any) -> pd.DataFrame:
    from .duck import connect

    own = con is None
    con = connect(config) if own else con
    try:
        if isinstance(source, (str, Path)):
            rel = con.read_parquet(parquet_glob(source), hive_partitioning=True)
        elif isinstance(source, pd.DataFrame):
            rel = con.from_df(source)
        else:
            rel = source
        return rel.query("cohort", sql).df()
    finally:
        if own:
            con.close()


def _run_spark(source: Any, sql: str, config: EngineConfig | None, spark: Any) -> pd.DataFrame:
    from .spark import session

    spark = spark or session(config)
    if isinstance(source, (str, Path)):
        frame = spark.read.option("recursiveFileLookup", "false").parquet(str(source))
    elif isinstance(source, pd.DataFrame):
        frame = spark.createDataFrame(source)
    else:
        frame = source
    frame.createOrReplaceTempView("cohort")
    return spark.sql(sql).toPandas()


def _normalise(frame: pd.DataFrame, keys: list[str], entry: bool, censored: str) -> CountTable:
    """Same dtypes and row order from every engine."""
    out = frame.copy()
    for c in ["entry", "time", "n", "n2"] if entry else ["time", "n", "n2"]:
        out[c] = out[c].astype(float)
    out["outcome"] = out["outcome"].astype(object)
    for k in keys:
        if isinstance(out[k].dtype, pd.CategoricalDtype):
            out[k] = out[k].astype(object)
        elif out[k].dtype.kind in "iub":
            out[k] = out[k].astype(np.int64)
    order = [*keys, *(["entry"] if entry else []), "time", "outcome"]
    out = out.sort_values(order, kind="stable").reset_index(drop=True)
    return CountTable(out[[*order, "n", "n2"]], tuple(keys), entry, censored)
