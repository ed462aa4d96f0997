"""Helpers shared by the non-parametric curve estimators (private).

Option checks, the curve table's columns and R's ``survival:::findq`` (the time a
curve reaches a level), used by :mod:`~trajectory.estimators.survival`,
:mod:`~trajectory.estimators.incidence`, :mod:`~trajectory.estimators.multistate`
and :mod:`~trajectory.estimators.grouped_quantiles`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import EstimationError
from ._counts import CONF_TYPES

TOL = float(np.sqrt(np.finfo(float).eps))  # R: sqrt(.Machine$double.eps)


def check_options(conf_type: str, alpha: float) -> None:
    """Raise :class:`EstimationError` unless ``conf_type`` is known and ``0 < alpha < 1``."""
    if conf_type not in CONF_TYPES:
        raise EstimationError(
            f"conf_type={conf_type!r} is not supported; use one of {', '.join(CONF_TYPES)}"
        )
    if not 0.0 < alpha < 1.0:
        raise EstimationError(f"alpha must be in (0, 1), got {alpha!r}")


def integer_weights(w: np.ndarray | None) -> bool:
    """True when there are no weights or all are whole numbers (Greenwood variance)."""
    return w is None or bool(np.all(w == np.floor(w)))


def curve_frame(group: Any, rc: Any, **cols: np.ndarray) -> pd.DataFrame:
    """One group's curve table (CURVE_COLUMNS, then ``cols`` left over) from its counts."""
    frame = pd.DataFrame(
        {
            "group": group,
            "time": rc.times,
            "estimate": cols.pop("estimate"),
            "lower": cols.pop("lower"),
            "upper": cols.pop("upper"),
            "n_risk": rc.n_risk,
            "n_event": cols.pop("n_event", rc.d),
            "n_censor": rc.n_censor,
        }
    )
    for name, values in cols.items():
        frame[name] = values
    return frame


def findq(x: np.ndarray, y: np.ndarray, p: np.ndarray, tol: float = TOL) -> np.ndarray:
    """R ``survival:::findq``: first x where y (non-decreasing) reaches p, midpoint on flats.

    Examples
    --------
    >>> import numpy as np
    >>> x, y = np.array([0.0, 1, 2, 3]), np.array([0.0, 0.25, 0.5, 0.75])
    >>> findq(x, y, np.array([0.4, 0.5, 0.9]))  # 0.5 is held on [2, 3): the midpoint
    array([2. , 2.5, nan])
    """
    out = np.full(p.shape, np.nan)
    if np.all(np.isnan(y)) or np.nanmax(y) < p.min():
        return out
    xmax = x[-1]
    keep = ~pd.Series(y).duplicated().to_numpy()
    x, y = x[keep], y[keep]
    idx = np.arange(y.shape[0])
    valid = ~np.isnan(y)

    def first_reaching(shift: float) -> np.ndarray:
        yy, ii = y[valid] + shift, idx[valid]
        order = np.argsort(yy, kind="stable")
        yy, ii = yy[order], ii[order]
        pos = np.searchsorted(yy, p, side="left")
        inside = (p >= yy[0]) & (p <= yy[-1])
        res = np.full(p.shape, -1)
        res[inside] = ii[pos[inside]]
        return res

    i1, i2 = first_reaching(tol), first_reaching(-tol)
    ok = (i1 >= 0) & (i2 >= 0)
    out[ok] = (x[i1[ok]] + x[i2[ok]]) / 2.0
    out[p == 0] = x[0]
    if not np.isnan(y[-1]):
        last = (np.abs(p - y[-1]) < tol) & (i1 >= 0)
        out[last] = (x[i1[last]] + xmax) / 2.0
    return out
