"""The stage table (and transitions) built inside DuckDB or Spark, left there.

:func:`push_stage_table` is to :func:`~trajectory.cohort.stage_table` what
:func:`~trajectory.cohort.pushdown.push_cohort` is to
:func:`~trajectory.cohort.build_cohort`: the one SQL definition
(:mod:`trajectory.cohort.stage_query`) runs in the engine that holds ``cases`` and
``events``; only the rule counts come back, and :meth:`EngineStages.to_stage_table`
fetches the rows when wanted (identical to the pandas engine's table, tested in
``tests/test_cohort_sql.py`` and ``tests/engine/test_cohort_spark.py``).

Examples
--------
>>> import duckdb
>>> con = duckdb.connect()
>>> _ = con.execute("CREATE TABLE cases AS SELECT 'a' AS case_id, "
...                 "DATE '2024-12-31' AS extraction_date")
>>> _ = con.execute("CREATE TABLE events AS SELECT * FROM (VALUES "
...                 "('a', 'E11', DATE '2024-01-01'), ('a', 'E12', DATE '2024-01-03')) "
...                 "AS t(case_id, event, date)")
>>> pushed = push_stage_table(engine="duckdb", con=con)
>>> pushed.to_stage_table().table[["stage", "sojourn", "status"]].head(2)
                stage  sojourn     status
0     complaint_to_pv        2  completed
1  pv_to_transmission      363   censored
>>> pushed.drop()
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..schema import EventLog
from . import rules as cr
from .build import STAGE_STATUSES, Stage, StageTable, check_stages
from .multistate import JUDGMENT_EVENTS, Transitions, state_model
from .pushdown import (
    PUSH_ENGINES,
    InEngine,
    _checks,
    _open,
    _Runner,
    check_contract,
    cohort_spec,
    run_cohort,
)
from .stage_query import StageSpec, stage_rows_sql, stage_rules_sql, stage_sql
from .transition_query import PathSpec, paths_sql, transition_flags_sql, transition_rows_sql

__all__ = ["EngineStages", "EngineTransitions", "fetch_stage_table", "fetch_transitions",
           "push_stage_table", "push_transitions"]


def _check_engine(engine: str) -> None:
    from ..errors import ConfigError

    if engine not in PUSH_ENGINES:
        raise ConfigError(f"engine={engine!r} is not allowed; use 'duckdb' or 'spark'")


def _int(value: Any) -> int:
    """A count from the engine (NULL, e.g. a sum over no row, is 0)."""
    return 0 if pd.isna(value) else int(value)


def _sorted_rows(run: _Runner, name: str, order: Sequence[str]) -> pd.DataFrame:
    """All rows of ``name``, ordered by case_id (Python string order) then ``order``."""
    got = run.rows(f'SELECT * FROM "{name}"')
    got["case_id"] = got["case_id"].astype(object)
    return got.sort_values(["case_id", *order], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class EngineStages(InEngine):
    """A stage table that stays in its engine: the view ``name`` and the rule counts.

    ``relation`` has one row a case x stage: ``case_id, stage_index, stage, start_day,
    end_day, sojourn, status, exit`` (days since 1970-01-01, NULL when missing).
    """

    engine: str
    name: str
    spec: StageSpec
    rules: pd.DataFrame
    n: int
    handle: Any
    notes: Mapping[str, Any] | None = None
    _tables: ClassVar[tuple[str, ...]] = ("_cases",)

    def to_stage_table(self) -> StageTable:
        """The rows as a :class:`~trajectory.cohort.StageTable` (by case, then stage)."""
        got = _sorted_rows(_Runner(self.engine, self.handle), self.name, ["stage_index"])
        names = [s.name for s in self.spec.stages]
        sojourn = pd.Series(got["sojourn"], dtype="Float64").astype("Int64").array

        def days(col: str) -> np.ndarray:
            return cr.from_days(got[col].fillna(cr.MISSING).to_numpy(dtype=np.int64))

        table = pd.DataFrame({
            "case_id": pd.array(got["case_id"].to_numpy(dtype=object), dtype="string"),
            "stage": pd.Categorical.from_codes(got["stage_index"].to_numpy(dtype=np.int64),
                                               categories=pd.Index(names)),
            "start_date": days("start_day"),
            "end_date": days("end_day"),
            "sojourn": sojourn,
            "status": pd.Categorical(got["status"].astype(object),
                                     categories=pd.Index(STAGE_STATUSES)),
            "exit": got["exit"].astype(object).where(got["exit"].notna(), None)
            .astype("string").array,
        })
        return StageTable(table=table, alpha=0.0, method="stage sojourns", time_unit="days",
                          n=self.n, rules=self.rules, stages=self.spec.stages,
                          notes=dict(self.notes or {}))


def push_stage_table(
    log: EventLog | None = None,
    *,
    engine: str = "duckdb",
    con: Any = None,
    config: Any = None,
    name: str = "trajectory_stages",
    stages: Sequence[Stage] | None = None,
    endpoints: Mapping[str, Sequence[str]] | None = None,
    censor_at: Any = None,
) -> EngineStages:
    """Build the stage table inside DuckDB or Spark and leave it there as ``name``.

    Parameters
    ----------
    log : EventLog, optional
        Registered as ``cases`` and ``events`` when ``con`` is not given.
    engine : {"duckdb", "spark"}
    con : DuckDB connection or SparkSession, optional
        Holding tables or views ``cases`` and ``events``.
    config : StudyConfig or EngineConfig, optional
        Memory limit, spill folder, threads or Spark master for a connection opened here.
    name : str
        Name of the stage rows' view; ``{name}_cases`` holds one row a case (wide).
    stages, endpoints, censor_at
        As in :func:`trajectory.cohort.stage_table` (same rules, same table).

    Returns
    -------
    EngineStages
        The view's name, relation and rule counts; its rows stay in the engine.
    """
    _check_engine(engine)
    ends = cr.check_endpoints(endpoints)
    stage_list = check_stages(stages, ends)
    handle = _open(log, engine, con, config)
    run = _Runner(engine, handle)
    cols, default, _ = _checks(run, log)
    spec = StageSpec(stages=stage_list, endpoints=ends, default_extraction=default,
                     has_extraction="extraction_date" in cols,
                     censor_day=None if censor_at is None else cr.parse_day(censor_at,
                                                                            "censor_at"))
    table, query = stage_sql(spec, name)
    run.create(table, query)
    counts = run.rows(stage_rules_sql(table, spec)).iloc[0]
    check_contract(run, counts, [table])
    run.view(name, stage_rows_sql(table, spec))
    rule_counts = {r.name: _int(counts[r.name]) for r in cr.STAGE_RULES}
    return EngineStages(engine=engine, name=name, spec=spec, handle=handle,
                        rules=cr.rules_frame(cr.STAGE_RULES, rule_counts),
                        n=_int(counts["n_cases_in"]),
                        notes={"censor_at": censor_at, "engine": engine})


_names = itertools.count()


def fetch_stage_table(log: EventLog | None, *, engine: str, **options: Any) -> StageTable:
    """:func:`~trajectory.cohort.stage_table` inside DuckDB or Spark, rows fetched.

    The engine's tables are dropped afterwards, and a DuckDB connection opened here for
    ``log`` is closed.
    """
    own = options.get("con") is None
    pushed = push_stage_table(log, engine=engine, name=f"_traj_stages_{next(_names)}",
                              **options)
    try:
        return pushed.to_stage_table()
    finally:
        pushed.drop()
        if own and engine == "duckdb":
            pushed.handle.close()


#: The rules of :func:`~trajectory.cohort.transitions`, in its order.
TRANSITION_TABLE_RULES = cr.COHORT_RULES[:4] + cr.COHORT_RULES[6:12] + cr.TRANSITION_RULES


@dataclass(frozen=True)
class EngineTransitions(InEngine):
    """Multi-state rows that stay in their engine: the view ``name`` and the rule counts.

    ``relation`` has one row a stay: ``case_id, from_state, to_state, entry, exit,
    status, k`` (``k`` orders a case's rows).
    """

    engine: str
    name: str
    states: tuple[str, ...]
    absorbing: tuple[str, ...]
    rules: pd.DataFrame
    n: int
    n_cases_in: int
    handle: Any
    notes: Mapping[str, Any] | None = None
    _tables: ClassVar[tuple[str, ...]] = ("_cases", "_all")

    def to_transitions(self) -> Transitions:
        """The rows as :class:`~trajectory.cohort.Transitions` (by case, then entry)."""
        got = _sorted_rows(_Runner(self.engine, self.handle), self.name, ["k"])
        names = pd.Index(list(self.states))
        table = pd.DataFrame({
            "case_id": pd.array(got["case_id"].to_numpy(dtype=object), dtype="string"),
            "from_state": pd.Categorical(got["from_state"].astype(object), categories=names),
            "to_state": pd.Categorical(got["to_state"].astype(object)
                                       .where(got["to_state"].notna(), None), categories=names),
            "entry": got["entry"].to_numpy(dtype=np.int64),
            "exit": got["exit"].to_numpy(dtype=np.int64),
            "status": got["status"].to_numpy(dtype=np.int64),
        })
        return Transitions(table=table, alpha=0.0, method="multi-state counting process",
                           time_unit="days", n=self.n, rules=self.rules, states=self.states,
                           absorbing=self.absorbing, n_cases_in=self.n_cases_in,
                           notes=dict(self.notes or {}))


def push_transitions(
    log: EventLog | None = None,
    *,
    engine: str = "duckdb",
    con: Any = None,
    config: Any = None,
    name: str = "trajectory_transitions",
    states: Mapping[str, Sequence[str]] | None = None,
    origin: str = "E11",
    origin_fallback: Sequence[str] | None = None,
    endpoints: Mapping[str, Sequence[str]] | None = None,
    censor_at: Any = None,
    window: tuple[Any, Any] | None = None,
    horizon: int | None = None,
) -> EngineTransitions:
    """Build the multi-state transitions inside DuckDB or Spark and leave them as ``name``.

    The cohort's SQL (:func:`~trajectory.cohort.query.cohort_sql`, carrying the states'
    first days) gives origin, censoring, exclusions and the first decision; then
    :mod:`trajectory.cohort.transition_query` writes the rows.

    Parameters
    ----------
    log : EventLog, optional
        Registered as ``cases`` and ``events`` when ``con`` is not given.
    engine : {"duckdb", "spark"}
    con : DuckDB connection or SparkSession, optional
        Holding tables or views ``cases`` and ``events``.
    config : StudyConfig or EngineConfig, optional
        Memory limit, spill folder, threads or Spark master for a connection opened here.
    name : str
        Name of the rows' view; ``{name}_all`` (the cohort's per-case table) and
        ``{name}_cases`` (one row a kept case: its state columns) stay beside it.
    states, origin, origin_fallback, endpoints, censor_at, window, horizon
        As in :func:`trajectory.cohort.transitions` (same rules, same table).

    Returns
    -------
    EngineTransitions
        The view's name, relation and rule counts; its rows stay in the engine.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE cases AS SELECT 'a' AS case_id, "
    ...                 "DATE '2024-12-31' AS extraction_date")
    >>> _ = con.execute("CREATE TABLE events AS SELECT * FROM (VALUES "
    ...                 "('a', 'E11', DATE '2024-01-01'), ('a', 'E30', DATE '2024-01-03')) "
    ...                 "AS t(case_id, event, date)")
    >>> pushed = push_transitions(engine="duckdb", con=con)
    >>> pushed.to_transitions().table
      case_id from_state to_state  entry  exit  status
    0       a  complaint  parquet      0     2       1
    1       a    parquet      NaN      2   365       0
    >>> pushed.drop()
    """
    _check_engine(engine)
    ends = cr.check_endpoints(endpoints)
    chain, names = state_model(states, ends)
    later = list(chain)[1:]
    extra = tuple(dict.fromkeys([c for s in later for c in chain[s]] + list(JUDGMENT_EVENTS)))
    handle = _open(log, engine, con, config)
    run = _Runner(engine, handle)
    cols, default, latest = _checks(run, log)
    spec = cohort_spec(case_columns=cols, default_extraction=default, origin=origin,
                       origin_fallback=origin_fallback, endpoints=ends, censor_at=censor_at,
                       window=window, horizon=horizon, entry_event=None, covariates=[],
                       max_extraction=latest)
    spec = replace(spec, extra_codes=extra)
    counts, _ = run_cohort(run, spec, name)
    x = {c: f"x{k}" for k, c in enumerate(extra)}
    paths = PathSpec(chain=tuple(chain), codes={s: tuple(x[c] for c in chain[s]) for s in later},
                     groups=tuple(ends), judged_code=x[JUDGMENT_EVENTS[0]])
    table, query = paths_sql(f"{name}_all", paths, name)
    run.create(table, query)
    flags = run.rows(transition_flags_sql(table, paths)).iloc[0]
    run.view(name, transition_rows_sql(table, paths))
    rule_counts = {r.name: _int(counts[r.name]) for r in cr.COHORT_RULES}
    rule_counts.update({r.name: _int(flags[r.name]) for r in cr.TRANSITION_RULES})
    n_in = _int(counts["n_cases_in"])
    kept = n_in - sum(rule_counts[r.name] for r in cr.COHORT_RULES if r.action == "excluded")
    groups = list(ends)
    absorbing = tuple(g for g in groups if g != "court") + (
        ("judged",) if "court" in groups else ())
    return EngineTransitions(
        engine=engine, name=name, states=tuple(names), absorbing=absorbing,
        rules=cr.rules_frame(TRANSITION_TABLE_RULES, rule_counts),
        n=kept - rule_counts["no_follow_up"], n_cases_in=n_in, handle=handle,
        notes={"origin": origin, "censor_at": censor_at, "window": window,
               "horizon": horizon, "engine": engine})


def fetch_transitions(log: EventLog | None, *, engine: str, **options: Any) -> Transitions:
    """:func:`~trajectory.cohort.transitions` inside DuckDB or Spark, rows fetched."""
    own = options.get("con") is None
    pushed = push_transitions(log, engine=engine, name=f"_traj_transitions_{next(_names)}",
                              **options)
    try:
        return pushed.to_transitions()
    finally:
        pushed.drop()
        if own and engine == "duckdb":
            pushed.handle.close()
