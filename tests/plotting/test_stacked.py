"""plot_stacked_incidence and plot_state_occupation: stacks, the open remainder, suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from trajectory.errors import ConfigError, SchemaError
from trajectory.plotting import plot_stacked_incidence, plot_state_occupation
from trajectory.plotting.stacked import stack_on_common_times
from trajectory.plotting.theme import OUTCOME_COLOURS


def cif() -> pd.DataFrame:
    return pd.DataFrame({
        "group": "hate",
        "outcome": ["court", "court", "dismissal_technical", "dismissal_technical",
                    "alternative"],
        "time": [10.0, 40.0, 5.0, 30.0, 20.0],
        "estimate": [0.05, 0.10, 0.30, 0.60, 0.08],
    })


def band_at(collection, x: float) -> tuple[float, float]:
    """(bottom, top) of a fill_between band at x: the span of y inside its polygon."""
    path = collection.get_paths()[0]
    ys = np.linspace(0, 1, 2001)
    inside = ys[[path.contains_point((x, y)) for y in ys]]
    return float(inside.min()), float(inside.max())


def legend_texts(ax) -> list[str]:
    """Texts of the legend of a one-panel figure (under the plot, or beside a given ax)."""
    legend = ax.get_legend() or ax.figure.legends[0]
    return [t.get_text() for t in legend.get_texts()]


def test_stack_on_common_times_by_hand():
    wide = stack_on_common_times(cif(), key="outcome")
    assert wide.index.tolist() == [0.0, 5.0, 10.0, 20.0, 30.0, 40.0]
    assert wide["court"].tolist() == [0, 0, 0.05, 0.05, 0.05, 0.10]
    assert wide["dismissal_technical"].tolist() == [0, 0.3, 0.3, 0.3, 0.6, 0.6]
    assert wide["alternative"].tolist() == [0, 0, 0, 0.08, 0.08, 0.08]


def test_layers_in_order_with_fixed_colours_and_open_on_top():
    ax = plot_stacked_incidence(cif())
    colours = [to_hex(c.get_facecolor()[0]).upper() for c in ax.collections]
    assert colours == [OUTCOME_COLOURS[k].upper() for k in
                       ("court", "alternative", "dismissal_technical", "censored")]
    # at day 35: court 0.05, alternative 0.08, technical 0.60, open the rest up to 1
    tops = [band_at(c, 35.0)[1] for c in ax.collections]
    np.testing.assert_allclose(tops, [0.05, 0.13, 0.73, 1.0], atol=1e-3)
    assert band_at(ax.collections[-1], 35.0)[0] == pytest.approx(0.73, abs=1e-3)
    legend = legend_texts(ax)
    assert legend[0] == "Open at the extraction date"  # top layer first
    # one panel: the legend sits under the plot, never wider than the figure
    ax.figure.canvas.draw()
    box = ax.figure.legends[0].get_window_extent()
    assert box.width <= ax.figure.bbox.width and box.y1 <= ax.get_window_extent().y0


def test_suppressed_time_is_hatched_not_zero():
    table = cif()
    table["suppressed"] = table["time"] == 30.0
    table.loc[table["suppressed"], "estimate"] = np.nan
    ax = plot_stacked_incidence(table, min_count=10)
    hatched = [c for c in ax.collections if c.get_hatch()]
    assert len(hatched) == 1
    layers = [c for c in ax.collections if not c.get_hatch()]
    assert hatched[0].zorder > max(c.zorder for c in layers)
    # from day 30 technical dismissal is hidden: court (0.05) and alternative (0.08) under
    # it are still drawn; from their top (0.13) up to 1 the stack is unknown: hatched
    np.testing.assert_allclose(band_at(hatched[0], 35.0), (0.13, 1.0), atol=1e-3)
    np.testing.assert_allclose(band_at(layers[1], 35.0), (0.05, 0.13), atol=1e-3)
    path = hatched[0].get_paths()[0]
    assert not path.contains_point((20.0, 0.5))  # nothing hidden before day 30
    assert "suppressed (<10)" in legend_texts(ax)


def test_one_panel_a_group_returns_a_figure():
    table = pd.concat([cif(), cif().assign(group="harassment")], ignore_index=True)
    fig = plot_stacked_incidence(table)
    assert isinstance(fig, Figure)
    visible = [a for a in fig.axes if a.get_visible()]
    assert [a.get_title(loc="left") for a in visible] == ["Hate crime and hate speech",
                                                          "Harassment and stalking"]
    assert len(fig.legends) == 1
    with pytest.raises(ConfigError, match="group="):
        plot_stacked_incidence(table, ax=visible[0])
    ax = plot_stacked_incidence(table, group="harassment", lang="nl")
    assert ax.get_ylabel() == "Aandeel van de zaken"


def test_state_occupation_stacks_to_one():
    occ = pd.DataFrame({
        "state": ["police", "parquet", "court"] * 4,
        "time": np.repeat([0.0, 30.0, 90.0, 120.0], 3),
        "estimate": [1.0, 0.0, 0.0, 0.2, 0.8, 0.0, 0.0, 0.6, 0.4, 0.0, 0.5, 0.5],
    })
    ax = plot_state_occupation(occ)
    assert len(ax.collections) == 3
    np.testing.assert_allclose(band_at(ax.collections[1], 60.0), (0.2, 1.0), atol=1e-3)
    np.testing.assert_allclose(band_at(ax.collections[2], 100.0), (0.6, 1.0), atol=1e-3)
    labels = legend_texts(ax)
    assert labels == ["Court (summons or judicial investigation)", "At the parquet, open",
                      "At the police"]
    with pytest.raises(SchemaError, match="state"):
        plot_state_occupation(occ.rename(columns={"state": "stage"}))


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["court", "alternative", "administrative"]),
                          st.integers(0, 50), st.floats(0, 0.3)), min_size=1, max_size=12),
       st.randoms(use_true_random=False))
def test_stack_matches_last_row_at_or_before_each_time_and_ignores_row_order(rows, rnd):
    table = pd.DataFrame(rows, columns=["outcome", "time", "estimate"]).astype({"time": float})
    table = table.drop_duplicates(["outcome", "time"])
    wide = stack_on_common_times(table, key="outcome")
    for k in wide.columns:
        layer = table[table["outcome"] == k]
        for t, value in wide[k].items():
            before = layer[layer["time"] <= t]
            expected = before.sort_values("time")["estimate"].iloc[-1] if len(before) else 0.0
            assert value == expected
    shuffled = table.sample(frac=1, random_state=rnd.randint(0, 10**6))
    pd.testing.assert_frame_equal(
        stack_on_common_times(shuffled, key="outcome")[sorted(wide.columns)],
        wide[sorted(wide.columns)],
    )
