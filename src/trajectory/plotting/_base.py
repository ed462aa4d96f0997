"""Helpers shared by the plot functions: reading tables, checking columns, axes, suppression."""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..errors import SchemaError
from .formatting import localise_figure
from .words import french_spacing

#: Keys of ``TidyResult.notes`` that may hold the disclosure threshold k.
_THRESHOLD_KEYS = ("min_count", "threshold", "k", "min_cell")


@dataclass(frozen=True)
class Source:
    """A plot's input: the tidy table and the facts of the result it came from."""

    table: pd.DataFrame
    alpha: float = 0.05
    time_unit: str = "days"
    method: str = ""
    kind: str = ""
    notes: dict[str, Any] = field(default_factory=dict)
    #: the result class's ``figure`` spec (``{"kind": ..., options}``); empty for tables
    figure: dict[str, Any] = field(default_factory=dict)
    n: int = 0


def source_of(data: Any, *, function: str) -> Source:
    """Return the table of a TidyResult (duck-typed: has ``.table``) or a DataFrame."""
    if isinstance(data, pd.DataFrame):
        return Source(table=data)
    table = getattr(data, "table", None)
    if isinstance(table, pd.DataFrame):
        return Source(
            table=table,
            alpha=float(getattr(data, "alpha", 0.05) or 0.05),
            time_unit=str(getattr(data, "time_unit", "days") or "days"),
            method=str(getattr(data, "method", "") or ""),
            kind=type(data).__name__,
            notes=dict(getattr(data, "notes", {}) or {}),
            figure=dict(getattr(data, "figure", {}) or {}),
            n=int(getattr(data, "n", 0) or 0),
        )
    raise SchemaError(
        f"{function}: expected a pandas DataFrame or a TidyResult with a .table, "
        f"got {type(data).__name__}; pass result.table or the result itself"
    )


def require_columns(table: pd.DataFrame, columns: Iterable[str], *, function: str) -> None:
    """Raise SchemaError naming the missing columns and the ones present."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise SchemaError(
            f"{function}: table lacks column(s) {', '.join(missing)}; it has "
            f"{', '.join(map(str, table.columns))}. Pass a table with the documented columns."
        )


def suppressed_mask(table: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """True where a row was suppressed by the disclosure gate or a value is missing."""
    mask = table[list(columns)].isna().any(axis=1).to_numpy()
    if "suppressed" in table.columns:
        mask = mask | table["suppressed"].fillna(False).astype(bool).to_numpy()
    return mask


def small_count_text(source: Source, *, min_count: int | None = None) -> str:
    """The label of a suppressed count: ``"<k"`` with the gate's k when it is known."""
    k = min_count if min_count is not None else threshold_of(source)
    return f"<{k}" if k is not None else "<k"


def threshold_of(source: Source) -> int | None:
    """The disclosure threshold k of a published result (its notes), or None."""
    audit = source.notes.get("disclosure")
    if isinstance(audit, dict) and audit.get("k") is not None:
        return int(audit["k"])
    for key in _THRESHOLD_KEYS:
        if key in source.notes:
            return int(source.notes[key])
    return None


def rounding_of(source: Source) -> int | None:
    """The base counts of a published result are rounded to (rounding, else k), or None."""
    audit = source.notes.get("disclosure")
    if isinstance(audit, dict):
        base = audit.get("rounding") or audit.get("k")
        return int(base) if base else None
    return None


# ------------------------------------------------------------------ alt texts

_ALT: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def set_alt(target: Any, alt: str) -> str:
    """Attach an alt text to the figure of ``target`` (a Figure or an Axes); return it."""
    figure = target.get_figure(root=True) if hasattr(target, "get_figure") else target
    if figure is None:
        figure = target
    _ALT[figure] = " ".join(str(alt).split())
    return _ALT[figure]


def finish(target: Any, alt: str, lang: str) -> str:
    """The last step of every plot function: numbers of ``lang``, then the alt text.

    Gives every numeric tick label of the figure the decimal comma of French and Dutch
    (:func:`~trajectory.plotting.formatting.localise_figure`) and attaches ``alt``;
    returns the alt text.
    """
    localise_figure(target, lang)
    if lang == "fr":
        _french_spacing_in_figure(target)
        alt = french_spacing(str(alt), lang)
    return set_alt(target, alt)


def _french_spacing_in_figure(target: Any) -> None:
    """French spacing before ``; : ! ?`` in every text of the figure (titles, notes, legends).

    The one place that sets it, so that a note joined with a plain ``"; "`` anywhere
    still reads as French typography. Mathtext (``$...$``) is left alone.
    """
    from matplotlib.text import Text

    figure = target.get_figure(root=True) if hasattr(target, "get_figure") else target
    if figure is None or not hasattr(figure, "findobj"):
        return
    for artist in figure.findobj(Text):
        value = artist.get_text()
        if value and "$" not in value and any(sign in value for sign in ";:!?"):
            spaced = french_spacing(value, "fr")
            if spaced != value:
                artist.set_text(spaced)


def get_alt(target: Any) -> str:
    """The alt text attached by the plot function that drew ``target`` ("" if none)."""
    figure = target.get_figure(root=True) if hasattr(target, "get_figure") else target
    return _ALT.get(figure if figure is not None else target, "")


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """Return ``ax`` or the Axes of a new figure of ``figsize`` inches."""
    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=figsize)
    return new


def groups_in_order(values: pd.Series) -> list[Any]:
    """Distinct values in order of first appearance (categorical: category order)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna())
        return [c for c in values.cat.categories if c in present]
    return list(dict.fromkeys(values.dropna().tolist()))


def axes_height_inches(ax: Axes) -> float:
    """Height of ``ax`` in inches, before drawing (from its position in the figure)."""
    figure = ax.get_figure(root=True)
    if figure is None:
        return 1.0
    return float(ax.get_position().height * figure.bbox.height / figure.dpi)


def format_count(value: float) -> str:
    """Integer with a thin thousands separator (``12 345``)."""
    return f"{int(round(value)):,}".replace(",", "\u2009")


def level_of(alpha: float) -> str:
    """Confidence level in percent, e.g. ``"95"``."""
    return f"{100 * (1 - alpha):g}"
