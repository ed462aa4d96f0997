"""Labels of the monitoring funnel never overlap (rendered extents), in every language."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Annotation, Text

from trajectory.plotting.labels import place_labels
from trajectory.plotting.monitoring import plot_monitor_funnel
from trajectory.plotting.theme import display_label

# the six Brussels police zones as the demo study places them (make_study(20000, seed=1,
# scenario="brussels"), funnel on transmission within 30 days): five units crowded near
# the top, the longest names side by side
DEMO = pd.DataFrame({
    "group": ["5339", "5340", "5341", "5342", "5343", "5344"],
    "n_eff": [4564.0, 3609.0, 3717.0, 2331.0, 2445.0, 3334.0],
    "ratio": [1.100834, 0.524803, 1.107188, 1.115250, 1.106426, 1.094495],
    "z": [8.218, -34.19, 7.847, 6.729, 6.435, 6.594],
    "signal": ["above 99.8% limit", "below 99.8% limit", "above 99.8% limit",
               "above 99.8% limit", "above 99.8% limit", "above 99.8% limit"],
})


def _labels(ax):
    return [t for t in ax.texts if isinstance(t, Annotation)]


def _text_box(label, renderer=None):
    """The rendered box of a label's text (an Annotation's own extent adds its arrow)."""
    return Text.get_window_extent(label, renderer)


def _overlapping_pairs(boxes):
    return [(i, j) for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2)
            if a.overlaps(b)]


def _check_layout(ax, n_points):
    """Every label drawn apart from the others, from every marker and inside the axes."""
    fig = ax.get_figure(root=True)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = _labels(ax)
    boxes = [_text_box(t, renderer) for t in labels]
    assert _overlapping_pairs(boxes) == []
    frame = ax.get_window_extent(renderer)
    for box in boxes:
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1
    radius = np.sqrt(22.0) / 2 * fig.dpi / 72
    every_point = ax.collections[0].get_offsets()
    marks = ax.transData.transform(np.asarray(every_point, float))
    for box in boxes:
        inside_x = (marks[:, 0] + radius > box.x0) & (marks[:, 0] - radius < box.x1)
        inside_y = (marks[:, 1] + radius > box.y0) & (marks[:, 1] - radius < box.y1)
        assert not (inside_x & inside_y).any()
    assert len(labels) <= n_points
    return labels


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_demo_zone_labels_do_not_overlap(lang):
    ax = plot_monitor_funnel(DEMO, lang=lang)
    labels = _check_layout(ax, len(DEMO))
    assert len(labels) == len(DEMO)  # every zone labelled, the long names included
    assert any("/" in t.get_text() and len(t.get_text()) > 30 for t in labels)
    fig = ax.get_figure(root=True)
    fig.set_dpi(300)  # the report's PNG: placement is in points, it holds at 300 dpi
    _check_layout(ax, len(DEMO))


def test_labels_stay_with_their_points():
    ax = plot_monitor_funnel(DEMO, lang="fr")
    fig = ax.get_figure(root=True)
    fig.canvas.draw()
    for label in _labels(ax):
        unit = DEMO.loc[np.isclose(DEMO["n_eff"], label.xy[0])
                        & np.isclose(DEMO["ratio"], label.xy[1]), "group"].item()
        assert label.get_text() == display_label(unit, "fr")  # the unit at its point
        point = ax.transData.transform([label.xy])[0]
        box = _text_box(label)
        gap = np.hypot(max(box.x0 - point[0], 0, point[0] - box.x1),
                       max(box.y0 - point[1], 0, point[1] - box.y1)) * 72 / fig.dpi
        # beside its point (marker radius and a gap), or joined to it by a leader line
        assert gap < 5.0 or label.arrow_patch is not None


@pytest.mark.parametrize("seed", [0, 1])
def test_a_dense_cluster_of_long_names(seed):
    rng = np.random.default_rng(seed)
    n = 24
    x = 1000 + rng.normal(0, 60, n)
    y = 1.0 + rng.normal(0, 0.02, n)
    names = [f"Zone {i}: " + "Watermael-Boitsfort/"[: rng.integers(3, 20)] for i in range(n)]
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    ax.scatter(x, y, s=22)
    ax.set_xlim(500, 1500)
    ax.set_ylim(0.85, 1.15)
    placed = place_labels(ax, x, y, names, order=list(np.argsort(-np.abs(y - 1))))
    labels = _check_layout(ax, n)
    assert len(labels) == sum(a is not None for a in placed)
    assert len(labels) >= n // 2  # most of them find a place
    drawn = [i for i, a in enumerate(placed) if a is not None]
    assert [a.get_text() for a in placed if a is not None] == [names[i] for i in drawn]


def test_missing_points_get_no_label():
    fig, ax = plt.subplots()
    ax.scatter([0, 1], [0, 1])
    placed = place_labels(ax, [0, np.nan, 1], [0, 1, 1], ["a", "b", "c"])
    assert placed[1] is None and placed[0] is not None and placed[2] is not None
    with pytest.raises(ValueError, match="same length"):
        place_labels(ax, [0], [0, 1], ["a"])
