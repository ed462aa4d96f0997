"""plot_forest: hazard ratios on a log axis, linear effects, dodged series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trajectory.errors import ConfigError, SchemaError
from trajectory.plotting import plot_forest
from trajectory.plotting.forest import term_label
from trajectory.plotting.theme import OUTCOME_COLOURS, text


def model() -> pd.DataFrame:
    est = np.array([np.log(2.0), np.log(0.5), 0.0])
    se = np.array([0.1, 0.2, 0.3])
    return pd.DataFrame({"term": ["offence_group[T.hate]", "zone[T.5341]", "requalified"],
                         "estimate": est, "std_err": se, "lower": est - 1.96 * se,
                         "upper": est + 1.96 * se, "p": [0.0001, 0.02, 1.0]})


def markers(ax):
    return [line for line in ax.get_lines() if line.get_marker() == "s"]


def test_ratio_scale_from_exp_of_estimate():
    ax = plot_forest(model(), scale="ratio")
    assert ax.get_xscale() == "log"
    xs = [line.get_xdata()[0] for line in markers(ax)]
    np.testing.assert_allclose(xs, [2.0, 0.5, 1.0])
    ref = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert ref[0].get_xdata()[0] == 1.0
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Hate crime and hate speech", "Zone: South (Midi)", "requalified"]
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("2.00 (1.64\u20132.43)  p<0.001") for t in texts)


def test_hazard_ratio_columns_used_and_auto_scale():
    table = model().assign(hazard_ratio=[3.0, 0.4, 1.1], hr_lower=[2.0, 0.2, 0.9],
                           hr_upper=[4.0, 0.8, 1.3])
    ax = plot_forest(table)
    assert ax.get_xscale() == "log"
    np.testing.assert_allclose([m.get_xdata()[0] for m in markers(ax)], [3.0, 0.4, 1.1])
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert "1" in ticks and not any("10^" in t for t in ticks)


def test_linear_scale_for_flag_effects():
    ax = plot_forest(model(), scale="linear", xlabel="Difference in share")
    assert ax.get_xscale() == "linear"
    ref = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert ref[0].get_xdata()[0] == 0.0
    np.testing.assert_allclose([m.get_xdata()[0] for m in markers(ax)], model()["estimate"])
    assert ax.get_xlabel() == "Difference in share"


def test_series_by_outcome_are_dodged_and_coloured():
    table = pd.concat([model().assign(outcome="court"),
                       model().assign(outcome="dismissal_technical")], ignore_index=True)
    ax = plot_forest(table, scale="ratio")
    ms = markers(ax)
    assert len(ms) == 6
    assert {m.get_color() for m in ms} == {OUTCOME_COLOURS["court"],
                                           OUTCOME_COLOURS["dismissal_technical"]}
    ys = sorted(m.get_ydata()[0] for m in ms)
    assert ys[0] < 0 < ys[1]  # the two series of a term sit either side of its row
    assert len(ax.get_legend().get_texts()) == 2


def test_suppressed_estimate_written_not_drawn():
    table = model()
    table.loc[1, ["estimate", "lower", "upper"]] = np.nan
    ax = plot_forest(table, scale="ratio")
    assert len(markers(ax)) == 2
    assert "suppressed" in [t.get_text() for t in ax.texts]


def test_non_estimable_terms_are_not_called_suppressed():
    """A NaN the model reports as not estimable is said so; other NaNs were suppressed."""
    from types import SimpleNamespace

    table = model()
    table.loc[[0, 1], ["estimate", "lower", "upper"]] = np.nan
    result = SimpleNamespace(table=table, alpha=0.05, notes={
        "non_estimable": {"offence_group[T.hate]": "no events in the level"}})
    for lang in ("en", "fr"):
        ax = plot_forest(result, scale="ratio", lang=lang)
        words = [t.get_text() for t in ax.texts if t.get_position()[0] == 0.5]
        rows = sorted((t.get_position()[1], t.get_text()) for t in ax.texts
                      if t.get_position()[0] == 0.5)
        assert len(words) == 2 and len(markers(ax)) == 1
        assert rows[0][1] == text("not_estimable", lang)  # row 0: the term without events
        assert rows[1][1] == text("suppressed", lang)     # row 1: withheld by the gate
    assert text("not_estimable", "fr") != text("not_estimable", "en")


def test_term_label_and_errors():
    assert term_label("zone[T.5340]", "nl") == "Zone: Brussel-West"
    with pytest.raises(ConfigError, match="scale"):
        plot_forest(model(), scale="odds")
    with pytest.raises(SchemaError, match="upper"):
        plot_forest(model().drop(columns="upper"))
