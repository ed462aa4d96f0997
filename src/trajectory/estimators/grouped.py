"""One-vs-rest comparisons of many groups at once, on one table of counts.

The bottleneck lenses compare each group (police zone, parquet division, ...) with
the rest of the cases, within strata (offence group, ...). Everything here works on
ONE count table, :class:`GroupedCounts`: stratum x group x unique time, holding the
numbers at risk, of events and of censorings. The "rest" of a group is the stratum
total minus the group, so every group is compared at once with array arithmetic:
no loop over rows, only over strata, groups or cells.

- :func:`grouped_counts` builds the table from case (or counting-process) rows
  (:mod:`~trajectory.estimators.grouped_table`);
- :func:`logrank_vs_rest`: stratified two-sample log-rank test of each group, and
  :func:`cox_vs_rest`: stratified Cox hazard ratio (Breslow ties) of each group
  (:mod:`~trajectory.estimators.grouped_hazards`);
- :func:`km_quantiles`: Kaplan-Meier quantiles with Brookmeyer-Crowley limits, and
  :func:`quantile_ratio_vs_rest`: pooled within-stratum ratio of quantiles, with a
  Wald test of the same estimand (:mod:`~trajectory.estimators.grouped_quantiles`);
- :func:`risk_difference_vs_rest`: Mantel-Haenszel risk difference (Sato variance)
  (:mod:`~trajectory.estimators.grouped_risk`).

This module re-exports them all, so ``trajectory.estimators.grouped`` names them.

Conventions are R ``survival``'s: a row with entry ``a`` and exit ``t`` is at risk at
every unique time ``s`` with ``a < s <= t``; at a tied time all events happen
together and those censored then are still at risk.

Examples
--------
>>> import numpy as np
>>> from trajectory.estimators import grouped_counts, logrank_vs_rest
>>> counts = grouped_counts(np.array([1, 2, 3, 4, 5, 6]), np.array([1, 1, 1, 1, 1, 0]),
...                         np.array(["a", "a", "a", "b", "b", "b"]))
>>> logrank_vs_rest(counts)["observed"].tolist()
[3.0, 2.0]
"""

from __future__ import annotations

from .grouped_hazards import cox_vs_rest, logrank_vs_rest
from .grouped_quantiles import km_quantiles, quantile_ratio_vs_rest
from .grouped_risk import risk_difference_vs_rest
from .grouped_table import GroupedCounts, grouped_counts

__all__ = [
    "GroupedCounts",
    "cox_vs_rest",
    "grouped_counts",
    "km_quantiles",
    "logrank_vs_rest",
    "quantile_ratio_vs_rest",
    "risk_difference_vs_rest",
]
