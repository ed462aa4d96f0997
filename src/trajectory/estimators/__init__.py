"""Estimators: non-parametric curves, group comparisons and regression models."""

from .comparison import ComparisonResult, gray_test, logrank
from .finegray import FineGrayResult, fine_gray
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
    "ComparisonResult",
    "CoxResult",
    "CumulativeIncidenceResult",
    "FineGrayResult",
    "KaplanMeierResult",
    "NelsonAalenResult",
    "PoissonResult",
    "StateOccupationResult",
    "aggregate_counts",
    "cause_specific_cox",
    "cox",
    "cumulative_incidence",
    "fine_gray",
    "gray_test",
    "kaplan_meier",
    "logrank",
    "nelson_aalen",
    "poisson_rates",
    "state_occupation",
]
