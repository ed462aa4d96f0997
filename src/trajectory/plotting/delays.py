"""Delay distributions by group from Kaplan-Meier quantiles (median and quartiles, with CIs).

Delays to a decision are read off the Kaplan-Meier curve of time to decision, in which
cases still open at the extraction date are censored: a median of closed cases only
would be biased towards the quick decisions.

Examples
--------
>>> import pandas as pd
>>> km = pd.DataFrame({"group": "a", "time": [1.0, 2.0, 3.0, 4.0],
...                    "estimate": [0.75, 0.5, 0.25, 0.0]})
>>> survival_quantiles(km, probs=(0.25, 0.5))[["quantile", "estimate"]].values.tolist()
[[0.25, 1.5], [0.5, 2.5]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ..errors import ConfigError
from ..estimators._curves import findq
from ._base import (
    axes_height_inches,
    finish,
    groups_in_order,
    level_of,
    new_axes,
    require_columns,
    source_of,
)
from ._base import suppressed_mask as _suppressed_mask
from .theme import (
    colours_for,
    display_label,
    format_decimal,
    format_percent,
    text,
    theme_context,
)

__all__ = ["plot_delays", "survival_quantiles"]

_TOL = float(np.sqrt(np.finfo(float).eps))


def _find_quantiles(time: np.ndarray, surv: np.ndarray, hidden: np.ndarray,
                    probs: np.ndarray, tol: float) -> np.ndarray:
    """R ``survival:::findq`` on one curve; NaN when not reached or hidden by suppression.

    The search is the estimators' :func:`~trajectory.estimators._curves.findq` on the
    shown rows (the curve's last time stays the end of follow-up, as a midpoint on a
    final plateau needs it); a quantile whose crossing may lie in a suppressed stretch
    is NaN (:func:`_crossing_hidden`).
    """
    x = np.concatenate([[0.0], time])
    y = np.concatenate([[0.0], 1.0 - surv])
    h = np.concatenate([[False], hidden])
    xs, ys = x[~h], y[~h]
    if h[-1]:  # a hidden tail: the last shown level runs to the last time
        xs, ys = np.append(xs, x[-1]), np.append(ys, ys[-1])
    q = findq(xs, ys, probs, tol)
    return np.where(_crossing_hidden(y, h, probs, tol), np.nan, q)


def _crossing_hidden(y: np.ndarray, h: np.ndarray, probs: np.ndarray, tol: float
                     ) -> np.ndarray:
    """Where the first shown level reaching ``p`` follows a suppressed row of the curve.

    Between the first shown row of the level before it and the first shown row at or
    above ``p - tol``, a hidden row may hold the crossing: the quantile is unknown.
    """
    shown = np.flatnonzero(~h & np.isfinite(y))
    ys = y[shown]
    starts = shown[np.concatenate([[True], ys[1:] != ys[:-1]])]  # first row of each level
    levels = y[starts]
    hidden_upto = np.cumsum(h)
    out = np.zeros(probs.shape, dtype=bool)
    for k, p in enumerate(probs):
        above = np.flatnonzero(levels > p - tol)
        if p == 0 or not above.size or above[0] == 0:
            continue
        first = above[0]
        out[k] = hidden_upto[starts[first]] > hidden_upto[starts[first - 1]]
    return out


def survival_quantiles(
    data: Any,
    *,
    probs: Sequence[float] = (0.25, 0.5, 0.75),
    tol: float = _TOL,
) -> pd.DataFrame:
    """Quantiles of survival curves with confidence limits, as R ``quantile.survfit``.

    The ``p``-quantile is the first time the curve falls to ``1 - p``; when the curve
    stays exactly at ``1 - p`` over an interval, the midpoint of that interval. Its
    confidence limits are the same quantile of the ``lower`` and ``upper`` curves
    (Brookmeyer-Crowley by inversion of the pointwise band). Not reached: NaN. The
    search is the estimators' own (on a curve with nothing suppressed, the values of
    ``KaplanMeierResult.quantiles``).

    Parameters
    ----------
    data : DataFrame or TidyResult
        Curve table with ``time, estimate`` (survival), optional ``group``, ``lower``,
        ``upper`` and ``suppressed``; each curve should list every time (event and
        censoring) as ``survfit`` does.
    probs : sequence of float
        Probabilities in [0, 1].
    tol : float
        Tolerance for "exactly ``1 - p``" (R's default ``sqrt(.Machine$double.eps)``).

    Returns
    -------
    DataFrame
        ``group, quantile, estimate, lower, upper`` (times; NaN when not reached or when
        the crossing falls in a suppressed stretch).

    Examples
    --------
    >>> km = pd.DataFrame({"time": [5.0, 9.0], "estimate": [0.6, 0.3],
    ...                    "lower": [0.4, 0.1], "upper": [0.8, 0.55]})
    >>> survival_quantiles(km, probs=[0.5]).round(1).values.tolist()
    [['all', 0.5, 9.0, 5.0, nan]]
    """
    source = source_of(data, function="survival_quantiles")
    table = source.table
    require_columns(table, ["time", "estimate"], function="survival_quantiles")
    if any(not 0 <= p <= 1 for p in probs):
        raise ConfigError(f"survival_quantiles: probs must lie in [0, 1], got {list(probs)}")
    table = table if "group" in table.columns else table.assign(group="all")
    p_arr = np.asarray(probs, dtype=float)
    rows: list[dict[str, Any]] = []
    for g in groups_in_order(table["group"]):
        curve = table[table["group"] == g].sort_values("time", kind="stable")
        time = curve["time"].to_numpy(float)
        hidden = _suppressed_mask(curve, ["estimate"])
        bands = {c: curve[c].to_numpy(float) if c in curve.columns else None
                 for c in ("estimate", "lower", "upper")}
        found = {name: (np.full(len(p_arr), np.nan) if values is None
                        else _find_quantiles(time, values, hidden, p_arr, tol))
                 for name, values in bands.items()}
        rows += [{"group": g, "quantile": float(p),
                  **{name: float(v[k]) for name, v in found.items()}}
                 for k, p in enumerate(p_arr)]
    return pd.DataFrame(rows, columns=["group", "quantile", "estimate", "lower", "upper"])


def plot_delays(
    data: Any,
    *,
    ax: Axes | None = None,
    lang: str = "en",
    max_time: float | None = None,
    title: str | None = None,
    annotate: bool = True,
) -> Axes:
    """Draw delay distributions by group: Kaplan-Meier median and quartiles with CIs.

    Parameters
    ----------
    data : DataFrame or TidyResult
        Either a survival-curve table (``group, time, estimate, lower, upper``: the
        Kaplan-Meier curve of the delay, open cases censored), whose quartiles are
        computed with :func:`survival_quantiles`; or a quantile table ``group, quantile,
        estimate, lower, upper`` with quantiles 0.25, 0.5 and 0.75 (the column may be
        named ``q``, as ``KaplanMeierResult.quantiles()`` names it).
    ax : Axes, optional
    lang : {"en", "nl", "fr"}
    max_time : float, optional
        Right end of the axis; a quantile or limit not reached is drawn as an arrow to it.
    title : str, optional
    annotate : bool
        Write "median (CI)" at the right of each row.

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    Each row: a bar from the 25% to the 75% quantile, a dot at the median, a black
    line for the median's confidence interval, thin lines under the bar for the
    quartiles' intervals. A quantile that is not reached (more than 1-p of the cases
    still open at the last time) is drawn as an arrow with "not reached".

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> q = pd.DataFrame({"group": "hate", "quantile": [0.25, 0.5, 0.75],
    ...                   "estimate": [20.0, 60.0, 150.0], "lower": [15.0, 50.0, 120.0],
    ...                   "upper": [25.0, 75.0, 200.0]})
    >>> ax = plot_delays(q, lang="fr")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['Délit de haine et discours de haine']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    source = source_of(data, function="plot_delays")
    table = _quantile_table(source.table)
    groups = groups_in_order(table["group"])
    colours = colours_for(groups)
    finite = table[["estimate", *[c for c in ("lower", "upper") if c in table.columns]]]
    largest = float(np.nanmax(finite.to_numpy(float))) if np.isfinite(
        finite.to_numpy(float)).any() else 1.0
    right = float(max_time) if max_time is not None else largest * 1.08
    unit = text(source.time_unit, lang) if source.time_unit in ("days", "months",
                                                                 "years") else source.time_unit
    level = text("ci", lang, level=level_of(source.alpha))
    with theme_context():
        ax = new_axes(ax, (7.5, 0.55 * len(groups) + 1.5))
        for y, g in enumerate(groups):
            _draw_row(ax, y, _Quartiles.of(table, g), colour=colours[g], right=right,
                      lang=lang, annotate=annotate)
        ax.set_xlim(0, right)
        ax.set_ylim(len(groups) - 0.4, -0.6)
        ax.set_yticks(range(len(groups)), labels=[display_label(g, lang) for g in groups])
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(text("delay", lang, unit=unit))
        if annotate:
            ax.text(1.02, -0.6, f"{text('median', lang)} ({level})",
                    transform=ax.get_yaxis_transform(), ha="left", va="bottom", fontsize=8,
                    color="#555555")
        _legend(ax, level, lang)
        if title:
            ax.set_title(title, loc="left")
    medians = {g: _Quartiles.of(table, g).median for g in groups}
    finish(ax, _delays_alt(medians, unit, lang), lang)
    return ax


