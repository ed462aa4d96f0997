"""Shared behaviour of result objects: small frozen dataclasses with a tidy ``table``.

Every estimator, model and bottleneck lens returns a frozen dataclass that
inherits :class:`TidyResult`. It holds a tidy ``table`` with fixed columns
(curves: ``group, time, estimate, lower, upper, n_risk, n_event, n_censor``;
models: ``term, estimate, std_err, lower, upper, p``), plus ``alpha``,
``method``, ``time_unit`` and ``n``; and gives ``to_frame()``, ``summary()``,
``plot(ax=None)`` and ``_repr_html_`` in one way.

``plot`` imports :mod:`trajectory.plotting` lazily, inside the method, so that
result modules never import the plotting layer at import time (data flows down).

Examples
--------
>>> import pandas as pd
>>> from dataclasses import dataclass
>>> @dataclass(frozen=True, repr=False)
... class Demo(TidyResult):
...     pass
>>> r = Demo(table=pd.DataFrame({"term": ["x"], "estimate": [1.0]}), method="demo")
>>> r.to_frame().columns.tolist()
['term', 'estimate']
>>> r.to_frame() is r.table
False
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import numpy as np
import pandas as pd

__all__ = ["TidyResult", "CURVE_COLUMNS", "MODEL_COLUMNS", "curve_at"]

CURVE_COLUMNS: tuple[str, ...] = (
    "group",
    "time",
    "estimate",
    "lower",
    "upper",
    "n_risk",
    "n_event",
    "n_censor",
)
MODEL_COLUMNS: tuple[str, ...] = ("term", "estimate", "std_err", "lower", "upper", "p")


def curve_at(
    table: pd.DataFrame, times: Any, *, keys: tuple[str, ...] = ("group",), start: float = 1.0
) -> pd.DataFrame:
    """Read step curves at given times, as R ``summary(survfit(...), times=)``.

    For each curve (a combination of ``keys``) and each requested time ``t``: the
    ``estimate``, ``lower`` and ``upper`` of the last step at or before ``t`` (``start``
    before the first step, with limits equal to it), ``n_risk`` the number at risk at
    ``t`` (that of the first step at or after ``t``; 0 after the last), and ``n_event``
    the events up to ``t``.

    Examples
    --------
    >>> tab = pd.DataFrame({"group": "all", "time": [2.0, 5.0], "estimate": [0.8, 0.5],
    ...     "lower": [0.6, 0.3], "upper": [0.9, 0.7], "n_risk": [10, 6], "n_event": [2, 3]})
    >>> curve_at(tab, [1, 2, 4, 9])[["time", "estimate", "n_risk", "n_event"]]
       time  estimate  n_risk  n_event
    0     1       1.0      10        0
    1     2       0.8      10        2
    2     4       0.8       6        2
    3     9       0.5       0        5
    """
    wanted = np.sort(np.atleast_1d(np.asarray(times, dtype=float)))
    rows = []
    for key, tab in table.sort_values([*keys, "time"]).groupby(list(keys), sort=False):
        key = key if isinstance(key, tuple) else (key,)
        t = tab["time"].to_numpy(float)
        before = np.searchsorted(t, wanted, side="right") - 1
        after = np.searchsorted(t, wanted, side="left")
        ev = np.cumsum(tab["n_event"].to_numpy(float))
        for w, b, a in zip(wanted, before, after, strict=True):
            rec = dict(zip(keys, key, strict=True))
            rec["time"] = int(w) if float(w).is_integer() else float(w)
            for c in ("estimate", "lower", "upper"):
                rec[c] = start if b < 0 else float(tab[c].iloc[b])
            rec["n_risk"] = int(tab["n_risk"].iloc[a]) if a < len(t) else 0
            rec["n_event"] = 0 if b < 0 else int(ev[b])
            rows.append(rec)
    return pd.DataFrame(rows, columns=[*keys, "time", "estimate", "lower", "upper",
                                       "n_risk", "n_event"])


@dataclass(frozen=True, repr=False)
class TidyResult:
    """Base of every result: a tidy table plus the facts needed to read it.

    Attributes
    ----------
    table : pandas.DataFrame
        The tidy result table (never mutated; :meth:`to_frame` returns a copy).
    alpha : float
        Confidence intervals are ``1 - alpha``.
    method : str
        What was computed, in words (e.g. ``"Kaplan-Meier, Greenwood variance"``).
    time_unit : str
        Unit of every time column (``"days"``).
    n : int
        Number of cases (or rows) the result is computed from.
    notes : Mapping
        Extra facts (conf_type, reference R call, suppressed groups...).
    """

    table: pd.DataFrame
    alpha: float = 0.05
    method: str = ""
    time_unit: str = "days"
    n: int = 0
    notes: Mapping[str, Any] = field(default_factory=dict)

    #: How the disclosure gate (``trajectory.privacy.disclose``) reads ``table``:
    #: its keyword arguments (``counts``, ``derived``, ``dims``, ``withhold_by``).
    #: Empty: the gate infers them from the columns (curves, model tables, ``n``).
    disclosure: ClassVar[Mapping[str, Any]] = {}

    def to_frame(self) -> pd.DataFrame:
        """Return a copy of the tidy table."""
        return self.table.copy()

    def summary(self) -> pd.DataFrame:
        """Return the table a reader wants first (by default the whole table)."""
        return self.to_frame()

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Draw the result with the matching ``trajectory.plotting`` function."""
        from . import plotting  # lazy: results never import plotting at import time

        return plotting.plot_result(self, ax=ax, **kwargs)

    def _header(self) -> str:
        level = f"{100 * (1 - self.alpha):g}% CI" if self.alpha else ""
        parts = [p for p in (self.method, f"n={self.n:,}", level, f"time in {self.time_unit}") if p]
        return f"{type(self).__name__}: " + "; ".join(parts)

    def __repr__(self) -> str:
        return self._header() + "\n" + self.summary().to_string(max_rows=20)

    def _repr_html_(self) -> str:
        body = self.summary().to_html(max_rows=30, float_format=lambda v: f"{v:.4g}")
        return f"<p><b>{self._header()}</b></p>{body}"

    def replace(self, **changes: Any) -> TidyResult:
        """Return a copy with some fields changed (results are immutable)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return type(self)(**values)
