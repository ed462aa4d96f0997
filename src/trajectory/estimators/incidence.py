"""Aalen-Johansen cumulative incidence of competing outcomes.

Every outcome's incidence at once, from counts at the unique times, with R
``survfit(Surv(time, factor(outcome)))``'s infinitesimal-jackknife variance computed
exactly (ties are never broken). Importable from :mod:`trajectory.estimators`.

Examples
--------
>>> import pandas as pd
>>> from trajectory.estimators import cumulative_incidence
>>> df = pd.DataFrame({"time": [1, 2, 3, 4], "outcome": ["a", "b", "a", "censored"]})
>>> cumulative_incidence(df).summary()[["state", "n_event", "estimate"]]
  state  n_event  estimate
0     a        2      0.50
1     b        1      0.25
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from ..results import TidyResult, curve_at, curve_summary
from ._counts import aalen_johansen, confint, group_arrays, prepare, risk_counts
from ._curves import check_options, curve_frame
from .count_table import unwrap_counts

__all__ = ["CumulativeIncidenceResult", "cumulative_incidence"]


@dataclass(frozen=True, repr=False)
class CumulativeIncidenceResult(TidyResult):
    """Cumulative incidence of each competing outcome.

    ``table``: CURVE_COLUMNS plus ``state`` (the outcome) and ``std_err``; ``n_risk``
    is the number still in the initial state, ``n_event`` the events of that outcome.
    """

    figure: ClassVar[Mapping[str, Any]] = {"kind": "incidence"}

    def summary(self) -> pd.DataFrame:
        """One row a group and outcome: cases, events, the incidence at the last time.

        Columns ``group, state, n, n_event, time, estimate, lower, upper`` (``n`` the
        group's cases; ``n_event`` the cases ending with that outcome). The whole curve
        is :meth:`to_frame`; values at chosen times, :meth:`at`.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"time": [1, 2, 2, 3, 4],
        ...                    "outcome": ["a", "b", "censored", "a", "censored"]})
        >>> cumulative_incidence(df).summary()[["state", "n", "n_event", "estimate"]]
          state  n  n_event  estimate
        0     a  5        2       0.5
        1     b  5        1       0.2
        """
        return curve_summary(self.table, keys=("group", "state"))

    def at(self, times: Sequence[float]) -> pd.DataFrame:
        """Each outcome's incidence read at ``times`` (R ``summary(fit, times=)``).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"time": [1, 2, 2, 3, 4],
        ...                    "outcome": ["a", "b", "censored", "a", "censored"]})
        >>> cumulative_incidence(df).at([2.5])[["state", "time", "estimate"]]
          state  time  estimate
        0     a   2.5       0.2
        1     b   2.5       0.2
        """
        return curve_at(self.table, times, keys=("group", "state"), start=0.0)


def cumulative_incidence(
    data: pd.DataFrame,
    *,
    time: str = "time",
    event: str = "outcome",
    by: str | None = None,
    entry: str | None = None,
    weights: str | None = None,
    alpha: float = 0.05,
    conf_type: str = "log",
    censored: Any = "censored",
) -> CumulativeIncidenceResult:
    """Aalen-Johansen cumulative incidence of every competing outcome at once.

    Parameters
    ----------
    data : pandas.DataFrame or CountTable
        One row a case, or a :class:`~trajectory.estimators.CountTable` (same estimates
        and infinitesimal-jackknife variance, from the counts and their ``n2``).
    time : str
        Time to the first outcome or censoring.
    event : str
        Outcome labels (string or categorical); ``censored`` marks censoring. A
        bool / 0-1 column gives one outcome, ``"event"``.
    by, entry, weights, alpha : see :func:`kaplan_meier`.
    conf_type : {"log", "log-log", "plain"}
        As R ``survfit`` for multi-state curves (standard error on the
        probability scale, ``logse = FALSE``).
    censored : scalar
        The censoring level of ``event``.

    Returns
    -------
    CumulativeIncidenceResult
        One row a group, outcome and unique time. ``std_err`` is R's default for
        ``survfit(Surv(time, factor))``: the infinitesimal jackknife (robust)
        standard error, computed exactly from counts at unique times (ties are
        never broken). Limits are NaN where the incidence is 0 (as R's NA).

    References
    ----------
    .. [1] Aalen OO, Johansen S (1978). An empirical transition matrix for non-homogeneous
       Markov chains based on censored observations. Scand J Stat 5(3):141-150.
    .. [2] Kalbfleisch JD, Prentice RL (2002). The Statistical Analysis of Failure Time
       Data, 2nd ed., ch. 8 (competing risks). Wiley.
    .. [3] Therneau TM, Grambsch PM (2000). Modeling Survival Data: Extending the Cox Model.
       Springer (R package ``survival``: ``survfit``, ``coxph``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"time": [1, 2, 2, 3, 4],
    ...                    "outcome": ["a", "b", "censored", "a", "censored"]})
    >>> r = cumulative_incidence(df)
    >>> a = r.table[r.table["state"] == "a"]
    >>> a["estimate"].round(3).tolist(), a["n_risk"].tolist()
    ([0.2, 0.2, 0.5, 0.5], [5.0, 4.0, 2.0, 1.0])
    """
    check_options(conf_type, alpha)
    data, weights, entry, w2 = unwrap_counts(data, weights=weights, entry=entry,
                                             role="cumulative_incidence")
    prep = prepare(data, time=time, event=event, by=by, entry=entry, weights=weights,
                   censored=censored, competing=True, w2=w2)
    frames = []
    for k, group in enumerate(prep.groups):
        t, c, ent, w = group_arrays(prep, k)
        rc = risk_counts(t, c, len(prep.causes), ent, w, prep.group_w2(k))
        _, cif, se = aalen_johansen(rc)
        for j, state in enumerate(prep.causes):
            lower, upper = confint(cif[j], se[j], conf_type=conf_type, alpha=alpha, logse=False)
            frame = curve_frame(group, rc, estimate=cif[j], lower=lower, upper=upper,
                                 n_event=rc.n_event[j], std_err=se[j])
            frame.insert(1, "state", state)
            frames.append(frame)
    return CumulativeIncidenceResult(
        table=pd.concat(frames, ignore_index=True), alpha=alpha,
        method="Aalen-Johansen cumulative incidence, infinitesimal jackknife variance",
        n=prep.n,
        notes={"conf_type": conf_type, "states": prep.causes,
               "reference": "R survival::survfit(Surv(time, factor(outcome)) ~ by)"},
    )
