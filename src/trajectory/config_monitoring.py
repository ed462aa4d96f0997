"""The ``[indicators]`` and ``[[interventions]]`` tables of the study config.

Indicators are per-period statistics of the trajectory with an optional target; the
default catalogue (:data:`DEFAULT_INDICATORS`) follows issue 17: transmission within
30 days, median time to the first decision, summons / technical and opportunity
dismissal by 12 months, hate and intrafamilial flags kept between police and parquet,
victims referred to support, first support contact within 90 days of the referral,
victims informed of the decision. Every one that needs a horizon is a cumulative
incidence read at it (Kaplan-Meier / Aalen-Johansen), never a share of closed cases.

An intervention is a change made in some units (zones, divisions, offence groups) from
a start date, whose effect :func:`trajectory.monitoring.evaluate` estimates.

Examples
--------
>>> cfg = indicators_config({"targets": {"transmitted_30d": 0.5}})
>>> cfg.period, cfg.specs["transmitted_30d"].target
('quarter', 0.5)
>>> iv = intervention_config(0, {"name": "protocol", "by": "zone", "units": ["5340"],
...                              "start": "2023-01-01"})
>>> iv.starts, iv.exposure
({'5340': datetime.date(2023, 1, 1)}, 'complaint')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import ConfigError

__all__ = [
    "IndicatorSpec",
    "IndicatorsConfig",
    "InterventionConfig",
    "DEFAULT_INDICATORS",
    "PERIODS",
    "indicators_config",
    "intervention_config",
]

PERIODS: tuple[str, ...] = ("quarter", "month", "year")
KINDS: tuple[str, ...] = ("incidence", "median", "share")
INDICATOR_KEYS: tuple[str, ...] = ("period", "use", "targets", "horizons")
INTERVENTION_KEYS: tuple[str, ...] = ("name", "by", "units", "start", "exposure", "stage",
                                      "outcome", "horizon")
EXPOSURES: tuple[str, ...] = ("complaint", "stage")
UNIT_COLUMNS: tuple[str, ...] = ("zone", "division", "offence_group")
_DECISIONS: dict[str, tuple[str, ...]] = {
    "court": ("E45", "E46", "E47"), "alternative": ("E42", "E43", "E44"),
    "dismissal_technical": ("E40",), "dismissal_opportunity": ("E41",),
    "administrative": ("E33", "E34", "E35"),
}


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator: what is counted, from which origin, read how.

    Attributes
    ----------
    name : str
        Key in the catalogue and in ``[indicators]`` tables.
    kind : {"incidence", "median", "share"}
        ``incidence``: cumulative incidence of ``state`` at ``horizon`` days
        (Aalen-Johansen with the other ``endpoints`` competing); ``median``: days
        until half the cohort reached any endpoint (Kaplan-Meier, Brookmeyer-Crowley
        limits); ``share``: share of cases with ``flag`` at the police that kept it at
        the parquet, among those registered there (Wilson limits).
    origin : str
        Event code of time zero, or ``"decision"`` (the first decision).
    endpoints : Mapping[str, tuple[str, ...]]
        Competing endpoint groups -> event codes.
    state : str
        Endpoint group read (``"any"`` for a median of the first endpoint).
    horizon : int or None
        Days after the origin (``incidence``); the follow-up after which a ``share``
        (cases still to reach the parquet) counts as final.
    flag : str or None
        ``"hate"`` or ``"ifg"`` for a ``share``.
    target : float or None
        The study's target (share, or days for a median).
    better : {"higher", "lower"}
        Direction of improvement.
    labels : Mapping[str, str]
        Label by language (``en``, ``nl``, ``fr``).
    """

    name: str
    kind: str
    origin: str = "E11"
    endpoints: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    state: str = "any"
    horizon: int | None = None
    flag: str | None = None
    target: float | None = None
    better: str = "higher"
    labels: Mapping[str, str] = field(default_factory=dict)

    def label(self, language: str = "en") -> str:
        """The label in ``language`` (English, then the name, when missing)."""
        return self.labels.get(language) or self.labels.get("en") or self.name


def _spec(name: str, kind: str, en: str, nl: str, fr: str, **kw: Any) -> IndicatorSpec:
    return IndicatorSpec(name, kind, labels={"en": en, "nl": nl, "fr": fr}, **kw)


