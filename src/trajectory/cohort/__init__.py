"""The cohort layer: the one place that derives event days, censoring and risk sets.

Modules, in the order data flows through them:

* :mod:`~trajectory.cohort.rules`: the resolution rules (endpoints, decisions,
  inconsistent sequences), each counted;
* :mod:`~trajectory.cohort.source`: the event log as arrays of days (pandas);
* :mod:`~trajectory.cohort.query` and :mod:`~trajectory.cohort.pushdown`: the cohort as
  one SQL definition, run inside DuckDB or Spark, where it stays for the count tables;
  :mod:`~trajectory.cohort.stage_query`, :mod:`~trajectory.cohort.transition_query` and
  :mod:`~trajectory.cohort.pushstages`: the stage table and the transitions likewise;
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
from .pushstages import EngineStages, EngineTransitions, push_stage_table, push_transitions

__all__ = [
    "Cohort",
    "EngineCohort",
    "EngineStages",
    "EngineTransitions",
    "StageTable",
    "Transitions",
    "Stage",
    "DEFAULT_STAGES",
    "DEFAULT_STATES",
    "build_cohort",
    "push_cohort",
    "push_stage_table",
    "push_transitions",
    "stage_endpoints",
    "stage_table",
    "transitions",
]
