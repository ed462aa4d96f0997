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

__all__ = ["TidyResult", "CURVE_COLUMNS", "MODEL_COLUMNS", "FIGURE_KINDS", "curve_at",
           "curve_summary", "model_summary"]

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

#: The figure kinds a result may declare in its ``figure`` class attribute; each names
#: one function of :mod:`trajectory.plotting` (see ``docs/figures.md``).
FIGURE_KINDS: tuple[str, ...] = (
    "survival",            # plot_curves, survival curves (1 at time 0)
    "incidence",           # plot_curves / plot_stacked_incidence: competing outcomes
    "cumulative_hazard",   # plot_curves of a cumulative hazard
    "state_occupation",    # plot_state_occupation: multi-state stacked areas
    "horizons",            # plot_horizons: where cases stand at fixed horizons
    "breakdown",           # plot_breakdown: outcome shares by victim sex, age, year
    "forest",              # plot_forest: model terms (hazard / rate ratios)
    "flags",               # plot_flags: one forest panel a metric of the flags
    "funnel",              # plot_funnel: attrition
    "alluvial",            # plot_alluvial: flows between stages
    "crosswalk",           # plot_crosswalk: police x parquet code heatmap
    "delays",              # plot_delays: quartiles of delays
    "none",                # no figure (tests, tables of counts)
)


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


def curve_summary(table: pd.DataFrame, *, keys: tuple[str, ...] = ("group",)) -> pd.DataFrame:
    """One row a curve: cases, events, and the curve's last value with its limits.

    As R ``print(survfit(...))``: ``n`` is the number of cases the curve counts (each
    leaves once, by an event or censoring: the sum of ``n_event`` and ``n_censor``; of
    the whole group when a ``state`` or ``outcome`` key splits it), ``n_event`` the
    events (of that state), ``time`` the last time and ``estimate, lower, upper`` the
    value there.

    Examples
    --------
    >>> tab = pd.DataFrame({"group": "a", "time": [2.0, 5.0], "estimate": [0.8, 0.5],
    ...     "lower": [0.6, 0.3], "upper": [0.9, 0.7], "n_risk": [10, 6],
    ...     "n_event": [2, 3], "n_censor": [2, 3]})
    >>> curve_summary(tab).to_dict("records")[0]["n"]
    10
    """
    ordered = table.sort_values([*keys, "time"], kind="stable")
    by = list(keys)
    last = ordered.groupby(by, sort=False).tail(1).set_index(by)
    events = ordered.groupby(by, sort=False)["n_event"].sum()
    per_case = ordered.groupby("group", sort=False)
    if "n_censor" in ordered.columns and len(keys) > 1:
        # with competing states a case leaves once: its group's events of any state
        # plus censorings, counted once (censorings are repeated on each state's rows)
        first_key = ordered[keys[1]].iloc[0] if len(ordered) else None
        one = ordered[ordered[keys[1]] == first_key].groupby("group", sort=False)
        n_group = per_case["n_event"].sum() + one["n_censor"].sum()
    elif "n_censor" in ordered.columns:
        n_group = per_case["n_event"].sum() + per_case["n_censor"].sum()
    else:
        n_group = per_case["n_risk"].max()
    sizes = n_group.to_dict()
    out = pd.DataFrame({"n": [sizes.get(g) for g in last.index.get_level_values("group")]},
                       index=last.index)
    out["n_event"] = events.reindex(last.index)
    for c in ("time", "estimate", "lower", "upper"):
        if c in last.columns:
            out[c] = last[c]
    out = out.reset_index()
    for c in ("n", "n_event"):
        values = out[c].astype(float)
        out[c] = values.round().astype("Int64") if (values.dropna() % 1 == 0).all() else values
    return out


def model_summary(result: Any, *, ratio: str, lower: str, upper: str) -> pd.DataFrame:
    """HR (or rate ratio) with its interval and p, with ``n`` and ``n_event``.

    As R ``summary(coxph(...))``: one row a term, ``term, <ratio>, lower, upper, p``
    (``lower``/``upper`` the limits of the ratio), then the model's ``n`` and events.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> t = pd.DataFrame({"term": ["x"], "estimate": [0.0], "std_err": [0.1],
    ...     "lower": [-0.2], "upper": [0.2], "p": [1.0], "hazard_ratio": [1.0],
    ...     "hr_lower": [0.82], "hr_upper": [1.22]})
    >>> @dataclass(frozen=True, repr=False)
    ... class M(TidyResult):
    ...     n_event: int = 0
    >>> model_summary(M(table=t, n=50, n_event=20), ratio="hazard_ratio",
    ...               lower="hr_lower", upper="hr_upper").columns.tolist()
    ['term', 'hazard_ratio', 'lower', 'upper', 'p', 'n', 'n_event']
    """
    t = result.table
    if ratio in t.columns:
        out = pd.DataFrame({"term": t["term"], ratio: t[ratio], "lower": t[lower],
                            "upper": t[upper]})
    else:
        out = pd.DataFrame({"term": t["term"], ratio: np.exp(t["estimate"]),
                            "lower": np.exp(t["lower"]), "upper": np.exp(t["upper"])})
    out["p"] = t["p"] if "p" in t.columns else np.nan
    out["n"] = int(result.n)
    out["n_event"] = int(getattr(result, "n_event", 0) or 0)
    return out.reset_index(drop=True)


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

    #: How :mod:`trajectory.plotting` draws the result: ``{"kind": <one of
    #: FIGURE_KINDS>}`` plus options of that plot function (e.g. ``"origin"``, the event
    #: time zero is counted from). Empty: the figure is chosen from the table's columns.
    #: A renamed class keeps its figure; the disclosure gate reads it for curves.
    figure: ClassVar[Mapping[str, Any]] = {}

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
        parts = [p for p in (self.method, f"n = {self.n:,}", level, f"time in {self.time_unit}")
                 if p]
        return "; ".join(parts)

    def __repr__(self) -> str:
        return self._header() + "\n" + self.summary().to_string(max_rows=20)

    def _repr_html_(self) -> str:
        with pd.option_context("display.max_colwidth", None):  # sentences in full
            body = self.summary().to_html(max_rows=30, float_format=lambda v: f"{v:.4g}")
        return f"<p><b>{self._header()}</b></p>{body}"

    def replace(self, **changes: Any) -> TidyResult:
        """Return a copy with some fields changed (results are immutable)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return type(self)(**values)
