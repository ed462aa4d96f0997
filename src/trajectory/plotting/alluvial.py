"""Alluvial (Sankey) diagram of case trajectories between stages, drawn with matplotlib.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> flows = pd.DataFrame({"source": ["E30", "E30"], "target": ["court", "alternative"],
...                       "count": [30, 70]})
>>> ax = plot_alluvial(flows)
>>> len([p for p in ax.patches if p.get_label() == "_flow"])
2
>>> import matplotlib.pyplot as plt; plt.close("all")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path

from ..errors import SchemaError
from ..results import TidyResult
from ._base import (
    finish,
    format_count,
    groups_in_order,
    new_axes,
    require_columns,
    small_count_text,
    source_of,
)
from ._base import suppressed_mask as _suppressed_mask
from .theme import (
    SUPPRESSED_COLOUR,
    TEXT,
    colours_for,
    display_label,
    has_fixed_colour,
    text,
    theme_context,
)

#: Order of outcome nodes in a column (others keep their order of appearance, before these).
OUTCOME_ORDER: tuple[str, ...] = (
    "court", "alternative", "administrative", "dismissal_opportunity", "dismissal_technical",
    "censored",
)

__all__ = ["plot_alluvial", "trajectory_flows", "FlowsResult", "FLOW_COLUMNS"]

_NODE_WIDTH = 0.06
_GAP = 0.03  # vertical gap between nodes, as a share of the tallest column


def _ribbon(x0: float, y0: tuple[float, float], x1: float, y1: tuple[float, float]) -> Path:
    """A band from [y0] at x0 to [y1] at x1 with cubic Bezier edges."""
    xm = (x0 + x1) / 2
    verts = [
        (x0, y0[0]), (xm, y0[0]), (xm, y1[0]), (x1, y1[0]),
        (x1, y1[1]), (xm, y1[1]), (xm, y0[1]), (x0, y0[1]), (x0, y0[0]),
    ]
    codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.LINETO,
             Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.CLOSEPOLY]
    return Path(verts, codes)


@dataclass(frozen=True, repr=False)
class FlowsResult(TidyResult):
    """Cases flowing between the columns of an alluvial: ``step, source, target, count``.

    Published as a count table (small flows suppressed with their complements), drawn
    by :func:`plot_alluvial` with the column headings of ``notes["columns"]``.
    """

    #: a two-way table source x target: its margins are the nodes' sizes (a middle
    #: node's inflow and outflow are the same cases), which is what a reader can add up
    disclosure: ClassVar[Mapping[str, Any]] = {"counts": "count", "dims": ["source", "target"]}
    figure: ClassVar[Mapping[str, Any]] = {"kind": "alluvial"}


#: Columns of :func:`trajectory_flows`: offence group, parquet division, outcome.
FLOW_COLUMNS: tuple[str, ...] = ("offence_group", "division", "outcome")


def trajectory_flows(
    cohort: pd.DataFrame,
    *,
    columns: Sequence[str] = FLOW_COLUMNS,
    outcome: str = "outcome",
) -> FlowsResult:
    """Count the cases flowing offence group -> parquet division -> outcome.

    Parameters
    ----------
    cohort : pandas.DataFrame
        One row a case (``trajectory.build_cohort(...).table``).
    columns : sequence of str
        Columns of the cohort, one a column of the alluvial, left to right. A missing
        value is its own node, ``not_recorded``.
    outcome : str
        The outcome column: an open case (``"censored"``) is shown as ``open``.

    Returns
    -------
    FlowsResult
        One row a flow (``step`` = index of the source column), counts of cases.

    Examples
    --------
    >>> c = pd.DataFrame({"offence_group": ["hate", "hate", "hate"],
    ...                   "division": ["FR", "FR", "NL"],
    ...                   "outcome": ["court", "censored", "censored"]})
    >>> trajectory_flows(c).table[["source", "target", "count"]]
      source target  count
    0   hate     FR      2
    1   hate     NL      1
    2     FR  court      1
    3     FR   open      1
    4     NL   open      1
    """
    frame = pd.DataFrame(index=cohort.index)
    for col in columns:
        if col not in cohort.columns:
            raise SchemaError(f"trajectory_flows: the cohort has no column {col!r}; it has "
                              f"{', '.join(map(str, cohort.columns))}")
        else:
            frame[col] = cohort[col].astype("string").fillna("not_recorded").to_numpy()
    if outcome in frame.columns:
        frame[outcome] = frame[outcome].replace({"censored": "open"})
    rows = []
    for step, (a, b) in enumerate(zip(columns[:-1], columns[1:], strict=True)):
        counts = frame.groupby([a, b], sort=True).size().reset_index(name="count")
        counts = counts.rename(columns={a: "source", b: "target"})
        counts.insert(0, "step", step)
        rows.append(counts)
    table = pd.concat(rows, ignore_index=True)
    table["source"] = table["source"].astype(str)
    table["target"] = table["target"].astype(str)
    return FlowsResult(table=table, method="counts of cases between stages", n=len(cohort),
                       notes={"columns": list(columns)})


def plot_alluvial(
    data: Any,
    *,
    ax: Axes | None = None,
    colour_by: str = "auto",
    column_labels: list[str] | None = None,
    lang: str = "en",
    title: str | None = None,
    min_count: int | None = None,
) -> Axes:
    """Draw flows of cases between stages (or states) as an alluvial diagram.

    Parameters
    ----------
    data : DataFrame or TidyResult
        Flow table, one row a flow: ``source`` (node the cases leave), ``target`` (node
        they reach), ``count`` (cases; NaN when suppressed), optional ``step`` (0, 1, ...:
        the column of ``source``; the target is in column ``step + 1``; default 0 for
        every row) and ``suppressed`` (bool). A node is a (column, name) pair, so the
        same name may appear in several columns.
    ax : Axes, optional
    colour_by : {"auto", "target", "source"}
        Colour a flow by the node it reaches (outcomes keep their fixed colours) or
        leaves; "auto": flows into the last column by target, the others by source.
        Nodes without a fixed colour (see :mod:`~trajectory.plotting.theme`) are grey.
    column_labels : list of str, optional
        Headings of the columns (e.g. ``["Police", "Parquet", "Decision"]``); default
        the translated names of the result's ``notes["columns"]`` when it has them.
    lang : {"en", "nl", "fr"}
    title : str, optional
    min_count : int, optional
        Disclosure threshold k for the ``<k`` label of suppressed flows.

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    Node height is the larger of its inflow and outflow, so cases that stop at a
    node (still open) show as the node's part without an outgoing ribbon. A
    suppressed flow has no known width: it is drawn as a dashed grey line labelled
    ``<k``, and it is not counted in the nodes' heights.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> flows = pd.DataFrame({"step": [0, 0, 1], "source": ["police", "police", "parquet"],
    ...                       "target": ["parquet", "police", "court"],
    ...                       "count": [80, 20, 10]})
    >>> ax = plot_alluvial(flows, column_labels=["A", "B", "C"])
    >>> sorted(t.get_text() for t in ax.texts if t.get_text() in "ABC")
    ['A', 'B', 'C']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    source = source_of(data, function="plot_alluvial")
    table = source.table
    require_columns(table, ["source", "target", "count"], function="plot_alluvial")
    if colour_by not in ("auto", "target", "source"):
        raise SchemaError(
            f"plot_alluvial: colour_by={colour_by!r}; use 'auto', 'target' or 'source'"
        )
    table = table.assign(step=table["step"].astype(int) if "step" in table.columns else 0)
    if column_labels is None and source.notes.get("columns"):
        column_labels = [text("col_" + c, lang) if ("col_" + c) in TEXT else c
                         for c in source.notes["columns"]]
    hidden = _suppressed_mask(table, ["count"])
    counts = np.where(hidden, np.nan, table["count"].to_numpy(float))
    if np.any(counts[~hidden] < 0):
        raise SchemaError("plot_alluvial: negative count in the flow table; counts are cases")
    table = table.assign(flow_count=counts, flow_hidden=hidden)
    layout = _layout(table)
    with theme_context():
        ax = new_axes(ax, (2.6 * layout.n_cols + 2.0, 5.0))
        _draw_flows(ax, layout, colour_by=colour_by,
                    small=small_count_text(source, min_count=min_count))
        _draw_nodes(ax, layout, lang)
        if column_labels is not None:
            for x, heading in zip(layout.xs, column_labels, strict=False):
                ax.text(x, layout.span + layout.gap, heading, ha="center", va="bottom",
                        fontweight="bold")
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-layout.gap, layout.span + 3 * layout.gap)
        ax.set_axis_off()
        if title:
            ax.set_title(title, loc="left")
    finish(ax, _alluvial_alt(table, layout.n_cols, column_labels, lang), lang)
    return ax


