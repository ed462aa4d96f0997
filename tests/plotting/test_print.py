"""Figures for print: SVG + 300-dpi PNG, alt texts from the data, small multiples,
censoring marks, the test in the caption, risk tables, labels in three languages."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from trajectory.errors import ConfigError
from trajectory.plotting import (
    comparison_caption,
    figure_alt,
    plot_crosswalk,
    plot_curves,
    plot_funnel,
    save_figure,
)
from trajectory.plotting.theme import TEXT

from .conftest import km_by_hand

GROUPS = {  # group -> (times, events)
    "partner_violence": ([1, 2, 3, 4, 6, 8, 9], [1, 1, 0, 1, 1, 0, 1]),
    "sexual_violence": ([2, 3, 5, 7, 9, 12], [1, 0, 1, 1, 0, 1]),
    "hate": ([1, 1, 2, 4, 5], [1, 1, 0, 1, 1]),
    "harassment": ([3, 4, 4, 6, 10], [1, 1, 0, 1, 0]),
    "discrimination": ([2, 6, 7], [1, 0, 1]),
}


def many_groups() -> pd.DataFrame:
    return pd.concat([km_by_hand(t, e, g) for g, (t, e) in GROUPS.items()], ignore_index=True)


def test_save_figure_writes_svg_and_300_dpi_png_with_the_alt_text(tmp_path):
    ax = plot_funnel(pd.DataFrame({"stage": ["E11", "E30", "E45"], "n": [200, 150, 30]}))
    saved = save_figure(ax, tmp_path / "figures" / "funnel.png")  # suffix replaced
    assert saved.svg == tmp_path / "figures" / "funnel.svg" and saved.svg.exists()
    assert saved.png.exists()
    with Image.open(saved.png) as img:
        dpi = img.info["dpi"]
        assert round(dpi[0]) == 300
        assert saved.alt in img.info.get("Description", "")
    svg = saved.svg.read_text(encoding="utf-8")
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg)  # still valid XML
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}desc").text == saved.alt and root.get("role") == "img"
    assert "200 cases" in saved.alt
    assert not re.search(r"/(tmp|home|root|work)/", svg)  # no machine path in a file


def test_alt_text_is_written_from_the_data():
    ax = plot_funnel(pd.DataFrame({"stage": ["E11", "E30", "E45"], "n": [200, 150, 30]}))
    alt = figure_alt(ax)
    # 30 of 200 reached the last stage (15%); the largest loss: 150 -> 30 (20% continued)
    assert "200 cases" in alt and "30 (15%)" in alt and "20% continued" in alt
    cw = pd.DataFrame({"police_code": ["101", "101", "601"], "parquet_code": ["101", "601",
                                                                              "601"],
                       "n": [60, 20, 20]})
    assert "80% of the cases keep their police code" in figure_alt(plot_crosswalk(cw))


def test_save_figure_refuses_a_figure_without_alt_text(tmp_path):
    import matplotlib.pyplot as plt

    fig, _ = plt.subplots()
    with pytest.raises(ConfigError, match="alt"):
        save_figure(fig, tmp_path / "x")
    assert save_figure(fig, tmp_path / "x", alt="An empty frame.").alt == "An empty frame."


def test_many_groups_are_small_multiples_with_marks_risk_rows_and_the_test():
    test = {"statistic": 7.891, "df": 4, "p": 0.0957}
    fig = plot_curves(many_groups(), test=test)
    panels = [a for a in fig.axes if a.get_visible() and a.get_label() != "risk_table"]
    assert len(panels) == len(GROUPS)
    assert [a.get_title(loc="left") for a in panels][0] == "Partner violence"
    assert "Log-rank test: χ² = 7.9, df = 4, p = 0.096" in fig.texts[0].get_text() or (
        "Log-rank test: χ² = 7.9, df = 4, p = 0.096" in fig._suptitle.get_text())
    # censoring marks of partner violence: at 3 and 8, on the curve
    first = panels[0]
    marks = [line for line in first.get_lines() if line.get_label() == "_censored"]
    assert len(marks) == 1
    np.testing.assert_allclose(marks[0].get_xdata(), [3.0, 8.0])
    curve = km_by_hand(*GROUPS["partner_violence"], "p")
    np.testing.assert_allclose(marks[0].get_ydata(),
                               curve.set_index("time").loc[[3.0, 8.0], "estimate"])
    # one risk row a panel; blank after the curve's end (discrimination ends at 7)
    tables = [a for a in fig.axes if a.get_label() == "risk_table"]
    assert len(tables) == len(GROUPS)
    disc = tables[list(GROUPS).index("discrimination")]
    ticks = disc.get_xticks()
    shown = {round(t.get_position()[0], 6) for t in disc.texts}
    assert all(t <= 7 for t in shown) and any(t > 7 for t in ticks)
    assert "p = 0.096" in figure_alt(fig)


def test_risk_table_rounds_to_the_published_base():
    table = km_by_hand(list(range(1, 31)), [1, 0] * 15, "hate")
    from trajectory.results import TidyResult

    result = TidyResult(table=table, n=30, notes={"disclosure": {"k": 5, "rounding": 10}})
    ax = plot_curves(result)
    risk = next(a for a in ax.figure.axes if a.get_label() == "risk_table")
    values = [int(t.get_text().replace("\u2009", "")) for t in risk.texts]
    assert values and all(v % 10 == 0 for v in values)


def test_test_text_in_three_languages():
    t = {"statistic": 3.0, "df": 1, "p": 0.0004}
    assert comparison_caption(t) == "Log-rank test: χ² = 3.0, df = 1, p < 0.001"
    assert comparison_caption(t, "nl") == "Logranktoets: χ² = 3,0, vg = 1, p < 0,001"
    assert comparison_caption(t, "fr").startswith("Test du log-rank\u00a0: χ² = 3,0, ddl = 1")


def test_every_figure_text_exists_in_three_languages_and_is_translated():
    for key, words in TEXT.items():
        assert set(words) == {"en", "nl", "fr"}, key
    assert "at risk" not in TEXT["at_risk"]["nl"]  # fully translated, not half


def test_french_funnel_headings_do_not_collide():
    ax = plot_funnel(pd.DataFrame({"stage": ["E11", "E30", "E45"], "n": [200, 150, 30],
                                   "lower": [np.nan, 0.7, 0.15], "upper": [np.nan, 0.8, 0.25]}),
                     lang="fr")
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_position()[0] > 1]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), (a, b)


def test_a_model_term_run_off_to_infinity_is_written_not_estimable():
    from trajectory.plotting import plot_forest

    t = pd.DataFrame({"term": ["offence_group[T.hate]", "C(division, Treatment('FR'))[T.NL]"],
                      "estimate": [28.4, -1.08], "std_err": [1e4, 0.7],
                      "lower": [-1e4, -2.5], "upper": [np.inf, 0.34], "p": [1.0, 0.136]})
    ax = plot_forest(t, scale="ratio")
    texts = [x.get_text() for x in ax.texts]
    assert "not estimable (too few events)" in texts
    assert not any(s.startswith("2") and "inf" in s for s in texts)  # no 2e12 (0-inf)
    assert [x.get_text() for x in ax.get_yticklabels()] == ["Hate crime and hate speech",
                                                            "Division: NL"]
    drawn = [line for line in ax.get_lines() if line.get_marker() == "s"]
    assert len(drawn) == 1
    assert "Division: NL, 0.34 (95% CI: 0.08 to 1.40)" in figure_alt(ax)
    assert max(ax.get_xlim()) < 10  # the axis is set by the bounded estimate


def test_trajectory_flows_by_hand_and_through_the_gate():
    from trajectory.plotting import plot_result, trajectory_flows
    from trajectory.privacy import disclose

    cohort = pd.DataFrame({
        "offence_group": ["hate"] * 30 + ["sexual_violence"] * 20,
        "division": ["FR"] * 20 + ["NL"] * 10 + ["FR"] * 17 + ["NL"] * 3,
        "outcome": ["court"] * 12 + ["censored"] * 18 + ["court"] * 10 + ["censored"] * 10})
    flows = trajectory_flows(cohort)
    t = flows.table.set_index(["step", "source", "target"])["count"]
    assert t[(0, "hate", "FR")] == 20 and t[(0, "sexual_violence", "NL")] == 3
    assert t[(1, "FR", "court")] == 22 and t[(1, "FR", "open")] == 15
    assert t[(1, "NL", "open")] == 13
    safe = disclose(flows, k=5)
    shown = safe.table.dropna(subset=["count"])
    assert (shown["count"] >= 5).all()  # no flow below k is published
    assert len(shown) < len(flows.table)  # the flow of 3 (and a complement) is hidden
    ax = plot_result(safe)
    assert {"Offence", "Parquet division", "Outcome"} <= {x.get_text() for x in ax.texts}
    assert "Offence \u2192 Parquet division \u2192 Outcome" in figure_alt(ax)


def test_funnel_alt_names_no_largest_loss_when_a_stage_is_hidden():
    table = pd.DataFrame({"stage": ["E11", "E30", "E45", "E51"], "n": [200, 150, np.nan, 20]})
    alt = figure_alt(plot_funnel(table))
    assert "largest loss" not in alt and "1 stage(s) suppressed" in alt


def test_nelson_aalen_is_drawn_as_a_cumulative_hazard():
    from trajectory.estimators import nelson_aalen
    from trajectory.plotting import plot_result

    df = pd.DataFrame({"time": [1, 2, 2, 3, 4, 5], "outcome": [1, 1, 1, 1, 1, 0]})
    ax = plot_result(nelson_aalen(df))
    assert ax.get_ylabel() == "Cumulative hazard"
    line = next(x for x in ax.get_lines() if not x.get_label().startswith("_"))
    assert line.get_ydata()[0] == 0.0  # starts at 0, not 1
    assert ax.get_ylim()[1] >= 1.4  # H(4) = 1/6 + 2/5 + 1/3 + 1/2 = 1.4: not cut at 1