#: The default catalogue of issue 17, by name.
DEFAULT_INDICATORS: dict[str, IndicatorSpec] = {s.name: s for s in (
    _spec("transmitted_30d", "incidence",
          "Transmitted to the parquet within 30 days of the complaint",
          "Binnen 30 dagen na de klacht doorgezonden aan het parket",
          "Transmis au parquet dans les 30 jours suivant la plainte",
          endpoints={"transmitted": ("E23", "E30")}, state="transmitted", horizon=30),
    _spec("median_days_to_decision", "median",
          "Median days from complaint to first decision",
          "Mediaan aantal dagen van klacht tot eerste beslissing",
          "Nombre médian de jours de la plainte à la première décision",
          endpoints=_DECISIONS, state="any", horizon=730, better="lower"),
    _spec("summons_12m", "incidence", "Summons by 12 months", "Dagvaarding binnen 12 maanden",
          "Citation dans les 12 mois", endpoints=_DECISIONS, state="court", horizon=365),
    _spec("dismissal_technical_12m", "incidence", "Technical dismissal by 12 months",
          "Technische seponering binnen 12 maanden", "Classement technique dans les 12 mois",
          endpoints=_DECISIONS, state="dismissal_technical", horizon=365, better="lower"),
    _spec("dismissal_opportunity_12m", "incidence", "Opportunity dismissal by 12 months",
          "Opportuniteitsseponering binnen 12 maanden",
          "Classement d'opportunité dans les 12 mois",
          endpoints=_DECISIONS, state="dismissal_opportunity", horizon=365, better="lower"),
    _spec("hate_flag_kept", "share", "Hate flag kept from police to parquet",
          "Haatmotief behouden van politie tot parket",
          "Mobile de haine conservé de la police au parquet", flag="hate", horizon=365),
    _spec("ifg_flag_kept", "share", "Intrafamilial flag kept from police to parquet",
          "Intrafamiliaal kenmerk behouden van politie tot parket",
          "Caractère intrafamilial conservé de la police au parquet", flag="ifg",
          horizon=365),
    _spec("referred_30d", "incidence", "Victim referred to support within 30 days",
          "Slachtoffer binnen 30 dagen doorverwezen naar hulp",
          "Victime orientée vers l'aide dans les 30 jours",
          endpoints={"referred": ("E14",)}, state="referred", horizon=30),
    _spec("support_contact_90d", "incidence",
          "First victim-support contact within 90 days of the police referral",
          "Eerste contact met slachtofferhulp binnen 90 dagen na de doorverwijzing",
          "Premier contact avec l'aide aux victimes dans les 90 jours suivant l'orientation",
          origin="E14", endpoints={"contact": ("E60",)}, state="contact", horizon=90),
    _spec("informed_90d", "incidence", "Victim informed within 90 days of the decision",
          "Slachtoffer binnen 90 dagen na de beslissing ingelicht",
          "Victime informée dans les 90 jours suivant la décision",
          origin="decision", endpoints={"informed": ("E63",)}, state="informed", horizon=90),
)}


@dataclass(frozen=True)
class IndicatorsConfig:
    """The ``[indicators]`` table: period, indicators used, their targets and horizons."""

    period: str = "quarter"
    specs: Mapping[str, IndicatorSpec] = field(default_factory=lambda: dict(DEFAULT_INDICATORS))


@dataclass(frozen=True)
class InterventionConfig:
    """One ``[[interventions]]`` entry.

    Attributes
    ----------
    name : str
    by : {"zone", "division", "offence_group"}
        The case column whose values are the units.
    starts : Mapping[str, datetime.date]
        Start date by treated unit (one date for all, or one per unit: staggered).
    exposure : {"complaint", "stage"}
        A case is exposed when its complaint date (``complaint``) or the date it
        reached ``stage`` (``stage``) is on or after its unit's start.
    stage : str or None
        The stage the change acts on (a stage name of the default stage table or an
        event code), for ``exposure = "stage"``: its start event becomes time zero.
    outcome : str
        Indicator evaluated by default (a name of the catalogue).
    horizon : int or None
        Horizon of the evaluation (default: the indicator's).
    """

    name: str
    by: str
    starts: Mapping[str, dt.date]
    exposure: str = "complaint"
    stage: str | None = None
    outcome: str = "transmitted_30d"
    horizon: int | None = None

    @property
    def units(self) -> tuple[str, ...]:
        """The treated units."""
        return tuple(self.starts)

    @property
    def staggered(self) -> bool:
        """True when units start at different dates."""
        return len(set(self.starts.values())) > 1


def _number(section: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"[{section}] {key} = {value!r}: must be a number")
    return float(value)


def _date(section: str, key: str, value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value if not isinstance(value, dt.datetime) else value.date()
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"[{section}] {key} = {value!r}: expected a date as YYYY-MM-DD") from None


