"""The project theme: matplotlib settings, and one import for the words, colours and numbers.

Every figure of :mod:`trajectory.plotting` draws inside :func:`theme_context`, so all
share one type, sizes and grid; the theme's parts live in their own modules and are
imported from here as well:

- :mod:`~trajectory.plotting.palette`: the colour-blind-safe palette (Okabe & Ito 2008)
  and the fixed colour of each outcome, offence group and stage;
- :mod:`~trajectory.plotting.words` (and :mod:`~trajectory.plotting.alt_texts`): every
  word of the figures in English, Dutch and French, and the labels of codes;
- :mod:`~trajectory.plotting.formatting`: numbers as each language writes them (the
  decimal comma of French and Dutch), in annotations, alt texts and tick labels.

Examples
--------
>>> OUTCOME_COLOURS["court"]
'#D55E00'
>>> display_label("court", "nl")
'Rechtbank (dagvaarding of gerechtelijk onderzoek)'
>>> text("at_risk", "fr")
'Effectif à risque'
>>> colour_for("partner_violence") == OFFENCE_COLOURS["partner_violence"]
True
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import seaborn as sns

from .formatting import (
    decimal_text,
    format_decimal,
    format_percent,
    localise_figure,
    localise_ticks,
)
from .palette import (
    CYCLE,
    OFFENCE_COLOURS,
    OKABE_ITO,
    OUTCOME_COLOURS,
    STAGE_COLOURS,
    SUPPRESSED_COLOUR,
    SUPPRESSED_HATCH,
    colour_for,
    colours_for,
    has_fixed_colour,
    readable_text_colour,
)
from .words import (
    BY_LABELS,
    STAGE_LABELS,
    TEXT,
    check_lang,
    colon,
    display_label,
    text,
    time_label,
)

__all__ = [
    "OKABE_ITO",
    "OUTCOME_COLOURS",
    "OFFENCE_COLOURS",
    "STAGE_COLOURS",
    "STAGE_LABELS",
    "BY_LABELS",
    "SUPPRESSED_HATCH",
    "SUPPRESSED_COLOUR",
    "THEME_RC",
    "TEXT",
    "theme_context",
    "check_lang",
    "colon",
    "colour_for",
    "colours_for",
    "decimal_text",
    "display_label",
    "format_decimal",
    "format_percent",
    "has_fixed_colour",
    "localise_figure",
    "localise_ticks",
    "readable_text_colour",
    "text",
    "time_label",
]

#: Matplotlib rc settings of the theme: seaborn's "ticks" style (type, colours of text
#: and axes) with readable sizes, a light grid and no frame on legends.
THEME_RC: dict[str, Any] = {
    **sns.axes_style("ticks"),
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "axes.prop_cycle": plt.cycler(color=list(CYCLE)),
    "hatch.color": SUPPRESSED_COLOUR,
    "hatch.linewidth": 0.6,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
}


@contextlib.contextmanager
def theme_context() -> Iterator[None]:
    """Context manager applying :data:`THEME_RC` (what every ``plot_*`` function uses).

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with theme_context():
    ...     mpl.rcParams["axes.spines.top"]
    False
    """
    # The first figure of a session may resolve the backend inside this context (in
    # Jupyter the inline backend then switches interactive mode on); rc_context would
    # undo that on exit and later figures would no longer display, so keep it.
    with plt.rc_context(THEME_RC):  # type: ignore[arg-type]
        try:
            yield
        finally:
            interactive = matplotlib.is_interactive()
    matplotlib.interactive(interactive)
