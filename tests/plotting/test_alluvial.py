"""plot_alluvial: nodes sized by flows, ribbons conserve counts, suppressed flows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from trajectory.errors import SchemaError
from trajectory.plotting import plot_alluvial
from trajectory.plotting.theme import OUTCOME_COLOURS


def flows() -> pd.DataFrame:
    return pd.DataFrame({
        "step": [0, 0, 0, 1, 1, 1, 1],
        "source": ["hate", "hate", "harassment", "kept", "kept", "requalified", "kept"],
        "target": ["kept", "requalified", "kept", "court", "dismissal_technical", "court",
                   "censored"],
        "count": [70, 30, 50, 20, 80, 10, 15],
    })


def nodes(ax):
    return [p for p in ax.patches if p.get_label() == "_node"]


def ribbons(ax):
    return [p for p in ax.patches if p.get_label() == "_flow"]


def test_one_ribbon_a_flow_and_one_node_a_stage_state():
    ax = plot_alluvial(flows())
    assert len(ribbons(ax)) == 7
    assert len(nodes(ax)) == 2 + 2 + 3


def test_node_height_is_larger_of_inflow_and_outflow():
    ax = plot_alluvial(flows())
    heights = sorted(round(p.get_height()) for p in nodes(ax))
    # hate 100, harassment 50; kept in 120 / out 115 -> 120; requalified 30;
    # court 30, dismissal 80, censored 15
    assert heights == sorted([100, 50, 120, 30, 30, 80, 15])


def test_ribbon_widths_equal_counts():
    ax = plot_alluvial(flows())
    widths = []
    for patch in ribbons(ax):
        verts = patch.get_path().vertices
        widths.append(round(verts[0, 1] - verts[7, 1], 6))  # left edge top - bottom
    assert sorted(abs(w) for w in widths) == sorted(flows()["count"].astype(float))


def test_last_step_coloured_by_outcome():
    ax = plot_alluvial(flows())
    colours = {to_hex(p.get_facecolor()).upper() for p in ribbons(ax)}
    assert OUTCOME_COLOURS["court"].upper() in colours
    assert OUTCOME_COLOURS["censored"].upper() in colours
    outcome_nodes = [p for p in nodes(ax) if p.get_x() > 0.5]
    assert to_hex(outcome_nodes[0].get_facecolor()).upper() == OUTCOME_COLOURS["court"].upper()


def test_suppressed_flow_is_dashed_with_label_not_a_zero_ribbon():
    table = flows().assign(suppressed=[False] * 6 + [True])
    table.loc[6, "count"] = np.nan
    ax = plot_alluvial(table, min_count=5)
    assert len(ribbons(ax)) == 6
    dashed = [line for line in ax.get_lines() if line.get_label() == "_suppressed_flow"]
    assert len(dashed) == 1 and dashed[0].get_linestyle() == "--"
    assert "<5" in [t.get_text() for t in ax.texts]


def test_bad_input():
    with pytest.raises(SchemaError, match="count"):
        plot_alluvial(flows().drop(columns="count"))
    with pytest.raises(SchemaError, match="negative"):
        plot_alluvial(flows().assign(count=-1))
