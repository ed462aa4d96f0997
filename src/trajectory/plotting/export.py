"""Figures for print: SVG and 300-dpi PNG files, with an alt text written from the data.

Every ``plot_*`` function of :mod:`trajectory.plotting` attaches to the figure it draws
an alt text made from the figure's own numbers (what it shows, for whom, the main
number); :func:`figure_alt` reads it and :func:`save_figure` writes it into both files
(SVG ``<title>``/``<desc>``, PNG ``Description``) and returns it, so that a report puts
it in the ``alt`` attribute of the image.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import tempfile, pathlib
>>> import pandas as pd
>>> from trajectory.plotting import plot_funnel
>>> ax = plot_funnel(pd.DataFrame({"stage": ["E11", "E30"], "n": [100, 80]}))
>>> with tempfile.TemporaryDirectory() as tmp:
...     saved = save_figure(ax, pathlib.Path(tmp) / "funnel")
...     sorted(p.suffix for p in saved.paths), saved.png_dpi
(['.png', '.svg'], 300)
>>> saved.alt.startswith("Attrition funnel")
True
>>> import matplotlib.pyplot as plt; plt.close("all")
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ..errors import ConfigError
from ._base import get_alt, set_alt

__all__ = ["SavedFigure", "save_figure", "figure_alt", "PRINT_DPI"]

#: Resolution of the PNG files written for print.
PRINT_DPI = 300


@dataclass(frozen=True)
class SavedFigure:
    """The files written for one figure, and its alt text.

    Attributes
    ----------
    svg, png : pathlib.Path
        The vector file and the 300-dpi raster file (same stem).
    alt : str
        The alt text (to put in ``<img alt="...">``).
    png_dpi : int
        Resolution of ``png``.
    """

    svg: Path
    png: Path
    alt: str
    png_dpi: int = PRINT_DPI

    @property
    def paths(self) -> list[Path]:
        """Both files."""
        return [self.svg, self.png]


def _figure(target: Any) -> Figure:
    if isinstance(target, Figure):
        return target
    figure = target.get_figure(root=True) if hasattr(target, "get_figure") else None
    if figure is None:
        raise ConfigError(
            f"save_figure: expected a matplotlib Figure or Axes, got {type(target).__name__}; "
            "pass what a plot_* function or result.plot() returned"
        )
    return figure


def _accessible_svg(path: Path, title: str, alt: str) -> None:
    """Give the SVG a ``<title>``, a ``<desc>`` and ``role="img"`` (read by screen readers)."""
    svg = path.read_text(encoding="utf-8")
    start = svg.find("<svg")
    end = svg.find(">", start)
    if start < 0 or end < 0:
        return
    head = svg[start:end]
    extra = ' role="img" aria-labelledby="figure-title figure-desc"' if "role=" not in head else ""
    tags = (f'<title id="figure-title">{html.escape(title)}</title>'
            f'<desc id="figure-desc">{html.escape(alt)}</desc>')
    path.write_text(svg[:end] + extra + ">\n" + tags + svg[end + 1:], encoding="utf-8")


def figure_alt(target: Any) -> str:
    """The alt text of a figure drawn by :mod:`trajectory.plotting` ("" when none).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from trajectory.plotting import plot_funnel
    >>> ax = plot_funnel(pd.DataFrame({"stage": ["E11", "E30"], "n": [100, 80]}))
    >>> figure_alt(ax)[:40]
    'Attrition funnel: of 100 cases at the fi'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    return get_alt(_figure(target))


def save_figure(
    target: Any,
    path: str | Path,
    *,
    alt: str | None = None,
    dpi: int = PRINT_DPI,
    title: str | None = None,
    close: bool = True,
) -> SavedFigure:
    """Write a figure as ``<path>.svg`` and ``<path>.png`` (300 dpi) with its alt text.

    Parameters
    ----------
    target : Figure or Axes
        What a ``plot_*`` function or ``result.plot()`` returned.
    path : str or Path
        File path without suffix (a suffix given is replaced); folders are created.
    alt : str, optional
        Alt text; default the one the plot function wrote from the figure's data
        (:func:`figure_alt`). A figure with neither raises ``ConfigError``: no image
        goes into a report without a description.
    dpi : int
        Resolution of the PNG (default 300, for print).
    title : str, optional
        Title stored in the files' metadata (default: the file stem).
    close : bool
        Close the figure after writing (frees its memory in long report runs).

    Returns
    -------
    SavedFigure
        ``svg``, ``png`` paths and ``alt``.
    """
    figure = _figure(target)
    text = alt if alt is not None else get_alt(figure)
    if not text.strip():
        raise ConfigError(
            "save_figure: the figure has no alt text; draw it with a trajectory.plotting "
            "function or pass alt='what it shows, for whom, the main number'"
        )
    text = set_alt(figure, text)
    stem = Path(path)
    stem = stem.with_suffix("") if stem.suffix in (".svg", ".png", ".pdf") else stem
    stem.parent.mkdir(parents=True, exist_ok=True)
    name = title or stem.name
    svg, png = stem.with_suffix(".svg"), stem.with_suffix(".png")
    # fixed metadata: no dates or tool versions, so that reruns write identical SVGs
    figure.savefig(svg, format="svg", bbox_inches="tight",
                   metadata={"Title": name, "Description": text, "Date": None,
                             "Creator": None})
    _accessible_svg(svg, name, text)
    figure.savefig(png, format="png", dpi=dpi, bbox_inches="tight",
                   metadata={"Title": name, "Description": text, "Software": None})
    if close:
        plt.close(figure)
    return SavedFigure(svg=svg, png=png, alt=text, png_dpi=dpi)
