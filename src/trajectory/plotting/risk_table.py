"""The number-at-risk table under a curve plot, one row a curve, at the x ticks.

As R ``survminer::ggsurvplot(risk.table=TRUE)``: the number still followed at each
tick; a cell after the curve's last time is blank (the curve has ended), a suppressed
number is printed ``<k``, and numbers of a published result are rounded to its base.

Examples
--------
>>> import pandas as pd, numpy as np
>>> c = pd.DataFrame({"time": [2.0, 5.0], "n_risk": [10, 7], "n_event": [3, 1],
...                   "n_censor": [0, 2]})
>>> numbers_at_risk(c, np.array([0.0, 6.0]))
[10.0, 4.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from mpl_toolkits.axes_grid1 import make_axes_locatable

from ._base import format_count
from .theme import readable_text_colour, text

__all__ = ["numbers_at_risk", "risk_table"]


def numbers_at_risk(curve: pd.DataFrame, times: np.ndarray, *,
                    ended: bool = False) -> list[float | None]:
    """Number at risk of one curve at each of ``times``.

    At a time ``t`` it is ``n_risk`` of the first row with ``time >= t`` (the table lists
    every distinct time, as R's ``survfit`` does); after the last row it is that row's
    ``n_risk - n_event - n_censor``, or None with ``ended=True``: the curve has ended, so
    the risk table leaves the cell blank. A suppressed ``n_risk`` gives NaN.

    Examples
    --------
    >>> c = pd.DataFrame({"time": [2.0, 5.0], "n_risk": [10, 7], "n_event": [3, 1],
    ...                   "n_censor": [0, 2]})
    >>> numbers_at_risk(c, np.array([0.0, 2.0, 3.0, 6.0]))
    [10.0, 10.0, 7.0, 4.0]
    >>> numbers_at_risk(c, np.array([5.0, 6.0]), ended=True)
    [7.0, None]
    """
    curve = curve.sort_values("time", kind="stable")
    t = curve["time"].to_numpy(float)
    risk = curve["n_risk"].to_numpy(float)
    idx = np.searchsorted(t, np.asarray(times, float), side="left")
    out: list[float | None] = []
    for i in idx:
        if i < len(t):
            out.append(float(risk[i]))
        elif ended:
            out.append(None)
        elif {"n_event", "n_censor"} <= set(curve.columns) and len(t):
            last = curve.iloc[-1]
            out.append(float(last["n_risk"] - last["n_event"] - last["n_censor"]))
        else:
            out.append(float("nan"))
    return out


def risk_table(
    ax: Axes,
    rows: list[tuple[str, str, pd.DataFrame]],
    *,
    lang: str,
    small: str,
    base: int | None = None,
    pad: float = 0.78,
    title: bool = True,
) -> Axes:
    """Add the number-at-risk table under ``ax``, one row a curve, at the x ticks.

    A cell after the curve's last time is blank (the curve has ended); numbers are
    rounded to ``base`` when the result was published with one.
    """
    lo, hi = ax.get_xlim()
    ticks = np.array([t for t in ax.get_xticks() if lo - 1e-9 <= t <= hi + 1e-9])
    ax.set_xticks(ticks)
    ax.set_xlim(lo, hi)
    divider = make_axes_locatable(ax)
    table_ax = divider.append_axes("bottom", size=0.24 * len(rows) + 0.05, pad=pad, sharex=ax)
    table_ax.set_label("risk_table")
    table_ax.set_ylim(len(rows) - 0.5, -0.5)
    table_ax.set_yticks(range(len(rows)))
    table_ax.set_yticklabels([label for label, _, _ in rows])
    for tick_label, (_, colour, _) in zip(table_ax.get_yticklabels(), rows, strict=True):
        tick_label.set_color(readable_text_colour(colour))
    table_ax.tick_params(axis="both", length=0, labelbottom=False)
    # the first count is centred on the axis' left edge: keep the row names clear of it
    table_ax.tick_params(axis="y", pad=24)
    table_ax.grid(False)
    for spine in table_ax.spines.values():
        spine.set_visible(False)
    if title:
        table_ax.set_title(text("at_risk", lang), loc="left", fontsize=9, fontweight="normal")
    for r, (_, _, curve) in enumerate(rows):
        for t, value in zip(ticks, numbers_at_risk(curve, ticks, ended=True), strict=True):
            if value is None:
                continue  # the curve has ended: no number at risk
            if np.isnan(value):
                shown = small
            else:
                shown = format_count(base * round(value / base) if base else value)
            table_ax.text(t, r, shown, ha="center", va="center", fontsize=8.5)
    return table_ax
