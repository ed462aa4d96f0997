"""Monitoring and evaluation: indicators per period, funnel plots, CUSUM, interventions.

The action-research loop: :func:`indicators` follows the trajectory cohort by cohort
against targets; :func:`funnel` compares units on an indicator with control limits
adjusted for case mix; :func:`cusum` watches each unit day by day and raises alarms
in sentences; :func:`evaluate` estimates whether an intervention declared in the study
config changed an indicator (difference-in-differences on the cumulative incidence at
a horizon, with event study, group-time effects, a Cox hazard ratio, and an
interrupted time series when no unit is untreated). See ``docs/monitoring.md``.
"""

from __future__ import annotations

from .charts import CusumResult, cusum
from .cohorts import INDICATOR_COLUMNS, IndicatorResult, indicators
from .evaluation import EvaluationResult, evaluate
from .funnels import FunnelResult, funnel

__all__ = [
    "CusumResult",
    "EvaluationResult",
    "FunnelResult",
    "INDICATOR_COLUMNS",
    "IndicatorResult",
    "cusum",
    "evaluate",
    "funnel",
    "indicators",
]
