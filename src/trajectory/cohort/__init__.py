"""The cohort layer: the one place that derives event days, censoring and risk sets.

Modules, in the order data flows through them:

* :mod:`~trajectory.cohort.rules`: the resolution rules (endpoints, decisions,
  inconsistent sequences), each counted;
* :mod:`~trajectory.cohort.source`: the event log as arrays of days (pandas), or
  :mod:`~trajectory.cohort.sql` inside DuckDB (stage table, transitions);
* :mod:`~trajectory.cohort.query` and :mod:`~trajectory.cohort.pushdown`: the cohort as
  one SQL definition, run inside DuckDB or Spark, where it stays for the count tables;
* :mod:`~trajectory.cohort.build`: :func:`build_cohort`, :func:`stage_table` (one row
  a case; a case x stage), and :mod:`~trajectory.cohort.multistate`:
  :func:`transitions` (counting-process multi-state);
* :mod:`~trajectory.cohort.days`: :class:`~trajectory.cohort.days.CaseDays`, the
  per-case first/last event days the lenses and attrition read.
"""

from .build import (
    DEFAULT_STAGES,
    Cohort,
    Stage,
    StageTable,
    build_cohort,
    stage_endpoints,
    stage_table,
)
from .multistate import DEFAULT_STATES, Transitions, transitions
from .pushdown import EngineCohort, push_cohort

__all__ = [
    "Cohort",
    "EngineCohort",
    "StageTable",
    "Transitions",
    "Stage",
    "DEFAULT_STAGES",
    "DEFAULT_STATES",
    "build_cohort",
    "push_cohort",
    "stage_endpoints",
    "stage_table",
    "transitions",
]
