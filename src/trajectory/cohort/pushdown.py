"""The cohort built inside the engine that holds the event log: DuckDB or Spark.

:func:`push_cohort` runs the one SQL definition of the cohort
(:func:`trajectory.cohort.query.cohort_sql`, transpiled to Spark SQL by sqlglot) where
the ``cases`` and ``events`` relations lie, and leaves the cohort there: a DuckDB table
or a Spark temporary view named ``name``, one row a kept case. Only the rule counts
travel to Python. :func:`trajectory.engine.count_table` then reads the cohort where it
is (pass :attr:`EngineCohort.relation`), so a study of tens of millions of events never
brings case rows into Python. :meth:`EngineCohort.to_cohort` fetches the rows as a
:class:`~trajectory.cohort.Cohort` (what ``build_cohort(engine=...)`` returns), equal
to the pandas engine's.

Examples
--------
>>> import pandas as pd
>>> from trajectory.schema import EventLog
>>> cases = pd.DataFrame({"case_id": ["a", "b"], "zone": ["Z1", "Z2"]})
>>> events = pd.DataFrame({"case_id": ["a", "a", "b"], "event": ["E11", "E45", "E11"],
...     "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"])})
>>> pushed = push_cohort(EventLog(cases, events, pd.Timestamp("2024-12-31")),
...                      engine="duckdb")
>>> pushed.n, pushed.relation.order("case_id").fetchall()[0][:4]
(2, ('a', 0, 31, 'court'))
>>> pushed.drop()
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..errors import ConfigError, SchemaError
from ..schema import EventLog
from . import rules as cr
from .build import cohort_arguments
from .query import OUTPUT_COLUMNS, CohortSpec, cohort_sql, kept_sql, rescan_sql, rules_sql

__all__ = ["EngineCohort", "cohort_spec", "fetch_cohort", "push_cohort"]

PUSH_ENGINES: tuple[str, ...] = ("duckdb", "spark")


class _Runner:
    """The few operations the cohort needs from DuckDB or Spark."""

    def __init__(self, engine: str, handle: Any) -> None:
        self.engine, self.handle = engine, handle

    def sql(self, query: str) -> Any:
        if self.engine == "duckdb":
            return self.handle.sql(query)
        from ..engine.sql import to_dialect

        return self.handle.sql(to_dialect(query, "spark"))

    def rows(self, query: str) -> pd.DataFrame:
        rel = self.sql(query)
        return rel.df() if self.engine == "duckdb" else rel.toPandas()

    def create(self, name: str, query: str) -> None:
        """Materialise ``query`` as ``name`` (DuckDB temp table; cached Spark view)."""
        if self.engine == "duckdb":
            self.handle.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {query}')
        else:
            self.sql(query).cache().createOrReplaceTempView(name)

    def view(self, name: str, query: str) -> None:
        if self.engine == "duckdb":
            self.handle.execute(f'CREATE OR REPLACE TEMP VIEW "{name}" AS {query}')
        else:
            self.sql(query).createOrReplaceTempView(name)

    def columns(self, table: str) -> list[str]:
        try:
            if self.engine == "duckdb":
                return [r[0] for r in self.handle.execute(f"DESCRIBE {table}").fetchall()]
            return list(self.handle.table(table).columns)
        except Exception as exc:  # duckdb.CatalogException, pyspark AnalysisException
            raise SchemaError(
                f"{self.engine} has no table {table!r} ({type(exc).__name__}); create "
                "tables or views 'cases' and 'events' with the contract's columns"
            ) from exc

    def drop(self, names: Sequence[str], view: bool = False) -> None:
        for name in names:
            if self.engine == "duckdb":
                kind = "VIEW" if view else "TABLE"
                self.handle.execute(f'DROP {kind} IF EXISTS "{name}"')
            else:
                if self.handle.catalog.tableExists(name):
                    self.handle.table(name).unpersist()
                self.handle.catalog.dropTempView(name)


class InEngine:
    """What every view left in an engine shares: its relation, and how it is dropped.

    The view ``name`` and its per-case tables (``name`` + each suffix of ``_tables``).
    """

    engine: str
    name: str
    handle: Any
    _tables: ClassVar[tuple[str, ...]] = ("_all", "_cases")

    @property
    def relation(self) -> Any:
        """The rows as a DuckDB relation or a Spark DataFrame."""
        return self.handle.table(self.name)

    def drop(self) -> None:
        """Drop the view and its per-case tables from the engine."""
        run = _Runner(self.engine, self.handle)
        run.drop([self.name], view=True)
        run.drop([f"{self.name}{suffix}" for suffix in self._tables])


@dataclass(frozen=True)
class EngineCohort(InEngine):
    """A cohort that stays in its engine: the table ``name`` and the rule counts.

    ``relation`` is the cohort (a DuckDB relation or a Spark DataFrame: one row a kept
    case, columns ``case_id, entry, time, outcome, origin_day, exit_day, origin_event,
    exit_event, reopened`` then the covariates; days since 1970-01-01); give it to
    :func:`trajectory.engine.count_table`.
    """

    engine: str
    name: str
    spec: CohortSpec
    rules: pd.DataFrame
    n: int
    n_cases_in: int
    handle: Any
    origin: str = "E11"
    notes: Mapping[str, Any] | None = None
    scans: int = 1  #: scans of ``events``: 2 when some case needed the second one

    def to_cohort(self) -> Any:
        """The cohort's rows as a :class:`~trajectory.cohort.Cohort` (sorted by case_id)."""
        from .build import Cohort
        from .source import coerce_cases

        got = _Runner(self.engine, self.handle).rows(f'SELECT * FROM "{self.name}"')
        ids = got["case_id"].to_numpy(dtype=object)
        got = got.iloc[np.argsort(ids, kind="stable")].reset_index(drop=True)
        groups = list(self.spec.endpoints)
        table = pd.DataFrame({
            "case_id": pd.array(got["case_id"].to_numpy(dtype=object), dtype="string"),
            "entry": got["entry"].to_numpy(dtype=np.int64),
            "time": got["time"].to_numpy(dtype=np.int64),
            "outcome": pd.Categorical(got["outcome"].astype(object),
                                      categories=groups + [cr.CENSORED]),
            "origin_date": cr.from_days(got["origin_day"].to_numpy(dtype=np.int64)),
            "exit_date": cr.from_days(got["exit_day"].to_numpy(dtype=np.int64)),
            "origin_event": pd.array(got["origin_event"].to_numpy(dtype=object), dtype="string"),
            "exit_event": pd.array(got["exit_event"].to_numpy(dtype=object), dtype="string"),
            "reopened": got["reopened"].to_numpy(dtype=bool),
        })
        cov = coerce_cases(got[list(self.spec.covariates)].reset_index(drop=True))
        table = pd.concat([table, cov], axis=1)
        return Cohort(table=table, alpha=0.0,
                      method=f"cohort from {self.origin} to first endpoint",
                      time_unit="days", n=len(table), rules=self.rules, origin=self.origin,
                      endpoints=dict(self.spec.endpoints), n_cases_in=self.n_cases_in,
                      notes=dict(self.notes or {}))


