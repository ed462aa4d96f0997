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
'Effectif à risque'
>>> colour_for("partner_violence") == OFFENCE_COLOURS["partner_violence"]
True
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.ticker import Formatter

from ..errors import ConfigError
from ..schema import LANGUAGES, labels

__all__ = [
    "OKABE_ITO",
    "OUTCOME_COLOURS",
    "OFFENCE_COLOURS",
    "STAGE_COLOURS",
    "STAGE_LABELS",
    "BY_LABELS",
    "SUPPRESSED_HATCH",
    "THEME_RC",
    "TEXT",
    "theme_context",
    "colour_for",
    "colours_for",
    "decimal_text",
    "display_label",
    "format_decimal",
    "localise_ticks",
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
    # alt texts: written from each figure's data
    "alt_withheld": {"en": "Figure withheld: too few cases to publish.",
                     "nl": "Figuur weggelaten: te weinig zaken om te publiceren.",
                     "fr": "Figure retenue : trop peu d'affaires pour publier."},
    "alt_funnel": {
        "en": "Attrition funnel: of {n0} cases at the first stage ({first}), {n1} ({share}) "
              "reached the last of {k} stages ({last}).",
        "nl": "Trechter: van {n0} zaken in de eerste fase ({first}) bereikten er {n1} ({share}) "
              "de laatste van {k} fasen ({last}).",
        "fr": "Entonnoir : sur {n0} affaires à la première étape ({first}), {n1} ({share}) "
              "ont atteint la dernière des {k} étapes ({last}).",
    },
    "alt_funnel_loss": {
        "en": "The largest loss is from {prev} to {stage}: {share} continued.",
        "nl": "Het grootste verlies is van {prev} naar {stage}: {share} ging verder.",
        "fr": "La perte la plus forte va de {prev} à {stage} : {share} ont continué.",
    },
    "alt_survival": {
        "en": "Kaplan-Meier curves of the {what} over {t} {unit}, {k} group(s), {n} cases. "
              "{medians}",
        "nl": "Kaplan-Meiercurven van de {what} over {t} {unit}, {k} groep(en), {n} zaken. "
              "{medians}",
        "fr": "Courbes de Kaplan-Meier de la {what} sur {t} {unit}, {k} groupe(s), {n} "
              "affaires. {medians}",
    },
    "alt_what_survival": {"en": "share of cases without the event",
                          "nl": "aandeel zaken zonder gebeurtenis",
                          "fr": "part des affaires sans l'événement"},
    "alt_what_incidence": {"en": "cumulative incidence", "nl": "cumulatieve incidentie",
                           "fr": "incidence cumulée"},
    "alt_medians": {"en": "Median time from {lo} {unit} ({glo}) to {hi} {unit} ({ghi}).",
                    "nl": "Mediane tijd van {lo} {unit} ({glo}) tot {hi} {unit} ({ghi}).",
                    "fr": "Temps médian de {lo} {unit} ({glo}) à {hi} {unit} ({ghi})."},
    "alt_median_one": {"en": "Median time {m} {unit}.", "nl": "Mediane tijd {m} {unit}.",
                       "fr": "Temps médian {m} {unit}."},
    "alt_end_values": {"en": "At {t} {unit}: {values}.", "nl": "Op {t} {unit}: {values}.",
                       "fr": "À {t} {unit} : {values}."},
    "alt_stacked": {
        "en": "Where cases stand over time: stacked cumulative incidence of each outcome, "
              "{k} panel(s). {values}",
        "nl": "Waar de zaken staan in de tijd: gestapelde cumulatieve incidentie van elke "
              "uitkomst, {k} paneel/panelen. {values}",
        "fr": "Où en sont les affaires au fil du temps : incidence cumulée empilée de chaque "
              "issue, {k} panneau(x). {values}",
    },
    "alt_states": {
        "en": "Probability of being in each state over {t} {unit} since the complaint. {values}",
        "nl": "Kans om in elke toestand te zijn over {t} {unit} sinds de aangifte. {values}",
        "fr": "Probabilité d'être dans chaque état sur {t} {unit} depuis la plainte. {values}",
    },
    "alt_horizons": {
        "en": "Where cases stand {horizons} after {origin}, {k} group(s). {values}",
        "nl": "Waar de zaken staan {horizons} na {origin}, {k} groep(en). {values}",
        "fr": "Où en sont les affaires {horizons} après {origin}, {k} groupe(s). {values}",
    },
    "alt_breakdown": {
        "en": "Where cases stand {days} days after the complaint, by {dims}. {values}",
        "nl": "Waar de zaken staan {days} dagen na de aangifte, naar {dims}. {values}",
        "fr": "Où en sont les affaires {days} jours après la plainte, par {dims}. {values}",
    },
    "alt_open": {"en": "{share} still open", "nl": "{share} nog open",
                 "fr": "{share} encore ouvertes"},
    "alt_forest": {
        "en": "Forest plot of {k} estimate(s): {quantity}. Largest departure from {ref}: "
              "{term}, {est} ({lo}-{hi}).",
        "nl": "Forestplot van {k} schatting(en): {quantity}. Grootste afwijking van {ref}: "
              "{term}, {est} ({lo}-{hi}).",
        "fr": "Graphique en forêt de {k} estimation(s) : {quantity}. Plus grand écart à {ref} : "
              "{term}, {est} ({lo}-{hi}).",
    },
    "alt_flags": {
        "en": "Flagged findings: {k} in {m} panel(s) ({metrics}). Largest: {top}.",
        "nl": "Gesignaleerde bevindingen: {k} in {m} paneel/panelen ({metrics}). Grootste: {top}.",
        "fr": "Constats signalés : {k} dans {m} panneau(x) ({metrics}). Le plus grand : {top}.",
    },
    "alt_crosswalk": {
        "en": "Police code by parquet code, {k} police codes: {agree} of the cases keep their "
              "police code at the parquet.",
        "nl": "Politiecode tegenover parketcode, {k} politiecodes: {agree} van de zaken houdt "
              "de politiecode op het parket.",
        "fr": "Code police par code parquet, {k} codes police : {agree} des affaires gardent "
              "leur code police au parquet.",
    },
    "alt_alluvial": {
        "en": "Flows of cases across {k}; the largest flow is {source} to {target} "
              "({n} cases).",
        "nl": "Stromen van zaken over {k}; de grootste stroom is {source} naar {target} "
              "({n} zaken).",
        "fr": "Flux d'affaires à travers {k} ; le plus grand flux va de {source} à {target} "
              "({n} affaires).",
    },
    "alt_delays_one": {
        "en": "Median delays with quartiles by group, {k} group(s); the median is reached in "
              "one: {m} {unit} ({g}).",
        "nl": "Mediane doorlooptijden met kwartielen per groep, {k} groep(en); de mediaan is "
              "bereikt in één: {m} {unit} ({g}).",
        "fr": "Délais médians avec quartiles par groupe, {k} groupe(s) ; la médiane est "
              "atteinte dans un seul : {m} {unit} ({g}).",
    },
    "alt_stages_hidden": {"en": "{n} stage(s) suppressed (too few cases).",
                          "nl": "{n} fase(n) onderdrukt (te weinig zaken).",
                          "fr": "{n} étape(s) masquée(s) (trop peu d'affaires)."},
    "alt_cells_hidden": {"en": "{n} cells suppressed ({small}).",
                         "nl": "{n} cellen onderdrukt ({small}).",
                         "fr": "{n} cellules masquées ({small})."},
    "alt_forest_none": {
        "en": "Forest plot of {k} estimate(s); none is bounded (too few cases to estimate).",
        "nl": "Forestplot van {k} schatting(en); geen enkele is begrensd (te weinig zaken).",
        "fr": "Graphique en forêt de {k} estimation(s) ; aucune n'est bornée (trop peu "
              "d'affaires).",
    },
    "alt_delays": {
        "en": "Median delays with quartiles by group, {k} group(s): from {lo} {unit} ({glo}) "
              "to {hi} {unit} ({ghi}).",
        "nl": "Mediane doorlooptijden met kwartielen per groep, {k} groep(en): van {lo} {unit} "
              "({glo}) tot {hi} {unit} ({ghi}).",
        "fr": "Délais médians avec quartiles par groupe, {k} groupe(s) : de {lo} {unit} ({glo}) "
              "à {hi} {unit} ({ghi}).",
    },
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
}

