"""Crosswalk heatmap: how police charge codes end up coded at the parquet.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> cw = pd.DataFrame({"police_code": ["101", "101", "601"],
...                    "parquet_code": ["101", "601", "601"], "n": [90, 10, 40]})
>>> crosswalk_matrix(cw, normalize="row").round(2).values.tolist()
[[0.9, 0.1], [0.0, 1.0]]
>>> ax = plot_crosswalk(cw)
>>> ax.get_xlabel()
'Parquet code'
>>> import matplotlib.pyplot as plt; plt.close("all")
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from ..errors import ConfigError, SchemaError
from ..schema import vocabulary
from ._base import (
    finish,
    format_count,
    new_axes,
    require_columns,
    small_count_text,
    source_of,
)
from ._base import suppressed_mask as _suppressed_mask
from .theme import SUPPRESSED_COLOUR, SUPPRESSED_HATCH, format_percent, text, theme_context

__all__ = ["plot_crosswalk", "crosswalk_matrix"]


def _count_column(table: pd.DataFrame) -> str:
    for name in ("n", "count"):
        if name in table.columns:
            return name
    raise SchemaError(
        "plot_crosswalk: table needs a count column 'n' (or 'count'); it has "
        f"{', '.join(map(str, table.columns))}"
    )


def _code_order(codes: list[Any]) -> list[Any]:
    known = list(vocabulary("charge_codes")["code"])
    return sorted(codes, key=lambda c: (known.index(str(c)) if str(c) in known else len(known),
                                        str(c)))


def crosswalk_matrix(
    data: Any, *, normalize: str | None = None, police: str = "police_code",
    parquet: str = "parquet_code",
) -> pd.DataFrame:
    """Police code x parquet code matrix of counts (or row shares); suppressed cells NaN.

    Pairs absent from the table are 0 (no case); pairs present but suppressed are NaN.
    With ``normalize="row"`` a row is divided by its total: the column ``row_total``
    when the table has one (the police code's disclosed total), else the sum of the
    row's disclosed cells (then shares are of the disclosed cases of the row).

    Examples
    --------
    >>> cw = pd.DataFrame({"police_code": ["a", "a"], "parquet_code": ["a", "b"],
    ...                    "n": [5, None]})
    >>> crosswalk_matrix(cw).values.tolist()
    [[5.0, nan]]
    """
    source = source_of(data, function="crosswalk_matrix")
    table = source.table
    require_columns(table, [police, parquet], function="plot_crosswalk")
    count = _count_column(table)
    hidden = _suppressed_mask(table, [count])
    values = np.where(hidden, np.nan, table[count].to_numpy(float))
    long = pd.DataFrame({"p": table[police].astype(str), "q": table[parquet].astype(str),
                         "v": values})
    rows = _code_order(list(dict.fromkeys(long["p"])))
    cols = _code_order(list(dict.fromkeys(long["q"])))
    matrix = long.groupby(["p", "q"], sort=False)["v"].sum(min_count=1).unstack()
    matrix = matrix.reindex(index=rows, columns=cols)
    present = long.groupby(["p", "q"], sort=False).size().unstack().reindex(index=rows,
                                                                             columns=cols)
    matrix = matrix.where(present.notna(), 0.0)
    matrix.index.name, matrix.columns.name = police, parquet
    if normalize is None:
        return matrix
    if normalize != "row":
        raise ConfigError(f"plot_crosswalk: normalize={normalize!r}; use None or 'row'")
    if "row_total" in table.columns:
        totals = (pd.Series(table["row_total"].to_numpy(float), index=long["p"])
                  .groupby(level=0).first().reindex(rows))
    else:
        totals = matrix.sum(axis=1, skipna=True)
    return matrix.div(totals, axis=0)


def plot_crosswalk(
    data: Any,
    *,
    normalize: str | None = "row",
    annotate: bool = True,
    ax: Axes | None = None,
    lang: str = "en",
    cmap: str = "Blues",
    title: str | None = None,
    min_count: int | None = None,
) -> Axes:
    """Heatmap of police charge code (rows) by parquet charge code (columns).

    Parameters
    ----------
    data : DataFrame or TidyResult
        Long table with ``police_code``, ``parquet_code`` and a count ``n`` (or
        ``count``), one row a pair of codes; optional ``suppressed`` (bool). Codes of
        vocabulary ``charge_codes`` are ordered as there, so offence groups are blocks.
    normalize : {"row", None}
        ``"row"``: colour by the share of each police code reaching each parquet code
        (the agreement is the diagonal); None: colour by count.
    annotate : bool
        Print the value in each non-empty cell.
    ax : Axes, optional
    lang : {"en", "nl", "fr"}
    cmap : str
        Sequential colour map.
    title : str, optional
    min_count : int, optional
        Disclosure threshold printed ``<k`` in suppressed cells.

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    Cells where both codes are equal are outlined. A suppressed cell is hatched and
    labelled ``<k``, never coloured as zero. Row shares are of the row's disclosed
    total unless the table has ``row_total`` (see :func:`crosswalk_matrix`).
    """
    source = source_of(data, function="plot_crosswalk")
    table = source.table
    counts = crosswalk_matrix(table, normalize=None)
    shown = crosswalk_matrix(table, normalize=normalize)
    small = small_count_text(source, min_count=min_count)
    raw_hidden = counts.isna().to_numpy()
    count_values = counts.to_numpy(float)
    values = shown.to_numpy(float)
    nrow, ncol = values.shape
    with theme_context():
        ax = new_axes(ax, (0.42 * ncol + 2.8, 0.36 * nrow + 1.6))
        vmax = 1.0 if normalize == "row" else float(np.nanmax(values)) if np.isfinite(
            values).any() else 1.0
        # seaborn draws the cells (cell (i, j) spans [j, j+1] x [i, i+1]); suppressed
        # cells are masked and hatched below, never coloured as zero
        sns.heatmap(pd.DataFrame(values), ax=ax, cmap=cmap, vmin=0, vmax=vmax,
                    mask=np.isnan(values), cbar=True, square=False, linewidths=0,
                    xticklabels=False, yticklabels=False,
                    cbar_kws={"fraction": 0.04, "pad": 0.02})
        bar = ax.collections[0].colorbar
        assert bar is not None  # cbar=True above
        bar.set_label(text("row_share", lang) if normalize == "row" else text("count", lang))
        if normalize == "row":
            bar.set_ticks([0, 0.25, 0.5, 0.75, 1.0], labels=["0", "25", "50", "75", "100"])
        for i in range(nrow):
            for j in range(ncol):
                if np.isnan(values[i, j]):
                    ax.add_patch(Rectangle((j, i), 1, 1, facecolor="white",
                                           hatch=SUPPRESSED_HATCH, edgecolor=SUPPRESSED_COLOUR,
                                           lw=0))
                    if raw_hidden[i, j] and annotate:
                        ax.text(j + 0.5, i + 0.5, small, ha="center", va="center", fontsize=7)
                    continue
                if annotate and count_values[i, j] > 0:
                    shown_text = (f"{100 * values[i, j]:.0f}" if normalize == "row"
                                  else format_count(values[i, j]))
                    dark = values[i, j] / vmax > 0.6
                    ax.text(j + 0.5, i + 0.5, shown_text, ha="center", va="center",
                            fontsize=7.5, color="white" if dark else "#222222")
                if counts.index[i] == counts.columns[j]:
                    ax.add_patch(Rectangle((j, i), 1, 1, fill=False,
                                           edgecolor="#222222", lw=1.2))
        ax.set_xticks(np.arange(ncol) + 0.5, labels=list(counts.columns), rotation=90)
        ax.set_yticks(np.arange(nrow) + 0.5, labels=list(counts.index))
        ax.set_xlabel(text("parquet_code", lang))
        ax.set_ylabel(text("police_code", lang))
        ax.grid(False)
        ax.tick_params(length=0)
        if title:
            ax.set_title(title, loc="left")
    diagonal = [c for c in counts.index if c in counts.columns]
    total = float(np.nansum(count_values))
    agree = float(np.nansum([counts.loc[c, c] for c in diagonal]))
    share = format_percent(agree / total, lang) if total > 0 else "?"
    alt = text("alt_crosswalk", lang, k=nrow, agree=share)
    if raw_hidden.any():
        alt += " " + text("alt_cells_hidden", lang, n=int(raw_hidden.sum()), small=small)
    finish(ax, alt, lang)
    return ax
