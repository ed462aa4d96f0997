"""Point labels that never overlap: each at the nearest free place around its point.

A small greedy search on the rendered sizes of the labels (numpy only). Labels are
placed one by one, the most important first: first every label that fits beside its
point, then the others at the free place nearest their point, joined to it by a thin
leader line. A box is free when it overlaps no label placed before, no point's marker
and no leader line, and stays inside the axes; a leader line crosses no marker, label
or other leader. When labels are left out, the layout is tried again with them first
(three rounds at most; the fullest is kept). A label with no free place is not drawn:
its point still is, and its value stays in the table and the alt text.

Placement is in points (1/72 inch) from each point, so the figure keeps it when saved
at another resolution; call :func:`place_labels` after the axes limits are final.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots(figsize=(4, 3))
>>> _ = ax.scatter([1, 1.01, 1.02], [2, 2.0, 2.01])
>>> placed = place_labels(ax, [1, 1.01, 1.02], [2, 2.0, 2.01], ["first", "second", "third"])
>>> fig.canvas.draw()
>>> boxes = [a.get_window_extent() for a in placed if a is not None]
>>> len(boxes), any(b.overlaps(c) for i, b in enumerate(boxes) for c in boxes[i + 1:])
(3, False)
>>> plt.close(fig)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.text import Annotation

__all__ = ["place_labels"]

_GAP = 1.5  # points kept free between a label and anything else
_LEADER = 2.0  # points beyond the marker from which a label gets a leader line
_ROUNDS = 3  # layouts tried when labels are left out, those left out first


def place_labels(
    ax: Axes,
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    labels: Sequence[str],
    *,
    fontsize: float = 7.0,
    marker_size: float = float(np.sqrt(22.0)),
    order: Sequence[int] | None = None,
    colour: str = "#222222",
) -> list[Annotation | None]:
    """Label the points ``(x, y)`` of ``ax`` so that no two labels overlap.

    Parameters
    ----------
    ax : Axes
        Axes holding the points, with its limits final (they are fixed here).
    x, y : sequence of float
        Data coordinates of the points; a point with a missing coordinate gets no label.
    labels : sequence of str
        One text a point.
    fontsize : float
        Font size of the labels, in points.
    marker_size : float
        Diameter of the points' markers in points (``sqrt(s)`` of a scatter's ``s``).
    order : sequence of int, optional
        Indices of the points from the most to the least important: earlier labels get
        the places nearest their points. Default: as given.
    colour : str
        Colour of the labels and leader lines.

    Returns
    -------
    list of Annotation or None
        One entry a point, None where the point has no label (missing coordinate, or
        no free place inside the axes).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(4, 3))
    >>> _ = ax.scatter([0, 1], [0, 1])
    >>> [a.get_text() for a in place_labels(ax, [0, 1], [0, 1], ["a", "b"])]
    ['a', 'b']
    >>> plt.close(fig)
    """
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if not (len(xs) == len(ys) == len(labels)):
        raise ValueError("place_labels: x, y and labels must have the same length")
    figure = ax.get_figure(root=True)
    assert figure is not None
    ax.set_xlim(ax.get_xlim())  # freeze the limits: the placement depends on them
    ax.set_ylim(ax.get_ylim())
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    to_points = 72.0 / figure.dpi
    ok = np.isfinite(xs) & np.isfinite(ys)
    where = np.full((len(xs), 2), np.nan)
    if ok.any():
        where[ok] = ax.transData.transform(np.column_stack([xs[ok], ys[ok]])) * to_points
    frame = np.asarray(ax.get_window_extent(renderer).extents) * to_points
    sizes = {i: _text_size(ax, labels[i], fontsize, renderer) * to_points
             for i in np.flatnonzero(ok).tolist()}
    ranked = [i for i in (range(len(labels)) if order is None else order) if ok[i]]
    chosen: dict[int, tuple[np.ndarray, bool]] = {}
    hard: list[int] = []
    for _ in range(_ROUNDS):  # labels left out go first in the next round
        layout = _Layout(where[ok], marker_size / 2.0, frame + [_GAP, _GAP, -_GAP, -_GAP])
        attempt = layout.place(where, sizes, ranked, first=hard)
        if len(attempt) > len(chosen):
            chosen = attempt
        if len(chosen) == len(ranked):
            break
        hard = hard + [i for i in ranked if i not in attempt and i not in hard]
    placed: list[Annotation | None] = [None] * len(labels)
    for i, (box, leader) in chosen.items():
        offset = box[:2] - where[i]
        placed[i] = ax.annotate(
            labels[i], (xs[i], ys[i]), xytext=(float(offset[0]), float(offset[1])),
            textcoords="offset points", ha="left", va="bottom", fontsize=fontsize,
            color=colour, annotation_clip=False,
            arrowprops={"arrowstyle": "-", "color": colour, "lw": 0.5, "shrinkA": 0.5,
                        "shrinkB": marker_size / 2.0 + 0.5} if leader else None,
        )
    return placed


class _Layout:
    """What is taken so far (markers, label boxes, leader lines), in points."""

    def __init__(self, points: np.ndarray, radius: float, frame: np.ndarray) -> None:
        self.points, self.radius, self.frame = points, radius, frame
        self.marks = np.hstack([points - radius - _GAP, points + radius + _GAP])
        self.boxes = np.empty((0, 4))
        self.leaders = np.empty((0, 4))

    def place(self, where: np.ndarray, sizes: dict[int, np.ndarray], ranked: list[int],
              first: list[int]) -> dict[int, tuple[np.ndarray, bool]]:
        """Boxes of the labels ``ranked``, placed in three sweeps.

        Those ``first`` anywhere, then all that fit beside their points, then the
        others along leader lines; a label with no free place is left out.
        """
        chosen: dict[int, tuple[np.ndarray, bool]] = {}
        for only, beside_only in ((first, False), (ranked, True), (ranked, False)):
            for i in only:
                if i not in chosen:
                    found = self.take(where[i], sizes[i], beside_only=beside_only)
                    if found is not None:
                        chosen[i] = found
        return chosen

    def take(self, point: np.ndarray, size: np.ndarray, *, beside_only: bool
             ) -> tuple[np.ndarray, bool] | None:
        """Take the free box nearest ``point`` for a label of ``size``.

        Returns the box and whether it needs a leader line; None when no box is free.
        """
        boxes, cost = _candidates(size, self.radius, self.frame - np.tile(point, 2),
                                  beside_only=beside_only)
        boxes = boxes + np.tile(point, 2)
        ends = _nearest_points(boxes, point)
        leader = np.hypot(*(ends - point).T) > self.radius + _LEADER
        lines = np.hstack([np.broadcast_to(point, ends.shape), ends])
        others = self.marks[np.any(self.points != point, axis=1)] + np.array([1, 1, -1, -1]) * _GAP
        blocked = (_overlaps(boxes, np.vstack([self.marks, self.boxes]))
                   | _hits(self.leaders, boxes).any(axis=0)
                   | (leader & (_hits(lines, np.vstack([others, self.boxes])).any(axis=1)
                                | _intersect(lines, self.leaders))))
        if blocked.all():
            return None
        k = np.flatnonzero(~blocked)[np.argmin(cost[~blocked])]
        self.boxes = np.vstack([self.boxes, boxes[k] + [-_GAP, -_GAP, _GAP, _GAP]])
        if leader[k]:
            self.leaders = np.vstack([self.leaders, lines[k]])
        return boxes[k], bool(leader[k])


def _text_size(ax: Axes, label: str, fontsize: float, renderer: object) -> np.ndarray:
    """Width and height of ``label`` as drawn in ``ax``, in pixels."""
    probe = ax.text(0.0, 0.0, label, fontsize=fontsize, ha="left", va="bottom")
    extent = probe.get_window_extent(renderer)  # type: ignore[arg-type]
    probe.remove()
    return np.array([extent.width, extent.height])


def _candidates(size: np.ndarray, radius: float, frame: np.ndarray, *,
                beside_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Boxes ``(x0, y0, x1, y1)`` around a point at the origin, inside ``frame``, and costs.

    Beside the point first (right, left, above, below and the corners, touching the
    marker), then a grid over the whole frame, for labels that must move away along a
    leader line. The cost is the box's distance to the point, with a slight preference
    for the right of the point and above it (the way the eye reads a label).
    """
    w, h = size
    near = radius + _GAP
    beside = np.array([
        [near, -h / 2], [near, near * 0.3], [near, -h + -near * 0.3],
        [-near - w, -h / 2], [-w / 2, near], [-w / 2, -near - h],
        [near * 0.7, near * 0.7], [-near * 0.7 - w, near * 0.7],
        [near * 0.7, -near * 0.7 - h], [-near * 0.7 - w, -near * 0.7 - h],
    ])
    gx = np.arange(frame[0], frame[2] - w, max(w / 6.0, 2.0))
    gy = np.arange(frame[1], frame[3] - h, max(h / 3.0, 2.0))
    grid = np.array(np.meshgrid(gx, gy)).reshape(2, -1).T[:0 if beside_only else None]
    corners = np.vstack([beside, grid])
    boxes = np.hstack([corners, corners + size])
    inside = ((boxes[:, 0] >= frame[0]) & (boxes[:, 1] >= frame[1])
              & (boxes[:, 2] <= frame[2]) & (boxes[:, 3] <= frame[3]))
    boxes = boxes[inside]
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    cost = _distance(boxes) + 0.01 * (centre[:, 0] < 0) + 0.005 * (centre[:, 1] < 0)
    return boxes, cost


