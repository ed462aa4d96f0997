"""The project theme: one colour-blind-safe palette, fixed outcome colours, labels in NL/FR/EN.

Every figure of :mod:`trajectory.plotting` draws with this theme, so an outcome has
THE SAME colour in every figure (curves, stacked incidence, alluvial, funnel, forest)
and every label can be shown in English, Dutch or French.

The palette is Okabe & Ito (2008), "Color Universal Design", safe for the common
forms of colour-vision deficiency; colour is never the only cue (curves are also
labelled in legends, suppressed cells are hatched, not coloured).

Examples
--------
>>> OUTCOME_COLOURS["court"]
'#D55E00'
>>> display_label("court", "nl")
'Rechtbank (dagvaarding of gerechtelijk onderzoek)'
>>> text("at_risk", "fr")
'Nombre à risque'
>>> colour_for("partner_violence") == OFFENCE_COLOURS["partner_violence"]
True
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

import matplotlib
import matplotlib.pyplot as plt

from ..errors import ConfigError
from ..schema import LANGUAGES, labels

__all__ = [
    "OKABE_ITO",
    "OUTCOME_COLOURS",
    "OFFENCE_COLOURS",
    "STAGE_COLOURS",
    "STAGE_LABELS",
    "SUPPRESSED_HATCH",
    "THEME_RC",
    "TEXT",
    "theme_context",
    "colour_for",
    "colours_for",
    "display_label",
    "readable_text_colour",
    "text",
    "time_label",
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

_CYCLE: tuple[str, ...] = (
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

#: Matplotlib rc settings of the theme: readable type, light axes, no frame on legends.
THEME_RC: dict[str, Any] = {
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
    "axes.prop_cycle": plt.cycler(color=list(_CYCLE)),
    "hatch.color": SUPPRESSED_COLOUR,
    "hatch.linewidth": 0.6,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
}

#: Interface words of the figures, by key and language.
TEXT: dict[str, dict[str, str]] = {
    "time": {"en": "Time ({unit})", "nl": "Tijd ({unit})", "fr": "Temps ({unit})"},
    "days": {"en": "days", "nl": "dagen", "fr": "jours"},
    "months": {"en": "months", "nl": "maanden", "fr": "mois"},
    "years": {"en": "years", "nl": "jaren", "fr": "années"},
    "survival": {
        "en": "Proportion without the event",
        "nl": "Aandeel zonder gebeurtenis",
        "fr": "Proportion sans l'événement",
    },
    "cumulative_incidence": {
        "en": "Cumulative incidence",
        "nl": "Cumulatieve incidentie",
        "fr": "Incidence cumulée",
    },
    "where_cases_stand": {
        "en": "Share of cases",
        "nl": "Aandeel van de zaken",
        "fr": "Part des affaires",
    },
    "state_occupation": {
        "en": "Probability of being in the state",
        "nl": "Kans om in de toestand te zijn",
        "fr": "Probabilité d'être dans l'état",
    },
    "at_risk": {"en": "Number at risk", "nl": "Aantal at risk", "fr": "Nombre à risque"},
    "suppressed": {"en": "suppressed", "nl": "onderdrukt", "fr": "masqué"},
    "cases": {"en": "cases", "nl": "zaken", "fr": "affaires"},
    "conditional": {
        "en": "of previous stage",
        "nl": "van vorige fase",
        "fr": "de l'étape précédente",
    },
    "cumulative": {"en": "of first stage", "nl": "van eerste fase", "fr": "de la 1re étape"},
    "hazard_ratio": {
        "en": "Hazard ratio (log scale)",
        "nl": "Hazard ratio (log-schaal)",
        "fr": "Rapport de risques (échelle log)",
    },
    "effect": {"en": "Estimate", "nl": "Schatting", "fr": "Estimation"},
    "police_code": {"en": "Police code", "nl": "Politiecode", "fr": "Code police"},
    "parquet_code": {"en": "Parquet code", "nl": "Parketcode", "fr": "Code parquet"},
    "row_share": {
        "en": "Share of the police code (%)",
        "nl": "Aandeel van de politiecode (%)",
        "fr": "Part du code police (%)",
    },
    "count": {"en": "Number of cases", "nl": "Aantal zaken", "fr": "Nombre d'affaires"},
    "delay": {"en": "Delay ({unit})", "nl": "Doorlooptijd ({unit})", "fr": "Délai ({unit})"},
    "median": {"en": "median", "nl": "mediaan", "fr": "médiane"},
    "iqr": {
        "en": "quartiles (25%-75%)",
        "nl": "kwartielen (25%-75%)",
        "fr": "quartiles (25 %-75 %)",
    },
    "ci": {"en": "{level}% CI", "nl": "{level}%-BI", "fr": "IC {level} %"},
    "not_reached": {"en": "not reached", "nl": "niet bereikt", "fr": "non atteint"},
    "all": {"en": "All cases", "nl": "Alle zaken", "fr": "Toutes les affaires"},
    "open": {"en": "Open", "nl": "Open", "fr": "Ouvert"},
    "km_note": {
        "en": "Kaplan-Meier quantiles; open cases count as censored, not dropped",
        "nl": "Kaplan-Meier-kwantielen; open zaken gecensureerd, niet weggelaten",
        "fr": "Quantiles de Kaplan-Meier ; affaires ouvertes censurées, non exclues",
    },
}

#: Stage of the chain (``stage`` column of vocabulary ``events``) -> label by language.
STAGE_LABELS: dict[str, dict[str, str]] = {
    "facts": {"en": "Facts", "nl": "Feiten", "fr": "Faits"},
    "reception": {"en": "Reception", "nl": "Onthaal", "fr": "Accueil"},
    "police": {"en": "At the police", "nl": "Bij de politie", "fr": "À la police"},
    "parquet": {"en": "At the parquet, open", "nl": "Op het parket, open",
                "fr": "Au parquet, ouvert"},
    "decision": {"en": "Decision", "nl": "Beslissing", "fr": "Décision"},
    "court": {"en": "Court", "nl": "Rechtbank", "fr": "Tribunal"},
    "support": {"en": "Victim support", "nl": "Slachtofferhulp", "fr": "Aide aux victimes"},
    # stages of the attrition funnel (trajectory.attrition)
    "complaint": {"en": "Complaint", "nl": "Aangifte", "fr": "Plainte"},
    "pv": {"en": "Written record (PV)", "nl": "Proces-verbaal", "fr": "Procès-verbal"},
    "parquet_registration": {"en": "Parquet registration", "nl": "Inschrijving parket",
                             "fr": "Enregistrement au parquet"},
    "qualification": {"en": "Qualification", "nl": "Kwalificatie", "fr": "Qualification"},
    "summons": {"en": "Summons", "nl": "Dagvaarding", "fr": "Citation"},
    "judgment": {"en": "Judgment", "nl": "Vonnis", "fr": "Jugement"},
    "conviction": {"en": "Conviction", "nl": "Veroordeling", "fr": "Condamnation"},
    # multi-state model (trajectory.cohort.transitions)
    "judged": {"en": "Judged", "nl": "Gevonnist", "fr": "Jugé"},
}

_VOCABULARIES_FOR_LABELS: tuple[str, ...] = (
    "outcome_groups",
    "offence_groups",
    "police_zones",
    "events",
    "decisions",
    "charge_codes",
)


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ConfigError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")


def text(key: str, lang: str = "en", **fields: Any) -> str:
    """Return an interface word of the figures in ``lang``, with ``{fields}`` filled in.

    Examples
    --------
    >>> text("time", "nl", unit=text("days", "nl"))
    'Tijd (dagen)'
    """
    _check_lang(lang)
    try:
        words = TEXT[key][lang]
    except KeyError:
        known = ", ".join(sorted(TEXT))
        raise ConfigError(f"no figure text {key!r}; known keys: {known}") from None
    return words.format(**fields) if fields else words


def display_label(code: Any, lang: str = "en") -> str:
    """Return the label of a code from the project vocabularies, or the code itself.

    Looks up, in order, outcome groups, offence groups, police zones, events, decisions
    and charge codes; ``"censored"`` and ``"open"`` give the "open" label, ``"all"`` the
    label of the whole cohort.

    Examples
    --------
    >>> display_label("hate", "fr")
    'Délit de haine et discours de haine'
    >>> display_label("5341", "nl")
    'Zuid'
    >>> display_label("my own group")
    'my own group'
    """
    _check_lang(lang)
    key = str(code)
    if key in ("all", "overall", "_all"):
        return text("all", lang)
    if key == "open":
        return text("open", lang)
    if key in STAGE_LABELS and key != "court":  # "court" is also an outcome group
        return STAGE_LABELS[key][lang]
    for name in _VOCABULARIES_FOR_LABELS:
        found = labels(name, lang).get(key)
        if found:
            return found
    return key


def time_label(unit: str, lang: str = "en") -> str:
    """Axis label for a time axis in ``unit`` (``"days"``, ``"months"``, ``"years"``).

    Examples
    --------
    >>> time_label("days", "fr")
    'Temps (jours)'
    """
    unit_word = TEXT[unit][lang] if unit in TEXT else unit
    return text("time", lang, unit=unit_word)


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
    return _CYCLE[fallback_index % len(_CYCLE)]


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
    fixed = {c: colour_for(c) for c in codes if _has_fixed_colour(c)}
    free = [c for c in _CYCLE if c not in fixed.values()] or list(_CYCLE)
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


def _has_fixed_colour(code: Any) -> bool:
    key = "censored" if str(code) == "open" else str(code)
    return any(key in m for m in (OUTCOME_COLOURS, OFFENCE_COLOURS, STAGE_COLOURS))


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
