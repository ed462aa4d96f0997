"""plot_crosswalk: police x parquet matrix, row shares, suppressed cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trajectory.errors import ConfigError, SchemaError
from trajectory.plotting import crosswalk_matrix, plot_crosswalk


def crosswalk() -> pd.DataFrame:
    return pd.DataFrame({
        "police_code": ["601", "601", "101", "101", "101"],
        "parquet_code": ["601", "101", "101", "102", "601"],
        "n": [40, 10, 80, 15, 5],
    })


def test_matrix_by_hand_in_vocabulary_order():
    m = crosswalk_matrix(crosswalk())
    assert m.index.tolist() == ["101", "601"]  # charge-code vocabulary order
    assert m.columns.tolist() == ["101", "102", "601"]
    assert m.to_numpy().tolist() == [[80, 15, 5], [10, 0, 40]]
    shares = crosswalk_matrix(crosswalk(), normalize="row")
    np.testing.assert_allclose(shares.to_numpy(), [[0.8, 0.15, 0.05], [0.2, 0, 0.8]])


def test_image_and_labels():
    ax = plot_crosswalk(crosswalk())
    image = ax.collections[0].get_array().reshape(2, 3)  # seaborn's cell mesh
    np.testing.assert_allclose(image, [[0.8, 0.15, 0.05], [0.2, 0, 0.8]])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["101", "102", "601"]
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("80") == 2 and "15" in texts
    outlined = [p for p in ax.patches if not p.get_fill()]
    assert len(outlined) == 2  # the two cells where the codes agree


def test_suppressed_cell_hatched_not_zero():
    table = crosswalk().assign(suppressed=[False, False, False, False, True])
    table.loc[4, "n"] = np.nan
    m = crosswalk_matrix(table)
    assert np.isnan(m.loc["101", "601"]) and m.loc["601", "102"] == 0
    ax = plot_crosswalk(table, normalize=None, min_count=5)
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == 1
    assert (hatched[0].get_x(), hatched[0].get_y()) == (2, 0)  # row 101, column 601
    assert np.ma.is_masked(ax.collections[0].get_array().reshape(2, 3)[0, 2])
    assert "<5" in [t.get_text() for t in ax.texts]


def test_row_total_column_sets_the_denominator():
    table = crosswalk().assign(row_total=lambda d: d["police_code"].map({"101": 200, "601": 50}))
    shares = crosswalk_matrix(table, normalize="row")
    assert shares.loc["101", "101"] == pytest.approx(0.4)


def test_errors():
    with pytest.raises(SchemaError, match="count column"):
        plot_crosswalk(crosswalk().drop(columns="n"))
    with pytest.raises(ConfigError, match="normalize"):
        plot_crosswalk(crosswalk(), normalize="column")