#: A flow: (step, source node, target node, count or NaN, suppressed).
Flow = tuple[int, Any, Any, float, bool]


@dataclass(frozen=True)
class _Layout:
    """Where the nodes of an alluvial sit: columns, node names, sizes, positions."""

    n_cols: int
    names: list[list[Any]]
    records: list[Flow]
    size: dict[tuple[int, Any], float]
    pos: dict[tuple[int, Any], list[float]]
    colours: dict[Any, str]
    span: float
    gap: float

    @property
    def xs(self) -> np.ndarray:
        """The x of each column, from 0 to 1."""
        return np.linspace(0, 1, self.n_cols)


def _layout(table: pd.DataFrame) -> _Layout:
    """Nodes by column (outcomes in :data:`OUTCOME_ORDER`), their sizes and positions.

    A node's size is the larger of its shown inflow and outflow; nodes are stacked from
    the top down with a gap, each column centred vertically.
    """
    n_cols = int(table["step"].max()) + 2
    records: list[Flow] = list(zip(
        table["step"].astype(int).tolist(), table["source"].tolist(), table["target"].tolist(),
        table["flow_count"].tolist(), table["flow_hidden"].tolist(), strict=True))
    names: list[list[Any]] = [[] for _ in range(n_cols)]  # in order of first appearance
    for step, source_name, target_name, _, _ in records:
        for col, name in ((step, source_name), (step + 1, target_name)):
            if name not in names[col]:
                names[col].append(name)
    rank = {code: i for i, code in enumerate(OUTCOME_ORDER)}
    names = [sorted(col, key=lambda v: rank.get(str(v), -1)) for col in names]
    shown = table[~table["flow_hidden"]]
    size: dict[tuple[int, Any], float] = {}
    for col in range(n_cols):
        for name in names[col]:
            inflow = shown.loc[(shown["step"] + 1 == col) & (shown["target"] == name),
                               "flow_count"].sum()
            outflow = shown.loc[(shown["step"] == col) & (shown["source"] == name),
                                "flow_count"].sum()
            size[(col, name)] = float(max(inflow, outflow))
    totals = [sum(size[(c, n)] for n in names[c]) for c in range(n_cols)]
    gap = _GAP * (max(totals) or 1.0)
    span = max(totals[c] + gap * (len(names[c]) - 1) for c in range(n_cols))
    pos: dict[tuple[int, Any], list[float]] = {}
    for col in range(n_cols):
        top = span - (span - totals[col] - gap * (len(names[col]) - 1)) / 2
        for name in names[col]:
            pos[(col, name)] = [top - size[(col, name)], top]
            top -= size[(col, name)] + gap
    all_names = groups_in_order(pd.Series([n for col in names for n in col]))
    colours = {k: (v if has_fixed_colour(k) else "#8C8C8C")
               for k, v in colours_for(all_names).items()}
    return _Layout(n_cols, names, records, size, pos, colours, span, gap)


