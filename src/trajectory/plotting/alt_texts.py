"""Alt texts of the figures, by key and language: sentences written from each figure's data.

Templates only: the plot functions fill in the numbers (formatted for the language by
:mod:`trajectory.plotting.formatting`) and :func:`trajectory.plotting.words.text` reads
them like any other figure word.
"""

from __future__ import annotations

__all__ = ["ALT_TEXT"]

#: Alt-text templates, by key and language.
ALT_TEXT: dict[str, dict[str, str]] = {
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
    "alt_incidence": {
        "en": "Cumulative incidence curves (Aalen-Johansen) over {t} {unit}, {k} group(s), "
              "{n} cases. {values}",
        "nl": "Cumulatieve-incidentiecurven (Aalen-Johansen) over {t} {unit}, {k} groep(en), "
              "{n} zaken. {values}",
        "fr": "Courbes d'incidence cumulée (Aalen-Johansen) sur {t} {unit}, {k} groupe(s), "
              "{n} affaires. {values}",
    },
    "alt_hazard": {
        "en": "Cumulative hazard curves (Nelson-Aalen) over {t} {unit}, {k} group(s), "
              "{n} cases. {values}",
        "nl": "Cumulatieve-hazardcurven (Nelson-Aalen) over {t} {unit}, {k} groep(en), "
              "{n} zaken. {values}",
        "fr": "Courbes de risque cumulé (Nelson-Aalen) sur {t} {unit}, {k} groupe(s), "
              "{n} affaires. {values}",
    },
    "alt_occupation": {
        "en": "State occupation curves (Aalen-Johansen) over {t} {unit}, {k} group(s), "
              "{n} cases. {values}",
        "nl": "Curven van de kans per toestand (Aalen-Johansen) over {t} {unit}, "
              "{k} groep(en), {n} zaken. {values}",
        "fr": "Courbes de probabilité d'occupation des états (Aalen-Johansen) sur {t} {unit}, "
              "{k} groupe(s), {n} affaires. {values}",
    },
    "alt_what_survival": {"en": "share of cases without the event",
                          "nl": "aandeel zaken zonder gebeurtenis",
                          "fr": "part des affaires sans l'événement"},
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
              "{term}, {est} ({ci}: {lo} to {hi}).",
        "nl": "Forestplot van {k} schatting(en): {quantity}. Grootste afwijking van {ref}: "
              "{term}, {est} ({ci}: {lo} tot {hi}).",
        "fr": "Graphique en forêt de {k} estimation(s) : {quantity}. Plus grand écart à {ref} : "
              "{term}, {est} ({ci} : {lo} à {hi}).",
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
    "alt_flag_points": {
        "en": "{value} percentage points ({ci}: {lo} to {hi})",
        "nl": "{value} procentpunten ({ci}: {lo} tot {hi})",
        "fr": "{value} points de pourcentage ({ci}\u00a0: {lo} à {hi})",
    },
    "alt_flag_ratio": {
        "en": "{value} ({ci}: {lo} to {hi})",
        "nl": "{value} ({ci}: {lo} tot {hi})",
        "fr": "{value} ({ci}\u00a0: {lo} à {hi})",
    },
    # monitoring figures
    "alt_indicator": {
        "en": "{name} by entry cohort: {k} period(s), {g} group(s).",
        "nl": "{name} per instroomcohorte: {k} periode(n), {g} groep(en).",
        "fr": "{name} par cohorte d'entrée : {k} période(s), {g} groupe(s).",
    },
    "alt_indicator_range": {"en": "Estimates from {lo} to {hi}.",
                            "nl": "Schattingen van {lo} tot {hi}.",
                            "fr": "Estimations de {lo} à {hi}."},
    "alt_indicator_target": {"en": "Target {target}.", "nl": "Doel {target}.",
                             "fr": "Cible {target}."},
    "alt_event_study": {
        "en": "Event study: {pre} period(s) before the start and {post} after; effects "
              "after the start from {lo} to {hi}.",
        "nl": "Gebeurtenisstudie: {pre} periode(n) voor de start en {post} erna; effecten "
              "na de start van {lo} tot {hi}.",
        "fr": "Étude d'événements : {pre} période(s) avant le début et {post} après ; effets "
              "après le début de {lo} à {hi}.",
    },
    "alt_event_study_none": {"en": "Event study without periods after the start.",
                             "nl": "Gebeurtenisstudie zonder perioden na de start.",
                             "fr": "Étude d'événements sans période après le début."},
    "alt_monitor_funnel": {
        "en": "Funnel plot of {n} unit(s): {out} outside the 99.8% limits.",
        "nl": "Trechterdiagram van {n} eenhe(i)d(en): {out} buiten de 99,8%-grenzen.",
        "fr": "Graphique en entonnoir de {n} unité(s) : {out} hors des limites à 99,8\u202f%.",
    },
    "alt_cusum_alarms": {"en": "CUSUM of {n} unit(s): {a} alarm(s).",
                         "nl": "CUSUM van {n} eenhe(i)d(en): {a} alarm(en).",
                         "fr": "CUSUM de {n} unité(s) : {a} alarme(s)."},
    "alt_cusum": {
        "en": "CUSUM of {n} unit(s) against the alarm threshold {h}: {a} alarm(s).",
        "nl": "CUSUM van {n} eenhe(i)d(en) tegenover de alarmdrempel {h}: {a} alarm(en).",
        "fr": "CUSUM de {n} unité(s) face au seuil d'alarme {h} : {a} alarme(s).",
    },
}
