"""plot_curves: step curves, bands, risk table numbers, suppressed cells, languages."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle

from trajectory.errors import SchemaError
from trajectory.plotting import figure_alt, numbers_at_risk, plot_curves
from trajectory.plotting.theme import OFFENCE_COLOURS, OUTCOME_COLOURS

from .conftest import km_by_hand

REFERENCE = Path(__file__).parents[1] / "reference"

TIME_A = [1, 2, 2, 3, 4, 5, 6, 6, 8, 9]
EVENT_A = [1, 1, 0, 1, 0, 1, 1, 1, 0, 1]
TIME_B = [2, 3, 3, 5, 7, 7, 8]
EVENT_B = [1, 0, 1, 1, 1, 0, 1]


def two_groups() -> pd.DataFrame:
    hate = km_by_hand(TIME_A, EVENT_A, "hate")
    return pd.concat([hate, km_by_hand(TIME_B, EVENT_B, "harassment")], ignore_index=True)


def risk_table_axes(ax):
    return next(a for a in ax.figure.axes if a.get_label() == "risk_table")


def risk_numbers(ax) -> dict[tuple[float, int], str]:
    table_ax = risk_table_axes(ax)
    return {(round(t.get_position()[0], 6), round(t.get_position()[1])): t.get_text()
            for t in table_ax.texts}


def test_one_step_line_per_group_with_the_estimates():
    table = two_groups()
    ax = plot_curves(table)
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert [line.get_label() for line in lines] == ["Hate crime and hate speech",
                                                    "Harassment and stalking"]
    assert lines[0].get_color() == OFFENCE_COLOURS["hate"]
    assert lines[0].get_drawstyle() == "steps-post"
    hate = table[table["group"] == "hate"]
    y = lines[0].get_ydata()
    # start at (0, 1), then every estimate, ending at the group's last time
    assert y[0] == 1.0
    np.testing.assert_allclose(y[1:], hate["estimate"])
    np.testing.assert_allclose(lines[0].get_xdata()[1:], hate["time"])
    assert len(ax.collections) == 2  # one confidence band a group


def test_risk_table_equals_number_still_at_risk_in_the_raw_data():
    ax = plot_curves(two_groups())
    numbers = risk_numbers(ax)
    ticks = risk_table_axes(ax).get_xticks()
    assert len(ticks) >= 4
    for row, (time, _) in enumerate([(TIME_A, EVENT_A), (TIME_B, EVENT_B)]):
        for tick in ticks:
            if tick > max(time):  # the curve has ended: the cell is blank
                assert (round(tick, 6), row) not in numbers, (row, tick)
                continue
            expected = int((np.asarray(time) >= tick).sum())
            assert numbers[(round(tick, 6), row)] == str(expected), (row, tick)
    labels = [t.get_text() for t in risk_table_axes(ax).get_yticklabels()]
    assert labels == ["Hate crime and hate speech", "Harassment and stalking"]


def test_risk_table_ticks_are_the_curve_axis_ticks():
    ax = plot_curves(two_groups())
    table_ax = risk_table_axes(ax)
    np.testing.assert_array_equal(table_ax.get_xticks(), ax.get_xticks())
    assert table_ax.get_xlim() == ax.get_xlim()
    ax.figure.canvas.draw()  # the divider places the axes at draw time
    curves_box = ax.get_window_extent()
    table_box = table_ax.get_window_extent()
    assert table_box.y1 < curves_box.y0  # the table sits below the curves...
    xlabel_box = ax.xaxis.label.get_window_extent()
    assert table_box.y1 <= xlabel_box.y0  # ...and below the x label, not over it
    legend_box = ax.get_legend().get_window_extent()
    assert legend_box.x0 >= curves_box.x1  # the legend does not cover the curves


def test_numbers_at_risk_by_hand():
    curve = km_by_hand(TIME_A, EVENT_A)
    got = numbers_at_risk(curve, np.array([0, 1, 1.5, 2, 6, 8.5, 9, 10]))
    assert got == [10, 10, 9, 9, 4, 1, 1, 0]


def test_risk_table_matches_R_survfit_n_risk():
    curve = pd.read_csv(REFERENCE / "plotting_km_curve.csv", comment="#")
    curve = curve[curve["group"] == "a"]
    ax = plot_curves(curve)
    numbers = risk_numbers(ax)
    for tick in risk_table_axes(ax).get_xticks():
        at = curve[curve["time"] == tick]
        if len(at):  # a tick on a row time shows that row's n.risk from R
            assert numbers[(round(tick, 6), 0)] == str(int(at["n_risk"].iloc[0]))


def test_suppressed_rows_are_gaps_and_hatched_boxes_never_zero():
    table = km_by_hand(TIME_A, EVENT_A, "hate")
    hidden = table["time"].isin([5.0, 6.0])
    table.loc[hidden, ["estimate", "lower", "upper", "n_risk"]] = np.nan
    table["suppressed"] = hidden
    ax = plot_curves(table, min_count=5)
    line = next(line for line in ax.get_lines() if not line.get_label().startswith("_"))
    y = line.get_ydata()[1:]
    assert np.isnan(y[hidden.to_numpy()]).all()
    assert not (y[hidden.to_numpy()] == 0).any()
    boxes = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch()]
    assert len(boxes) == 1  # one contiguous hidden stretch
    box = boxes[0]
    before = table.loc[table["time"] == 4.0, "estimate"].item()
    after = table.loc[table["time"] == 8.0, "estimate"].item()
    assert box.get_x() == 5.0 and box.get_x() + box.get_width() == 8.0
    assert box.get_y() == pytest.approx(after)
    assert box.get_y() + box.get_height() == pytest.approx(before)
    texts = risk_numbers(ax)
    for tick in risk_table_axes(ax).get_xticks():
        if tick in (5.0, 6.0):
            assert texts[(tick, 0)] == "<5"
    assert "0" not in {v for (t, _), v in texts.items() if 4 < t < 8}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "suppressed (<5)" in legend


def test_threshold_from_result_notes():
    from dataclasses import dataclass

    from trajectory.results import TidyResult

    @dataclass(frozen=True, repr=False)
    class KaplanMeierResult(TidyResult):
        pass

    table = km_by_hand(TIME_A, EVENT_A)
    table.loc[table["time"] >= 8, "n_risk"] = np.nan
    result = KaplanMeierResult(table=table, notes={"min_count": 3})
    ax = plot_curves(result)
    assert "<3" in risk_numbers(ax).values()


def test_competing_outcomes_use_the_fixed_outcome_colours():
    rows = []
    for outcome, level in (("court", 0.2), ("dismissal_technical", 0.5)):
        for t, f in ((2.0, level / 2), (5.0, level)):
            rows.append({"group": "hate", "outcome": outcome, "time": t, "estimate": f,
                         "lower": f * 0.8, "upper": f * 1.2, "n_risk": 10 if t == 2 else 6})
    ax = plot_curves(pd.DataFrame(rows))
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert [line.get_color() for line in lines] == [OUTCOME_COLOURS["court"],
                                                    OUTCOME_COLOURS["dismissal_technical"]]
    assert lines[0].get_ydata()[0] == 0.0  # incidence starts at 0
    assert ax.get_ylabel() == "Cumulative incidence"
    assert len(risk_table_axes(ax).get_yticks()) == 1  # one risk row for the group


@pytest.mark.parametrize(("lang", "ylabel", "at_risk"), [
    ("nl", "Aandeel zonder gebeurtenis", "Aantal onder risico"),
    ("fr", "Proportion sans l'événement", "Effectif à risque"),
])
def test_labels_in_dutch_and_french(lang, ylabel, at_risk):
    ax = plot_curves(two_groups(), lang=lang)
    assert ax.get_ylabel() == ylabel
    assert risk_table_axes(ax).get_title(loc="left") == at_risk
    assert "(dagen)" in ax.get_xlabel() or "(jours)" in ax.get_xlabel()


def test_without_risk_table_there_is_one_axes_and_no_band():
    ax = plot_curves(two_groups().drop(columns="n_risk"), risk_table=False, bands=False)
    assert len(ax.figure.axes) == 1
    assert len(ax.collections) == 0


def test_missing_columns_are_named():
    with pytest.raises(SchemaError, match="n_risk"):
        plot_curves(two_groups().drop(columns="n_risk"))
    with pytest.raises(SchemaError, match="DataFrame or a TidyResult"):
        plot_curves([1, 2, 3])


def test_input_table_is_not_mutated():
    table = two_groups()
    before = table.copy()
    plot_curves(table)
    pd.testing.assert_frame_equal(table, before)


def _states(values: dict[str, list[float]]) -> pd.DataFrame:
    times = [5.0, 10.0, 20.0]
    return pd.DataFrame([{"group": "all", "state": state, "time": t, "estimate": v,
                          "lower": v, "upper": v, "n_risk": 10, "n_event": 1, "n_censor": 0}
                         for state, vs in values.items() for t, v in zip(times, vs, strict=True)])


def test_state_column_is_never_drawn_as_survival_from_one():
    """A plain table with ``state`` is read from its probabilities, not as survival.

    Competing outcomes (cumulative incidence, summing to less than 1) start at 0;
    multi-state occupation probabilities (summing to 1) start at their own first row.
    """
    incidence = _states({"court": [0.1, 0.2, 0.3], "dismissal_technical": [0.05, 0.1, 0.2]})
    ax = plot_curves(incidence, risk_table=False, bands=False)
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert len(lines) == 2 and all(line.get_ydata()[0] == 0.0 for line in lines)
    assert ax.get_ylabel() == "Cumulative incidence"

    occupation = _states({"parquet": [0.9, 0.6, 0.3], "court": [0.1, 0.4, 0.7]})
    ax = plot_curves(occupation, risk_table=False, bands=False)
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert [line.get_ydata()[0] for line in lines] == [0.9, 0.1]
    assert [line.get_xdata()[0] for line in lines] == [5.0, 5.0]
    assert ax.get_ylabel() == "Probability of being in the state"
    assert figure_alt(ax).startswith("State occupation curves")


def test_declared_kind_wins_over_the_columns():
    from types import SimpleNamespace

    occupation = _states({"parquet": [0.9, 0.6, 0.3], "court": [0.1, 0.4, 0.7]})
    declared = SimpleNamespace(table=occupation, figure={"kind": "incidence"})
    ax = plot_curves(declared, risk_table=False, bands=False)
    assert ax.get_ylabel() == "Cumulative incidence"
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert all(line.get_ydata()[0] == 0.0 for line in lines)
    ax = plot_curves(_states({"a": [0.1, 0.2, 0.3]}), kind="occupation", risk_table=False)
    assert ax.get_ylabel() == "Probability of being in the state"


def test_small_multiples_keep_no_empty_panel_and_label_time_under_the_curves():
    """Seven groups in a 3-column grid: the two unused cells are removed, each column's
    lowest panel carries the time label, and the risk row's name clears its first count.
    """
    groups = ["hate", "harassment", "partner_violence", "sexual", "discrimination",
              "cyber_harassment", "other_ifv"]
    table = pd.concat([km_by_hand([t + i for t in TIME_A], EVENT_A, g).assign(
        n_risk=lambda d: d["n_risk"] * 1000) for i, g in enumerate(groups)], ignore_index=True)
    fig = plot_curves(table)
    panels = [a for a in fig.axes if a.get_label() != "risk_table"]
    rows = [a for a in fig.axes if a.get_label() == "risk_table"]
    assert len(panels) == 7 and len(rows) == 7 and all(a.get_visible() for a in fig.axes)
    labelled = [a for a in panels if a.get_xlabel()]
    assert len(labelled) == 3 and all(a.get_xlabel() == "Time (days)" for a in labelled)
    assert not fig.get_supxlabel()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for panel in labelled:  # nothing of another panel lies between the curves and the label
        bottom = panel.get_window_extent(renderer).y0
        others = [p for p in panels if p is not panel
                  and p.get_window_extent(renderer).x0 == panel.get_window_extent(renderer).x0
                  and p.get_window_extent(renderer).y1 < bottom]
        assert not others
    first_row = rows[0]
    name = next(t for t in first_row.get_yticklabels() if t.get_text())
    first_count = min(first_row.texts, key=lambda t: t.get_position()[0])
    gap = first_count.get_window_extent(renderer).x0 - name.get_window_extent(renderer).x1
    assert gap > 4  # pixels at 100 dpi: the name never touches "7 000"


def test_french_notes_set_a_no_break_space_before_high_signs():
    """Small multiples in French: "gris : les autres groupes ; IC 95 % : bande" with the
    narrow no-break space before ";" and the no-break space before ":" in the note, as in
    the alt text; English keeps the plain "; ".
    """
    groups = ["hate", "harassment", "partner_violence", "sexual", "discrimination",
              "cyber_harassment", "other_ifv"]
    table = pd.concat([km_by_hand([t + i for t in TIME_A], EVENT_A, g)
                       for i, g in enumerate(groups)], ignore_index=True)
    fig = plot_curves(table, lang="fr").get_figure(root=True)
    note = fig.get_suptitle()
    assert "gris\u00a0: les autres groupes\u202f; " in note
    assert not re.search(r"\w ?[;:!?](\s|$)", note)
    assert not re.search(r"\w ?[;:!?](\s|$)", figure_alt(fig))
    english = plot_curves(table, lang="en").get_figure(root=True).get_suptitle()
    assert "grey: the other groups; " in english and "\u202f" not in english
