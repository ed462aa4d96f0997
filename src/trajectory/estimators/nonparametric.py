"""Non-parametric survival and competing-risks curves, on counts at unique times.

Kaplan-Meier, Nelson-Aalen, Aalen-Johansen cumulative incidence for competing
outcomes, and multi-state state occupation probabilities. Each is computed from
weighted counts at the unique times (sort + ``bincount`` + cumulative sums), so it is
exact on ties, deterministic and fast; conventions and variances are R ``survival``'s
(see ``docs/estimators.md`` for the R call each one matches).

Each estimator lives in the module of its concept; this module re-exports them, so
``trajectory.estimators.nonparametric`` names them all:

- :mod:`~trajectory.estimators.survival`: :func:`kaplan_meier`, :func:`nelson_aalen`;
- :mod:`~trajectory.estimators.incidence`: :func:`cumulative_incidence` (Aalen-Johansen);
- :mod:`~trajectory.estimators.multistate`: :func:`state_occupation` (multi-state
  Aalen-Johansen).

Examples
--------
>>> import pandas as pd
>>> from trajectory.estimators import kaplan_meier
>>> df = pd.DataFrame({"time": [2, 3, 3, 5, 8], "outcome": [1, 1, 0, 1, 0]})
>>> kaplan_meier(df).table[["time", "estimate", "n_risk", "n_event"]]
   time  estimate  n_risk  n_event
0   2.0       0.8     5.0      1.0
1   3.0       0.6     4.0      1.0
2   5.0       0.3     2.0      1.0
3   8.0       0.3     1.0      0.0
"""

from __future__ import annotations

from .incidence import CumulativeIncidenceResult, cumulative_incidence
from .multistate import StateOccupationResult, state_occupation
from .survival import KaplanMeierResult, NelsonAalenResult, kaplan_meier, nelson_aalen

__all__ = [
    "KaplanMeierResult",
    "NelsonAalenResult",
    "CumulativeIncidenceResult",
    "StateOccupationResult",
    "kaplan_meier",
    "nelson_aalen",
    "cumulative_incidence",
    "state_occupation",
]