def _draw_flows(ax: Axes, layout: _Layout, *, colour_by: str, small: str) -> None:
    """Ribbons between the nodes; a suppressed flow is a dashed line labelled ``<k``."""
    out_cursor = {k: v[1] for k, v in layout.pos.items()}
    in_cursor = {k: v[1] for k, v in layout.pos.items()}
    xs, names = layout.xs, layout.names
    ordered = sorted(layout.records, key=lambda r: (r[0], names[r[0]].index(r[1]),
                                                    names[r[0] + 1].index(r[2])))
    for step, source_name, target_name, w, is_hidden in ordered:
        a, b = (step, source_name), (step + 1, target_name)
        x0, x1 = xs[step] + _NODE_WIDTH / 2, xs[step + 1] - _NODE_WIDTH / 2
        if is_hidden:
            y0, y1 = out_cursor[a], in_cursor[b]
            ax.plot([x0, x1], [y0, y1], ls="--", lw=1, color=SUPPRESSED_COLOUR,
                    label="_suppressed_flow")
            ax.text((x0 + x1) / 2, (y0 + y1) / 2, small, ha="center", va="bottom",
                    fontsize=8, color="#444444")
            continue
        band0 = (out_cursor[a] - w, out_cursor[a])
        band1 = (in_cursor[b] - w, in_cursor[b])
        out_cursor[a] -= w
        in_cursor[b] -= w
        by_target = colour_by == "target" or (colour_by == "auto"
                                              and step + 1 == layout.n_cols - 1)
        key = target_name if by_target else source_name
        ax.add_patch(PathPatch(_ribbon(x0, band0, x1, band1), facecolor=layout.colours[key],
                               alpha=0.45, lw=0, label="_flow"))


def _draw_nodes(ax: Axes, layout: _Layout, lang: str) -> None:
    """The node boxes, each labelled with its name and size (right of the last column)."""
    for (col, name), (bottom, top) in layout.pos.items():
        x = layout.xs[col]
        ax.add_patch(Rectangle((x - _NODE_WIDTH / 2, bottom), _NODE_WIDTH, top - bottom,
                               facecolor=layout.colours[name], edgecolor="white", lw=0.5,
                               label="_node"))
        last = col == layout.n_cols - 1
        inner = 0 < col < layout.n_cols - 1
        ax.text(x + (_NODE_WIDTH * 0.7 if last else -_NODE_WIDTH * 0.7), (bottom + top) / 2,
                f"{display_label(name, lang)} ({format_count(layout.size[(col, name)])})",
                ha="left" if last else "right", va="center", fontsize=8.5,
                bbox={"facecolor": "white", "alpha": 0.75, "lw": 0, "pad": 1.5}
                if inner else None)


def _alluvial_alt(table: pd.DataFrame, n_cols: int, column_labels: list[str] | None,
                  lang: str) -> str:
    shown = table[~table["flow_hidden"]]
    if not len(shown):
        return text("alt_withheld", lang)
    big = shown.iloc[int(np.argmax(shown["flow_count"].to_numpy(float)))]
    columns = (" \u2192 ".join(column_labels) if column_labels
               else f"{n_cols} {text('columns', lang)}")
    return text("alt_alluvial", lang, k=columns, source=display_label(big["source"], lang),
                target=display_label(big["target"], lang), n=format_count(big["flow_count"]))