def indicators_config(raw: Mapping[str, Any] | None) -> IndicatorsConfig:
    """Validate the ``[indicators]`` table (``period``, ``use``, ``targets``, ``horizons``)."""
    raw = raw or {}
    if not isinstance(raw, Mapping):
        raise ConfigError("[indicators] must be a table of `key = value` lines")
    unknown = [k for k in raw if k not in INDICATOR_KEYS]
    if unknown:
        raise ConfigError(f"[indicators] unknown key {unknown[0]!r}; allowed keys: "
                          f"{', '.join(INDICATOR_KEYS)}")
    period = raw.get("period", "quarter")
    if period not in PERIODS:
        raise ConfigError(f"[indicators] period = {period!r}: allowed values are "
                          f"{', '.join(PERIODS)}")
    use = raw.get("use", list(DEFAULT_INDICATORS))
    if not isinstance(use, list) or not use:
        raise ConfigError("[indicators] use must be a non-empty list of indicator names")
    specs: dict[str, IndicatorSpec] = {}
    for name in use:
        if name not in DEFAULT_INDICATORS:
            raise ConfigError(f"[indicators] use contains {name!r}; known indicators: "
                              f"{', '.join(DEFAULT_INDICATORS)}")
        specs[name] = DEFAULT_INDICATORS[name]
    for key, attr in (("targets", "target"), ("horizons", "horizon")):
        table = raw.get(key, {})
        if not isinstance(table, Mapping):
            raise ConfigError(f"[indicators] {key} must be a table of indicator = number")
        for name, value in table.items():
            if name not in specs:
                raise ConfigError(f"[indicators.{key}] {name!r} is not an indicator in use "
                                  f"({', '.join(specs)})")
            v = _number(f"indicators.{key}", name, value)
            if attr == "horizon":
                if not v.is_integer() or v <= 0:
                    raise ConfigError(f"[indicators.horizons] {name} = {value!r}: must be a "
                                      "positive whole number of days")
                specs[name] = replace(specs[name], horizon=int(v))
            else:
                specs[name] = replace(specs[name], target=v)
    return IndicatorsConfig(period=str(period), specs=specs)


def intervention_config(i: int, raw: Mapping[str, Any]) -> InterventionConfig:
    """Validate one ``[[interventions]]`` entry (number ``i`` from 0, for messages)."""
    section = f"interventions #{i + 1}"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"[{section}] must be a table ([[interventions]])")
    unknown = [k for k in raw if k not in INTERVENTION_KEYS]
    if unknown:
        raise ConfigError(f"[{section}] unknown key {unknown[0]!r}; allowed keys: "
                          f"{', '.join(INTERVENTION_KEYS)}")
    for key in ("name", "by", "units", "start"):
        if key not in raw:
            raise ConfigError(f"[{section}] missing required key {key!r}")
    section = f"interventions.{raw['name']}"
    by = raw["by"]
    if by not in UNIT_COLUMNS:
        raise ConfigError(f"[{section}] by = {by!r}: allowed values are {', '.join(UNIT_COLUMNS)}")
    units = raw["units"]
    if not isinstance(units, list) or not units:
        raise ConfigError(f"[{section}] units must be a non-empty list of {by} values")
    start = raw["start"]
    if isinstance(start, Mapping):
        missing = [str(u) for u in units if str(u) not in {str(k) for k in start}]
        if missing:
            raise ConfigError(f"[{section}] start has no date for units {missing}")
        starts = {str(u): _date(section, f"start.{u}", start[str(u)]) for u in units}
    else:
        day = _date(section, "start", start)
        starts = {str(u): day for u in units}
    exposure = raw.get("exposure", "complaint")
    if exposure not in EXPOSURES:
        raise ConfigError(f"[{section}] exposure = {exposure!r}: allowed values are "
                          f"{', '.join(EXPOSURES)}")
    stage = raw.get("stage")
    if exposure == "stage" and not stage:
        raise ConfigError(f"[{section}] exposure = 'stage' needs stage = <stage name or event>")
    outcome = raw.get("outcome", "transmitted_30d")
    if outcome not in DEFAULT_INDICATORS or DEFAULT_INDICATORS[outcome].kind != "incidence":
        allowed = [k for k, s in DEFAULT_INDICATORS.items() if s.kind == "incidence"]
        raise ConfigError(f"[{section}] outcome = {outcome!r}: allowed values are "
                          f"{', '.join(allowed)}")
    horizon = raw.get("horizon")
    if horizon is not None and (isinstance(horizon, bool) or not isinstance(horizon, int)
                                or horizon <= 0):
        raise ConfigError(f"[{section}] horizon = {horizon!r}: must be a positive integer")
    return InterventionConfig(name=str(raw["name"]), by=str(by), starts=starts,
                              exposure=str(exposure), stage=str(stage) if stage else None,
                              outcome=str(outcome), horizon=horizon)
