"""Numbers in figures as each language writes them: decimal comma in French and Dutch.

One formatter for every figure, independent of the machine's locale (matplotlib's
``axes.formatter.use_locale`` follows the process-wide locale, which a report run
cannot rely on): :func:`format_decimal` and :func:`format_percent` for numbers in
annotations and alt texts, :func:`localise_figure` for the tick labels of every axes of
a figure (each plot function calls it, through
:func:`trajectory.plotting._base.finish`, once the figure is drawn).

Examples
--------
>>> format_decimal(0.875, ".2f", "fr"), format_percent(0.375, "fr", digits=1)
('0,88', '37,5\u202f%')
"""

from __future__ import annotations

import functools
import re
from typing import Any

from matplotlib.ticker import FixedFormatter, Formatter, FuncFormatter, NullFormatter

from .words import check_lang

__all__ = ["decimal_text", "format_decimal", "format_percent", "localise_figure",
           "localise_ticks"]

def format_decimal(value: float, spec: str = "g", lang: str = "en") -> str:
    """A number for a figure, with the decimal comma of French and Dutch.

    ``spec`` is a Python format spec; thousands separators become a narrow space (fr)
    or a point (nl). Independent of the machine's locale.

    Examples
    --------
    >>> format_decimal(0.875, ".2f", "fr"), format_decimal(1234.5, ",.1f", "nl")
    ('0,88', '1.234,5')
    >>> format_decimal(0.875, ".2f"), format_decimal(-2.5, ".1f"), format_decimal(-0.001, ".2f")
    ('0.88', '−2.5', '0.00')
    """
    check_lang(lang)
    shown = format(float(value), spec)
    if shown.startswith("-") and not any(c in "123456789" for c in shown):
        shown = shown[1:]  # a negative value rounded to zero reads 0.00, never -0.00
    if shown.startswith("-"):  # a minus sign, not a hyphen: "(−36 – −28)" reads, "-36--28" not
        shown = "\u2212" + shown[1:]
    return decimal_text(shown, lang)


def format_percent(share: float, lang: str = "en", digits: int = 0) -> str:
    """A share as a percentage for a figure or an alt text: ``0.375`` -> ``"38%"``.

    French sets a narrow no-break space before the sign; Dutch and French write the
    decimal comma. A missing share gives ``"–"``.

    Examples
    --------
    >>> format_percent(0.375), format_percent(0.375, "nl", 1), format_percent(0.375, "fr")
    ('38%', '37,5%', '38\u202f%')
    """
    check_lang(lang)
    value = float(share)
    if value != value or value in (float("inf"), float("-inf")):
        return "\u2013"
    sign = "\u202f%" if lang == "fr" else "%"
    return format_decimal(100 * value, f".{digits}f", lang) + sign


def decimal_text(text_: str, lang: str) -> str:
    r"""English-formatted number text (``"1,234.5"``) as ``lang`` writes it.

    Examples
    --------
    >>> decimal_text("1,234.5", "fr"), decimal_text("$\\mathdefault{0.5}$", "nl")
    ('1\u202f234,5', '$\\mathdefault{0{,}5}$')
    """
    if lang == "en":
        return text_
    group = "\u202f" if lang == "fr" else "."
    comma = "{,}" if "$" in text_ else ","  # mathtext: a comma without the space after it
    return text_.replace(",", "\0").replace(".", comma).replace("\0", group)


#: Mathtext commands in tick labels; once removed, a numeric label holds no letter.
_MATHTEXT = re.compile(r"\\(mathdefault|times|minus)")
_LETTER = re.compile(r"[^\W\d_]")


def _is_numeric(label: str) -> bool:
    """True for a tick label that is a number: no letter once mathtext is removed."""
    return bool(label) and not _LETTER.search(_MATHTEXT.sub("", label))


def _given_labels(formatter: Formatter) -> bool:
    """True for labels given as text (``set_xticks(..., labels=...)``), never numbers to adapt.

    Matplotlib keeps such labels in a ``FixedFormatter``, or (3.10 and later) in a
    ``FuncFormatter`` over a dict of position -> label.
    """
    if isinstance(formatter, (FixedFormatter, NullFormatter)):
        return True
    func = getattr(formatter, "func", None) if isinstance(formatter, FuncFormatter) else None
    return isinstance(func, functools.partial) and getattr(
        func.func, "__name__", "") == "_format_with_dict"


class LanguageFormatter(Formatter):
    """An axis formatter that wraps matplotlib's own one and rewrites its labels for a language.

    Subclasses override ``format_ticks`` and ``__call__``; the axis and the tick
    locations reach the wrapped formatter, which still chooses precision and units.
    """

    def __init__(self, inner: Formatter, lang: str) -> None:
        self.inner, self.lang = inner, lang

    def set_axis(self, axis: Any) -> None:
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def set_locs(self, locs: Any) -> None:
        self.inner.set_locs(locs)


class _DecimalFormatter(LanguageFormatter):
    """Wraps an axis formatter so that its numeric tick labels take the decimal comma."""

    def format_ticks(self, values: Any) -> list[str]:
        # the inner formatter chooses one precision for all ticks (ScalarFormatter)
        return [self._local(t) for t in self.inner.format_ticks(values)]

    def __call__(self, x: float, pos: int | None = None) -> str:
        return self._local(self.inner(x, pos))

    def get_offset(self) -> str:
        return self._local(self.inner.get_offset())

    def _local(self, label: str) -> str:
        return decimal_text(label, self.lang) if _is_numeric(label) else label


def localise_ticks(ax: Any, lang: str = "en") -> Any:
    """Give the numeric tick labels of ``ax`` the decimal comma of ``lang`` (none in "en").

    Wraps the major and minor formatters the axes hold (call it once they are set: a
    formatter set later replaces the wrapper), so ticks keep their positions and
    precision. Labels given as text (group names: a ``FixedFormatter``) are left as
    they are. Independent of the locale (``axes.formatter.use_locale`` depends on the
    machine).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [0, 0.5])
    >>> _ = ax.set_xticks([0, 1], labels=["a, b", "c.d"])
    >>> _ = localise_ticks(ax, "fr")
    >>> fig.canvas.draw()
    >>> [t.get_text() for t in ax.get_yticklabels()][1:3], ax.get_xticklabels()[0].get_text()
    (['0,0', '0,1'], 'a, b')
    >>> plt.close(fig)
    """
    check_lang(lang)
    if lang == "en":
        return ax
    for axis in (ax.xaxis, ax.yaxis):
        for get, put in ((axis.get_major_formatter, axis.set_major_formatter),
                         (axis.get_minor_formatter, axis.set_minor_formatter)):
            current = get()
            if not isinstance(current, LanguageFormatter) and not _given_labels(current):
                put(_DecimalFormatter(current, lang))
    return ax


def localise_figure(target: Any, lang: str = "en") -> Any:
    """:func:`localise_ticks` on every axes of the figure of ``target`` (Figure or Axes).

    Reaches the axes a plot function adds (risk tables, colour bars, panels).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, axes = plt.subplots(1, 2)
    >>> _ = axes[1].plot([0, 1], [0, 0.5])
    >>> _ = localise_figure(axes[0], "nl")
    >>> fig.canvas.draw()
    >>> axes[1].get_yticklabels()[1].get_text()
    '0,0'
    >>> plt.close(fig)
    """
    check_lang(lang)
    figure = target.get_figure(root=True) if hasattr(target, "get_figure") else target
    for ax in getattr(figure, "axes", []):
        localise_ticks(ax, lang)
    return target
