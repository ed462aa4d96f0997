"""Multi-state Aalen-Johansen: the probability of being in each state over time.

From counting-process transitions (one row an interval a case spends in a state,
delayed entry allowed), as R ``survfit(Surv(entry, exit, event), id=, istate=)``,
with its infinitesimal-jackknife variance. Importable from
:mod:`trajectory.estimators`.

Examples
--------
>>> import pandas as pd
>>> from trajectory.estimators import state_occupation
>>> tr = pd.DataFrame({"case_id": [1, 2], "from_state": ["open", "open"],
...                    "to_state": ["summons", None], "entry": [0, 0], "exit": [2, 4],
...                    "status": [1, 0]})
>>> state_occupation(tr).summary()[["state", "time", "estimate"]]
     state  time  estimate
0     open   4.0       0.5
1  summons   4.0       0.5
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..errors import EstimationError
from ..results import TidyResult
from ._counts import confint, multistate_aj
from ._curves import check_options

__all__ = ["StateOccupationResult", "state_occupation"]


@dataclass(frozen=True, repr=False)
class StateOccupationResult(TidyResult):
    """Probability of being in each state over time (multi-state Aalen-Johansen).

    ``table``: CURVE_COLUMNS plus ``state`` and ``std_err``; ``n_risk`` is the number
    at risk in that state, ``n_event`` the transitions into it at that time.
    """

    figure: ClassVar[Mapping[str, Any]] = {"kind": "state_occupation"}

    def summary(self) -> pd.DataFrame:
        """One row a group and state: the probability of the state at the last time.

        Columns ``group, state, time, estimate, lower, upper``.

        Examples
        --------
        >>> import pandas as pd
        >>> tr = pd.DataFrame({"case_id": [1, 2, 3], "from_state": ["open"] * 3,
        ...                    "to_state": ["summons", "dismissal", None],
        ...                    "entry": [0, 0, 0], "exit": [2, 3, 5], "status": [1, 1, 0]})
        >>> state_occupation(tr).summary()[["state", "time", "estimate"]].round(3)
               state  time  estimate
        0  dismissal   5.0     0.333
        1       open   5.0     0.333
        2    summons   5.0     0.333
        """
        t = self.table.sort_values(["group", "state", "time"], kind="stable")
        last = t.groupby(["group", "state"], sort=False).tail(1)
        return last[["group", "state", "time", "estimate", "lower", "upper"]].reset_index(
            drop=True)


def _transition_arrays(
    data: pd.DataFrame, names: dict[str, str], weights: str | None
) -> tuple[np.ndarray, ...]:
    for role, col in names.items():
        if col not in data.columns:
            raise EstimationError(
                f"{role} column {col!r} is not in the transitions data (columns: "
                f"{list(data.columns)}); pass {role}=<column name>"
            )
    ent = data[names["entry"]].to_numpy(dtype=float)
    ext = data[names["exit"]].to_numpy(dtype=float)
    st = data[names["status"]].to_numpy()
    if np.isnan(ent).any() or np.isnan(ext).any() or data[names["from_state"]].isna().any():
        raise EstimationError("entry, exit and from_state must not be missing in transitions")
    if not np.isin(st, (0, 1)).all():
        raise EstimationError(f"status column {names['status']!r} must be 0 or 1")
    if (ent >= ext).any():
        bad = data.index[np.flatnonzero(ent >= ext)[0]]
        raise EstimationError(f"row {bad!r}: entry must be < exit in transitions")
    moved = st == 1
    to = data[names["to_state"]]
    if to[moved].isna().any() or (to[moved] == data[names["from_state"]][moved]).any():
        raise EstimationError(
            "rows with status 1 need a to_state different from from_state "
            f"(column {names['to_state']!r})"
        )
    w = np.ones(len(data)) if weights is None else data[weights].to_numpy(dtype=float)
    if (w < 0).any() or np.isnan(w).any():
        raise EstimationError(f"weights column {weights!r} must be >= 0 and not missing")
    return ent, ext, moved, w


def state_occupation(
    transitions: pd.DataFrame,
    *,
    case_id: str = "case_id",
    from_state: str = "from_state",
    to_state: str = "to_state",
    entry: str = "entry",
    exit: str = "exit",
    status: str = "status",
    by: str | None = None,
    weights: str | None = None,
    alpha: float = 0.05,
    conf_type: str = "log",
) -> StateOccupationResult:
    """Probability of being in each state over time, from counting-process data.

    Parameters
    ----------
    transitions : pandas.DataFrame
        One row an interval ``(entry, exit]`` a case spends in ``from_state``;
        ``status`` 1 means it moved to ``to_state`` at ``exit``, 0 that it was
        censored then (or that the next row of the same case continues it).
        Delayed entry (left truncation) is allowed.
    case_id, from_state, to_state, entry, exit, status : str
        Column names.
    by : str, optional
        Column (constant within a case) whose levels get one set of curves each.
    weights : str, optional
        Case weights (constant within a case).
    alpha, conf_type : see :func:`cumulative_incidence`.

    Returns
    -------
    StateOccupationResult
        One row a group, state and unique exit time. As R
        ``survfit(Surv(entry, exit, event) ~ by, id=case_id, istate=from_state)``:
        ``estimate`` is ``pstate``, ``std_err`` its infinitesimal-jackknife
        standard error; the initial distribution is that of the cases at risk at
        the first transition time (its own uncertainty ignored, as R's default).

    References
    ----------
    .. [1] Aalen OO, Johansen S (1978). An empirical transition matrix for non-homogeneous
       Markov chains based on censored observations. Scand J Stat 5(3):141-150.
    .. [2] de Wreede LC, Fiocco M, Putter H (2011). mstate: an R package for the analysis of
       competing risks and multi-state models. J Stat Softw 38(7):1-30.
    .. [3] Therneau TM, Grambsch PM (2000). Modeling Survival Data: Extending the Cox Model.
       Springer (R package ``survival``: ``survfit``, ``coxph``).

    Examples
    --------
    >>> import pandas as pd
    >>> tr = pd.DataFrame({
    ...     "case_id":    [1, 1, 2, 3, 3, 4],
    ...     "from_state": ["open", "summons", "open", "open", "summons", "open"],
    ...     "to_state":   ["summons", "judgment", "dismissal", "summons", None, None],
    ...     "entry":      [0, 2, 0, 0, 3, 0],
    ...     "exit":       [2, 5, 4, 3, 6, 6],
    ...     "status":     [1, 1, 1, 1, 0, 0]})
    >>> r = state_occupation(tr)
    >>> at5 = r.table[r.table["time"] == 5]
    >>> dict(zip(at5["state"], at5["estimate"].round(3)))
    {'dismissal': 0.25, 'judgment': 0.25, 'open': 0.25, 'summons': 0.25}
    """
    check_options(conf_type, alpha)
    names = {"case_id": case_id, "from_state": from_state, "to_state": to_state,
             "entry": entry, "exit": exit, "status": status}
    if by is not None:
        names["by"] = by
    ent, ext, moved, w = _transition_arrays(transitions, names, weights)
    cases, _ = pd.factorize(transitions[case_id])
    if w.size and (pd.Series(w).groupby(cases).nunique() > 1).any():
        raise EstimationError(f"weights column {weights!r} must be constant within a case")
    src_lab = transitions[from_state].astype(object)
    dst_lab = transitions[to_state].astype(object).where(moved, None)
    states = sorted(set(src_lab) | set(dst_lab[moved]), key=str)
    code = {s: i for i, s in enumerate(states)}
    src = src_lab.map(code).to_numpy(dtype=np.intp)
    dst = np.where(moved, dst_lab.map(code).fillna(0).to_numpy(), 0).astype(np.intp)
    # a censored row continued by another row of the same case is a split, not censoring
    starts = pd.MultiIndex.from_arrays([cases, ent])
    censor = ~moved & ~pd.MultiIndex.from_arrays([cases, ext]).isin(starts)
    groups: list[Any] = ["all"]
    masks = [np.ones(len(transitions), dtype=bool)]
    if by is not None:
        if (transitions.groupby(cases)[by].nunique() > 1).any():
            raise EstimationError(f"by column {by!r} must be constant within a case")
        codes, uniques = pd.factorize(transitions[by], sort=True)
        groups = list(uniques)
        masks = [codes == i for i in range(len(uniques))]
    frames = []
    for group, m in zip(groups, masks, strict=True):
        cid, _ = pd.factorize(cases[m])
        fit = multistate_aj(cid, src[m], dst[m], ent[m], ext[m], moved[m], censor[m], w[m],
                            len(states))
        for j, state in enumerate(states):
            lower, upper = confint(fit.p[j], fit.se[j], conf_type=conf_type, alpha=alpha,
                                   logse=False)
            frames.append(pd.DataFrame({
                "group": group, "state": state, "time": fit.times, "estimate": fit.p[j],
                "lower": lower, "upper": upper, "n_risk": fit.n_risk[j],
                "n_event": fit.n_enter[j], "n_censor": fit.n_censor, "std_err": fit.se[j]}))
    return StateOccupationResult(
        table=pd.concat(frames, ignore_index=True), alpha=alpha,
        method="multi-state Aalen-Johansen, infinitesimal jackknife variance",
        n=int(len(np.unique(cases))),
        notes={"conf_type": conf_type, "states": tuple(states),
               "reference": "R survival::survfit(Surv(entry, exit, event) ~ by, id=, istate=)"},
    )
