"""Colours of the figures: one colour-blind-safe palette, fixed outcome colours.

The palette is Okabe & Ito (2008), "Color Universal Design", safe for the common
forms of colour-vision deficiency; colour is never the only cue (curves are also
labelled in legends, suppressed cells are hatched, not coloured). An outcome, offence
group or stage has THE SAME colour in every figure.

Examples
--------
>>> OUTCOME_COLOURS["court"]
'#D55E00'
>>> colour_for("partner_violence") == OFFENCE_COLOURS["partner_violence"]
True

References
----------
.. [1] Okabe M, Ito K (2008). Color Universal Design (CUD): how to make figures and
   presentations that are friendly to colorblind people. https://jfly.uni-koeln.de/color/
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "OKABE_ITO",
    "OUTCOME_COLOURS",
    "OFFENCE_COLOURS",
    "STAGE_COLOURS",
    "CYCLE",
    "SUPPRESSED_HATCH",
    "SUPPRESSED_COLOUR",
    "colour_for",
    "colours_for",
    "has_fixed_colour",
    "readable_text_colour",
]

#: Okabe-Ito palette, by name.
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "bluish_green": "#009E73",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "sky_blue": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}

#: Outcome group code (vocabulary ``outcome_groups``) -> colour; the same in every figure.
#: ``censored`` (open at the extraction date) is a light neutral grey.
OUTCOME_COLOURS: dict[str, str] = {
    "court": OKABE_ITO["vermillion"],
    "alternative": OKABE_ITO["bluish_green"],
    "dismissal_technical": OKABE_ITO["sky_blue"],
    "dismissal_opportunity": OKABE_ITO["blue"],
    "administrative": OKABE_ITO["reddish_purple"],
    "censored": "#BBBBBB",
}

#: Offence group code (vocabulary ``offence_groups``) -> colour, for curves by group.
OFFENCE_COLOURS: dict[str, str] = {
    "partner_violence": OKABE_ITO["blue"],
    "intrafamilial": OKABE_ITO["sky_blue"],
    "sexual_violence": OKABE_ITO["vermillion"],
    "hate": OKABE_ITO["orange"],
    "discrimination": OKABE_ITO["black"],
    "harassment": OKABE_ITO["bluish_green"],
    "cyber_harassment": OKABE_ITO["reddish_purple"],
}

#: Stage of the chain (``stage`` column of vocabulary ``events``) -> colour, for states.
STAGE_COLOURS: dict[str, str] = {
    "facts": "#DDDDDD",
    "reception": "#E8D5A0",
    "police": OKABE_ITO["orange"],
    "parquet": "#A6A6A6",
    "decision": OKABE_ITO["blue"],
    "court": OKABE_ITO["vermillion"],
    "support": OKABE_ITO["bluish_green"],
}

#: Colours of codes without a fixed colour, in order.
CYCLE: tuple[str, ...] = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["black"],
    OKABE_ITO["yellow"],
)

#: Hatch drawn over suppressed (not disclosed) cells; never a zero.
SUPPRESSED_HATCH = "////"
SUPPRESSED_COLOUR = "#888888"


def colour_for(code: Any, *, fallback_index: int = 0) -> str:
    """Return the fixed colour of an outcome, offence group or stage code.

    Codes without a fixed colour get the ``fallback_index``-th colour of the palette.

    Examples
    --------
    >>> colour_for("dismissal_technical")
    '#56B4E9'
    >>> colour_for("unknown code", fallback_index=1)
    '#E69F00'
    """
    key = str(code)
    key = "censored" if key == "open" else key
    for mapping in (OUTCOME_COLOURS, OFFENCE_COLOURS, STAGE_COLOURS):
        if key in mapping:
            return mapping[key]
    return CYCLE[fallback_index % len(CYCLE)]


def colours_for(codes: Iterable[Any]) -> dict[Any, str]:
    """Map codes to colours: fixed colours where defined, else distinct palette colours.

    Palette colours already taken by a fixed code are skipped, so two codes of one
    figure never share a colour while the palette has colours left.

    Examples
    --------
    >>> colours_for(["court", "A", "B"])
    {'court': '#D55E00', 'A': '#0072B2', 'B': '#E69F00'}
    """
    codes = list(dict.fromkeys(codes))
    fixed = {c: colour_for(c) for c in codes if has_fixed_colour(c)}
    free = [c for c in CYCLE if c not in fixed.values()] or list(CYCLE)
    out: dict[Any, str] = {}
    k = 0
    for c in codes:
        if c in fixed:
            out[c] = fixed[c]
        else:
            out[c] = free[k % len(free)]
            k += 1
    return out


def readable_text_colour(colour: str) -> str:
    """A colour for text: ``colour`` itself, darkened when it is too light to read on white.

    Examples
    --------
    >>> readable_text_colour("#0072B2")
    '#0072B2'
    >>> readable_text_colour("#F0E442")
    '#908928'
    """
    r, g, b = (int(colour.lstrip("#")[i: i + 2], 16) / 255 for i in (0, 2, 4))
    if 0.2126 * r + 0.7152 * g + 0.0722 * b <= 0.6:
        return colour
    return "#" + "".join(f"{round(255 * v * 0.6):02X}" for v in (r, g, b))


def has_fixed_colour(code: Any) -> bool:
    """True for a code with a colour of its own (outcome, offence group, stage)."""
    key = "censored" if str(code) == "open" else str(code)
    return any(key in m for m in (OUTCOME_COLOURS, OFFENCE_COLOURS, STAGE_COLOURS))