def cohort_spec(
    *,
    case_columns: Sequence[str],
    default_extraction: int,
    origin: str,
    origin_fallback: Sequence[str] | None,
    endpoints: Mapping[str, tuple[str, ...]],
    censor_at: Any,
    window: tuple[Any, Any] | None,
    horizon: int | None,
    entry_event: str | Mapping[str, str] | None,
    covariates: Sequence[str] | None,
    max_extraction: int | None = None,
) -> CohortSpec:
    """Check and resolve :func:`push_cohort`'s options into a :class:`CohortSpec`."""
    codes = cr.origin_events(origin, origin_fallback)
    if horizon is not None and int(horizon) < 0:
        raise ConfigError(f"horizon={horizon!r} must be a number of days >= 0")
    win = None
    if window is not None:
        start, end = window
        win = (cr.parse_day(start, "window start") if start is not None else None,
               cr.parse_day(end, "window end") if end is not None else None)
    others = [c for c in case_columns if c != "case_id"]
    covs = list(others if covariates is None else covariates)
    needed = covs + (["source"] if isinstance(entry_event, Mapping) else [])
    missing = [c for c in needed if c not in case_columns]
    if missing:
        raise SchemaError(f"covariates {missing} are not columns of cases; "
                          f"available: {list(case_columns)}")
    clash = [c for c in covs if c in (*OUTPUT_COLUMNS, "origin_date", "exit_date")]
    if clash:
        raise ConfigError(f"covariates {clash} clash with cohort columns; rename them")
    return CohortSpec(
        origin_codes=codes, endpoints=dict(endpoints), default_extraction=default_extraction,
        earliest=origin == cr.DECISION_ORIGIN,
        has_extraction="extraction_date" in case_columns,
        censor_day=None if censor_at is None else cr.parse_day(censor_at, "censor_at"),
        window=win, horizon=None if horizon is None else int(horizon),
        entry=None if entry_event is None else (
            entry_event if isinstance(entry_event, str) else dict(entry_event)),
        covariates=tuple(covs), max_extraction=max_extraction)