def _quantile_table(table: pd.DataFrame) -> pd.DataFrame:
    """The quartile table to draw: given, or read off a Kaplan-Meier curve table."""
    if "q" in table.columns and "quantile" not in table.columns:
        table = table.rename(columns={"q": "quantile"})  # KaplanMeierResult.quantiles()
    if "quantile" not in table.columns:
        if "outcome" in table.columns:
            raise ConfigError(
                "plot_delays: the table has an 'outcome' column (cumulative incidence); "
                "pass the Kaplan-Meier curve of time to any decision, or a quantile table"
            )
        table = survival_quantiles(table, probs=(0.25, 0.5, 0.75))
    require_columns(table, ["quantile", "estimate"], function="plot_delays")
    return table if "group" in table.columns else table.assign(group="all")


@dataclass(frozen=True)
class _Quartiles:
    """One group's quartiles of delay, each ``(estimate, lower, upper)``; NaN: not reached."""

    q1: tuple[float, float, float]
    q2: tuple[float, float, float]
    q3: tuple[float, float, float]

    @property
    def median(self) -> float:
        """The median's estimate."""
        return self.q2[0]

    @classmethod
    def of(cls, table: pd.DataFrame, group: Any) -> _Quartiles:
        """Read a group's quartiles from a quantile table (missing values are NaN)."""
        def read(p: float) -> tuple[float, float, float]:
            hit = table[(table["group"] == group) & np.isclose(table["quantile"], p)]
            return tuple(float(hit[c].iloc[0]) if len(hit) and c in hit.columns
                         else float("nan") for c in ("estimate", "lower", "upper"))  # type: ignore[return-value]

        return cls(read(0.25), read(0.5), read(0.75))


