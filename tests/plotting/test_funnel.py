"""plot_funnel: one bar a stage, widths equal to n, rates, suppressed stages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trajectory.errors import SchemaError
from trajectory.plotting import plot_funnel


def funnel() -> pd.DataFrame:
    n = [1000, 800, 600, 90]
    return pd.DataFrame({"stage": ["E11", "E23", "E30", "E45"], "n": n})


def bars(ax):
    return sorted(ax.patches, key=lambda p: p.get_y())


def test_bar_widths_are_the_counts_and_centred():
    ax = plot_funnel(funnel())
    widths = [p.get_width() for p in bars(ax)]
    assert widths == [1000, 800, 600, 90]
    assert all(p.get_x() == pytest.approx(-p.get_width() / 2) for p in bars(ax))
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Complaint lodged", "Record transmitted to the parquet",
                      "Parquet registration", "Direct summons"]


def test_rates_computed_from_n_when_absent():
    texts = {t.get_text() for t in plot_funnel(funnel()).texts}
    # conditional 800/1000, 600/800, 90/600 and cumulative 60%, 9%
    assert {"80%", "75%", "15%", "60%", "9%"} <= texts
    assert {"1\u2009000", "800", "600", "90"} <= texts


def test_given_rates_and_interval_are_printed():
    table = funnel().assign(conditional=[np.nan, 0.8, 0.75, 0.15],
                            cumulative=[1, 0.8, 0.6, 0.09],
                            lower=[np.nan, 0.77, 0.72, 0.12], upper=[np.nan, 0.83, 0.78, 0.18])
    texts = {t.get_text() for t in plot_funnel(table).texts}
    assert "80% (77%\u201383%)" in texts


def test_suppressed_stage_is_hatched_upper_bound_never_zero():
    table = funnel().assign(suppressed=[False, False, False, True])
    table.loc[3, "n"] = np.nan
    ax = plot_funnel(table, min_count=10)
    hidden = [p for p in ax.patches if p.get_hatch()]
    assert len(hidden) == 1
    assert hidden[0].get_width() == 600  # the previous shown stage bounds it
    texts = [t.get_text() for t in ax.texts]
    assert "<10" in texts
    assert "0" not in texts and "0%" not in texts


def test_missing_n_is_an_error_and_french_labels():
    with pytest.raises(SchemaError, match="'n'|n;|lacks column"):
        plot_funnel(funnel().drop(columns="n"))
    ax = plot_funnel(funnel(), lang="fr")
    assert ax.get_xlabel() == "Nombre d'affaires"
    assert ax.get_yticklabels()[0].get_text() == "Plainte déposée"
