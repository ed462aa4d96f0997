"""plot_flags: one panel a metric, labelled with its quantity, every flag drawn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from trajectory.bottlenecks.flags import Flags
from trajectory.plotting import figure_alt, plot_flags, plot_result
from trajectory.plotting.theme import OKABE_ITO
from trajectory.plotting.words import text


def flags_table() -> pd.DataFrame:
    rows = []
    # 2 flagged median ratios, 6 unflagged; 1 flagged hazard ratio; 1 flagged share
    for i, (eff, flag) in enumerate([(3.2, True), (2.8, True)] + [(1.0 + i / 20, False)
                                                                    for i in range(6)]):
        rows.append({"lens": "reception", "stage": "transmission", "by": "zone",
                     "subgroup": "all" if i < 2 else "hate", "group": f"53{40 + i % 4}",
                     "metric": "median_ratio", "effect": eff, "effect_lower": eff * 0.9,
                     "effect_upper": eff * 1.1, "threshold": 1.25, "flagged": flag,
                     "severity": "high" if flag else "none", "q": 0.001 if flag else 0.1 + i})
    rows.append({"lens": "sanctioning", "stage": "dismissal_opportunity", "by": "division",
                 "subgroup": "all", "group": "NL", "metric": "cause_specific_hazard_ratio",
                 "effect": 2.07, "effect_lower": 1.82, "effect_upper": 2.35,
                 "threshold": 1.25, "flagged": True, "severity": "moderate", "q": 0.001})
    rows.append({"lens": "nomenclature", "stage": "police_to_parquet", "by": "offence_group",
                 "subgroup": "all", "group": "hate", "metric": "hate_flag_loss_difference",
                 "effect": 0.51, "effect_lower": 0.43, "effect_upper": 0.59,
                 "threshold": 0.05, "flagged": True, "severity": "high", "q": 0.001})
    return pd.DataFrame(rows)


def test_one_panel_a_flagged_metric_with_its_own_quantity():
    fig = plot_flags(flags_table(), context=2)
    assert [a.get_title(loc="left") for a in fig.axes] == [
        "Median delay", "Rate of each outcome", "Hate motive lost at the parquet"]
    labels = [a.get_xlabel().split("\n")[0] for a in fig.axes]
    assert labels == ["Ratio of median delays (log scale)",
                      "Hazard ratio of the outcome (log scale)",
                      "Difference in percentage points"]
    assert [a.get_xscale() for a in fig.axes] == ["log", "log", "linear"]
    # every flag is drawn: 2 + 1 + 1, plus 2 unflagged for scale in the first panel
    assert [len(a.get_yticks()) for a in fig.axes] == [4, 1, 1]
    assert "4 other comparisons, not flagged, not shown" in fig.axes[0].get_xlabel()


def test_flagged_in_colour_unflagged_grey_and_shares_in_points():
    fig = plot_flags(flags_table(), context=2)
    first = fig.axes[0]
    squares = [line for line in first.get_lines() if line.get_marker() == "s"]
    colours = [to_hex(line.get_color()).upper() for line in squares]
    assert colours[:2] == [OKABE_ITO["vermillion"].upper()] * 2
    assert colours[2:] == ["#B5B5B5"] * 2
    # the unflagged shown are the nearest misses (smallest q), not the largest effects
    # (q rises with i here, so the nearest misses are the two smallest effects, 1.00, 1.05)
    np.testing.assert_allclose([line.get_xdata()[0] for line in squares[2:]], [1.00, 1.05])
    share = [line for line in fig.axes[2].get_lines() if line.get_marker() == "s"]
    assert share[0].get_xdata()[0] == pytest.approx(51.0)  # 0.51 -> 51 points
    assert to_hex(fig.axes[1].get_lines()[1].get_color()).upper() == OKABE_ITO["orange"].upper()


def test_flags_result_plots_through_its_declared_figure_kind():
    table = flags_table()
    fig = plot_result(Flags(table=table, n=100))
    assert len(fig.axes) == 3
    alt = figure_alt(fig)
    assert alt.startswith("Flagged findings: 4 in 3 panel(s)")
    assert "median delay 3.20 (95% CI: 2.88 to 3.52)" in alt


@pytest.mark.parametrize(("lang", "words"), [
    ("en", "+51 percentage points (95% CI: 43 to 59)"),
    ("nl", "+51 procentpunten (95%-BI: 43 tot 59)"),
    ("fr", "+51 points de pourcentage (IC 95 % : 43 à 59)"),  # spaces made plain
])
def test_alt_text_writes_a_difference_of_shares_in_percentage_points(lang, words):
    table = flags_table()
    first = table[table["metric"] == "hate_flag_loss_difference"]
    alt = figure_alt(plot_flags(pd.concat([first, table.drop(first.index)]), lang=lang))
    assert words in alt, alt
    assert "pts" not in alt


def test_nothing_flagged_shows_the_nearest_misses():
    table = flags_table().assign(flagged=False, severity="none")
    fig = plot_flags(table)
    assert len(fig.axes) == 3
    assert all(len(a.get_yticks()) >= 1 for a in fig.axes)
    assert "Flagged findings: 0" in figure_alt(fig)


def test_many_flags_are_capped_strongest_first_and_long_labels_wrapped():
    """Thirty flagged comparisons of one metric: the five with the smallest q are drawn,
    the other 25 are counted under the panel, labels wrap, and the figure stays short.
    """
    rows = []
    for i in range(30):
        rows.append({"lens": "reception", "stage": "pv_to_registration", "by": "zone",
                     "subgroup": "all", "group": f"group with a rather long name {i:02d}",
                     "metric": "median_ratio", "effect": 2.0 + i / 100,
                     "effect_lower": 1.8, "effect_upper": 2.5, "threshold": 1.25,
                     "flagged": True, "severity": "high", "q": 10.0 ** -(i + 1)})
    fig = plot_flags(pd.DataFrame(rows), context=0)
    panel = fig.axes[0]
    labels = [t.get_text() for t in panel.get_yticklabels()]
    assert len(labels) == 5
    # the smallest q are the last rows built (q = 1e-1 ... 1e-30), not the first five
    assert all(any(f"{i:02d}" in label for label in labels) for i in range(25, 30))
    assert all(len(line) <= 56 for label in labels for line in label.split("\n"))
    assert any("\n" in label for label in labels)
    assert "25 more flagged comparisons" in panel.get_xlabel()
    assert fig.get_figheight() < 4.0
    every = plot_flags(pd.DataFrame(rows), context=0, max_flagged=None)
    assert len(every.axes[0].get_yticklabels()) == 30


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_flags_table_and_figure_write_a_share_difference_in_percentage_points(lang):
    """The hate-flag loss reads "51 (43–59)" in the figure and the table, and the table's
    column says percentage points (it read 0.51 beside the figure's +51 points)."""
    from trajectory.report_tables import display_frame

    table = flags_table()
    fig = plot_flags(table, context=2, lang=lang)
    points_panel = fig.axes[2]
    assert points_panel.get_xlabel().split("\n")[0] == text("q_difference_points", lang)
    in_figure = [t.get_text() for t in points_panel.texts]
    shown = display_frame(table, lang=lang)
    unit = {"en": "percentage points", "fr": "points de pourcentage", "nl": "procentpunten"}
    column = next(c for c in shown.columns if unit[lang] in c)
    hate = shown[column].iloc[-1]  # the share difference, last of the flagged rows
    assert hate == in_figure[0] == "51 (43\u201359)"
    # the ratios read as in their panels too
    ratios = [t.get_text() for a in fig.axes[:2] for t in a.texts]
    assert set(shown[column].iloc[:-1]) <= set(ratios)