def _draw_row(ax: Axes, y: float, q: _Quartiles, *, colour: str, right: float, lang: str,
              annotate: bool) -> None:
    """A group's row: quartile bar, median dot, the quantiles' intervals, "median (CI)".

    A quantile or limit not reached runs as an arrow to the right end of the axis.
    """
    not_reached = text("not_reached", lang)
    (q1, _, _), (med, med_lo, med_hi), (q3, _, _) = q.q1, q.q2, q.q3
    if np.isfinite(q1):
        end = q3 if np.isfinite(q3) else right
        ax.add_patch(Rectangle((q1, y - 0.18), end - q1, 0.36, facecolor=colour,
                               alpha=0.35, lw=0, label="_iqr"))
        if not np.isfinite(q3):
            ax.annotate("", xy=(right, y), xytext=(end - 1e-9 * right, y),
                        arrowprops={"arrowstyle": "->", "color": colour})
    for (_, lo, hi), dy, lw, c in ((q.q1, 0.3, 0.9, colour), (q.q3, 0.3, 0.9, colour),
                                   (q.q2, 0.0, 1.6, "#222222")):
        if np.isfinite(lo):
            top = hi if np.isfinite(hi) else right
            ax.plot([lo, top], [y + dy, y + dy], color=c, lw=lw, label="_ci")
            if not np.isfinite(hi):
                ax.plot([top], [y + dy], marker=">", color=c, ms=4, label="_ci")
    if np.isfinite(med):
        ax.plot([med], [y], marker="o", ms=7, color=colour, mec="white", mew=1.2, lw=0,
                label="_median")
    else:
        ax.text(right, y, not_reached, ha="right", va="center", fontsize=8, color="#555555")
    if annotate:
        def fmt(v: float) -> str:
            return format_decimal(v, ".0f", lang) if np.isfinite(v) else "\u2013"
        shown = f"{fmt(med)} ({fmt(med_lo)}\u2013{fmt(med_hi)})" if np.isfinite(med) \
            else not_reached
        ax.text(1.02, y, shown, transform=ax.get_yaxis_transform(), ha="left", va="center",
                fontsize=8.5)


def _legend(ax: Axes, level: str, lang: str) -> None:
    """The legend under the axes: median, quartiles, the intervals, the Kaplan-Meier note."""
    handles = [
        Line2D([], [], marker="o", color="#777777", lw=0, ms=7, mec="white"),
        Rectangle((0, 0), 1, 1, facecolor="#777777", alpha=0.35, lw=0),
        Line2D([], [], color="#222222", lw=1.6),
        Line2D([], [], color="#777777", lw=0.9),
    ]
    quartiles = f"{format_percent(0.25, lang)}, {format_percent(0.75, lang)}"
    labels = [text("median", lang), text("iqr", lang), f"{level} ({text('median', lang)})",
              f"{level} ({quartiles})"]
    ax.legend(handles, labels, loc="upper center", ncol=4, title=text("km_note", lang),
              title_fontsize=8, bbox_to_anchor=(0.5, -0.55 / axes_height_inches(ax)))


def _delays_alt(medians: dict[Any, float], unit: str, lang: str) -> str:
    found = {g: m for g, m in medians.items() if np.isfinite(m)}
    if len(found) == 1:
        (g1, m1), = found.items()
        return text("alt_delays_one", lang, k=len(medians), m=format_decimal(m1, ".0f", lang),
                    unit=unit, g=display_label(g1, lang))
    if found:
        lo_g, hi_g = min(found, key=found.get), max(found, key=found.get)  # type: ignore
        return text("alt_delays", lang, k=len(medians),
                    lo=format_decimal(found[lo_g], ".0f", lang),
                    hi=format_decimal(found[hi_g], ".0f", lang), unit=unit,
                    glo=display_label(lo_g, lang), ghi=display_label(hi_g, lang))
    return text("alt_withheld", lang)