def _open(log: EventLog | None, engine: str, con: Any, config: Any) -> Any:
    """The DuckDB connection or SparkSession, with ``cases`` and ``events`` from ``log``."""
    if con is not None:
        return con
    if log is None:
        raise ConfigError(f"engine={engine!r} needs con= (a connection or SparkSession "
                          "holding 'cases' and 'events') or an EventLog")
    settings = getattr(config, "engine", config)
    if engine == "duckdb":
        from ..engine.duck import connect

        con = connect(settings if hasattr(settings, "memory_limit") else None)
        con.register("cases", log.cases)
        con.register("events", log.events)
        return con
    from ..engine.spark import session

    spark = session(settings if hasattr(settings, "master") else None)
    for name, frame in (("cases", log.cases), ("events", log.events)):
        spark.createDataFrame(_spark_ready(frame)).createOrReplaceTempView(name)
    return spark


def _spark_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Extension dtypes (string, boolean, Int64, category) as plain object/float columns."""
    out = {}
    for col in frame.columns:
        s = frame[col]
        if isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.astype(object).where(s.notna(), None)
        elif isinstance(s.dtype, pd.api.extensions.ExtensionDtype) and s.dtype.kind in "biu":
            out[col] = s.astype(object).where(s.notna(), None)
        else:
            out[col] = s
    return pd.DataFrame(out)


def _checks(run: _Runner, log: EventLog | None) -> tuple[list[str], int, int]:
    """The case columns, the default and the latest extraction day; missing columns raised."""
    cols = run.columns("cases")
    ev_cols = run.columns("events")
    for table, have, need in (("cases", cols, ("case_id",)),
                              ("events", ev_cols, ("case_id", "event", "date"))):
        missing = [c for c in need if c not in have]
        if missing:
            raise SchemaError(f"{table}: required column(s) {missing} missing in {run.engine}")
    latest = None
    if "extraction_date" in cols:
        got = run.rows("SELECT MAX(CAST(DATE_DIFF('day', DATE '1970-01-01', "
                       "CAST(extraction_date AS DATE)) AS INTEGER)) AS d FROM cases")["d"]
        latest = int(got.iloc[0]) if got.notna().iloc[0] else None
    if log is not None:
        default = cr.parse_day(log.extraction_date, "extraction_date")
        return cols, default, default if latest is None else max(default, latest)
    if latest is not None:
        return cols, latest, latest
    raise SchemaError("cases: no extraction_date to censor at; add the column or pass "
                      "an EventLog (its extraction_date is the default)")


def check_contract(run: _Runner, counts: pd.Series, tables: Sequence[str]) -> None:
    """Raise (after dropping ``tables``) on duplicated cases or events of no case."""
    if int(counts["duplicates"] or 0):
        run.drop(tables)
        raise SchemaError(f"cases: {int(counts['duplicates'])} duplicated case_id value(s); "
                          "each case must appear once")
    if int(counts["orphan_events"] or 0):
        run.drop(tables)
        raise SchemaError(f"events: {int(counts['orphan_events'])} event(s) belong to no case "
                          f"in cases, e.g. case_id {counts['orphan_example']!r}; remove them "
                          "or add the case")


def run_cohort(run: _Runner, spec: CohortSpec, name: str) -> tuple[pd.Series, bool]:
    """Create ``{name}_all`` (:func:`cohort_sql`) in the engine; its rule counts, rescan.

    The contract is checked (duplicated cases, events of no case raise SchemaError).
    """
    (cases_table, scan), _ = cohort_sql(spec, name)
    run.create(cases_table, scan)
    rescan = int(run.rows(rescan_sql(cases_table))["n"].iloc[0]) > 0
    run.create(*cohort_sql(spec, name, rescan=rescan)[1])
    if run.engine == "duckdb":  # materialised: the per-case table is no longer needed
        run.drop([cases_table])
    counts = run.rows(rules_sql(f"{name}_all", spec)).iloc[0]  # Spark computes both here
    run.drop([cases_table])
    check_contract(run, counts, [f"{name}_all"])
    return counts, rescan


def push_cohort(
    log: EventLog | None = None,
    *,
    engine: str = "duckdb",
    con: Any = None,
    config: Any = None,
    name: str = "trajectory_cohort",
    origin: str = "E11",
    origin_fallback: Sequence[str] | None = None,
    endpoints: Mapping[str, Sequence[str]] | None = None,
    censor_at: Any = None,
    window: tuple[Any, Any] | None = None,
    horizon: int | None = None,
    entry_event: str | Mapping[str, str] | None = None,
    covariates: Sequence[str] | None = None,
) -> EngineCohort:
    """Build the cohort inside DuckDB or Spark and leave it there as ``name``.

    Parameters
    ----------
    log : EventLog, optional
        Registered as ``cases`` and ``events`` when ``con`` is not given.
    engine : {"duckdb", "spark"}
    con : DuckDB connection or SparkSession, optional
        Holding tables or views ``cases`` and ``events`` (e.g. views over the Parquet
        export of :meth:`trajectory.store.StudyStore.export_parquet`).
    config : StudyConfig or EngineConfig, optional
        Memory limit, spill folder, threads or Spark master for a connection opened here;
        a study config's ``[cohort]`` and ``[endpoints]`` also fill the arguments left at
        their defaults, as in :func:`~trajectory.cohort.build_cohort`.
    name : str
        Name of the cohort table (DuckDB) or temporary view (Spark); ``{name}_cases``
        and ``{name}_all`` hold the intermediate per-case rows.
    origin, origin_fallback, endpoints, censor_at, window, horizon, entry_event, covariates
        As in :func:`trajectory.cohort.build_cohort` (same rules, same result).

    Returns
    -------
    EngineCohort
        The cohort's name, relation and rule counts; its rows stay in the engine.
    """
    if engine not in PUSH_ENGINES:
        raise ConfigError(f"engine={engine!r} is not allowed; use 'duckdb' or 'spark'")
    origin, window, horizon, covariates, ends = cohort_arguments(
        config, origin=origin, window=window, horizon=horizon, covariates=covariates,
        endpoints=endpoints)
    handle = _open(log, engine, con, config)
    run = _Runner(engine, handle)
    cols, default, latest = _checks(run, log)
    spec = cohort_spec(case_columns=cols, default_extraction=default, origin=origin,
                       origin_fallback=origin_fallback, endpoints=ends, censor_at=censor_at,
                       window=window, horizon=horizon, entry_event=entry_event,
                       covariates=covariates, max_extraction=latest)
    counts, rescan = run_cohort(run, spec, name)
    run.view(name, kept_sql(f"{name}_all", spec))
    n_in = int(counts["n_cases_in"] or 0)
    rule_counts = {r.name: int(counts[r.name] or 0) for r in cr.COHORT_RULES}
    n_out = n_in - sum(rule_counts[r.name] for r in cr.COHORT_RULES if r.action == "excluded")
    return EngineCohort(
        engine=engine, name=name, spec=spec, handle=handle,
        rules=cr.rules_frame(cr.COHORT_RULES, rule_counts), n=n_out, n_cases_in=n_in,
        origin=origin, scans=2 if rescan else 1,
        notes={"censor_at": censor_at, "window": window, "horizon": horizon,
               "entry_event": entry_event, "engine": engine})


_names = itertools.count()


def fetch_cohort(log: EventLog | None, *, engine: str, **options: Any) -> Any:
    """:func:`~trajectory.cohort.build_cohort` inside DuckDB or Spark, rows fetched.

    The engine's tables are dropped afterwards, and a DuckDB connection opened here for
    ``log`` is closed.
    """
    own = options.get("con") is None
    pushed = push_cohort(log, engine=engine, name=f"_traj_cohort_{next(_names)}", **options)
    try:
        return pushed.to_cohort()
    finally:
        pushed.drop()
        if own and engine == "duckdb":
            pushed.handle.close()