#: Dimension of a comparison (``by`` of the flags) -> prefix of a group's label.
BY_LABELS: dict[str, dict[str, str]] = {
    "zone": {"en": "Zone", "nl": "Zone", "fr": "Zone"},
    "division": {"en": "Division", "nl": "Afdeling", "fr": "Division"},
    "police_code": {"en": "Code", "nl": "Code", "fr": "Code"},
    "channel": {"en": "Channel", "nl": "Kanaal", "fr": "Canal"},
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


def format_decimal(value: float, spec: str = "g", lang: str = "en") -> str:
    """A number for a figure, with the decimal comma of French and Dutch.

    ``spec`` is a Python format spec; thousands separators become a narrow space (fr)
    or a point (nl). Independent of the machine's locale.

    Examples
    --------
    >>> format_decimal(0.875, ".2f", "fr"), format_decimal(1234.5, ",.1f", "nl")
    ('0,88', '1.234,5')
    >>> format_decimal(0.875, ".2f")
    '0.88'
    """
    _check_lang(lang)
    return decimal_text(format(float(value), spec), lang)


def decimal_text(text_: str, lang: str) -> str:
    """English-formatted number text (``"1,234.5"``) as ``lang`` writes it."""
    if lang == "en":
        return text_
    group = "\u202f" if lang == "fr" else "."
    comma = "{,}" if "$" in text_ else ","  # mathtext: a comma without the space after it
    return text_.replace(",", "\0").replace(".", comma).replace("\0", group)


class _DecimalFormatter(Formatter):
    """Wraps an axis formatter so that its tick labels take the decimal comma."""

    def __init__(self, inner: Formatter, lang: str) -> None:
        self.inner, self.lang = inner, lang

    def set_axis(self, axis: Any) -> None:
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def set_locs(self, locs: Any) -> None:
        self.inner.set_locs(locs)

    def __call__(self, x: float, pos: int | None = None) -> str:
        return decimal_text(self.inner(x, pos), self.lang)

    def get_offset(self) -> str:
        return decimal_text(self.inner.get_offset(), self.lang)


def localise_ticks(ax: Any, lang: str = "en") -> Any:
    """Give the tick labels of ``ax`` the decimal comma of ``lang`` (nothing for "en").

    Wraps whatever major and minor formatters the axes hold (call it after setting
    them), so ticks keep their positions and precision. Independent of the locale
    (``axes.formatter.use_locale`` depends on the machine).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [0, 0.5])
    >>> _ = localise_ticks(ax, "fr")
    >>> fig.canvas.draw()
    >>> [t.get_text() for t in ax.get_yticklabels()][1:3]
    ['0,0', '0,1']
    >>> plt.close(fig)
    """
    _check_lang(lang)
    if lang == "en":
        return ax
    for axis in (ax.xaxis, ax.yaxis):
        for get, put in ((axis.get_major_formatter, axis.set_major_formatter),
                         (axis.get_minor_formatter, axis.set_minor_formatter)):
            current = get()
            if not isinstance(current, _DecimalFormatter):
                put(_DecimalFormatter(current, lang))
    return ax


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
