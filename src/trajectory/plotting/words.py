"""The words of the figures in Dutch, French and English: interface texts and labels of codes.

Every label of a figure comes from here or from the project vocabularies
(:func:`trajectory.schema.labels`), so each figure can be drawn in any of the three
languages of the study (``lang="en" | "nl" | "fr"``).

Examples
--------
>>> display_label("court", "nl")
'Rechtbank (dagvaarding of gerechtelijk onderzoek)'
>>> text("at_risk", "fr")
'Effectif à risque'
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import ConfigError
from ..schema import LANGUAGES, labels
from .alt_texts import ALT_TEXT

__all__ = ["TEXT", "STAGE_LABELS", "BY_LABELS", "MONTHS", "check_lang", "colon", "text",
           "display_label", "period_label", "time_label"]

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
    "cumulative_hazard": {"en": "Cumulative hazard", "nl": "Cumulatieve hazard",
                          "fr": "Risque cumulé"},
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
    "at_risk": {"en": "Number at risk", "nl": "Aantal onder risico", "fr": "Effectif à risque"},
    "at_risk_note": {
        "en": "Number at risk rounded to {base}; blank after a curve ends",
        "nl": "Aantal onder risico afgerond op {base}; leeg na het einde van een curve",
        "fr": "Effectif à risque arrondi à {base} ; vide après la fin d'une courbe",
    },
    "censor_mark": {
        "en": "open at extraction (censored)",
        "nl": "open bij extractie (gecensureerd)",
        "fr": "ouverte à l'extraction (censurée)",
    },
    "logrank": {
        "en": "Log-rank test: \u03c7\u00b2 = {chisq}, df = {df}, {p}",
        "nl": "Logranktoets: \u03c7\u00b2 = {chisq}, vg = {df}, {p}",
        "fr": "Test du log-rank\u00a0: \u03c7\u00b2 = {chisq}, ddl = {df}, {p}",
    },
    "band": {"en": "shaded band", "nl": "gekleurde band", "fr": "bande ombrée"},
    "others_grey": {
        "en": "grey: the other groups",
        "nl": "grijs: de andere groepen",
        "fr": "gris\u00a0: les autres groupes",
    },
    "since": {"en": "{unit} since {origin}", "nl": "{unit} sinds {origin}",
              "fr": "{unit} depuis {origin}"},
    "after_horizon": {"en": "{months} months after {origin}", "nl": "{months} maanden na {origin}",
                      "fr": "{months} mois après {origin}"},
    "after_days": {"en": "{days} days after {origin}", "nl": "{days} dagen na {origin}",
                   "fr": "{days} jours après {origin}"},
    "short_follow_up": {
        "en": "follow-up too short",
        "nl": "opvolging te kort",
        "fr": "suivi trop court",
    },
    "flagged": {"en": "flagged", "nl": "gesignaleerd", "fr": "signalé"},
    "not_flagged": {"en": "not flagged (closest to a flag)",
                    "nl": "niet gesignaleerd (dichtst bij een signaal)",
                    "fr": "non signalé (les plus proches d'un signal)"},
    "flag_high": {"en": "flagged, high (whole interval beyond the minimum)",
                  "nl": "gesignaleerd, hoog (heel interval voorbij het minimum)",
                  "fr": "signalé, élevé (tout l'intervalle au-delà du minimum)"},
    "flag_moderate": {"en": "flagged, moderate", "nl": "gesignaleerd, matig",
                      "fr": "signalé, modéré"},
    "practical_minimum": {"en": "practical minimum", "nl": "praktisch minimum",
                          "fr": "minimum pratique"},
    "flagged_not_shown": {
        "en": "{n} more flagged comparisons, in the flags table",
        "nl": "nog {n} gesignaleerde vergelijkingen, in de tabel van de signalen",
        "fr": "{n} autres comparaisons signalées, dans le tableau des signaux",
    },
    "not_shown": {
        "en": "{n} other comparisons, not flagged, not shown",
        "nl": "{n} andere vergelijkingen, niet gesignaleerd, niet getoond",
        "fr": "{n} autres comparaisons, non signalées, non montrées",
    },
    "columns": {"en": "columns", "nl": "kolommen", "fr": "colonnes"},
    "col_offence_group": {"en": "Offence", "nl": "Misdrijf", "fr": "Infraction"},
    "col_division": {"en": "Parquet division", "nl": "Afdeling van het parket",
                     "fr": "Division du parquet"},
    "col_outcome": {"en": "Outcome", "nl": "Uitkomst", "fr": "Issue"},
    "vs_rest": {"en": "vs the rest", "nl": "t.o.v. de rest", "fr": "vs le reste"},
    "victim_sex": {"en": "Victim's sex", "nl": "Geslacht van het slachtoffer",
                   "fr": "Sexe de la victime"},
    "victim_age_band": {"en": "Victim's age", "nl": "Leeftijd van het slachtoffer",
                        "fr": "Âge de la victime"},
    "complaint_year": {"en": "Year of complaint", "nl": "Jaar van de aangifte",
                       "fr": "Année de la plainte"},
    "sex_F": {"en": "Women", "nl": "Vrouwen", "fr": "Femmes"},
    "sex_M": {"en": "Men", "nl": "Mannen", "fr": "Hommes"},
    "sex_X": {"en": "Other (X)", "nl": "Ander (X)", "fr": "Autre (X)"},
    "unknown": {"en": "Not recorded", "nl": "Niet geregistreerd", "fr": "Non enregistré"},
    # quantities on the axis of a forest plot
    "q_hazard_ratio": {"en": "Hazard ratio (log scale)", "nl": "Hazard ratio (log-schaal)",
                       "fr": "Rapport de risques instantanés (échelle log)"},
    "q_subdistribution_hazard_ratio": {
        "en": "Subdistribution hazard ratio (log scale)",
        "nl": "Subdistributie-hazard ratio (log-schaal)",
        "fr": "Rapport de risques de sous-distribution (échelle log)"},
    "q_rate_ratio": {"en": "Rate ratio (log scale)",
                     "nl": "Ratio van de intensiteiten (log-schaal)",
                     "fr": "Rapport de taux (échelle log)"},
    "q_median_ratio": {"en": "Ratio of median delays (log scale)",
                       "nl": "Verhouding van de mediane doorlooptijden (log-schaal)",
                       "fr": "Rapport des délais médians (échelle log)"},
    "q_q75_ratio": {"en": "Ratio of 75th-percentile delays (log scale)",
                    "nl": "Verhouding van het 75e percentiel van de doorlooptijd (log-schaal)",
                    "fr": "Rapport des délais au 75e centile (échelle log)"},
    "q_q90_ratio": {"en": "Ratio of 90th-percentile delays (log scale)",
                    "nl": "Verhouding van het 90e percentiel van de doorlooptijd (log-schaal)",
                    "fr": "Rapport des délais au 90e centile (échelle log)"},
    "q_cause_specific_hazard_ratio": {
        "en": "Hazard ratio of the outcome (log scale)",
        "nl": "Hazard ratio van de uitkomst (log-schaal)",
        "fr": "Rapport de risques de l'issue (échelle log)"},
    "q_requalification_hazard_ratio": {
        "en": "Hazard ratio of a decision after requalification (log scale)",
        "nl": "Hazard ratio van een beslissing na herkwalificatie (log-schaal)",
        "fr": "Rapport de risques d'une décision après requalification (échelle log)"},
    "q_difference_points": {"en": "Difference in percentage points",
                            "nl": "Verschil in procentpunten",
                            "fr": "Différence en points de pourcentage"},
    "q_division_code_distance": {"en": "Distance between the divisions' coding",
                                 "nl": "Afstand tussen de codering van de afdelingen",
                                 "fr": "Distance entre les codages des divisions"},
    "m_median_ratio": {"en": "Median delay", "nl": "Mediane doorlooptijd", "fr": "Délai médian"},
    "m_q75_ratio": {"en": "75th percentile of the delay", "nl": "75e percentiel doorlooptijd",
                    "fr": "75e centile du délai"},
    "m_q90_ratio": {"en": "90th percentile of the delay", "nl": "90e percentiel doorlooptijd",
                    "fr": "90e centile du délai"},
    "m_cause_specific_hazard_ratio": {"en": "Rate of each outcome", "nl": "Tempo van elke uitkomst",
                                      "fr": "Rythme de chaque issue"},
    "m_requalification_hazard_ratio": {"en": "Decisions after requalification",
                                       "nl": "Beslissingen na herkwalificatie",
                                       "fr": "Décisions après requalification"},
    "m_referral_rate_difference": {"en": "Referral to victim support",
                                   "nl": "Doorverwijzing naar slachtofferhulp",
                                   "fr": "Orientation vers l'aide aux victimes"},
    "m_informed_rate_difference": {"en": "Victims informed of the decision",
                                   "nl": "Slachtoffers op de hoogte van de beslissing",
                                   "fr": "Victimes informées de la décision"},
    "m_hate_flag_loss_difference": {"en": "Hate motive lost at the parquet",
                                    "nl": "Haatmotief verloren op het parket",
                                    "fr": "Mobile de haine perdu au parquet"},
    "m_ifg_flag_loss_difference": {"en": "Intrafamilial flag lost at the parquet",
                                   "nl": "Intrafamiliale vlag verloren op het parket",
                                   "fr": "Caractère intrafamilial perdu au parquet"},
    "m_division_code_distance": {"en": "Coding differences between divisions",
                                 "nl": "Coderingsverschillen tussen afdelingen",
                                 "fr": "Différences de codage entre divisions"},
    "suppressed": {"en": "suppressed", "nl": "onderdrukt", "fr": "masqué"},
    "not_estimable": {"en": "not estimable (too few events)",
                      "nl": "niet schatbaar (te weinig gebeurtenissen)",
                      "fr": "non estimable (trop peu d'événements)"},
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
    # monitoring figures (trajectory.plotting.monitoring)
    "monitor_cohort": {"en": "Entry cohort (period of the complaint)",
                       "nl": "Instroomcohorte (periode van de klacht)",
                       "fr": "Cohorte d'entrée (période de la plainte)"},
    "monitor_target": {"en": "Target", "nl": "Doel", "fr": "Cible"},
    "monitor_immature": {"en": "Immature (still followed)", "nl": "Onvolledig (nog opgevolgd)",
                         "fr": "Immature (encore suivie)"},
    "monitor_event_time": {"en": "Periods since the start", "nl": "Perioden sinds de start",
                           "fr": "Périodes depuis le début"},
    "monitor_effect": {"en": "Difference in cumulative incidence",
                       "nl": "Verschil in cumulatieve incidentie",
                       "fr": "Différence d'incidence cumulée"},
    "monitor_cases": {"en": "Cases compared (effective number)",
                      "nl": "Vergeleken zaken (effectief aantal)",
                      "fr": "Affaires comparées (nombre effectif)"},
    "monitor_ratio": {"en": "Observed / expected", "nl": "Waargenomen / verwacht",
                      "fr": "Observé / attendu"},
    "monitor_cusum": {"en": "CUSUM (log-likelihood ratio)",
                      "nl": "CUSUM (log-aannemelijkheidsratio)",
                      "fr": "CUSUM (log du rapport de vraisemblance)"},
    "monitor_threshold": {"en": "Alarm threshold", "nl": "Alarmdrempel", "fr": "Seuil d'alarme"},
    "monitor_date": {"en": "Date", "nl": "Datum", "fr": "Date"},
    # a period never breaks across lines: no-break spaces
    "monitor_quarter": {"en": "{year}\u00a0Q{q}", "nl": "K{q}\u00a0{year}",
                        "fr": "T{q}\u00a0{year}"},
    "monitor_month": {"en": "{month}\u00a0{year}", "nl": "{month}\u00a0{year}",
                      "fr": "{month}\u00a0{year}"},
    "monitor_day": {"en": "{day}\u00a0{month}\u00a0{year}", "nl": "{day}\u00a0{month}\u00a0{year}",
                    "fr": "{day}\u00a0{month}\u00a0{year}"},
    "monitor_no_data": {"en": "No unit with enough cases to publish",
                        "nl": "Geen eenheid met genoeg zaken om te publiceren",
                        "fr": "Aucune unité avec assez d'affaires pour publier"},
    **ALT_TEXT,
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
    # delays of the reception lens (trajectory.bottlenecks.reception)
    "reporting": {"en": "facts to complaint", "nl": "feiten tot aangifte",
                  "fr": "faits à plainte"},
    "complaint_to_pv": {"en": "complaint to PV", "nl": "aangifte tot pv",
                        "fr": "plainte à PV"},
    "pv_to_police_registration": {"en": "PV to police registration",
                                  "nl": "pv tot politieregistratie",
                                  "fr": "PV à enregistrement police"},
    "transmission": {"en": "police registration to transmission",
                     "nl": "politieregistratie tot overdracht",
                     "fr": "enregistrement police à transmission"},
    "transmission_to_registration": {"en": "transmission to parquet registration",
                                     "nl": "overdracht tot inschrijving parket",
                                     "fr": "transmission à enregistrement parquet"},
    "pv_to_registration": {"en": "PV to parquet registration",
                           "nl": "pv tot inschrijving parket",
                           "fr": "PV à enregistrement parquet"},
    "police_to_parquet": {"en": "police to parquet", "nl": "politie tot parket",
                          "fr": "police à parquet"},
    # time to a decision after a requalification (trajectory.bottlenecks.nomenclature)
    "registration_to_decision": {"en": "registration to decision",
                                 "nl": "inschrijving tot beslissing",
                                 "fr": "enregistrement à décision"},
}

#: Dimension of a comparison (``by`` of the flags) -> prefix of a group's label.
BY_LABELS: dict[str, dict[str, str]] = {
    "zone": {"en": "Zone", "nl": "Zone", "fr": "Zone"},
    "division": {"en": "Division", "nl": "Afdeling", "fr": "Division"},
    "police_code": {"en": "Code", "nl": "Code", "fr": "Code"},
    "channel": {"en": "Channel", "nl": "Kanaal", "fr": "Canal"},
}

#: Month names by language (January first), for periods of monthly cohorts.
MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
}
#: A period as the monitoring layer writes it (pandas ``Period``): quarter, month.
_QUARTER = re.compile(r"^(?P<year>\d{4})Q(?P<q>[1-4])$")
_MONTH = re.compile(r"^(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])$")
_DAY = re.compile(r"^(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])-(?P<day>0[1-9]|[12]\d|3[01])$")

_VOCABULARIES_FOR_LABELS: tuple[str, ...] = (
    "outcome_groups",
    "offence_groups",
    "police_zones",
    "events",
    "decisions",
    "charge_codes",
)


def check_lang(lang: str) -> None:
    """Raise ConfigError naming the languages when ``lang`` is not one of them."""
    if lang not in LANGUAGES:
        raise ConfigError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")


def text(key: str, lang: str = "en", **fields: Any) -> str:
    """Return an interface word of the figures in ``lang``, with ``{fields}`` filled in.

    Examples
    --------
    >>> text("time", "nl", unit=text("days", "nl"))
    'Tijd (dagen)'
    """
    check_lang(lang)
    try:
        words = TEXT[key][lang]
    except KeyError:
        known = ", ".join(sorted(TEXT))
        raise ConfigError(f"no figure text {key!r}; known keys: {known}") from None
    return words.format(**fields) if fields else words


def display_label(code: Any, lang: str = "en") -> str:
    """Return the label of a code from the project vocabularies, or the code itself.

    A period of the monitoring layer (``2021Q1``, ``2021-01``) reads as the language
    writes it (:func:`period_label`). Otherwise looks up, in order, outcome groups,
    offence groups, police zones, events, decisions and charge codes; ``"censored"``
    and ``"open"`` give the "open" label, ``"all"`` the label of the whole cohort.

    Examples
    --------
    >>> display_label("hate", "fr")
    'Délit de haine et discours de haine'
    >>> display_label("5341", "nl")
    'Zuid'
    >>> display_label("my own group")
    'my own group'
    """
    check_lang(lang)
    key = str(code)
    shown = period_label(key, lang)
    if shown != key:  # an entry cohort ("2021Q1") in the reader's words
        return shown
    if key in ("all", "overall", "_all"):
        return text("all", lang)
    if key == "open":
        return text("open", lang)
    if key in ("not_recorded", "unknown"):  # a missing value made its own level
        return text("unknown", lang)
    if key in STAGE_LABELS and key != "court":  # "court" is also an outcome group
        return STAGE_LABELS[key][lang]
    for name in _VOCABULARIES_FOR_LABELS:
        found = labels(name, lang).get(key)
        if found:
            return found
    return key


def period_label(period: Any, lang: str = "en") -> str:
    r"""A period (entry cohort, month or day) as ``lang`` writes it; anything else unchanged.

    Quarters read ``2021 Q1`` (en), ``T1 2021`` (fr, *trimestre*) and ``K1 2021`` (nl,
    *kwartaal*); months and days take the language's month name (French writes the
    first of a month ``1er``), with no-break spaces. The machine form (``2021Q1``, ``2021-01``,
    ``2021-01-31``) stays in the CSV files and the workbook: only what a reader sees
    changes.

    Examples
    --------
    >>> period_label("2021Q1", "fr"), period_label("2021Q3", "nl"), period_label("2021Q4")
    ('T1\xa02021', 'K3\xa02021', '2021\xa0Q4')
    >>> period_label("2022-08", "fr"), period_label("2022-03", "nl"), period_label("2022")
    ('août\xa02022', 'maart\xa02022', '2022')
    >>> period_label("2023-07-01", "fr"), period_label("2023-07-20", "en")
    ('1er\xa0juillet\xa02023', '20\xa0July\xa02023')
    """
    check_lang(lang)
    key = str(period)
    quarter = _QUARTER.match(key)
    if quarter:
        return text("monitor_quarter", lang, year=quarter["year"], q=quarter["q"])
    found = _MONTH.match(key) or _DAY.match(key)
    if not found:
        return key
    month = MONTHS[lang][int(found["month"]) - 1]
    if "day" not in found.groupdict():
        return text("monitor_month", lang, month=month, year=found["year"])
    day = int(found["day"])
    return text("monitor_day", lang, day="1er" if lang == "fr" and day == 1 else str(day),
                month=month, year=found["year"])


def colon(lang: str) -> str:
    r"""The colon of ``lang`` before a value: French sets a no-break space before it.

    Examples
    --------
    >>> "Tribunal" + colon("fr") + "8 %"
    'Tribunal\xa0: 8 %'
    """
    return "\u00a0: " if lang == "fr" else ": "


def join_notes(parts: Any, lang: str = "en") -> str:
    r"""Notes joined by semicolons, set as ``lang`` sets them.

    French puts a narrow no-break space before ``;`` (and the other high signs ``: ! ?``,
    see :func:`french_spacing`); English and Dutch do not. Every figure note and alt text
    that lists parts joins them here.

    Examples
    --------
    >>> join_notes(["gris : les autres groupes", "IC 95 %"], "fr")
    'gris\xa0: les autres groupes\u202f; IC 95 %'
    >>> join_notes(["grey: the other groups", "95% CI"], "en")
    'grey: the other groups; 95% CI'
    """
    separator = "\u202f; " if lang == "fr" else "; "
    return french_spacing(separator.join(str(p) for p in parts), lang)


def french_spacing(value: str, lang: str) -> str:
    r"""French spacing before ``; : ! ?`` (a no-break space; none for other languages).

    A plain or missing space between a word (or a closing bracket, quote or ``%``) and
    the sign becomes a no-break one (narrow before ``; ! ?``, full before ``:``); a colon
    inside a time (``10:30``) or a sign standing alone (``? cases``) is left alone.

    Examples
    --------
    >>> french_spacing("gris : groupes; IC", "fr")
    'gris\xa0: groupes\u202f; IC'
    """
    if lang != "fr":
        return value
    value = re.sub(r"(?<=[^\W\d]|[)\]»%’'])[ ]?([;!?])(?=\s|$)", "\u202f\\1", value)
    return re.sub(r"(?<=[^\W\d]|[)\]»%’'])[ ]?:(?=\s|$)", "\u00a0:", value)


def time_label(unit: str, lang: str = "en") -> str:
    """Axis label for a time axis in ``unit`` (``"days"``, ``"months"``, ``"years"``).

    Examples
    --------
    >>> time_label("days", "fr")
    'Temps (jours)'
    """
    unit_word = TEXT[unit][lang] if unit in TEXT else unit
    return text("time", lang, unit=unit_word)