def _distance(boxes: np.ndarray) -> np.ndarray:
    """Distance from the origin to the nearest point of each box."""
    dx = np.maximum(0.0, np.maximum(boxes[:, 0], -boxes[:, 2]))
    dy = np.maximum(0.0, np.maximum(boxes[:, 1], -boxes[:, 3]))
    return np.hypot(dx, dy)


def _nearest_points(boxes: np.ndarray, point: np.ndarray) -> np.ndarray:
    """The point of each box nearest ``point`` (where a leader line meets the label)."""
    return np.column_stack([np.clip(point[0], boxes[:, 0], boxes[:, 2]),
                            np.clip(point[1], boxes[:, 1], boxes[:, 3])])


def _overlaps(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Whether each box overlaps any of ``others`` (all ``(x0, y0, x1, y1)``)."""
    if not len(others):
        return np.zeros(len(boxes), dtype=bool)
    a, b = boxes[:, None, :], others[None, :, :]
    hit = ((a[..., 0] < b[..., 2]) & (b[..., 0] < a[..., 2])
           & (a[..., 1] < b[..., 3]) & (b[..., 1] < a[..., 3]))
    return np.asarray(hit.any(axis=1))


def _hits(segments: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Which segments ``(x0, y0, x1, y1)`` pass through which boxes: a (segments, boxes) array.

    The slab test: the segment's parameter interval inside both slabs of the box is
    not empty (touching an edge is not a hit).
    """
    if not len(segments) or not len(boxes):
        return np.zeros((len(segments), len(boxes)), dtype=bool)
    start = segments[:, None, :2]
    step = segments[:, None, 2:] - start
    low, high = boxes[None, :, :2], boxes[None, :, 2:]
    inside = (start > low) & (start < high)
    with np.errstate(divide="ignore", invalid="ignore"):
        t0, t1 = (low - start) / step, (high - start) / step
    flat = step == 0
    enter = np.where(flat, np.where(inside, -np.inf, np.inf), np.minimum(t0, t1)).max(axis=2)
    leave = np.where(flat, np.where(inside, np.inf, -np.inf), np.maximum(t0, t1)).min(axis=2)
    return np.asarray((enter < leave) & (enter < 1.0) & (leave > 0.0))


def _intersect(segments: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Whether each segment properly crosses any of ``others`` (orientation test)."""
    if not len(others):
        return np.zeros(len(segments), dtype=bool)
    a, b = segments[:, None, :2], segments[:, None, 2:]
    c, d = others[None, :, :2], others[None, :, 2:]

    def side(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
        return np.sign((q[..., 0] - p[..., 0]) * (r[..., 1] - p[..., 1])
                       - (q[..., 1] - p[..., 1]) * (r[..., 0] - p[..., 0]))

    cross = (side(a, b, c) * side(a, b, d) < 0) & (side(c, d, a) * side(c, d, b) < 0)
    return np.asarray(cross.any(axis=1))
