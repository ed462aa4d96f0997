"""Estimators: non-parametric curves, group comparisons and regression models."""

from .breakdown import BreakdownResult, breakdown_incidence
from .comparison import ComparisonResult, LogrankResult, gray_test, logrank
from .count_table import CountTable
from .finegray import FineGrayResult, fine_gray
from .grouped import (
    GroupedCounts,
    cox_vs_rest,
    grouped_counts,
    km_quantiles,
    logrank_vs_rest,
    quantile_ratio_vs_rest,
    risk_difference_vs_rest,
)
from .nonparametric import (
    CumulativeIncidenceResult,
    KaplanMeierResult,
    NelsonAalenResult,
    StateOccupationResult,
    cumulative_incidence,
    kaplan_meier,
    nelson_aalen,
    state_occupation,
)
from .poisson import PoissonResult, aggregate_counts, poisson_rates
from .regression import CoxResult, cause_specific_cox, cox

__all__ = [
    "BreakdownResult",
    "ComparisonResult",
    "CountTable",
    "CoxResult",
    "CumulativeIncidenceResult",
    "FineGrayResult",
    "GroupedCounts",
    "KaplanMeierResult",
    "LogrankResult",
    "NelsonAalenResult",
    "PoissonResult",
    "StateOccupationResult",
    "aggregate_counts",
    "breakdown_incidence",
    "cause_specific_cox",
    "cox",
    "cox_vs_rest",
    "cumulative_incidence",
    "fine_gray",
    "gray_test",
    "grouped_counts",
    "kaplan_meier",
    "km_quantiles",
    "logrank",
    "logrank_vs_rest",
    "nelson_aalen",
    "poisson_rates",
    "quantile_ratio_vs_rest",
    "risk_difference_vs_rest",
    "state_occupation",
]
