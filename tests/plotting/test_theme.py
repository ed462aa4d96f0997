"""The theme: fixed outcome colours in every figure, palette, labels in three languages."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.colors import to_hex

from trajectory.errors import ConfigError
from trajectory.plotting import (
    plot_alluvial,
    plot_curves,
    plot_forest,
    plot_stacked_incidence,
)
from trajectory.plotting.theme import (
    OKABE_ITO,
    OUTCOME_COLOURS,
    TEXT,
    colours_for,
    display_label,
    text,
)
from trajectory.schema import LANGUAGES, vocabulary


def test_every_outcome_group_has_its_own_colour():
    codes = set(vocabulary("outcome_groups")["code"])
    assert codes == set(OUTCOME_COLOURS)
    assert len(set(OUTCOME_COLOURS.values())) == len(OUTCOME_COLOURS)
    decided = {k: v for k, v in OUTCOME_COLOURS.items() if k != "censored"}
    assert set(decided.values()) <= set(OKABE_ITO.values())  # colour-blind-safe palette


def test_court_has_the_same_colour_in_every_figure():
    court = OUTCOME_COLOURS["court"].upper()
    cif = pd.DataFrame({"group": "all", "outcome": ["court", "alternative"],
                        "time": [10.0, 20.0], "estimate": [0.2, 0.3], "n_risk": [10, 8]})
    line = plot_curves(cif).get_lines()[0]
    assert to_hex(line.get_color()).upper() == court
    stacked = plot_stacked_incidence(cif)
    assert to_hex(stacked.collections[0].get_facecolor()[0]).upper() == court
    flows = pd.DataFrame({"source": ["E30", "E30"], "target": ["alternative", "court"],
                          "count": [5, 7]})
    ribbons = [p for p in plot_alluvial(flows).patches if p.get_label() == "_flow"]
    assert court in {to_hex(p.get_facecolor()).upper() for p in ribbons}
    model = pd.DataFrame({"outcome": ["court"], "term": ["hate"], "estimate": [0.1],
                          "lower": [0.0], "upper": [0.2]})
    marker = next(m for m in plot_forest(model).get_lines() if m.get_marker() == "s")
    assert to_hex(marker.get_color()).upper() == court


def test_every_text_has_three_languages():
    for key, words in TEXT.items():
        assert set(words) == set(LANGUAGES), key
        assert all(words.values()), key


@pytest.mark.parametrize("name", ["outcome_groups", "offence_groups", "police_zones", "events"])
def test_vocabulary_codes_have_labels_in_each_language(name):
    for code in vocabulary(name)["code"]:
        labels = [display_label(code, lang) for lang in LANGUAGES]
        assert all(labels) and labels[0] != code or name == "police_zones"


def test_unknown_language_and_text():
    with pytest.raises(ConfigError, match="language"):
        display_label("court", "de")
    with pytest.raises(ConfigError, match="figure text"):
        text("nonsense")


@given(st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=8, unique=True))
def test_codes_of_one_figure_never_share_a_colour(codes):
    codes = [c for c in codes if c not in OUTCOME_COLOURS]
    colours = colours_for(codes)
    assert len(set(colours.values())) == len(codes)
